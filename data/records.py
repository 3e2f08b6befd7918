"""Typed records, mapped to and from items exactly as data-model.md lays them out.

`from_item` is lenient where other writers may leave an attribute out (counters
default to 0, lists to empty); `to_item` writes every key and index attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from data import keys
from data.ulid import ulid_int

Item = dict[str, Any]


def _str(item: Item, name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


def _int(item: Item, name: str, default: int = 0) -> int:
    value = item.get(name)
    return default if value is None else int(value)


def _dec(item: Item, name: str) -> Decimal:
    value = item.get(name)
    return Decimal(0) if value is None else Decimal(value)


def _clean(item: Item) -> Item:
    """Drop None values: DynamoDB has no use for empty attributes."""
    return {k: v for k, v in item.items() if v is not None}


def feed_shard(pid: str, shards: int) -> int:
    """The GSI3 shard of a post: its ULID, as a number, modulo the shard count."""
    return ulid_int(pid) % shards


@dataclass
class UserRecord:
    user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    role: str
    status: str
    email_verified: bool
    last_login_at: str | None
    login_count: int
    created_at: str
    updated_at: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> UserRecord:
        return cls(
            user_id=str(item["userId"]),
            email=str(item.get("email", "")),
            first_name=_str(item, "firstName"),
            last_name=_str(item, "lastName"),
            role=str(item.get("role", "USER")),
            status=str(item.get("status", "ACTIVE")),
            email_verified=bool(item.get("emailVerified", False)),
            last_login_at=_str(item, "lastLoginAt"),
            login_count=_int(item, "loginCount"),
            created_at=str(item["createdAt"]),
            updated_at=str(item.get("updatedAt", item["createdAt"])),
            version=_int(item, "version", 1),
        )

    def to_item(self, password_hash: str) -> Item:
        return _clean(
            {
                **keys.user(self.user_id),
                "entityType": "USER",
                "userId": self.user_id,
                "email": self.email,
                "passwordHash": password_hash,
                "firstName": self.first_name,
                "lastName": self.last_name,
                "role": self.role,
                "status": self.status,
                "emailVerified": self.email_verified,
                "lastLoginAt": self.last_login_at,
                "loginCount": self.login_count,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )


@dataclass
class SocialLinkRecord:
    name: str
    url: str


@dataclass
class ProfileRecord:
    user_id: str
    bio: str | None
    avatar_url: str | None
    website: str | None
    location: str | None
    social_links: list[SocialLinkRecord]
    updated_at: str

    @classmethod
    def from_item(cls, item: Item) -> ProfileRecord:
        links = [
            SocialLinkRecord(name=str(link.get("name", "")), url=str(link.get("url", "")))
            for link in item.get("socialLinks") or []
            if isinstance(link, dict)
        ]
        return cls(
            user_id=str(item["userId"]),
            bio=_str(item, "bio"),
            avatar_url=_str(item, "avatarUrl"),
            website=_str(item, "website"),
            location=_str(item, "location"),
            social_links=links,
            updated_at=str(item.get("updatedAt") or item.get("createdAt")),
        )

    def to_item(self, created_at: str) -> Item:
        return _clean(
            {
                **keys.profile(self.user_id),
                "entityType": "PROFILE",
                "userId": self.user_id,
                "bio": self.bio,
                "avatarUrl": self.avatar_url,
                "website": self.website,
                "location": self.location,
                "socialLinks": [{"name": s.name, "url": s.url} for s in self.social_links],
                "createdAt": created_at,
                "updatedAt": self.updated_at,
                "version": 1,
            }
        )


@dataclass
class SessionRecord:
    session_id: str
    user_id: str
    token_hash: str
    user_agent: str | None
    created_at: str
    expires_at: str
    ttl: int

    @classmethod
    def from_item(cls, item: Item) -> SessionRecord:
        return cls(
            session_id=str(item["sessionId"]),
            user_id=str(item["userId"]),
            token_hash=str(item["PK"]).removeprefix("SESSION#"),
            user_agent=_str(item, "userAgent"),
            created_at=str(item["createdAt"]),
            expires_at=str(item["expiresAt"]),
            ttl=_int(item, "ttl"),
        )

    def to_item(self) -> Item:
        return _clean(
            {
                **keys.session(self.token_hash),
                "entityType": "SESSION",
                "GSI1PK": keys.user_pk(self.user_id),
                "GSI1SK": keys.session_sort(self.session_id),
                "sessionId": self.session_id,
                "userId": self.user_id,
                "userAgent": self.user_agent,
                "createdAt": self.created_at,
                "updatedAt": self.created_at,
                "expiresAt": self.expires_at,
                "ttl": self.ttl,
                "version": 1,
            }
        )


@dataclass
class PostRecord:
    post_id: str
    author_id: str
    category_id: str | None
    tag_ids: list[str]
    title: str
    slug: str
    excerpt: str | None
    content: str
    featured_image: str | None
    status: str
    published_at: str | None
    view_count: int
    like_count: int
    comment_count: int
    created_at: str
    updated_at: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> PostRecord:
        return cls(
            post_id=str(item["postId"]),
            author_id=str(item["authorId"]),
            category_id=_str(item, "categoryId"),
            tag_ids=[str(t) for t in item.get("tagIds") or []],
            title=str(item.get("title", "")),
            slug=str(item.get("slug", "")),
            excerpt=_str(item, "excerpt"),
            content=str(item.get("content", "")),
            featured_image=_str(item, "featuredImage"),
            status=str(item.get("status", "DRAFT")),
            published_at=_str(item, "publishedAt"),
            view_count=_int(item, "viewCount"),
            like_count=_int(item, "likeCount"),
            comment_count=_int(item, "commentCount"),
            created_at=str(item["createdAt"]),
            updated_at=str(item.get("updatedAt", item["createdAt"])),
            version=_int(item, "version", 1),
        )

    # What a list of posts reads when no one asked for `content`, the attribute that
    # grows: every other attribute `from_item` reads, and the keys a cursor resumes from.
    WITHOUT_CONTENT: ClassVar[tuple[str, ...]] = (
        "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK",
        "postId", "authorId", "categoryId", "tagIds", "title", "slug", "excerpt",
        "featuredImage", "status", "publishedAt", "viewCount", "likeCount", "commentCount",
        "createdAt", "updatedAt", "version",
    )

    def index_keys(self, shards: int) -> Item:
        """GSI attributes for the post's current status (GSI2 only while published)."""
        published = self.status == "PUBLISHED" and self.published_at is not None
        index: Item = {
            "GSI1PK": keys.user_pk(self.author_id),
            "GSI1SK": keys.post_sort(self.post_id),
            "GSI3PK": keys.feed_pk(self.status, feed_shard(self.post_id, shards)),
            "GSI3SK": keys.feed_sort(
                self.published_at if published and self.published_at else self.created_at,
                self.post_id,
            ),
        }
        if published and self.category_id and self.published_at:
            index["GSI2PK"] = keys.category_pk(self.category_id)
            index["GSI2SK"] = keys.published_sort(self.published_at, self.post_id)
        return index

    def to_item(self, shards: int) -> Item:
        return _clean(
            {
                **keys.post(self.post_id),
                **self.index_keys(shards),
                "entityType": "POST",
                "postId": self.post_id,
                "authorId": self.author_id,
                "categoryId": self.category_id,
                "tagIds": list(self.tag_ids),
                "title": self.title,
                "slug": self.slug,
                "excerpt": self.excerpt,
                "content": self.content,
                "featuredImage": self.featured_image,
                "status": self.status,
                "publishedAt": self.published_at,
                "viewCount": self.view_count,
                "likeCount": self.like_count,
                "commentCount": self.comment_count,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )

    def tag_link_item(self, tid: str) -> Item:
        item: Item = {
            **keys.post_tag(self.post_id, tid),
            "entityType": "POST_TAG",
            "postId": self.post_id,
            "tagId": tid,
            "createdAt": self.created_at,
        }
        if self.status == "PUBLISHED" and self.published_at:
            item["GSI1PK"] = keys.tag_pk(tid)
            item["GSI1SK"] = keys.published_sort(self.published_at, self.post_id)
        return item


@dataclass
class CommentRecord:
    comment_id: str
    post_id: str
    author_id: str
    parent_id: str | None
    content: str
    status: str
    like_count: int
    reply_count: int
    created_at: str
    updated_at: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> CommentRecord:
        return cls(
            comment_id=str(item["commentId"]),
            post_id=str(item["postId"]),
            author_id=str(item["authorId"]),
            parent_id=_str(item, "parentId"),
            content=str(item.get("content", "")),
            status=str(item.get("status", "APPROVED")),
            like_count=_int(item, "likeCount"),
            reply_count=_int(item, "replyCount"),
            created_at=str(item["createdAt"]),
            updated_at=str(item.get("updatedAt", item["createdAt"])),
            version=_int(item, "version", 1),
        )

    def to_item(self) -> Item:
        return _clean(
            {
                **keys.comment(self.post_id, self.comment_id, self.parent_id),
                "GSI1PK": keys.user_pk(self.author_id),
                "GSI1SK": keys.comment_sort(self.comment_id),
                "entityType": "COMMENT",
                "commentId": self.comment_id,
                "postId": self.post_id,
                "authorId": self.author_id,
                "parentId": self.parent_id,
                "content": self.content,
                "status": self.status,
                "likeCount": self.like_count,
                "replyCount": self.reply_count,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )


@dataclass
class CategoryRecord:
    category_id: str
    parent_id: str | None
    name: str
    slug: str
    description: str | None
    color: str | None
    icon: str | None
    sort_order: int
    created_at: str
    updated_at: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> CategoryRecord:
        return cls(
            category_id=str(item["categoryId"]),
            parent_id=_str(item, "parentId"),
            name=str(item.get("name", "")),
            slug=str(item.get("slug", "")),
            description=_str(item, "description"),
            color=_str(item, "color"),
            icon=_str(item, "icon"),
            sort_order=_int(item, "sortOrder"),
            created_at=str(item["createdAt"]),
            updated_at=str(item.get("updatedAt", item["createdAt"])),
            version=_int(item, "version", 1),
        )

    def to_item(self) -> Item:
        return _clean(
            {
                **keys.category(self.category_id),
                "entityType": "CATEGORY",
                "GSI1PK": keys.category_parent_pk(self.parent_id),
                "GSI1SK": keys.category_child_sort(self.sort_order, self.category_id),
                "categoryId": self.category_id,
                "parentId": self.parent_id,
                "name": self.name,
                "slug": self.slug,
                "description": self.description,
                "color": self.color,
                "icon": self.icon,
                "sortOrder": self.sort_order,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )


@dataclass
class TagRecord:
    tag_id: str
    name: str
    slug: str
    description: str | None
    color: str | None
    post_count: int
    created_at: str
    updated_at: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> TagRecord:
        return cls(
            tag_id=str(item["tagId"]),
            name=str(item.get("name", "")),
            slug=str(item.get("slug", "")),
            description=_str(item, "description"),
            color=_str(item, "color"),
            post_count=_int(item, "postCount"),
            created_at=str(item["createdAt"]),
            updated_at=str(item.get("updatedAt", item["createdAt"])),
            version=_int(item, "version", 1),
        )

    def to_item(self) -> Item:
        return _clean(
            {
                **keys.tag(self.tag_id),
                "entityType": "TAG",
                "GSI1PK": keys.TAGS_PK,
                "GSI1SK": keys.tag_name_sort(self.name, self.tag_id),
                "tagId": self.tag_id,
                "name": self.name,
                "slug": self.slug,
                "description": self.description,
                "color": self.color,
                "postCount": self.post_count,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )


@dataclass
class ProductRecord:
    product_id: str
    name: str
    description: str | None
    category: str
    price: Decimal
    stock: int
    active: bool
    created_at: str
    updated_at: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> ProductRecord:
        return cls(
            product_id=str(item["productId"]),
            name=str(item.get("name", "")),
            description=_str(item, "description"),
            category=str(item.get("category", "")),
            price=_dec(item, "price"),
            stock=_int(item, "stock"),
            active=bool(item.get("active", True)),
            created_at=str(item["createdAt"]),
            updated_at=str(item.get("updatedAt", item["createdAt"])),
            version=_int(item, "version", 1),
        )

    def index_keys(self) -> Item:
        """GSI1 attributes: present only while the product is active."""
        if not self.active:
            return {}
        return {
            "GSI1PK": keys.products_pk(self.category),
            "GSI1SK": keys.product_price_sort(keys.price_cents(self.price), self.product_id),
        }

    def to_item(self) -> Item:
        return _clean(
            {
                **keys.product(self.product_id),
                **self.index_keys(),
                "entityType": "PRODUCT",
                "productId": self.product_id,
                "name": self.name,
                "description": self.description,
                "category": self.category,
                "price": self.price,
                "stock": self.stock,
                "active": self.active,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )


@dataclass
class OrderRecord:
    order_id: str
    user_id: str
    status: str
    total: Decimal
    shipping_address: str
    line_count: int
    created_at: str
    updated_at: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> OrderRecord:
        return cls(
            order_id=str(item["orderId"]),
            user_id=str(item["userId"]),
            status=str(item.get("status", "PENDING")),
            total=_dec(item, "total"),
            shipping_address=str(item.get("shippingAddress", "")),
            line_count=_int(item, "lineCount"),
            created_at=str(item["createdAt"]),
            updated_at=str(item.get("updatedAt", item["createdAt"])),
            version=_int(item, "version", 1),
        )

    def to_item(self) -> Item:
        return _clean(
            {
                **keys.order(self.user_id, self.order_id),
                "entityType": "ORDER",
                "GSI2PK": keys.order_status_pk(self.status),
                "GSI2SK": self.order_id,
                "orderId": self.order_id,
                "userId": self.user_id,
                "status": self.status,
                "total": self.total,
                "shippingAddress": self.shipping_address,
                "lineCount": self.line_count,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )


@dataclass
class OrderItemRecord:
    order_id: str
    line: int
    product_id: str
    product_name: str
    unit_price: Decimal
    quantity: int
    created_at: str = field(default="")

    @classmethod
    def from_item(cls, item: Item) -> OrderItemRecord:
        return cls(
            order_id=str(item["orderId"]),
            line=_int(item, "line"),
            product_id=str(item["productId"]),
            product_name=str(item.get("productName", "")),
            unit_price=_dec(item, "unitPrice"),
            quantity=_int(item, "quantity"),
            created_at=str(item.get("createdAt", "")),
        )

    def to_item(self) -> Item:
        return _clean(
            {
                **keys.order_item(self.order_id, self.line),
                "entityType": "ORDER_ITEM",
                "orderId": self.order_id,
                "line": self.line,
                "productId": self.product_id,
                "productName": self.product_name,
                "unitPrice": self.unit_price,
                "quantity": self.quantity,
                "createdAt": self.created_at or None,
            }
        )
