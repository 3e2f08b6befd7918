"""Blog mutations: posts, likes, views, comments, categories and tags, with their inputs."""

from __future__ import annotations

from typing import Any, TypeVar

import strawberry
from strawberry import UNSET

from data.writes import KEEP, Keep
from resolvers import catalog_writes, comment_writes, post_writes
from schema.enums import CommentStatus, PostStatus
from schema.types import Category, Comment, Info, Post, Tag

T = TypeVar("T")


def _or_none(value: T | None) -> T | None:
    """A left-out optional input field reads as None."""
    return None if value is UNSET else value


def _or_keep(value: Any) -> Any:
    """A left-out field of an update reads as KEEP; an explicit null stays None."""
    return KEEP if value is UNSET else value


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


@strawberry.input
class AddCommentInput:
    post_id: strawberry.ID
    parent_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Set to reply to a top-level comment."
    )
    content: str


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


def _tag_list(value: list[strawberry.ID] | None) -> list[str] | None:
    return None if value is None or value is UNSET else [str(v) for v in value]


def _edit(data: UpdatePostInput) -> post_writes.PostEdit:
    tags: list[str] | Keep | None = KEEP if data.tag_ids is UNSET else _tag_list(data.tag_ids)
    return post_writes.PostEdit(
        id=str(data.id),
        expected_version=_or_none(data.expected_version),
        title=_or_keep(data.title),
        content=_or_keep(data.content),
        excerpt=_or_keep(data.excerpt),
        featured_image=_or_keep(data.featured_image),
        category_id=_or_keep(data.category_id),
        tag_ids=tags,
    )


@strawberry.type
class BlogMutations:
    """The blog's part of the Mutation root: each field checks, writes, and wraps the record."""

    @strawberry.mutation
    async def create_post(self, info: Info, input: CreatePostInput) -> Post:
        status = _or_none(input.status)
        record = await post_writes.create_post(
            info.context,
            post_writes.PostInput(
                title=input.title,
                content=input.content,
                excerpt=_or_none(input.excerpt),
                featured_image=_or_none(input.featured_image),
                category_id=_or_none(input.category_id),
                tag_ids=_tag_list(input.tag_ids),
                status=status.value if status else None,
            ),
        )
        return Post.of(record)

    @strawberry.mutation
    async def update_post(self, info: Info, input: UpdatePostInput) -> Post:
        return Post.of(await post_writes.update_post(info.context, _edit(input)))

    @strawberry.mutation
    async def publish_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await post_writes.publish_post(info.context, id))

    @strawberry.mutation
    async def archive_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await post_writes.archive_post(info.context, id))

    @strawberry.mutation(description="Removes the post with its comments, likes and tag links.")
    async def delete_post(self, info: Info, id: strawberry.ID) -> bool:
        return await post_writes.delete_post(info.context, id)

    @strawberry.mutation(description="Idempotent per viewer.")
    async def like_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await post_writes.like_post(info.context, id))

    @strawberry.mutation
    async def unlike_post(self, info: Info, id: strawberry.ID) -> Post:
        return Post.of(await post_writes.unlike_post(info.context, id))

    @strawberry.mutation(description="Counts one view; returns the new count.")
    async def record_post_view(self, info: Info, id: strawberry.ID) -> int:
        return await post_writes.record_view(info.context, id)

    @strawberry.mutation
    async def add_comment(self, info: Info, input: AddCommentInput) -> Comment:
        record = await comment_writes.add_comment(
            info.context, input.post_id, _or_none(input.parent_id), input.content
        )
        return Comment.of(record)

    @strawberry.mutation(description="Author, moderators and admins.")
    async def update_comment(self, info: Info, id: strawberry.ID, content: str) -> Comment:
        return Comment.of(await comment_writes.update_comment(info.context, id, content))

    @strawberry.mutation
    async def delete_comment(self, info: Info, id: strawberry.ID) -> bool:
        return await comment_writes.delete_comment(info.context, id)

    @strawberry.mutation(description="Moderators and admins.")
    async def moderate_comment(
        self, info: Info, id: strawberry.ID, status: CommentStatus
    ) -> Comment:
        return Comment.of(await comment_writes.moderate_comment(info.context, id, status.value))

    @strawberry.mutation(description="Admins only.")
    async def create_category(self, info: Info, input: CreateCategoryInput) -> Category:
        record = await catalog_writes.create_category(
            info.context,
            catalog_writes.CategoryInput(
                name=input.name,
                slug=_or_none(input.slug),
                description=_or_none(input.description),
                color=_or_none(input.color),
                icon=_or_none(input.icon),
                parent_id=_or_none(input.parent_id),
                sort_order=_or_none(input.sort_order),
            ),
        )
        return Category.of(record)

    @strawberry.mutation(description="Moderators and admins.")
    async def create_tag(self, info: Info, input: CreateTagInput) -> Tag:
        record = await catalog_writes.create_tag(
            info.context,
            catalog_writes.TagInput(
                name=input.name,
                slug=_or_none(input.slug),
                description=_or_none(input.description),
                color=_or_none(input.color),
            ),
        )
        return Tag.of(record)
