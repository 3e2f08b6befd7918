"""The table's list reads, by name: every key condition, index and filter of a list.

Each function takes plain values (IDs, a status, who is asking) and returns a
`ListRead`: what to Query and how an item becomes a record. `data.pages` reads
a page of it through the request's loaders, so identical Queries run once and
independent ones share a round trip. Data-model.md's "Reads and their cost"
table is this module.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from data import keys
from data.clock import now_iso
from data.layout import Item
from data.pages import ListRead
from data.queries import Filter, QuerySpec, SortCondition
from data.records import (
    CategoryRecord,
    CommentRecord,
    OrderItemRecord,
    OrderRecord,
    PostRecord,
    ProductRecord,
    SessionRecord,
    TagRecord,
)
from data.ulid import ulid_time_bound

# What a list of posts reads when no one asked for `content`, the attribute that
# grows: every other attribute, and the keys a cursor resumes from.
POST_WITHOUT_CONTENT = (
    "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK",
    *PostRecord.attribute_names("content"),
)


def _posts(content: bool) -> tuple[str, ...] | None:
    return None if content else POST_WITHOUT_CONTENT


def _status_is(status: str) -> Filter:
    return Filter(
        "#st = :status", names=(("#st", "status"),), values=((":status", status),), binding=status
    )


def visible_comments(viewer_id: str | None, moderates: bool) -> Filter | None:
    """APPROVED comments, plus the viewer's own; no filter for moderators."""
    if moderates:
        return None
    names = (("#st", "status"),)
    if viewer_id:
        return Filter(
            "#st = :approved OR #author = :viewer",
            names=(*names, ("#author", "authorId")),
            values=((":approved", "APPROVED"), (":viewer", viewer_id)),
            binding=f"viewer={viewer_id}",
        )
    return Filter("#st = :approved", names=names, values=((":approved", "APPROVED"),))


def _live_sessions() -> Filter:
    """Sessions not yet expired: TTL deletion lags, so expired items are filtered."""
    return Filter(
        "#exp > :now", names=(("#exp", "expiresAt"),), values=((":now", now_iso()),), binding="live"
    )


# ---------------------------------------------------------------- users


def posts_by_author(
    author_id: str, status: str | None, content: bool = True
) -> ListRead[PostRecord]:
    """The author's posts, newest first, of one status or all; `content` False reads
    them without it (their records hold "")."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(author_id),
        SortCondition("begins_with", "POST#"),
        forward=False,
        filter=_status_is(status) if status else None,
        attributes=_posts(content),
    )
    return ListRead.one(spec, PostRecord.from_item)


def comments_by_author(
    author_id: str, viewer_id: str | None, moderates: bool
) -> ListRead[CommentRecord]:
    """The author's comments and replies, newest first, as the viewer may see them."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(author_id),
        SortCondition("begins_with", "COMMENT#"),
        forward=False,
        filter=visible_comments(viewer_id, moderates),
    )
    return ListRead.one(spec, CommentRecord.from_item)


def orders_of_customer(
    user_id: str, since: datetime | None, until: datetime | None, newest_first: bool
) -> ListRead[OrderRecord]:
    """The customer's orders between two moments, by the ULID bounds of the order IDs."""
    if since is None and until is None:
        sort = SortCondition("begins_with", "ORDER#")
    else:
        low = "ORDER#" + (ulid_time_bound(since, upper=False) if since else "")
        high = "ORDER#" + (ulid_time_bound(until, upper=True) if until else "~")
        sort = SortCondition("between", low, high)
    spec = QuerySpec(None, keys.user_pk(user_id), sort, forward=not newest_first)
    return ListRead.one(spec, OrderRecord.from_item)


def sessions_of_user(user_id: str) -> ListRead[SessionRecord]:
    """The user's live sessions, oldest first."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(user_id),
        SortCondition("begins_with", "SESSION#"),
        filter=_live_sessions(),
    )
    return ListRead.one(spec, SessionRecord.from_item)


def session_of_user(user_id: str, session_id: str) -> ListRead[SessionRecord]:
    """One of the user's live sessions, by its ID (a Query in the user's partition:
    the session item's own key is the token's hash, which an ID never carries)."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(user_id),
        SortCondition("=", keys.session_sort(session_id)),
        limit=1,
        filter=_live_sessions(),
    )
    return ListRead.one(spec, SessionRecord.from_item)


