"""Blog writes shared by posts and comments, and the catalog's own: categories and tags.

The pieces every blog write is made of live here: consistent reads, an update
action built from SET / REMOVE / ADD parts, counters that never create an item,
lock items, and deletes in batches. `posts_write` and `comments_write` build
their transactions from them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from data import keys
from data.client import Dynamo, Item, Key, backoff, from_wire, to_wire
from data.clock import now_iso
from data.errors import ConditionFailed, Conflict, DataError, InvalidInput, Unavailable
from data.records import CategoryRecord, TagRecord
from data.transactions import Action, check, put, transact, update, update_expression
from data.ulid import new_ulid

EXISTS = "attribute_exists(PK)"
ABSENT = "attribute_not_exists(PK)"
_BATCH_WRITE_MAX = 25
_BATCH_ATTEMPTS = 8
_DELETE_STREAMS = 8


class Keep(Enum):
    """Marks a field an update leaves as it is (as opposed to None, which clears it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class Unchanged(DataError):
    """A conditional write found the item already in the state it asked for."""


# ---------------------------------------------------------------- building blocks


async def read(dynamo: Dynamo, key: Key) -> Item | None:
    """A strongly consistent GetItem: writes decide from the latest state, not a replica's."""
    return await dynamo.get_item(key, consistent=True)


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


async def delete_keys(dynamo: Dynamo, item_keys: Sequence[Key]) -> None:
    """Delete `item_keys` with BatchWriteItem, 25 a call, a few calls at a time."""
    # Bounded so one large delete cannot take every connection of the shared pool.
    gate = asyncio.Semaphore(_DELETE_STREAMS)

    async def one(chunk: Sequence[Key]) -> None:
        async with gate:
            await _delete_chunk(dynamo, chunk)

    await asyncio.gather(
        *(
            one(item_keys[i : i + _BATCH_WRITE_MAX])
            for i in range(0, len(item_keys), _BATCH_WRITE_MAX)
        )
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
        await asyncio.sleep(backoff(attempt))
    raise Unavailable("DynamoDB kept leaving deletes unprocessed")


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


def item_keys(items: Iterable[Item]) -> list[Key]:
    """The table keys of `items`."""
    return [{"PK": str(item["PK"]), "SK": str(item["SK"])} for item in items]


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


# ---------------------------------------------------------------- categories and tags


@dataclass(frozen=True)
class NewCategory:
    """A validated category: `slug` is final (categories get no automatic suffix)."""

    name: str
    slug: str
    description: str | None
    color: str | None
    icon: str | None
    parent_id: str | None
    sort_order: int


@dataclass(frozen=True)
class NewTag:
    """A validated tag: `slug` is final (tags get no automatic suffix)."""

    name: str
    slug: str
    description: str | None
    color: str | None


async def create_category(dynamo: Dynamo, new: NewCategory) -> CategoryRecord:
    """Put the category and its slug lock; a taken slug is CONFLICT, a missing parent
    BAD_USER_INPUT on parentId."""
    moment = now_iso()
    record = CategoryRecord(
        category_id=new_ulid(),
        parent_id=new.parent_id,
        name=new.name,
        slug=new.slug,
        description=new.description,
        color=new.color,
        icon=new.icon,
        sort_order=new.sort_order,
        created_at=moment,
        updated_at=moment,
        version=1,
    )
    actions = [
        put(record.to_item(), ABSENT),
        put(
            lock_item(
                keys.category_slug_lock(new.slug),
                "CATEGORY_SLUG_LOCK",
                "categoryId",
                record.category_id,
                moment,
            ),
            ABSENT,
            Conflict(f"the category slug {new.slug!r} is taken"),
        ),
    ]
    if new.parent_id:
        actions.append(
            check(
                keys.category(new.parent_id),
                EXISTS,
                InvalidInput("parentId", "parentId names no category"),
            )
        )
    await transact(dynamo, actions)
    return record


async def create_tag(dynamo: Dynamo, new: NewTag) -> TagRecord:
    """Put the tag (postCount 0) and its slug lock; a taken slug is CONFLICT."""
    moment = now_iso()
    record = TagRecord(
        tag_id=new_ulid(),
        name=new.name,
        slug=new.slug,
        description=new.description,
        color=new.color,
        post_count=0,
        created_at=moment,
        updated_at=moment,
        version=1,
    )
    await transact(
        dynamo,
        [
            put(record.to_item(), ABSENT),
            put(
                lock_item(
                    keys.tag_slug_lock(new.slug), "TAG_SLUG_LOCK", "tagId", record.tag_id, moment
                ),
                ABSENT,
                Conflict(f"the tag slug {new.slug!r} is taken"),
            ),
        ],
    )
    return record
