"""The write kit: read, apply, conditional write, retry on a stale version.

Every write that depends on an item's current state goes the same way: read
it strongly consistent, build the next state and the transaction from it,
condition the transaction on the version read, and, when another writer got
there first (the condition fails with `Stale`), read again and rebuild. So no
update is lost and no counter moves twice. A cancelled transaction's other
reasons become their actions' own errors (`data.transactions`).

Counters (views, likes, comments, ratings) move with ADD and do not bump
`version`: a like must not make an author's pending edit stale.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from data.client import Dynamo, Key
from data.errors import Conflict
from data.layout import Entity, Item
from data.transactions import Action, at_version, delete, update, update_expression

R = TypeVar("R")
T = TypeVar("T")
E = TypeVar("E", bound=Entity)



class Versioned(Protocol):
    """A record with an optimistic lock."""

    version: int

    def keys(self, **layout: Any) -> Item: ...

    def to_item(self, **layout: Any) -> Item: ...


# Reads again after a write lost a race with another writer on the same item.
ATTEMPTS = 5


class Stale(Conflict):
    """The item changed between our read and our write; read again and retry."""

    def __init__(self) -> None:
        super().__init__("the item changed while it was being updated; try again")


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
    raise Conflict(f"{what} kept changing while it was being written; try again")


async def read_record(dynamo: Dynamo, kind: type[E], key: Key) -> E | None:
    """The record at `key` as it is now (strongly consistent), or None."""
    item = await dynamo.get_item(key, consistent=True)
    return kind.from_item(item) if item else None


def table_key(item: Item) -> Key:
    """The table key of an item (or of a record's `keys()`)."""
    return {"PK": str(item["PK"]), "SK": str(item["SK"])}


def versioned_update(current: Versioned, new: Versioned, **layout: Any) -> Action:
    """Update the item from `current` to `new`, if it is still at `current`'s version.

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
    expression, names, values = update_expression(set_, remove)
    condition, condition_names, condition_values = at_version(current.version)
    return update(
        table_key(after), expression, condition, {**names, **condition_names},
        {**values, **condition_values}, Stale(),
    )


def versioned_delete(current: Versioned, **layout: Any) -> Action:
    """Delete the item if it is still at `current`'s version."""
    condition, names, values = at_version(current.version)
    return delete(table_key(current.keys(**layout)), condition, Stale(), names=names, values=values)
