"""Idempotent writes: a mutation retried with the same key applies once.

A client that may not know whether its mutation went through (a timeout, a
dropped connection, an answer that failed on the way back) sends it again with
the same `Idempotency-Key`. The first time, the transaction that applies the
mutation also puts an idempotency item under the key's scope: which operation
it was, a fingerprint of its arguments, and the key of the item the mutation
answers with. A retry finds the item and answers from it instead of writing; a
retry racing the first attempt fails the item's condition and does the same.
The item leaves the table by TTL (TABLEGATE_IDEMPOTENCY_TTL_SECONDS, a day).

The other retry, the transport resending a transaction whose answer was lost,
is DynamoDB's ClientRequestToken's: every transaction carries one (see
`token`), so a resent transaction applies once within DynamoDB's ten minutes.

`claiming` makes a claim the current one for the writes of one mutation: the
first transaction that succeeds under it carries the idempotency item.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from data import keys
from data.client import Dynamo, Item, Key
from data.clock import now_iso
from data.errors import DataError
from data.layout import Entity, attr

# DynamoDB's limit for a ClientRequestToken.
TOKEN_LENGTH = 36


class AlreadyApplied(DataError):
    """The idempotency item exists: this key's mutation was applied by another attempt."""

    def __init__(self) -> None:
        super().__init__("a request with this idempotency key was applied already")


@dataclass(kw_only=True)
class IdempotencyRecord(Entity):
    """What one idempotency key's mutation did, kept for its retries."""

    entity_type = "IDEMPOTENCY"

    digest: str = attr(read=lambda item: keys.idempotency_digest_of(item["PK"]))
    operation: str
    fingerprint: str
    answer_pk: str | None = None
    answer_sk: str | None = None
    created_at: str
    ttl: int = 0

    def keys(self, **layout: Any) -> Item:
        return keys.idempotency(self.digest)

    @property
    def answer(self) -> Key | None:
        """The key of the item the mutation answered with, if it answered with one."""
        if self.answer_pk is None or self.answer_sk is None:
            return None
        return {"PK": self.answer_pk, "SK": self.answer_sk}


@dataclass
class Claim:
    """One mutation's idempotency key, ready to be written with its transaction.

    `digest` is the SHA-256 (hex) of the key's scope; `fingerprint` tells a retry
    from another request that reuses the key.
    """

    digest: str
    operation: str
    fingerprint: str
    ttl_seconds: int
    applied: bool = False

    def record(self, answer: Key | None) -> IdempotencyRecord:
        """The idempotency item for a transaction answering with the item at `answer`."""
        return IdempotencyRecord(
            digest=self.digest, operation=self.operation, fingerprint=self.fingerprint,
            answer_pk=answer["PK"] if answer else None, answer_sk=answer["SK"] if answer else None,
            created_at=now_iso(), ttl=int(time.time()) + self.ttl_seconds,
        )


def token(claim: Claim | None, body: bytes, attempt: int) -> str:
    """The ClientRequestToken of the `attempt`th try of a transaction whose TransactItems
    encode to `body`.

    Under a claim it is derived from the key, the body and the attempt, so the same
    transaction resent is the same request to DynamoDB. It is not the key alone: a retry that
    rebuilt the transaction (new IDs, new timestamps) under the same token would be
    refused as IdempotentParameterMismatch, where the idempotency item answers it.
    Without a claim the token is random: one transaction, resent as it is, applies once.
    """
    if claim is None:
        return uuid.uuid4().hex
    seed = f"{claim.digest}:{attempt}:".encode()
    return hashlib.sha256(seed + body).hexdigest()[:TOKEN_LENGTH]


_current: ContextVar[Claim | None] = ContextVar("tablegate_claim", default=None)


@contextmanager
def claiming(claim: Claim) -> Iterator[Claim]:
    """Make `claim` the one the transactions of the enclosed writes carry."""
    reset = _current.set(claim)
    try:
        yield claim
    finally:
        _current.reset(reset)


def current_claim() -> Claim | None:
    """The claim the next transaction must carry: none once one has carried it."""
    claim = _current.get()
    return None if claim is None or claim.applied else claim


async def applied(dynamo: Dynamo, claim: Claim) -> IdempotencyRecord | None:
    """The idempotency item of `claim`'s key, if a mutation under it was applied."""
    item = await dynamo.get_item(keys.idempotency(claim.digest), consistent=True)
    return IdempotencyRecord.from_item(item) if item else None
