"""Posts in the schema: the Post type, its inputs and its mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

import schema.accounts
import schema.catalog
import schema.comments
from data.pages import page_args
from data.posts import PostRecord
from data.writes import KEEP, Keep
from resolvers import posts
from schema.connection import Connection, connection
from schema.enums import PostStatus
from schema.inputs import or_keep, or_none
from schema.node import Info, Node, from_record
from schema.scalars import DateTime

if TYPE_CHECKING:
    from schema.accounts import User
    from schema.catalog import Category, Tag
    from schema.comments import Comment


@strawberry.type
class Post(Node):
    rec: strawberry.Private[PostRecord]

    @classmethod
    def of(cls, rec: PostRecord) -> Post:
        return from_record(cls, rec, status=PostStatus(rec.status))

    title: str

    slug: str

    excerpt: str | None

    content: str

    featured_image: str | None

    status: PostStatus

    published_at: DateTime | None

    view_count: int

    like_count: int

    comment_count: int

    @strawberry.field(description="Whether the viewer has liked this post (false when anonymous).")
    async def liked_by_viewer(self, info: Info) -> bool:
        return await posts.liked_by_viewer(info.context, self.rec)

    created_at: DateTime

    updated_at: DateTime

    version: int

    @strawberry.field
    async def author(self, info: Info) -> Annotated[User, strawberry.lazy("schema.accounts")]:
        return schema.accounts.User.of(await posts.author(info.context, self.rec))

    @strawberry.field
    async def category(
        self, info: Info
    ) -> Annotated[Category, strawberry.lazy("schema.catalog")] | None:
        found = await posts.category(info.context, self.rec)
        return schema.catalog.Category.of(found) if found else None

    @strawberry.field
    async def tags(self, info: Info) -> list[Annotated[Tag, strawberry.lazy("schema.catalog")]]:
        return [schema.catalog.Tag.of(t) for t in await posts.tags(info.context, self.rec)]

    @strawberry.field(
        description=(
            "Top-level comments, oldest first. "
            "Only APPROVED ones unless the viewer moderates or wrote them."
        )
    )
    async def comments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[Comment, strawberry.lazy("schema.comments")]]:
        page = await posts.comments(info.context, self.rec, page_args(first, after, last, before))
        return connection(page, schema.comments.Comment.of)


@strawberry.input
class CreatePostInput:
    title: str
    content: str
    excerpt: str | None = UNSET
    featured_image: str | None = UNSET
    category_id: strawberry.ID | None = UNSET
    tag_ids: list[strawberry.ID] | None = UNSET
    status: PostStatus | None = strawberry.field(default=UNSET, description="Defaults to DRAFT.")


@strawberry.input
class UpdatePostInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=UNSET,
        description=(
            "When given, the update fails with CONFLICT unless the post is at this version."
        ),
    )
    title: str | None = UNSET
    content: str | None = UNSET
    excerpt: str | None = UNSET
    featured_image: str | None = UNSET
    category_id: strawberry.ID | None = UNSET
    tag_ids: list[strawberry.ID] | None = UNSET


def _tag_list(value: list[strawberry.ID] | None) -> list[str] | None:
    return None if value is None or value is UNSET else [str(v) for v in value]


def _edit(data: UpdatePostInput) -> posts.PostEdit:
    tags: list[str] | Keep | None = KEEP if data.tag_ids is UNSET else _tag_list(data.tag_ids)
    return posts.PostEdit(
        id=str(data.id),
        expected_version=or_none(data.expected_version),
        title=or_keep(data.title),
        content=or_keep(data.content),
        excerpt=or_keep(data.excerpt),
        featured_image=or_keep(data.featured_image),
        category_id=or_keep(data.category_id),
        tag_ids=tags,
    )


@strawberry.type
class PostMutations:
    @strawberry.mutation
    async def create_post(self, info: Info, input: CreatePostInput) -> Post:
        status = or_none(input.status)
        record = await posts.create_post(
            info.context,
            posts.PostInput(
                title=input.title,
                content=input.content,
                excerpt=or_none(input.excerpt),
                featured_image=or_none(input.featured_image),
                category_id=or_none(input.category_id),
                tag_ids=_tag_list(input.tag_ids),
                status=status.value if status else None,
            ),
        )
        return Post.of(record)

    @strawberry.mutation
    async def update_post(self, info: Info, input: UpdatePostInput) -> Post:
        return Post.of(await posts.update_post(info.context, _edit(input)))

    @strawberry.mutation
    async def publish_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await posts.publish_post(info.context, id))

    @strawberry.mutation
    async def archive_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await posts.archive_post(info.context, id))

    @strawberry.mutation(description="Removes the post with its comments, likes and tag links.")
    async def delete_post(self, info: Info, id: strawberry.ID) -> bool:
        return await posts.delete_post(info.context, id)

    @strawberry.mutation(description="Idempotent per viewer.")
    async def like_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await posts.like_post(info.context, id))

    @strawberry.mutation
    async def unlike_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await posts.unlike_post(info.context, id))

    @strawberry.mutation(description="Counts one view; returns the new count.")
    async def record_post_view(self, info: Info, id: strawberry.ID) -> int:
        return await posts.record_view(info.context, id)
