"""The catalog in the schema: categories and tags, their inputs and their mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

import schema.posts
from data.catalog import CategoryRecord, TagRecord
from data.pages import page_args
from resolvers import catalog
from schema.connection import Connection, connection, nodes_select
from schema.inputs import or_none
from schema.node import Info, Node, from_record

if TYPE_CHECKING:
    from schema.posts import Post


@strawberry.type
class Category(Node):
    rec: strawberry.Private[CategoryRecord]

    @classmethod
    def of(cls, rec: CategoryRecord) -> Category:
        return from_record(cls, rec)

    name: str

    slug: str

    description: str | None

    color: str | None

    icon: str | None

    sort_order: int

    @strawberry.field
    async def parent(self, info: Info) -> Category | None:
        found = await catalog.parent(info.context, self.rec)
        return Category.of(found) if found else None

    @strawberry.field(description="Ordered by sortOrder.")
    async def children(self, info: Info) -> list[Category]:
        return [Category.of(c) for c in await catalog.children(info.context, self.rec.category_id)]

    @strawberry.field(description="Published posts in this category, newest first.")
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[Post, strawberry.lazy("schema.posts")]]:
        page = await catalog.category_posts(
            info.context,
            self.rec,
            page_args(first, after, last, before),
            content=nodes_select(info, "content"),
        )
        return connection(page, schema.posts.Post.of)


@strawberry.type
class Tag(Node):
    rec: strawberry.Private[TagRecord]

    @classmethod
    def of(cls, rec: TagRecord) -> Tag:
        return from_record(cls, rec)

    name: str

    slug: str

    description: str | None

    color: str | None

    post_count: int

    @strawberry.field(description="Published posts with this tag, newest first.")
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[Post, strawberry.lazy("schema.posts")]]:
        page = await catalog.tag_posts(
            info.context, self.rec, page_args(first, after, last, before)
        )
        return connection(page, schema.posts.Post.of)


@strawberry.input
class CreateCategoryInput:
    name: str
    slug: str | None = UNSET
    description: str | None = UNSET
    color: str | None = UNSET
    icon: str | None = UNSET
    parent_id: strawberry.ID | None = UNSET
    sort_order: int | None = UNSET


@strawberry.input
class CreateTagInput:
    name: str
    slug: str | None = UNSET
    description: str | None = UNSET
    color: str | None = UNSET


@strawberry.type
class CatalogMutations:
    @strawberry.mutation(description="Admins only.")
    async def create_category(self, info: Info, input: CreateCategoryInput) -> Category:
        record = await catalog.create_category(
            info.context,
            catalog.CategoryInput(
                name=input.name,
                slug=or_none(input.slug),
                description=or_none(input.description),
                color=or_none(input.color),
                icon=or_none(input.icon),
                parent_id=or_none(input.parent_id),
                sort_order=or_none(input.sort_order),
            ),
        )
        return Category.of(record)

    @strawberry.mutation(description="Moderators and admins.")
    async def create_tag(self, info: Info, input: CreateTagInput) -> Tag:
        record = await catalog.create_tag(
            info.context,
            catalog.TagInput(
                name=input.name,
                slug=or_none(input.slug),
                description=or_none(input.description),
                color=or_none(input.color),
            ),
        )
        return Tag.of(record)
