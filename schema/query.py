"""The Query root: every read of the contract."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry

from data.pages import page_args
from resolvers import accounts, catalog, nodes, posts, shop
from schema.accounts import User
from schema.catalog import Category, Tag
from schema.connection import Connection, connection, nodes_select
from schema.enums import OrderStatus, PostStatus, PriceOrder
from schema.node import Info, Node, as_node
from schema.posts import Post
from schema.scalars import Decimal
from schema.shop import Order, Product


async def _wrapped(info: Info, pending: Awaitable[Any]) -> Node | None:
    return as_node(info, await pending)


@strawberry.type
class Query:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return as_node(info, await nodes.node(info.context, id))

    @strawberry.field(
        description=(
            "At most 100 IDs; an entry is null where nothing is found "
            "or the viewer may not see it."
        )
    )
    def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        # One awaitable per entry: a bad ID nulls its own entry, not the list.
        pending = nodes.nodes(info.context, list(ids))
        return [_wrapped(info, p) for p in pending]  # type: ignore[misc]  # awaited one by one

    @strawberry.field(description="The signed-in user, or null.")
    async def viewer(self, info: Info) -> User | None:
        await info.context.identified()
        return User.of(info.context.viewer) if info.context.viewer else None

    @strawberry.field
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        found = await accounts.user(info.context, id)
        return User.of(found) if found else None

    @strawberry.field(description="Admins only.")
    async def user_by_email(self, info: Info, email: str) -> User | None:
        found = await accounts.user_by_email(info.context, email)
        return User.of(found) if found else None

    @strawberry.field
    async def post(self, info: Info, id: strawberry.ID) -> Post | None:
        found = await posts.post(info.context, id)
        return Post.of(found) if found else None

    @strawberry.field
    async def post_by_slug(self, info: Info, slug: str) -> Post | None:
        found = await posts.post_by_slug(info.context, slug)
        return Post.of(found) if found else None

    @strawberry.field(
        description=(
            "All posts of one status, newest first. "
            "Only PUBLISHED for anyone but moderators and admins."
        )
    )
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: PostStatus | None = PostStatus.PUBLISHED,
    ) -> Connection[Post]:
        page = await posts.feed(
            info.context,
            page_args(first, after, last, before),
            (status or PostStatus.PUBLISHED).value,
            content=nodes_select(info, "content"),
        )
        return connection(page, Post.of)

    @strawberry.field
    async def category(self, info: Info, id: strawberry.ID) -> Category | None:
        found = await catalog.category(info.context, id)
        return Category.of(found) if found else None

    @strawberry.field
    async def category_by_slug(self, info: Info, slug: str) -> Category | None:
        found = await catalog.category_by_slug(info.context, slug)
        return Category.of(found) if found else None

    @strawberry.field(description="Top-level categories, ordered by sortOrder.")
    async def categories(self, info: Info) -> list[Category]:
        return [Category.of(c) for c in await catalog.children(info.context, None)]

    @strawberry.field
    async def tag(self, info: Info, id: strawberry.ID) -> Tag | None:
        found = await catalog.tag(info.context, id)
        return Tag.of(found) if found else None

    @strawberry.field
    async def tag_by_slug(self, info: Info, slug: str) -> Tag | None:
        found = await catalog.tag_by_slug(info.context, slug)
        return Tag.of(found) if found else None

    @strawberry.field(description="All tags, by name.")
    async def tags(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Tag]:
        page = await catalog.tags(info.context, page_args(first, after, last, before))
        return connection(page, Tag.of)

    @strawberry.field
    async def product(self, info: Info, id: strawberry.ID) -> Product | None:
        found = await shop.product(info.context, id)
        return Product.of(found) if found else None

    @strawberry.field(
        description="Active products of one category, within an optional price range."
    )
    async def products(
        self,
        info: Info,
        category: str,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        order: PriceOrder | None = PriceOrder.LOWEST_FIRST,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Product]:
        page = await shop.products(
            info.context,
            category,
            min_price,
            max_price,
            order != PriceOrder.HIGHEST_FIRST,
            page_args(first, after, last, before),
        )
        return connection(page, Product.of)

    @strawberry.field(description="The customer or an admin.")
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        found = await shop.order(info.context, id)
        return Order.of(found) if found else None

    @strawberry.field(description="Admins only, newest first.")
    async def orders_by_status(
        self,
        info: Info,
        status: OrderStatus,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Order]:
        page = await shop.orders_by_status(
            info.context, status.value, page_args(first, after, last, before)
        )
        return connection(page, Order.of)
