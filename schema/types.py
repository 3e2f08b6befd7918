"""Object types: one per entity, each wrapping its data-layer record.

Fields read straight from the record; fields that need another lookup
delegate to `resolvers/`, which go through the request's loaders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from data import records
from resolvers import catalog, comments, ids, posts, shop, users
from resolvers.connections import page_args
from resolvers.context import RequestContext
from schema.connection import Connection, connection
from schema.enums import CommentStatus, OrderStatus, PostStatus, Role, SortOrder, UserStatus
from schema.scalars import DateTime, Decimal

Info = strawberry.Info[RequestContext, None]
Private = strawberry.Private


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class SocialLink:
    name: str
    url: str


@strawberry.type
class Profile:
    rec: Private[records.ProfileRecord]

    @strawberry.field
    def bio(self) -> str | None:
        return self.rec.bio

    @strawberry.field
    def avatar_url(self) -> str | None:
        return self.rec.avatar_url

    @strawberry.field
    def website(self) -> str | None:
        return self.rec.website

    @strawberry.field
    def location(self) -> str | None:
        return self.rec.location

    @strawberry.field
    def social_links(self) -> list[SocialLink]:
        return [SocialLink(name=link.name, url=link.url) for link in self.rec.social_links]

    @strawberry.field
    def updated_at(self) -> DateTime:
        return self.rec.updated_at  # type: ignore[return-value]


@strawberry.type
class Session(Node):
    rec: Private[records.SessionRecord]

    @classmethod
    def of(cls, rec: records.SessionRecord) -> Session:
        return cls(id=strawberry.ID(ids.encode("Session", rec.session_id)), rec=rec)

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.rec.created_at  # type: ignore[return-value]

    @strawberry.field
    def expires_at(self) -> DateTime:
        return self.rec.expires_at  # type: ignore[return-value]

    @strawberry.field
    def user_agent(self) -> str | None:
        return self.rec.user_agent

    @strawberry.field(description="True for the session that made this request.")
    def current(self, info: Info) -> bool:
        return users.is_current(info.context, self.rec)


@strawberry.type
class User(Node):
    rec: Private[records.UserRecord]

    @classmethod
    def of(cls, rec: records.UserRecord) -> User:
        return cls(id=strawberry.ID(ids.encode("User", rec.user_id)), rec=rec)

    @strawberry.field(description="Null unless the viewer is this user or an admin.")
    def email(self, info: Info) -> str | None:
        return users.email(info.context, self.rec)

    @strawberry.field
    def first_name(self) -> str | None:
        return self.rec.first_name

    @strawberry.field
    def last_name(self) -> str | None:
        return self.rec.last_name

    @strawberry.field
    def display_name(self) -> str:
        return users.display_name(self.rec)

    @strawberry.field
    def role(self) -> Role:
        return Role(self.rec.role)

    @strawberry.field
    def status(self) -> UserStatus:
        return UserStatus(self.rec.status)

    @strawberry.field
    def email_verified(self) -> bool:
        return self.rec.email_verified

    @strawberry.field
    def last_login_at(self) -> DateTime | None:
        return self.rec.last_login_at  # type: ignore[return-value]

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.rec.created_at  # type: ignore[return-value]

    @strawberry.field
    def updated_at(self) -> DateTime:
        return self.rec.updated_at  # type: ignore[return-value]

    @strawberry.field
    def version(self) -> int:
        return self.rec.version

    @strawberry.field
    async def profile(self, info: Info) -> Profile | None:
        found = await users.profile(info.context, self.rec)
        return Profile(rec=found) if found else None

    @strawberry.field(
        description=(
            "Newest first. "
            "Drafts and archived posts only for the author, moderators and admins."
        )
    )
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: PostStatus | None = None,
    ) -> Connection[Post]:
        page = await users.posts(
            info.context,
            self.rec,
            page_args(first, after, last, before),
            status.value if status else None,
        )
        return connection(page, Post.of)

    @strawberry.field(description="Newest first.")
    async def comments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Comment]:
        page = await users.comments(info.context, self.rec, page_args(first, after, last, before))
        return connection(page, Comment.of)

    @strawberry.field(
        description="The user's own orders; this user or an admin only (FORBIDDEN otherwise)."
    )
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        from_: Annotated[DateTime | None, strawberry.argument(name="from")] = None,
        to: DateTime | None = None,
        order: SortOrder | None = SortOrder.NEWEST_FIRST,
    ) -> Connection[Order]:
        since: datetime | None = from_  # type: ignore[assignment]
        until: datetime | None = to  # type: ignore[assignment]
        page = await users.orders(
            info.context,
            self.rec,
            page_args(first, after, last, before),
            since,
            until,
            order != SortOrder.OLDEST_FIRST,
        )
        return connection(page, Order.of)

    @strawberry.field(description="The user's live sessions; this user only (FORBIDDEN otherwise).")
    async def sessions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Session]:
        page = await users.sessions(info.context, self.rec, page_args(first, after))
        return connection(page, Session.of)


@strawberry.type
class Post(Node):
    rec: Private[records.PostRecord]

    @classmethod
    def of(cls, rec: records.PostRecord) -> Post:
        return cls(id=strawberry.ID(ids.encode("Post", rec.post_id)), rec=rec)

    @strawberry.field
    def title(self) -> str:
        return self.rec.title

    @strawberry.field
    def slug(self) -> str:
        return self.rec.slug

    @strawberry.field
    def excerpt(self) -> str | None:
        return self.rec.excerpt

    @strawberry.field
    def content(self) -> str:
        return self.rec.content

    @strawberry.field
    def featured_image(self) -> str | None:
        return self.rec.featured_image

    @strawberry.field
    def status(self) -> PostStatus:
        return PostStatus(self.rec.status)

    @strawberry.field
    def published_at(self) -> DateTime | None:
        return self.rec.published_at  # type: ignore[return-value]

    @strawberry.field
    def view_count(self) -> int:
        return self.rec.view_count

    @strawberry.field
    def like_count(self) -> int:
        return self.rec.like_count

    @strawberry.field
    def comment_count(self) -> int:
        return self.rec.comment_count

    @strawberry.field(description="Whether the viewer has liked this post (false when anonymous).")
    async def liked_by_viewer(self, info: Info) -> bool:
        return await posts.liked_by_viewer(info.context, self.rec)

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.rec.created_at  # type: ignore[return-value]

    @strawberry.field
    def updated_at(self) -> DateTime:
        return self.rec.updated_at  # type: ignore[return-value]

    @strawberry.field
    def version(self) -> int:
        return self.rec.version

    @strawberry.field
    async def author(self, info: Info) -> User:
        found = await posts.author(info.context, self.rec)
        return User.of(found) if found else None  # type: ignore[return-value]

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        found = await posts.category(info.context, self.rec)
        return Category.of(found) if found else None

    @strawberry.field
    async def tags(self, info: Info) -> list[Tag]:
        return [Tag.of(t) for t in await posts.tags(info.context, self.rec)]

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
    ) -> Connection[Comment]:
        page = await posts.comments(info.context, self.rec, page_args(first, after, last, before))
        return connection(page, Comment.of)


@strawberry.type
class Comment(Node):
    rec: Private[records.CommentRecord]

    @classmethod
    def of(cls, rec: records.CommentRecord) -> Comment:
        return cls(id=strawberry.ID(comments.global_id(rec)), rec=rec)

    @strawberry.field
    def content(self) -> str:
        return self.rec.content

    @strawberry.field
    def status(self) -> CommentStatus:
        return CommentStatus(self.rec.status)

    @strawberry.field
    def like_count(self) -> int:
        return self.rec.like_count

    @strawberry.field
    def reply_count(self) -> int:
        return self.rec.reply_count

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.rec.created_at  # type: ignore[return-value]

    @strawberry.field
    def updated_at(self) -> DateTime:
        return self.rec.updated_at  # type: ignore[return-value]

    @strawberry.field
    async def author(self, info: Info) -> User:
        found = await comments.author(info.context, self.rec)
        return User.of(found) if found else None  # type: ignore[return-value]

    @strawberry.field
    async def post(self, info: Info) -> Post:
        found = await comments.post(info.context, self.rec)
        return Post.of(found) if found else None  # type: ignore[return-value]

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


@strawberry.type
class Category(Node):
    rec: Private[records.CategoryRecord]

    @classmethod
    def of(cls, rec: records.CategoryRecord) -> Category:
        return cls(id=strawberry.ID(ids.encode("Category", rec.category_id)), rec=rec)

    @strawberry.field
    def name(self) -> str:
        return self.rec.name

    @strawberry.field
    def slug(self) -> str:
        return self.rec.slug

    @strawberry.field
    def description(self) -> str | None:
        return self.rec.description

    @strawberry.field
    def color(self) -> str | None:
        return self.rec.color

    @strawberry.field
    def icon(self) -> str | None:
        return self.rec.icon

    @strawberry.field
    def sort_order(self) -> int:
        return self.rec.sort_order

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
    ) -> Connection[Post]:
        page = await catalog.category_posts(
            info.context, self.rec, page_args(first, after, last, before)
        )
        return connection(page, Post.of)


@strawberry.type
class Tag(Node):
    rec: Private[records.TagRecord]

    @classmethod
    def of(cls, rec: records.TagRecord) -> Tag:
        return cls(id=strawberry.ID(ids.encode("Tag", rec.tag_id)), rec=rec)

    @strawberry.field
    def name(self) -> str:
        return self.rec.name

    @strawberry.field
    def slug(self) -> str:
        return self.rec.slug

    @strawberry.field
    def description(self) -> str | None:
        return self.rec.description

    @strawberry.field
    def color(self) -> str | None:
        return self.rec.color

    @strawberry.field
    def post_count(self) -> int:
        return self.rec.post_count

    @strawberry.field(description="Published posts with this tag, newest first.")
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Post]:
        page = await catalog.tag_posts(
            info.context, self.rec, page_args(first, after, last, before)
        )
        return connection(page, Post.of)


@strawberry.type
class Product(Node):
    rec: Private[records.ProductRecord]

    @classmethod
    def of(cls, rec: records.ProductRecord) -> Product:
        return cls(id=strawberry.ID(ids.encode("Product", rec.product_id)), rec=rec)

    @strawberry.field
    def name(self) -> str:
        return self.rec.name

    @strawberry.field
    def description(self) -> str | None:
        return self.rec.description

    @strawberry.field
    def category(self) -> str:
        return self.rec.category

    @strawberry.field
    def price(self) -> Decimal:
        return self.rec.price  # type: ignore[return-value]

    @strawberry.field
    def stock(self) -> int:
        return self.rec.stock

    @strawberry.field
    def active(self) -> bool:
        return self.rec.active

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.rec.created_at  # type: ignore[return-value]

    @strawberry.field
    def updated_at(self) -> DateTime:
        return self.rec.updated_at  # type: ignore[return-value]

    @strawberry.field
    def version(self) -> int:
        return self.rec.version


@strawberry.type
class OrderItem:
    rec: Private[records.OrderItemRecord]

    @strawberry.field(description="Null when the product was deleted after the order.")
    async def product(self, info: Info) -> Product | None:
        found = await shop.item_product(info.context, self.rec)
        return Product.of(found) if found else None

    @strawberry.field(description="Name and price as they were when the order was placed.")
    def product_name(self) -> str:
        return self.rec.product_name

    @strawberry.field
    def unit_price(self) -> Decimal:
        return self.rec.unit_price  # type: ignore[return-value]

    @strawberry.field
    def quantity(self) -> int:
        return self.rec.quantity

    @strawberry.field
    def subtotal(self) -> Decimal:
        return self.rec.unit_price * self.rec.quantity  # type: ignore[return-value]


@strawberry.type
class Order(Node):
    rec: Private[records.OrderRecord]

    @classmethod
    def of(cls, rec: records.OrderRecord) -> Order:
        return cls(id=strawberry.ID(ids.encode("Order", rec.user_id, rec.order_id)), rec=rec)

    @strawberry.field
    def status(self) -> OrderStatus:
        return OrderStatus(self.rec.status)

    @strawberry.field
    def total(self) -> Decimal:
        return self.rec.total  # type: ignore[return-value]

    @strawberry.field
    def shipping_address(self) -> str:
        return self.rec.shipping_address

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.rec.created_at  # type: ignore[return-value]

    @strawberry.field
    def updated_at(self) -> DateTime:
        return self.rec.updated_at  # type: ignore[return-value]

    @strawberry.field
    def version(self) -> int:
        return self.rec.version

    @strawberry.field
    async def customer(self, info: Info) -> User:
        found = await shop.customer(info.context, self.rec)
        return User.of(found) if found else None  # type: ignore[return-value]

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItem]:
        return [OrderItem(rec=i) for i in await shop.items(info.context, self.rec)]


WRAPPERS = {
    records.UserRecord: User.of,
    records.PostRecord: Post.of,
    records.CommentRecord: Comment.of,
    records.CategoryRecord: Category.of,
    records.TagRecord: Tag.of,
    records.ProductRecord: Product.of,
    records.OrderRecord: Order.of,
    records.SessionRecord: Session.of,
}


def as_node(record: object) -> Node | None:
    """The GraphQL object for any entity record (None stays None)."""
    if record is None:
        return None
    wrap = WRAPPERS[type(record)]  # type: ignore[index]
    node: Node = wrap(record)  # type: ignore[operator]
    return node
