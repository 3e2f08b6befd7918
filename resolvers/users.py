"""Users, their profiles, and the lists that hang off a user."""

from __future__ import annotations

from datetime import datetime

from data import keys
from data.queries import QuerySpec, SortCondition
from data.records import (
    CommentRecord,
    OrderRecord,
    PostRecord,
    ProfileRecord,
    SessionRecord,
    UserRecord,
)
from data.ulid import ulid_time_bound
from resolvers import ids
from resolvers.connections import Page, PageArgs, query_page
from resolvers.context import RequestContext
from resolvers.filters import live_sessions, post_status, visible_comments
from resolvers.permissions import (
    can_see_email,
    require_admin,
    require_self,
    require_self_or_admin,
    sees_all_posts_of,
)


def display_name(user: UserRecord) -> str:
    """ "first last" trimmed, or "user-" and the ULID's last six characters, lower-cased."""
    name = f"{user.first_name or ''} {user.last_name or ''}".strip()
    return name or f"user-{user.user_id[-6:].lower()}"


async def user(ctx: RequestContext, global_id: str) -> UserRecord | None:
    return await ctx.loaders.user(ids.user_id(global_id))


async def user_by_email(ctx: RequestContext, email: str) -> UserRecord | None:
    await ctx.identified()
    require_admin(ctx)
    owner = await ctx.loaders.owner_of(keys.email_lock(email), "userId")
    return await ctx.loaders.user(owner) if owner else None


def email(ctx: RequestContext, record: UserRecord) -> str | None:
    return record.email if can_see_email(ctx, record) else None


async def profile(ctx: RequestContext, record: UserRecord) -> ProfileRecord | None:
    return await ctx.loaders.profile(record.user_id)


async def posts(
    ctx: RequestContext, record: UserRecord, args: PageArgs, status: str | None,
    content: bool = True,
) -> Page[PostRecord]:
    """Newest first; others than the author and moderators see published posts only.

    Without `content` the posts are read without it (their records hold "")."""
    if sees_all_posts_of(ctx, record.user_id):
        where = post_status(status) if status else None
    elif status not in (None, "PUBLISHED"):
        return Page([], [], False, False)
    else:
        where = post_status("PUBLISHED")
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(record.user_id),
        SortCondition("begins_with", "POST#"),
        forward=False,
        filter=where,
        attributes=None if content else PostRecord.WITHOUT_CONTENT,
    )
    return await query_page(ctx, spec, args, PostRecord.from_item)


async def comments(ctx: RequestContext, record: UserRecord, args: PageArgs) -> Page[CommentRecord]:
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(record.user_id),
        SortCondition("begins_with", "COMMENT#"),
        forward=False,
        filter=visible_comments(ctx),
    )
    return await query_page(ctx, spec, args, CommentRecord.from_item)


async def orders(
    ctx: RequestContext,
    record: UserRecord,
    args: PageArgs,
    since: datetime | None,
    until: datetime | None,
    newest_first: bool,
) -> Page[OrderRecord]:
    """The user's orders between two moments, found by the ULID bounds of the order IDs."""
    require_self_or_admin(ctx, record.user_id)
    if since is None and until is None:
        sort = SortCondition("begins_with", "ORDER#")
    else:
        low = "ORDER#" + (ulid_time_bound(since, upper=False) if since else "")
        high = "ORDER#" + (ulid_time_bound(until, upper=True) if until else "~")
        sort = SortCondition("between", low, high)
    spec = QuerySpec(None, keys.user_pk(record.user_id), sort, forward=not newest_first)
    return await query_page(ctx, spec, args, OrderRecord.from_item)


async def sessions(ctx: RequestContext, record: UserRecord, args: PageArgs) -> Page[SessionRecord]:
    require_self(ctx, record.user_id)
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(record.user_id),
        SortCondition("begins_with", "SESSION#"),
        filter=live_sessions(),
    )
    return await query_page(ctx, spec, args, SessionRecord.from_item)


async def session_of_viewer(ctx: RequestContext, session_id: str) -> SessionRecord | None:
    """One of the viewer's own live sessions, by its ID (a GSI1 Query in their partition)."""
    await ctx.identified()
    if ctx.viewer_id is None:
        return None
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(ctx.viewer_id),
        SortCondition("=", keys.session_sort(session_id)),
        limit=1,
        filter=live_sessions(),
    )
    found = await ctx.loaders.query(spec)
    return SessionRecord.from_item(found[0]) if found else None


def is_current(ctx: RequestContext, record: SessionRecord) -> bool:
    return ctx.session is not None and ctx.session.session_id == record.session_id
