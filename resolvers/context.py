"""What every resolver gets: the request's loaders, its viewer, and the cursor signer.

A bearer token of the form `<userId>.<random>` is resolved with the query's first
wave of lookups (its session and user leave in the same BatchGetItem), not
before it: execution starts at once. The loaders hold every result back until
the viewer is known, so a resolver that reads the viewer after a lookup always
sees it; one that reads it before any lookup awaits `identified()` first.
Reading the viewer while it is still unknown is a programming error, and raises.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from config import Settings
from data import keys
from data.accounts import SessionRecord, UserRecord
from data.client import Dynamo, Item
from data.clock import now, parse_iso
from data.cursors import CursorSigner
from data.pages import ListRead, Page, PageArgs, read_all, read_page
from data.tokens import claimed_user, token_hash
from live import Hub
from loaders.loader_set import LoaderSet
from resolvers.limits import Attempts

_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{16,256}$")
MODERATING_ROLES = ("MODERATOR", "ADMIN")
T = TypeVar("T")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if well-formed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _TOKEN.match(token):
        return None
    return token


class Connection(Protocol):
    """The WebSocket connection an operation came over; subscriptions need one."""

    hub: Hub

    def act_as(self, session: SessionRecord | None, user: UserRecord | None) -> None:
        """Operations started from now on run as `user` (None: anonymously)."""

    def too_slow(self) -> None:
        """A subscription fell too far behind: close the connection."""


@dataclass(frozen=True)
class MutationCall:
    """The mutation field being resolved: its name, its key in the response (its alias,
    or its name) and its arguments (input objects as dataclasses)."""

    field: str
    response_key: str
    arguments: dict[str, Any]


@dataclass
class RequestContext:
    settings: Settings
    dynamo: Dynamo
    loaders: LoaderSet
    cursors: CursorSigner
    request_id: str
    user_agent: str | None = None
    connection: Connection | None = None
    # The client's Idempotency-Key (the operation's own, in a batch).
    idempotency_key: str | None = None
    call: MutationCall | None = None
    # The client's address as the rate limits count it (web/client_address.py), and
    # the limits on sign-ins and sign-ups (None: off).
    client_address: str | None = None
    attempts: Attempts | None = None
    # Response keys of the mutation fields whose writes were applied, with the ID of
    # what each answered with (None when it answered with no object).
    applied: dict[str, str | None] = field(default_factory=dict)
    _session: SessionRecord | None = field(default=None, repr=False)
    _viewer: UserRecord | None = field(default=None, repr=False)

    def act_as(self, session: SessionRecord | None, user: UserRecord | None) -> None:
        """The rest of the request runs as `session` (None: anonymously), e.g. after signIn."""
        self._session = session
        self._viewer = user

    async def identified(self) -> None:
        """Wait until the bearer token is resolved (SERVICE_UNAVAILABLE if that failed)."""
        gate = self.loaders.gate
        if gate is not None and not gate.done():
            await asyncio.shield(gate)
        self._known()

    async def fork(self, idempotency_key: str | None) -> RequestContext:
        """The same viewer over fresh loaders, for one mutation of a batch: it must read
        its own writes, not what the batch's queries cached before them."""
        with suppress(Exception):  # a failed lookup stays failed in the fork, below
            await self.identified()
        child = replace(self, loaders=LoaderSet(self.dynamo), idempotency_key=idempotency_key,
                        applied={})
        child.loaders.gate = self.loaders.gate
        return child

    def _known(self) -> None:
        gate = self.loaders.gate
        if gate is None:
            return
        if not gate.done():
            raise RuntimeError("the viewer was read before the token was resolved: "
                               "await ctx.identified() first")
        failure = gate.exception()
        if failure is not None:
            raise failure

    @property
    def session(self) -> SessionRecord | None:
        self._known()
        return self._session

    @property
    def viewer_id(self) -> str | None:
        return self.viewer.user_id if self.viewer else None

    @property
    def viewer(self) -> UserRecord | None:
        self._known()
        return self._viewer

    @property
    def role(self) -> str | None:
        return self.viewer.role if self.viewer else None

    @property
    def moderates(self) -> bool:
        return self.role in MODERATING_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"

    async def page(self, read: ListRead[T], args: PageArgs) -> Page[T]:
        """One page of a named read (`data.posts.feed`, ...), through this request's loaders."""
        return await read_page(self.loaders, self.cursors, read, args)

    async def every(self, read: ListRead[T]) -> list[T]:
        """Every record of a short, bounded named read."""
        return await read_all(self.loaders, read)


