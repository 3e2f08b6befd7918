"""The write kit (data/writes.py): the retry on a stale version, and versioned writes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from data import keys
from data.client import Dynamo
from data.clock import now_iso
from data.comments import CommentRecord
from data.errors import Conflict
from data.transactions import put, transact
from data.ulid import new_ulid
from data.writes import Stale, optimistic, read, versioned_delete, versioned_update


async def test_optimistic_reads_again_after_a_stale_write() -> None:
    reads: list[int] = []

    async def current() -> int:
        reads.append(len(reads))
        return reads[-1]

    async def write(seen: int) -> str:
        if seen < 2:
            raise Stale()
        return f"written at {seen}"

    assert await optimistic(current, write, "the thing") == "written at 2"
    assert reads == [0, 1, 2]


async def test_optimistic_gives_up_with_a_conflict_naming_what_kept_changing() -> None:
    async def current() -> None:
        return None

    async def write(_: None) -> None:
        raise Stale()

    with pytest.raises(Conflict, match="the thing kept changing") as raised:
        await optimistic(current, write, "the thing", attempts=3)
    assert not isinstance(raised.value, Stale)


async def test_versioned_writes_never_bring_back_a_deleted_item(dynamo: Dynamo) -> None:
    # At version 1 the condition accepts an item without `version` (another writer's),
    # but never a missing item: an update would create a stub, a delete count twice.
    moment = now_iso()
    comment = CommentRecord(
        comment_id=new_ulid(), post_id=new_ulid(), author_id=new_ulid(), content="hello",
        created_at=moment, updated_at=moment, version=1,
    )
    key = keys.comment(comment.post_id, comment.comment_id)
    await transact(dynamo, [put(comment.to_item())])
    await transact(dynamo, [versioned_delete(comment)])

    edited = replace(comment, content="edited", version=2)
    with pytest.raises(Stale):
        await transact(dynamo, [versioned_update(comment, edited)])
    with pytest.raises(Stale):
        await transact(dynamo, [versioned_delete(comment)])
    assert await read(dynamo, key) is None
