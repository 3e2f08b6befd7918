"""Accounts: users, their profiles and sessions, the lists that hang off a user, and
every mutation of them (sign up, sign in and out, passwords, profiles, roles).

Each mutation authorizes, validates every input, then writes through
`data.accounts`. Items a mutation wrote replace the request's cached copies
(`LoaderSet.wrote`), so whatever the response reads next shows the write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import data.accounts
import data.comments
import data.posts
import data.shop
from data import keys
from data.accounts import ProfileRecord, SessionRecord, UserRecord
from data.client import Item
from data.comments import CommentRecord
from data.errors import Conflict, InvalidInput, NotFound
from data.idempotency import Claim
from data.pages import Page, PageArgs
from data.posts import PostRecord
from data.shop import OrderRecord
from data.tokens import token_hash
from data.ulid import new_ulid
from resolvers import ids, validate
from resolvers.comments import page_in_threads
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, Unauthenticated
from resolvers.idempotency import derived_secret, once
from resolvers.permissions import (
    can_see_email,
    require_admin,
    require_self,
    require_self_or_admin,
    require_viewer,
    sees_all_posts_of,
)

NAME_MAX = 100
BIO_MAX = 2000
LOCATION_MAX = 200
SOCIAL_LINKS_MAX = 10
SOCIAL_NAME_MAX = 50
# One message for every failed sign-in, so it never tells which part was wrong.
BAD_CREDENTIALS = "wrong email or password"


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
    return await ctx.page(data.posts.posts_by_author(record.user_id, status, content), args)


async def comments(
    ctx: RequestContext, record: UserRecord, args: PageArgs, with_posts: bool = False
) -> Page[CommentRecord]:
    """Newest first, by the thread rule (a reply under a comment the viewer cannot see
    is left out); `with_posts`: the query reads the comments' posts next."""
    read = data.comments.comments_by_author(record.user_id, ctx.viewer_id, ctx.moderates)
    return await page_in_threads(ctx, read, args, with_posts)


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
    read = data.shop.orders_of_customer(record.user_id, since, until, newest_first)
    return await ctx.page(read, args)


async def sessions(ctx: RequestContext, record: UserRecord, args: PageArgs) -> Page[SessionRecord]:
    require_self(ctx, record.user_id)
    return await ctx.page(data.accounts.sessions_of_user(record.user_id), args)


async def session_of_viewer(ctx: RequestContext, session_id: str) -> SessionRecord | None:
    """One of the viewer's own live sessions, by its ID."""
    await ctx.identified()
    if ctx.viewer_id is None:
        return None
    found = await ctx.every(data.accounts.session_of_user(ctx.viewer_id, session_id))
    return found[0] if found else None


def is_current(ctx: RequestContext, record: SessionRecord) -> bool:
    return ctx.session is not None and ctx.session.session_id == record.session_id


async def _session_node(ctx: RequestContext, parts: tuple[str, ...]) -> SessionRecord | None:
    return await session_of_viewer(ctx, parts[0])


ids.register("User", UserRecord, ("user_id",), key=keys.user)
ids.register("Session", SessionRecord, ("session_id",), load=_session_node)


# ---------------------------------------------------------------- mutations


@dataclass(frozen=True)
class SignedIn:
    """A new session: its token (shown once), the stored session, and its user."""

    token: str
    session: SessionRecord
    user: UserRecord


async def sign_up(ctx: RequestContext, email: str, password: str,
                  first_name: str | None, last_name: str | None) -> SignedIn:
    """A new USER account and its first session; CONFLICT if the email is taken,
    RATE_LIMITED past the sign-ups allowed from the client's address."""
    address = keys.normalise_email(email)
    data.accounts.valid_password(password)
    first = validate.optional_text("firstName", first_name, maximum=NAME_MAX)
    last = validate.optional_text("lastName", last_name, maximum=NAME_MAX)
    if ctx.attempts is not None:
        await ctx.attempts.sign_up(ctx.client_address)

    def opened(claim: Claim | None, user_id: str) -> tuple[str, SessionRecord]:
        # Under an idempotency key the token is derived from it: a retry hands out
        # the same token, which is stored nowhere but in the client.
        secret = None if claim is None else derived_secret(ctx, claim, "session")
        return data.accounts.new_session(user_id, ctx.user_agent,
                                         ctx.settings.session_ttl_seconds, secret)

    async def write(claim: Claim | None) -> SignedIn:
        # The session names the user it opens for: the account is created with its ID.
        token, session = opened(claim, new_ulid())
        account = await data.accounts.create_user(ctx.dynamo, address, password, first, last,
                                                  session=session)
        ctx.loaders.wrote(account.user)
        ctx.loaders.wrote(account.profile)
        return SignedIn(token, session, account.record)

    async def replay(claim: Claim, item: Item) -> SignedIn:
        user = UserRecord.from_item(item)
        token, _ = opened(claim, user.user_id)
        session = await ctx.loaders.session(token_hash(token))
        if session is None:
            raise Conflict("this sign-up was applied, and its session has ended since: "
                           "sign in")
        return SignedIn(token, session, user)

    signed_in = await once(ctx, write, replay)
    ctx.act_as(signed_in.session, signed_in.user)
    return signed_in