async def build_context(
    settings: Settings,
    dynamo: Dynamo,
    cursors: CursorSigner,
    request_id: str,
    authorization: str | None,
    user_agent: str | None = None,
    idempotency_key: str | None = None,
    client_address: str | None = None,
    attempts: Attempts | None = None,
) -> RequestContext:
    """A fresh context: new loaders, and the viewer behind the bearer token, if any.

    A bad or expired token, or a suspended user, makes the request anonymous.
    """
    loaders = LoaderSet(dynamo)
    context = RequestContext(settings, dynamo, loaders, cursors, request_id, user_agent=user_agent,
                             idempotency_key=idempotency_key, client_address=client_address,
                             attempts=attempts)
    token = bearer_token(authorization)
    if token is None:
        return context
    hashed = token_hash(token)
    claimed = claimed_user(token)
    if claimed is not None:
        # Session and user leave together, with the query's first lookups.
        def settle(found: list[Item | None]) -> None:
            session, user = found
            _identify(context, SessionRecord.from_item(session) if session else None,
                      UserRecord.from_item(user) if user else None)

        loaders.watch([keys.session(hashed), keys.user(claimed)], settle)
        return context
    # A token without a user ID in it: its session first, then that session's user.
    session = await loaders.session(hashed)
    _identify(context, session, await loaders.user(session.user_id) if session else None)
    return context


def signed_in(session: SessionRecord | None, user: UserRecord | None) -> bool:
    """Whether `session` is live, names `user`, and `user` may sign in."""
    if session is None or user is None or session.user_id != user.user_id:
        return False
    return parse_iso(session.expires_at) > now() and user.status not in ("SUSPENDED", "INACTIVE")


def _identify(context: RequestContext, session: SessionRecord | None,
              user: UserRecord | None) -> None:
    """Act as `user` if signed in; a bad or expired token, or a suspended user, leaves
    the request anonymous."""
    if signed_in(session, user):
        context.act_as(session, user)


async def viewer_of(dynamo: Dynamo, authorization: str | None
                    ) -> tuple[SessionRecord, UserRecord] | None:
    """The live session and its user behind an `Authorization: Bearer …` value; None when
    it names none (no token, a bad or expired one, a suspended user)."""
    token = bearer_token(authorization)
    if token is None:
        return None
    loaders = LoaderSet(dynamo)
    claimed = claimed_user(token)
    if claimed is not None:  # both in one BatchGetItem
        session, user = await asyncio.gather(loaders.session(token_hash(token)),
                                             loaders.user(claimed))
    else:
        session = await loaders.session(token_hash(token))
        user = await loaders.user(session.user_id) if session else None
    if session is None or user is None or not signed_in(session, user):
        return None
    return session, user


def connection_context(settings: Settings, dynamo: Dynamo, cursors: CursorSigner,
                       request_id: str, connection: Connection,
                       viewer: tuple[SessionRecord, UserRecord] | None,
                       user_agent: str | None = None) -> RequestContext:
    """The context of one operation over a WebSocket: loaders of its own, and the viewer
    the connection signed in as (known already: nothing waits for the token)."""
    context = RequestContext(settings, dynamo, LoaderSet(dynamo), cursors, request_id,
                             user_agent=user_agent, connection=connection)
    if viewer is not None:
        context.act_as(*viewer)
    return context
