"""The catalog: categories and tags, their item layouts, their lists (children,
tags by name, the published posts filed under each) and their writes, each with
its slug lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data import keys
from data.client import Dynamo
from data.clock import now_iso
from data.errors import Conflict, InvalidInput
from data.layout import Entity, Item, attr
from data.pages import ListRead
from data.posts import PostRecord, post_projection
from data.queries import QuerySpec, SortCondition
from data.transactions import check, put, transact
from data.ulid import new_ulid
from data.writes import ABSENT, EXISTS, lock_item

# ---------------------------------------------------------------- item layout


@dataclass(kw_only=True)
class CategoryRecord(Entity):
    entity_type = "CATEGORY"

    category_id: str
    parent_id: str | None = None
    name: str = ""
    slug: str = ""
    description: str | None = None
    color: str | None = None
    icon: str | None = None
    sort_order: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.category(self.category_id),
            "GSI1PK": keys.category_parent_pk(self.parent_id),
            "GSI1SK": keys.category_child_sort(self.sort_order, self.category_id),
        }


@dataclass(kw_only=True)
class TagRecord(Entity):
    entity_type = "TAG"

    tag_id: str
    name: str = ""
    slug: str = ""
    description: str | None = None
    color: str | None = None
    post_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.tag(self.tag_id),
            "GSI1PK": keys.TAGS_PK,
            "GSI1SK": keys.tag_name_sort(self.name, self.tag_id),
        }


# ---------------------------------------------------------------- reads


def children_of_category(parent_id: str | None) -> ListRead[CategoryRecord]:
    """Every child of a category (or the top level), by sortOrder: read whole."""
    spec = QuerySpec("GSI1", keys.category_parent_pk(parent_id), limit=0)
    return ListRead.one(spec, CategoryRecord.from_item)


def posts_of_category(category_id: str, content: bool = True) -> ListRead[PostRecord]:
    """Published posts of the category, newest first (GSI2 holds only published posts)."""
    spec = QuerySpec(
        "GSI2",
        keys.category_pk(category_id),
        SortCondition("begins_with", "POST#"),
        forward=False,
        attributes=post_projection(content),
    )
    return ListRead.one(spec, PostRecord.from_item)


def tags_by_name() -> ListRead[TagRecord]:
    return ListRead.one(QuerySpec("GSI1", keys.TAGS_PK), TagRecord.from_item)


def _post_id(item: Item) -> str:
    return str(item["postId"])


def post_ids_of_tag(tag_id: str) -> ListRead[str]:
    """The IDs of the tag's published posts, newest first (from the tag's links)."""
    spec = QuerySpec(
        "GSI1", keys.tag_pk(tag_id), SortCondition("begins_with", "POST#"), forward=False
    )
    return ListRead.one(spec, _post_id)


# ---------------------------------------------------------------- writes


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
        put(record.to_item(), ABSENT, answer=True),
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
            put(record.to_item(), ABSENT, answer=True),
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
