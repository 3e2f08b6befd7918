"""Users, their profiles, and the lists that hang off a user."""

from __future__ import annotations

from datetime import datetime

from data import access, keys
from data.pages import Page, PageArgs
from data.records import (
    CommentRecord,
    OrderRecord,
    PostRecord,
    ProfileRecord,
    SessionRecord,
    UserRecord,
)
from resolvers import ids
from resolvers.context import RequestContext
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
    if not sees_all_posts_of(ctx, record.user_id):
        if status not in (None, "PUBLISHED"):
            return Page.empty()
        status = "PUBLISHED"
    return await ctx.page(access.posts_by_author(record.user_id, status, content), args)


async def comments(ctx: RequestContext, record: UserRecord, args: PageArgs) -> Page[CommentRecord]:
    read = access.comments_by_author(record.user_id, ctx.viewer_id, ctx.moderates)
    return await ctx.page(read, args)


async def orders(
    ctx: RequestContext,
    record: UserRecord,
    args: PageArgs,
    since: datetime | None,
    until: datetime | None,
    newest_first: bool,
) -> Page[OrderRecord]:
    """The user's orders between two moments."""
    require_self_or_admin(ctx, record.user_id)
    read = access.orders_of_customer(record.user_id, since, until, newest_first)
    return await ctx.page(read, args)


async def sessions(ctx: RequestContext, record: UserRecord, args: PageArgs) -> Page[SessionRecord]:
    require_self(ctx, record.user_id)
    return await ctx.page(access.sessions_of_user(record.user_id), args)


async def session_of_viewer(ctx: RequestContext, session_id: str) -> SessionRecord | None:
    """One of the viewer's own live sessions, by its ID."""
    await ctx.identified()
    if ctx.viewer_id is None:
        return None
    found = await ctx.every(access.session_of_user(ctx.viewer_id, session_id))
    return found[0] if found else None


def is_current(ctx: RequestContext, record: SessionRecord) -> bool:
    return ctx.session is not None and ctx.session.session_id == record.session_id


async def _session_node(ctx: RequestContext, parts: tuple[str, ...]) -> SessionRecord | None:
    return await session_of_viewer(ctx, parts[0])


async def _user_node(ctx: RequestContext, parts: tuple[str, ...]) -> UserRecord | None:
    return await ctx.loaders.user(parts[0])


ids.register("User", UserRecord, ("user_id",), _user_node)
ids.register("Session", SessionRecord, ("session_id",), _session_node)