async def sign_in(ctx: RequestContext, email: str, password: str) -> SignedIn:
    """A new session for the account; UNAUTHENTICATED, always with the same message,
    for an unknown email, a wrong password, or an account that may not sign in;
    RATE_LIMITED past the attempts allowed for the email or the client's address."""
    address = keys.normalise_email(email)
    if ctx.attempts is not None:
        await ctx.attempts.sign_in(address, ctx.client_address)
    account = await data.accounts.authenticate(ctx.dynamo, address, password)
    if account is None:
        raise Unauthenticated(BAD_CREDENTIALS)
    ctx.loaders.wrote(account.user)
    user = account.record
    token, session = data.accounts.new_session(user.user_id, ctx.user_agent,
                                          ctx.settings.session_ttl_seconds)
    await data.accounts.put_session(ctx.dynamo, session)
    ctx.act_as(session, user)
    return SignedIn(token, session, user)


async def sign_out(ctx: RequestContext) -> bool:
    """End the session that made this request."""
    viewer = require_viewer(ctx)
    if ctx.session is not None:
        # Already gone (a concurrent sign-out) is as good as deleted.
        await data.accounts.delete_session(ctx.dynamo, ctx.session.token_hash, viewer.user_id)
    ctx.act_as(None, None)
    return True


async def revoke_session(ctx: RequestContext, global_id: str) -> bool:
    """End one of the viewer's own live sessions; NOT_FOUND for anyone else's."""
    viewer = require_viewer(ctx)
    session_id = ids.decode_as(global_id, ("Session",))[1][0]
    found = await session_of_viewer(ctx, session_id)
    if found is None or not await data.accounts.delete_session(
        ctx.dynamo, found.token_hash, viewer.user_id
    ):
        raise NotFound("no such session")
    if is_current(ctx, found):
        ctx.act_as(None, None)
    return True


async def change_password(ctx: RequestContext, current: str, new: str) -> bool:
    """Replace the viewer's password and end their other sessions.

    A wrong current password is BAD_USER_INPUT on `currentPassword`: the viewer
    is signed in, so UNAUTHENTICATED would wrongly tell the client its session ended.
    """
    viewer = require_viewer(ctx)
    data.accounts.valid_password(new, "newPassword")
    keep = ctx.session.session_id if ctx.session else None
    if not await data.accounts.change_password(ctx.dynamo, viewer.user_id, current, new, keep):
        raise InvalidInput("currentPassword", "currentPassword is not the current password")
    return True


def _social_links(links: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """(name, url) pairs, checked: at most ten, each with a name and an http(s) URL."""
    if len(links) > SOCIAL_LINKS_MAX:
        raise InvalidInput("socialLinks", f"socialLinks holds at most {SOCIAL_LINKS_MAX} links")
    checked = []
    for index, (name, url) in enumerate(links):
        field = f"socialLinks[{index}]"
        label = validate.text(f"{field}.name", name, maximum=SOCIAL_NAME_MAX)
        address = validate.url(f"{field}.url", url)
        if address is None:
            raise InvalidInput(f"{field}.url", f"{field}.url must not be empty")
        checked.append({"name": label, "url": address})
    return checked


_USER_FIELDS = ("firstName", "lastName")


def _checked(name: str, value: Any) -> Any:
    """One UpdateProfileInput field, validated into the value to store (None clears)."""
    if name in _USER_FIELDS:
        return validate.optional_text(name, value, maximum=NAME_MAX)
    if name == "bio":
        return validate.optional_body(name, value, maximum=BIO_MAX)
    if name == "location":
        return validate.optional_text(name, value, maximum=LOCATION_MAX)
    if name in ("avatarUrl", "website"):
        return validate.url(name, value)
    if name == "socialLinks":
        return _social_links(value or [])
    raise ValueError(f"updateProfile has no field {name}")


async def update_profile(ctx: RequestContext, given: Mapping[str, Any]) -> UserRecord:
    """Change the viewer's names and profile.

    `given` holds only the fields the client sent; null or blank clears a
    field, and null `socialLinks` clears the list. Everything is checked
    before the one transaction that writes both items.
    """
    viewer = require_viewer(ctx)
    checked = {name: _checked(name, value) for name, value in given.items()}
    if not checked:
        return viewer
    user_changes = {k: v for k, v in checked.items() if k in _USER_FIELDS}
    profile_changes = {k: v for k, v in checked.items() if k not in _USER_FIELDS}
    account = await data.accounts.update_profile(ctx.dynamo, viewer.user_id, user_changes,
                                            profile_changes)
    ctx.loaders.wrote(account.user)
    ctx.loaders.wrote(account.profile)
    user = account.record
    ctx.act_as(ctx.session, user)
    return user


async def update_user(ctx: RequestContext, global_id: str, role: str | None,
                      status: str | None) -> UserRecord:
    """An admin sets a user's role and/or status.

    Admins may not change their own, so the last admin cannot lock everyone out.
    """
    admin = require_admin(ctx)
    user_id = ids.user_id(global_id)
    if user_id == admin.user_id and (role or status):
        raise Forbidden("admins cannot change their own role or status")
    account = await data.accounts.set_role_and_status(ctx.dynamo, user_id, role, status)
    ctx.loaders.wrote(account.user)
    return account.record
