"""The Subscription root: changes from the table's stream, over a WebSocket.

Each field authorizes and opens its subscription before it returns, so a refusal
(NOT_FOUND, FORBIDDEN, UNAUTHENTICATED) comes back as the operation's error,
and then yields one object per change the viewer may see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import strawberry

from resolvers import comments, posts, shop
from schema.comments import Comment
from schema.node import Info
from schema.posts import Post
from schema.shop import Order

R = TypeVar("R")
T = TypeVar("T")


async def _each(records: AsyncIterator[R | Exception],
                wrap: Callable[[R], T]) -> AsyncIterator[T | Exception]:
    # An Exception ends the stream as a GraphQL error with its code (a session ended).
    async for record in records:
        yield record if isinstance(record, Exception) else wrap(record)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Fed by the table's change stream: a comment written by any writer arrives."
    )
    async def comment_added(self, info: Info,
                            post_id: strawberry.ID) -> AsyncIterator[Comment]:
        records = await comments.comment_added(info.context, post_id)
        return _each(records, Comment.of)  # type: ignore[return-value]  # errors end the stream

    @strawberry.subscription(description="A post that became PUBLISHED.")
    async def post_published(self, info: Info) -> AsyncIterator[Post]:
        records = await posts.post_published(info.context)
        return _each(records, Post.of)  # type: ignore[return-value]  # errors end the stream

    @strawberry.subscription(description="The customer or an admin.")
    async def order_status_changed(self, info: Info,
                                   order_id: strawberry.ID) -> AsyncIterator[Order]:
        records = await shop.order_status_changed(info.context, order_id)
        return _each(records, Order.of)  # type: ignore[return-value]  # errors end the stream
