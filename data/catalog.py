"""The catalog's writes: categories and tags, each with its slug lock.

Posts and comments have modules of their own; the pieces all of them build
their transactions from are the write kit's (`data.writes`).
"""

from __future__ import annotations

from dataclasses import dataclass

from data import keys
from data.client import Dynamo
from data.clock import now_iso
from data.errors import Conflict, InvalidInput
from data.records import CategoryRecord, TagRecord
from data.transactions import check, put, transact
from data.ulid import new_ulid
from data.writes import ABSENT, EXISTS, lock_item


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
