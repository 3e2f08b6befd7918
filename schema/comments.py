"""Comments in the schema: the Comment type (replies too), its input and its mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

import schema.accounts
import schema.posts
from data.comments import CommentRecord
from data.pages import page_args
from resolvers import comments
from schema.connection import Connection, connection
from schema.enums import CommentStatus
from schema.inputs import or_none
from schema.node import Info, Node, from_record
from schema.scalars import DateTime

if TYPE_CHECKING:
    from schema.accounts import User
    from schema.posts import Post


@strawberry.type
class Comment(Node):
    rec: strawberry.Private[CommentRecord]

    @classmethod
    def of(cls, rec: CommentRecord) -> Comment:
        return from_record(
            cls, rec, status=CommentStatus(rec.status)
        )

    content: str

    status: CommentStatus

    like_count: int

    reply_count: int

    created_at: DateTime

    updated_at: DateTime

    @strawberry.field
    async def author(self, info: Info) -> Annotated[User, strawberry.lazy("schema.accounts")]:
        return schema.accounts.User.of(await comments.author(info.context, self.rec))

    @strawberry.field
    async def post(self, info: Info) -> Annotated[Post, strawberry.lazy("schema.posts")]:
        return schema.posts.Post.of(await comments.post(info.context, self.rec))

    @strawberry.field
    async def parent(self, info: Info) -> Comment | None:
        found = await comments.parent(info.context, self.rec)
        return Comment.of(found) if found else None

    @strawberry.field(description="Oldest first.")
    async def replies(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Comment]:
        page = await comments.replies(info.context, self.rec, page_args(first, after, last, before))
        return connection(page, Comment.of)


@strawberry.input
class AddCommentInput:
    post_id: strawberry.ID
    parent_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Set to reply to a top-level comment."
    )
    content: str


@strawberry.type
class CommentMutations:
    @strawberry.mutation
    async def add_comment(self, info: Info, input: AddCommentInput) -> Comment:
        record = await comments.add_comment(
            info.context, input.post_id, or_none(input.parent_id), input.content
        )
        return Comment.of(record)

    @strawberry.mutation(description="Author, moderators and admins.")
    async def update_comment(self, info: Info, id: strawberry.ID, content: str) -> Comment:
        return Comment.of(await comments.update_comment(info.context, id, content))

    @strawberry.mutation
    async def delete_comment(self, info: Info, id: strawberry.ID) -> bool:
        return await comments.delete_comment(info.context, id)

    @strawberry.mutation(description="Moderators and admins.")
    async def moderate_comment(
        self, info: Info, id: strawberry.ID, status: CommentStatus
    ) -> Comment:
        return Comment.of(await comments.moderate_comment(info.context, id, status.value))
