"""What every resolver gets: the request's loaders, its viewer, and the cursor signer."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from data.client import Dynamo
from data.clock import now, parse_iso
from data.cursors import CursorSigner
from data.records import SessionRecord, UserRecord
from data.settings import Settings
from data.tokens import claimed_user, token_hash
from loaders.loader_set import LoaderSet

_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{16,256}$")
MODERATING_ROLES = ("MODERATOR", "ADMIN")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if well-formed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _TOKEN.match(token):
        return None
    return token


@dataclass
class RequestContext:
    settings: Settings
    dynamo: Dynamo
    loaders: LoaderSet
    cursors: CursorSigner
    request_id: str
    session: SessionRecord | None = None
    user_agent: str | None = None
    _viewer: UserRecord | None = field(default=None, repr=False)

    def act_as(self, session: SessionRecord | None, user: UserRecord | None) -> None:
        """The rest of the request runs as `session` (None: anonymously), e.g. after signIn."""
        self.session = session
        self._viewer = user

    @property
    def viewer_id(self) -> str | None:
        return self._viewer.user_id if self._viewer else None

    @property
    def viewer(self) -> UserRecord | None:
        return self._viewer

    @property
    def role(self) -> str | None:
        return self._viewer.role if self._viewer else None

    @property
    def moderates(self) -> bool:
        return self.role in MODERATING_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"


async def build_context(
    settings: Settings,
    dynamo: Dynamo,
    cursors: CursorSigner,
    request_id: str,
    authorization: str | None,
    user_agent: str | None = None,
) -> RequestContext:
    """A fresh context: new loaders, and the viewer behind the bearer token, if any.

    A bad or expired token, or a suspended user, makes the request anonymous.
    """
    loaders = LoaderSet(dynamo)
    context = RequestContext(settings, dynamo, loaders, cursors, request_id, user_agent=user_agent)
    token = bearer_token(authorization)
    if token is None:
        return context
    claimed = claimed_user(token)
    if claimed is not None:
        # Session and user leave together, in one BatchGetItem.
        session, user = await asyncio.gather(
            loaders.session(token_hash(token)), loaders.user(claimed)
        )
        if session is not None and session.user_id != claimed:
            return context
    else:
        session = await loaders.session(token_hash(token))
        user = await loaders.user(session.user_id) if session is not None else None
    if session is None or parse_iso(session.expires_at) <= now():
        return context
    if user is None or user.status in ("SUSPENDED", "INACTIVE"):
        return context
    context.act_as(session, user)
    return context
