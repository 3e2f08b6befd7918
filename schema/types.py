"""Object types: one per entity, each wrapping its data-layer record.

Fields that are the record's attributes are plain fields, copied when the
object is built (`from_record`): graphql-core reads them as attributes, with
no resolver, Info or awaitable. Fields that need a rule or another lookup
delegate to `resolvers/`, which go through the request's loaders.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from data import records
from data.pages import page_args
from data.reviews import ReviewRecord
from resolvers import catalog, comments, ids, posts, shop, users
from resolvers.context import RequestContext
from schema.connection import Connection, connection, nodes_select
from schema.enums import CommentStatus, OrderStatus, PostStatus, Role, SortOrder, UserStatus
from schema.scalars import DateTime, Decimal

if TYPE_CHECKING:
    from schema.reviews import RatingSummary, Review

Info = strawberry.Info[RequestContext, None]
Private = strawberry.Private
T = TypeVar("T")
# schema.reviews builds on this module: its types are named lazily here, and the
# review fields import it when they first resolve.
LazyReview = Annotated["Review", strawberry.lazy("schema.reviews")]
LazyRatingSummary = Annotated["RatingSummary", strawberry.lazy("schema.reviews")]


@cache
def _copied(cls: type) -> tuple[str, ...]:
    """The fields of `cls` that hold a record attribute of the same name."""
    definition: Any = cls.__strawberry_definition__  # type: ignore[attr-defined]
    return tuple(
        f.python_name
        for f in definition.fields
        if f.base_resolver is None and f.python_name not in ("id", "rec")
    )


def from_record(cls: type[T], rec: Any, **computed: Any) -> T:
    """An object of `cls` over `rec`: each plain field from the record's attribute of the
    same name, unless `computed` gives it."""
    values = {name: getattr(rec, name) for name in _copied(cls) if name not in computed}
    return cls(rec=rec, **values, **computed)


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

    bio: str | None

    avatar_url: str | None

    website: str | None

    location: str | None

    social_links: list[SocialLink]

    updated_at: DateTime

    @classmethod
    def of(cls, rec: records.ProfileRecord) -> Profile:
        links = [SocialLink(name=link.name, url=link.url) for link in rec.social_links]
        return from_record(cls, rec, social_links=links)


@strawberry.type
class Session(Node):
    rec: Private[records.SessionRecord]

    @classmethod
    def of(cls, rec: records.SessionRecord) -> Session:
        return from_record(cls, rec, id=strawberry.ID(ids.encode("Session", rec.session_id)))

    created_at: DateTime

    expires_at: DateTime

    user_agent: str | None

    @strawberry.field(description="True for the session that made this request.")
    def current(self, info: Info) -> bool:
        return users.is_current(info.context, self.rec)


@strawberry.type
class User(Node):
    rec: Private[records.UserRecord]

    @classmethod
    def of(cls, rec: records.UserRecord) -> User:
        return from_record(
            cls,
            rec,
            id=strawberry.ID(ids.encode("User", rec.user_id)),
            display_name=users.display_name(rec),
            role=Role(rec.role),
            status=UserStatus(rec.status),
        )

    @strawberry.field(description="Null unless the viewer is this user or an admin.")
    def email(self, info: Info) -> str | None:
        return users.email(info.context, self.rec)

    first_name: str | None

    last_name: str | None

    display_name: str

    role: Role

    status: UserStatus

    email_verified: bool

    last_login_at: DateTime | None

    created_at: DateTime

    updated_at: DateTime

    version: int

    @strawberry.field
    async def profile(self, info: Info) -> Profile | None:
        found = await users.profile(info.context, self.rec)
        return Profile.of(found) if found else None

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
            content=nodes_select(info, "content"),
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

    @strawberry.field(
        description="Newest first. HIDDEN reviews only for this user, moderators and admins."
    )
    async def reviews(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[LazyReview]:
        from schema import reviews

        return await reviews.of_author(info, self.rec, page_args(first, after, last, before))


@strawberry.type
class Post(Node):
    rec: Private[records.PostRecord]

    @classmethod
    def of(cls, rec: records.PostRecord) -> Post:
        gid = strawberry.ID(ids.encode("Post", rec.post_id))
        return from_record(cls, rec, id=gid, status=PostStatus(rec.status))

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
        return from_record(
            cls, rec, id=strawberry.ID(comments.global_id(rec)), status=CommentStatus(rec.status)
        )

    content: str

    status: CommentStatus

    like_count: int

    reply_count: int

    created_at: DateTime

    updated_at: DateTime

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
        return from_record(cls, rec, id=strawberry.ID(ids.encode("Category", rec.category_id)))

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
    ) -> Connection[Post]:
        page = await catalog.category_posts(
            info.context,
            self.rec,
            page_args(first, after, last, before),
            content=nodes_select(info, "content"),
        )
        return connection(page, Post.of)


@strawberry.type
class Tag(Node):
    rec: Private[records.TagRecord]

    @classmethod
    def of(cls, rec: records.TagRecord) -> Tag:
        return from_record(cls, rec, id=strawberry.ID(ids.encode("Tag", rec.tag_id)))

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
        return from_record(cls, rec, id=strawberry.ID(ids.encode("Product", rec.product_id)))

    name: str

    description: str | None

    category: str

    price: Decimal

    stock: int

    active: bool

    created_at: DateTime

    updated_at: DateTime

    version: int

    @strawberry.field(description="PUBLISHED reviews, newest first.")
    async def reviews(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[LazyReview]:
        from schema import reviews

        return await reviews.of_product(info, self.rec, page_args(first, after, last, before))

    @strawberry.field(
        description="Exact, from counters kept in the same transaction as every review write."
    )
    def rating(self) -> LazyRatingSummary:
        from schema import reviews

        return reviews.summary(self.rec)

    @strawberry.field(
        description=(
            "The viewer's own review of this product, whatever its status; "
            "null when anonymous or none."
        )
    )
    async def my_review(self, info: Info) -> LazyReview | None:
        from schema import reviews

        return await reviews.mine(info, self.rec)


def _review(record: ReviewRecord) -> Node:
    from schema.reviews import Review

    return Review.of(record)


@strawberry.type
class OrderItem:
    rec: Private[records.OrderItemRecord]

    @strawberry.field(description="Null when the product was deleted after the order.")
    async def product(self, info: Info) -> Product | None:
        found = await shop.item_product(info.context, self.rec)
        return Product.of(found) if found else None

    product_name: str = strawberry.field(
        description="Name and price as they were when the order was placed."
    )

    unit_price: Decimal

    quantity: int

    subtotal: Decimal

    @classmethod
    def of(cls, rec: records.OrderItemRecord) -> OrderItem:
        return from_record(cls, rec, subtotal=rec.unit_price * rec.quantity)


@strawberry.type
class Order(Node):
    rec: Private[records.OrderRecord]

    @classmethod
    def of(cls, rec: records.OrderRecord) -> Order:
        return from_record(
            cls,
            rec,
            id=strawberry.ID(ids.encode("Order", rec.user_id, rec.order_id)),
            status=OrderStatus(rec.status),
        )

    status: OrderStatus

    total: Decimal

    shipping_address: str

    created_at: DateTime

    updated_at: DateTime

    version: int

    @strawberry.field
    async def customer(self, info: Info) -> User:
        found = await shop.customer(info.context, self.rec)
        return User.of(found) if found else None  # type: ignore[return-value]

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItem]:
        return [OrderItem.of(i) for i in await shop.items(info.context, self.rec)]


WRAPPERS = {
    records.UserRecord: User.of,
    records.PostRecord: Post.of,
    records.CommentRecord: Comment.of,
    records.CategoryRecord: Category.of,
    records.TagRecord: Tag.of,
    records.ProductRecord: Product.of,
    records.OrderRecord: Order.of,
    records.SessionRecord: Session.of,
    ReviewRecord: _review,
}


def as_node(record: object) -> Node | None:
    """The GraphQL object for any entity record (None stays None)."""
    if record is None:
        return None
    wrap = WRAPPERS[type(record)]  # type: ignore[index]
    node: Node = wrap(record)  # type: ignore[operator]
    return node
