"""A mutation sent with an `Idempotency-Key` applies once; its retries answer as it did.

A key is scoped to its sender (the signed-in user, or everyone anonymous) and to
the mutation field's place in the request (its alias, and its operation's place
in a batch), so one key serves every mutation of one request. A retry must send
the same arguments: the same key with other arguments is CONFLICT, as the key is
then being reused for another request. See `data.idempotency` for the item kept.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import TypeVar

import orjson

from data import idempotency
from data.client import Item
from data.errors import Conflict, NotFound
from data.idempotency import AlreadyApplied, Claim, claiming
from data.layout import Entity
from data.writes import read
from resolvers.context import RequestContext

R = TypeVar("R")
E = TypeVar("E", bound=Entity)
# A retry racing the first attempt finds its item on the second look.
ATTEMPTS = 3


def _claim(ctx: RequestContext, key: str) -> Claim:
    call = ctx.call
    if call is None:
        raise RuntimeError("once() runs inside a mutation field (see schema/applied.py)")
    viewer = ctx.viewer_id or "anonymous"
    scope = "\0".join((viewer, key, call.response_key))
    arguments = orjson.dumps([call.field, call.arguments], default=str,
                             option=orjson.OPT_SORT_KEYS)
    return Claim(
        digest=hashlib.sha256(scope.encode()).hexdigest(),
        operation=call.field,
        # Keyed by the secret: the arguments (a password among them) cannot be guessed
        # from the table.
        fingerprint=hmac.new(ctx.settings.secret, arguments, hashlib.sha256).hexdigest(),
        ttl_seconds=ctx.settings.idempotency_ttl_seconds,
    )


async def once(ctx: RequestContext, write: Callable[[Claim | None], Awaitable[R]],
               replay: Callable[[Claim, Item], Awaitable[R]]) -> R:
    """`write(claim)`, applied once per idempotency key.

    Without a key, `write(None)`. With one, a retry finds the idempotency item of
    the first attempt and answers `replay(claim, item)` with the item the mutation
    answered with, read as it is now; the first attempt's transaction is what
    writes the idempotency item (`data.idempotency.claiming`).
    """
    key = ctx.idempotency_key
    if key is None:
        return await write(None)
    claim = _claim(ctx, key)
    for _ in range(ATTEMPTS):
        done = await idempotency.applied(ctx.dynamo, claim)
        if done is not None:
            if (done.operation, done.fingerprint) != (claim.operation, claim.fingerprint):
                raise Conflict(f"this Idempotency-Key was used for another request "
                               f"({done.operation}); send a new key with a new request")
            answer = await read(ctx.dynamo, done.answer) if done.answer else None
            if answer is None:
                raise NotFound(f"{claim.operation} was applied, but what it wrote is gone")
            return await replay(claim, answer)
        try:
            with claiming(claim):
                return await write(claim)
        except AlreadyApplied:
            continue  # another attempt with this key got there first: answer as it did
    raise Conflict("another request with this Idempotency-Key is still being applied; "
                   "try again")


def derived_secret(ctx: RequestContext, claim: Claim, purpose: str) -> str:
    """A secret fixed by the claim and the gateway's secret: what a mutation hands out
    once (a session token) and must hand out again, unchanged, to its retries."""
    seed = f"{purpose}:{claim.digest}".encode()
    return hmac.new(ctx.settings.secret, seed, hashlib.sha256).hexdigest()


def as_record(kind: type[E]) -> Callable[[Claim, Item], Awaitable[E]]:
    """The replay of a mutation that answers with a `kind` record: that record, read now."""

    async def replay(claim: Claim, item: Item) -> E:
        return kind.from_item(item)

    return replay