# ---------------------------------------------------------------- posts and comments


def feed(status: str, shards: int, content: bool = True) -> ListRead[PostRecord]:
    """All posts of one status, newest first: the GSI3 shards, read at once and merged."""
    specs = tuple(
        QuerySpec("GSI3", keys.feed_pk(status, shard), forward=False, attributes=_posts(content))
        for shard in range(shards)
    )
    return ListRead(specs, PostRecord.from_item, binding=f"feed|{status}")


def comments_of_post(
    post_id: str, viewer_id: str | None, moderates: bool
) -> ListRead[CommentRecord]:
    """Top-level comments, oldest first, as the viewer may see them."""
    spec = QuerySpec(
        None,
        keys.post_pk(post_id),
        SortCondition("begins_with", "COMMENT#"),
        filter=visible_comments(viewer_id, moderates),
    )
    return ListRead.one(spec, CommentRecord.from_item)


def replies_of_comment(
    post_id: str, comment_id: str, viewer_id: str | None, moderates: bool
) -> ListRead[CommentRecord]:
    """Replies to a top-level comment, oldest first, as the viewer may see them."""
    spec = QuerySpec(
        None,
        keys.post_pk(post_id),
        SortCondition("begins_with", keys.reply_prefix(comment_id)),
        filter=visible_comments(viewer_id, moderates),
    )
    return ListRead.one(spec, CommentRecord.from_item)


# ---------------------------------------------------------------- catalog


def children_of_category(parent_id: str | None) -> ListRead[CategoryRecord]:
    """Every child of a category (or the top level), by sortOrder: read whole."""
    spec = QuerySpec("GSI1", keys.category_parent_pk(parent_id), limit=0)
    return ListRead.one(spec, CategoryRecord.from_item)


def posts_of_category(category_id: str, content: bool = True) -> ListRead[PostRecord]:
    """Published posts of the category, newest first (GSI2 holds only published posts)."""
    spec = QuerySpec(
        "GSI2",
        keys.category_pk(category_id),
        SortCondition("begins_with", "POST#"),
        forward=False,
        attributes=_posts(content),
    )
    return ListRead.one(spec, PostRecord.from_item)


def tags_by_name() -> ListRead[TagRecord]:
    return ListRead.one(QuerySpec("GSI1", keys.TAGS_PK), TagRecord.from_item)


def _post_id(item: Item) -> str:
    return str(item["postId"])


def post_ids_of_tag(tag_id: str) -> ListRead[str]:
    """The IDs of the tag's published posts, newest first (from the tag's links)."""
    spec = QuerySpec(
        "GSI1", keys.tag_pk(tag_id), SortCondition("begins_with", "POST#"), forward=False
    )
    return ListRead.one(spec, _post_id)


# ---------------------------------------------------------------- shop


def products_by_price(
    category: str, min_price: Decimal | None, max_price: Decimal | None, lowest_first: bool
) -> ListRead[ProductRecord] | None:
    """Active products of a category within a price range (GSI1 sorts by price);
    None when the range is empty."""
    low = keys.price_cents(min_price, "minPrice") if min_price is not None else None
    high = keys.price_cents(max_price, "maxPrice") if max_price is not None else None
    if low is not None and high is not None and low > high:
        return None
    sort = None
    if low is not None or high is not None:
        sort = SortCondition(
            "between",
            keys.price_bound(low or 0, upper=False),
            keys.price_bound(keys.MAX_CENTS if high is None else high, upper=True),
        )
    spec = QuerySpec("GSI1", keys.products_pk(category), sort, forward=lowest_first)
    return ListRead.one(spec, ProductRecord.from_item)


def orders_by_status(status: str) -> ListRead[OrderRecord]:
    """Every customer's orders of one status, newest first."""
    spec = QuerySpec("GSI2", keys.order_status_pk(status), forward=False)
    return ListRead.one(spec, OrderRecord.from_item)


def items_of_order(order_id: str) -> ListRead[OrderItemRecord]:
    """An order's lines, in order: read whole."""
    spec = QuerySpec(
        None, keys.order_pk(order_id), SortCondition("begins_with", "ITEM#"), limit=0
    )
    return ListRead.one(spec, OrderItemRecord.from_item)
