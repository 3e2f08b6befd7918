"""The write kit: read, apply, conditional write, retry on a stale version.

Every write that depends on an item's current state goes the same way: read
it strongly consistent, build the next state and the transaction from it,
condition the transaction on the version read, and, when another writer got
there first (the condition fails with `Stale`), read again and rebuild
(`optimistic`). So no update is lost and no counter moves twice. A cancelled
transaction's other reasons become their actions' own errors (`data.transactions`).

Counters (views, likes, comments, ratings) move with ADD and do not bump
`version`: a like must not make an author's pending edit stale.

The pieces every write module builds its transactions from live here too:
consistent reads, update actions from SET / REMOVE / ADD parts, counters that
never create an item, uniqueness locks, and deletes in batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, Protocol, TypeVar

from data.client import Dynamo, Key, backoff, from_wire, to_wire
from data.deadline import pause
from data.errors import ConditionFailed, Conflict, DataError, Unavailable
from data.idempotency import current_claim
from data.layout import Entity, Item
from data.transactions import (
    Action,
    at_version,
    check,
    delete,
    transact,
    update,
    update_expression,
)

R = TypeVar("R")
T = TypeVar("T")
E = TypeVar("E", bound=Entity)

EXISTS = "attribute_exists(PK)"
ABSENT = "attribute_not_exists(PK)"
# Reads again after a write lost a race with another writer on the same item.
ATTEMPTS = 5
_BATCH_WRITE_MAX = 25
_BATCH_ATTEMPTS = 8
_DELETE_STREAMS = 8


class Versioned(Protocol):
    """A record with an optimistic lock."""

    version: int

    def keys(self, **layout: Any) -> Item: ...

    def to_item(self, **layout: Any) -> Item: ...


class Keep(Enum):
    """Marks a field an update leaves as it is (as opposed to None, which clears it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class Unchanged(DataError):
    """A conditional write found the item already in the state it asked for."""


class Stale(Conflict):
    """The item changed between our read and our write; read again and retry."""

    def __init__(self) -> None:
        super().__init__("the item changed while it was being updated; try again")


# ---------------------------------------------------------------- the retry


async def optimistic(
    read: Callable[[], Awaitable[R]],
    write: Callable[[R], Awaitable[T]],
    what: str,
    attempts: int = ATTEMPTS,
) -> T:
    """`write(read())`, read and written again while the write finds it `Stale`.

    `read` raises when the write may not go on (missing, forbidden); after
    `attempts` lost races the error is CONFLICT, saying that `what` kept changing.
    """
    for _ in range(attempts):
        current = await read()
        try:
            return await write(current)
        except Stale:
            continue
    raise Conflict(f"{what} kept changing while being written; try again")


# ---------------------------------------------------------------- reads


async def read(dynamo: Dynamo, key: Key) -> Item | None:
    """A strongly consistent GetItem: writes decide from the latest state, not a replica's."""
    return await dynamo.get_item(key, consistent=True)


async def read_record(dynamo: Dynamo, kind: type[E], key: Key) -> E | None:
    """The record at `key` as it is now (strongly consistent), or None."""
    item = await read(dynamo, key)
    return kind.from_item(item) if item else None


async def update_item(dynamo: Dynamo, key: Key, expression: str, *, condition: str,
                      names: dict[str, str] | None = None,
                      values: dict[str, Any] | None = None) -> Item:
    """`Dynamo.update_item` (the item as updated, ConditionFailed with the item as it
    was), or, under an idempotency claim, the same update in a transaction carrying
    the idempotency item, then read back: UpdateItem cannot carry a second item."""
    if current_claim() is None:
        return await dynamo.update_item(key, expression, condition=condition, names=names,
                                        values=values)
    try:
        await transact(dynamo, [update(key, expression, condition, names, values,
                                       failure=_Refused(), answer=True)])
    except _Refused as refused:
        raise ConditionFailed(await read(dynamo, key)) from refused
    return await read(dynamo, key) or {}


class _Refused(DataError):
    """The condition of an update run as a transaction failed."""


async def collection(dynamo: Dynamo, pk: str, prefix: str | None = None) -> list[Item]:
    """Every item of partition `pk` (whose SK begins with `prefix`), strongly consistent.

    Used before deleting a collection: an eventually consistent read could miss
    an item written a moment ago and leave it behind.
    """
    params: dict[str, Any] = {
        "TableName": dynamo.table,
        "ConsistentRead": True,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": to_wire({":pk": pk}),
    }
    if prefix:
        params["KeyConditionExpression"] += " AND begins_with(SK, :prefix)"
        params["ExpressionAttributeValues"] = to_wire({":pk": pk, ":prefix": prefix})
    items: list[Item] = []
    while True:
        response = await dynamo.call("query", **params)
        items += [from_wire(raw) for raw in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return items
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# ---------------------------------------------------------------- actions


def table_key(item: Item) -> Key:
    """The table key of an item (or of a record's `keys()`)."""
    return {"PK": str(item["PK"]), "SK": str(item["SK"])}


def item_keys(items: Iterable[Item]) -> list[Key]:
    """The table keys of `items`."""
    return [table_key(item) for item in items]


def changes(
    key: Key,
    *,
    set_: Mapping[str, Any] | None = None,
    remove: Iterable[str] = (),
    add: Mapping[str, int] | None = None,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    failure: DataError | None = None,
) -> Action:
    """An Update action from plain attribute names (see `update_expression`)."""
    expression, generated_names, generated_values = update_expression(set_, remove, add)
    all_names = {**(names or {}), **generated_names}
    all_values = {**(values or {}), **generated_values}
    return update(key, expression, condition, all_names or None, all_values or None, failure)


def counter(key: Key, attribute: str, delta: int, failure: DataError) -> Action:
    """`ADD attribute delta`, only on an existing item: ADD alone would create a stub."""
    return changes(key, add={attribute: delta}, condition=EXISTS, failure=failure)


def touch(key: Key, attribute: str, delta: int, failure: DataError) -> Action:
    """A counter change when `delta` is non-zero, else a check that the item exists."""
    if delta:
        return counter(key, attribute, delta, failure)
    return check(key, EXISTS, failure)


def lock_item(
    key: Key, entity_type: str, owner_attribute: str, owner_id: str, created_at: str
) -> Item:
    """A uniqueness lock (slug, category slug, tag slug) naming its owner."""
    return {**key, "entityType": entity_type, owner_attribute: owner_id, "createdAt": created_at}


def versioned_update(
    current: Versioned, new: Versioned, *, holding: Mapping[str, int] | None = None, **layout: Any
) -> Action:
    """Update the item from `current` to `new`, if it is still at `current`'s version
    (and its counters still `holding` the values given, see `_unchanged`).

    Attributes that differ are SET, index keys always (another writer may have
    left them out), and attributes `new` no longer has (an index it left, a
    cleared field) are REMOVEd. Counters are equal on both sides, so they are
    never overwritten with the value read.
    """
    before, after = current.to_item(**layout), new.to_item(**layout)
    set_ = {
        name: value
        for name, value in after.items()
        if name not in ("PK", "SK") and (name.startswith("GSI") or before.get(name) != value)
    }
    remove = [name for name in before if name not in after]
    condition, names, values = _unchanged(current.version, holding)
    return changes(
        table_key(after), set_=set_, remove=remove, condition=condition, names=names,
        values=values, failure=Stale(),
    )


def versioned_delete(
    current: Versioned, *, holding: Mapping[str, int] | None = None, **layout: Any
) -> Action:
    """Delete the item if it is still at `current`'s version (and `holding`, see `_unchanged`)."""
    condition, names, values = _unchanged(current.version, holding)
    return delete(table_key(current.keys(**layout)), condition, Stale(), names=names, values=values)


def _unchanged(
    version: int, holding: Mapping[str, int] | None = None
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Condition: the item is at `version`, and each counter of `holding` at its value.

    Counters move by ADD without bumping the version; a write whose own counter
    moves depend on one (a comment that takes its replies' count with it) holds
    it too, so a concurrent ADD makes it `Stale` instead of counting wrong. A
    counter at 0 may be missing (other services may leave it out).
    """
    condition, names, values = at_version(version)
    for i, (name, value) in enumerate((holding or {}).items()):
        names[f"#h{i}"], values[f":h{i}"] = name, value
        held = f"#h{i} = :h{i}"
        if value == 0:
            held = f"(attribute_not_exists(#h{i}) OR {held})"
        condition += f" AND {held}"
    return condition, names, values


# ---------------------------------------------------------------- writes outside a transaction


async def add_to(dynamo: Dynamo, key: Key, attribute: str, delta: int, failure: DataError) -> int:
    """One counter change on an existing item, outside a transaction; the new value."""
    try:
        changed = await dynamo.update_item(
            key, "ADD #n :d", condition=EXISTS, names={"#n": attribute}, values={":d": delta},
            returns="UPDATED_NEW",
        )
    except ConditionFailed as exc:
        raise failure from exc
    return int(changed[attribute])


async def delete_keys(dynamo: Dynamo, keys: Sequence[Key]) -> None:
    """Delete `keys` with BatchWriteItem, 25 a call, a few calls at a time."""
    # Bounded so one large delete cannot take every connection of the shared pool.
    gate = asyncio.Semaphore(_DELETE_STREAMS)

    async def one(chunk: Sequence[Key]) -> None:
        async with gate:
            await _delete_chunk(dynamo, chunk)

    await asyncio.gather(
        *(one(keys[i : i + _BATCH_WRITE_MAX]) for i in range(0, len(keys), _BATCH_WRITE_MAX))
    )


async def _delete_chunk(dynamo: Dynamo, chunk: Sequence[Key]) -> None:
    request: dict[str, Any] = {
        dynamo.table: [{"DeleteRequest": {"Key": to_wire(dict(key))}} for key in chunk]
    }
    for attempt in range(_BATCH_ATTEMPTS):
        response = await dynamo.call("batch_write_item", RequestItems=request)
        request = response.get("UnprocessedItems") or {}
        if not request:
            return
        await pause(backoff(attempt))
    raise Unavailable("DynamoDB kept leaving deletes unprocessed")
