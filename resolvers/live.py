"""Following topics for a subscription, with the query rules applied to every change.

`follow` turns a subscription's topic into the records its viewer may see, one
at a time, as they are written. A signed-in subscriber also follows its own
session and user: a sign-out, a revocation or a suspension ends the
subscription with UNAUTHENTICATED, as does the session's expiry; a change of
role applies to the next change. Every change is read by fresh loaders shared
by all the subscribers it reaches, so their lookups (a comment's author) leave
in one batch and a long subscription never reads stale items from a cache.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from data.accounts import SessionRecord, UserRecord
from data.changes import Change
from data.clock import now, parse_iso
from live import Inbox, topics
from loaders.loader_set import LoaderSet
from resolvers.context import Connection, RequestContext, signed_in
from resolvers.errors import Unauthenticated

T = TypeVar("T")
Admit = Callable[[Change], T | None]
# A second look at an admitted record, with lookups (through the change's shared loaders).
Confirm = Callable[[T], Awaitable[bool]]

# The loaders of each change, while some subscriber still reads it.
_loaders: weakref.WeakKeyDictionary[Change, LoaderSet] = weakref.WeakKeyDictionary()


def connection_of(ctx: RequestContext) -> Connection:
    """The operation's WebSocket connection (subscriptions come over no other way)."""
    if ctx.connection is None:
        raise RuntimeError("a subscription ran outside a WebSocket connection")
    return ctx.connection


async def follow(ctx: RequestContext, topic: str, admit: Admit[T],
                 confirm: Confirm[T] | None = None) -> AsyncIterator[T | Exception]:
    """Subscribe to `topic` now, then yield what `admit` makes of each change (changes
    it returns None for are skipped), if `confirm`, when given, says yes to it: a rule
    that needs another item (a reply's parent) reads it there, with the loaders all
    the change's subscribers share, so their lookups leave in one batch. The
    subscription is open when this returns, so every write that succeeds afterwards
    is seen; an UNAUTHENTICATED error is the last thing yielded when the viewer's
    session ends."""
    connection = connection_of(ctx)
    followed = {topic}
    session = ctx.session
    if session is not None:
        followed |= {topics.session(session.token_hash), topics.user(session.user_id)}
    inbox = await connection.hub.open(followed, connection.too_slow)
    return _changes(ctx, connection, inbox, admit, confirm)


async def _changes(ctx: RequestContext, connection: Connection, inbox: Inbox,
                   admit: Admit[T], confirm: Confirm[T] | None) -> AsyncIterator[T | Exception]:
    try:
        while True:
            change = await inbox.get(_seconds_left(ctx.session))
            if inbox.closed:
                return
            ended = _expired(ctx) if change is None else _viewer_changed(ctx, connection, change)
            if ended is not None:
                ctx.act_as(None, None)
                connection.act_as(None, None)
                yield Unauthenticated(ended)
                return
            if change is None:
                continue
            record = admit(change)
            if record is None:
                continue
            loaders = _loaders.get(change)
            if loaders is None:
                loaders = _loaders[change] = LoaderSet(ctx.dynamo)
            ctx.loaders = loaders
            if confirm is not None and not await confirm(record):
                continue
            yield record
    finally:
        connection.hub.close(inbox)


def _seconds_left(session: SessionRecord | None) -> float | None:
    if session is None:
        return None
    return max(0.0, (parse_iso(session.expires_at) - now()).total_seconds())


def _expired(ctx: RequestContext) -> str | None:
    session = ctx.session
    if session is not None and parse_iso(session.expires_at) <= now():
        return "the session expired: sign in again"
    return None


def _viewer_changed(ctx: RequestContext, connection: Connection,
                    change: Change) -> str | None:
    """Apply a change of the viewer's own session or user to the operation and its
    connection; why the subscription must end, if it must."""
    session, viewer = ctx.session, ctx.viewer
    if session is None or viewer is None:
        return None
    if change.entity_type == SessionRecord.entity_type:
        was = change.old(SessionRecord) or change.new(SessionRecord)
        if was is None or was.token_hash != session.token_hash:
            return None
        renewed = change.new(SessionRecord)
        if renewed is None:
            return "the session ended: it was signed out or revoked"
        session = renewed
    elif change.entity_type == UserRecord.entity_type:
        whose = change.old(UserRecord) or change.new(UserRecord)
        if whose is None or whose.user_id != viewer.user_id:
            return None
        account = change.new(UserRecord)
        if account is None:
            return "the account was deleted"
        viewer = account
    else:
        return None
    if not signed_in(session, viewer):
        return "the session ended: the account may not sign in now"
    ctx.act_as(session, viewer)
    connection.act_as(session, viewer)
    return None
