"""Every entity's item layout, declared once (see `data.layout`): fields are attributes,
defaults are what items other writers left an attribute out of read as, and
`keys()` places the item in the table and its indexes as data-model.md lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from data import keys
from data.layout import Attributes, Entity, Item, attr
from data.ulid import ulid_int


def feed_shard(pid: str, shards: int) -> int:
    """The GSI3 shard of a post: its ULID, as a number, modulo the shard count."""
    return ulid_int(pid) % shards


@dataclass(kw_only=True)
class UserRecord(Entity):
    entity_type = "USER"

    user_id: str
    email: str = ""
    first_name: str | None = None
    last_name: str | None = None
    role: str = "USER"
    status: str = "ACTIVE"
    email_verified: bool = False
    last_login_at: str | None = None
    login_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return keys.user(self.user_id)


@dataclass(kw_only=True)
class SocialLinkRecord(Attributes):
    name: str = ""
    url: str = ""


@dataclass(kw_only=True)
class ProfileRecord(Entity):
    entity_type = "PROFILE"

    user_id: str
    bio: str | None = None
    avatar_url: str | None = None
    website: str | None = None
    location: str | None = None
    social_links: list[SocialLinkRecord] = attr(default=[])
    created_at: str = attr(fallback="updatedAt")
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return keys.profile(self.user_id)


@dataclass(kw_only=True)
class SessionRecord(Entity):
    entity_type = "SESSION"

    session_id: str
    user_id: str
    token_hash: str = attr(read=lambda item: keys.token_hash_of(item["PK"]))
    user_agent: str | None = None
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    expires_at: str
    ttl: int = 0
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.session(self.token_hash),
            "GSI1PK": keys.user_pk(self.user_id),
            "GSI1SK": keys.session_sort(self.session_id),
        }


@dataclass(kw_only=True)
class PostRecord(Entity):
    entity_type = "POST"

    post_id: str
    author_id: str
    category_id: str | None = None
    tag_ids: list[str] = attr(default=[])
    title: str = ""
    slug: str = ""
    excerpt: str | None = None
    content: str = ""
    featured_image: str | None = None
    status: str = "DRAFT"
    published_at: str | None = None
    view_count: int = 0
    like_count: int = 0
    comment_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    @property
    def published(self) -> bool:
        return self.status == "PUBLISHED" and self.published_at is not None

    def keys(self, *, shards: int | None = None, **layout: Any) -> Item:
        """The post's keys; its feed (GSI3) shard depends on the configured `shards`."""
        if shards is None:
            raise ValueError("a post's keys need the feed's shard count")
        moment = self.published_at if self.published and self.published_at else self.created_at
        found: Item = {
            **keys.post(self.post_id),
            "GSI1PK": keys.user_pk(self.author_id),
            "GSI1SK": keys.post_sort(self.post_id),
            "GSI3PK": keys.feed_pk(self.status, feed_shard(self.post_id, shards)),
            "GSI3SK": keys.feed_sort(moment, self.post_id),
        }
        if self.published and self.category_id and self.published_at:
            found["GSI2PK"] = keys.category_pk(self.category_id)
            found["GSI2SK"] = keys.published_sort(self.published_at, self.post_id)
        return found

    def tag_link_item(self, tid: str) -> Item:
        """The link that files this post under tag `tid` (in the tag's GSI1 partition
        while the post is published)."""
        item: Item = {
            **keys.post_tag(self.post_id, tid),
            "entityType": "POST_TAG",
            "postId": self.post_id,
            "tagId": tid,
            "createdAt": self.created_at,
        }
        if self.published and self.published_at:
            item["GSI1PK"] = keys.tag_pk(tid)
            item["GSI1SK"] = keys.published_sort(self.published_at, self.post_id)
        return item


@dataclass(kw_only=True)
class CommentRecord(Entity):
    """A top-level comment, or a reply when `parent_id` is set."""

    entity_type = "COMMENT"

    comment_id: str
    post_id: str
    author_id: str
    parent_id: str | None = None
    content: str = ""
    status: str = "APPROVED"
    like_count: int = 0
    reply_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.comment(self.post_id, self.comment_id, self.parent_id),
            "GSI1PK": keys.user_pk(self.author_id),
            "GSI1SK": keys.comment_sort(self.comment_id),
        }


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


@dataclass(kw_only=True)
class ProductRecord(Entity):
    entity_type = "PRODUCT"

    product_id: str
    name: str = ""
    description: str | None = None
    category: str = ""
    price: Decimal = Decimal(0)
    stock: int = 0
    active: bool = True
    # PUBLISHED reviews: how many, the sum of their ratings, and how many gave each rating.
    rating_count: int = 0
    rating_sum: int = 0
    rating1: int = 0
    rating2: int = 0
    rating3: int = 0
    rating4: int = 0
    rating5: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def index_keys(self) -> Item:
        """GSI1 attributes: present only while the product is active."""
        if not self.active:
            return {}
        return {
            "GSI1PK": keys.products_pk(self.category),
            "GSI1SK": keys.product_price_sort(keys.price_cents(self.price), self.product_id),
        }

    def keys(self, **layout: Any) -> Item:
        return {**keys.product(self.product_id), **self.index_keys()}


@dataclass(kw_only=True)
class OrderRecord(Entity):
    entity_type = "ORDER"

    order_id: str
    user_id: str
    status: str = "PENDING"
    total: Decimal = Decimal(0)
    shipping_address: str = ""
    line_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.order(self.user_id, self.order_id),
            "GSI2PK": keys.order_status_pk(self.status),
            "GSI2SK": self.order_id,
        }


@dataclass(kw_only=True)
class OrderItemRecord(Entity):
    entity_type = "ORDER_ITEM"

    order_id: str
    line: int = 0
    product_id: str
    product_name: str = ""
    unit_price: Decimal = Decimal(0)
    quantity: int = 0
    created_at: str | None = None

    def keys(self, **layout: Any) -> Item:
        return keys.order_item(self.order_id, self.line)
