"""Global IDs: opaque to clients, and carrying whatever makes `node(id)` one GetItem.

An ID is base64url of `Type:part[:part...]`; every part is a ULID, checked on
the way in, so an ID can never put client text into a key.
"""

from __future__ import annotations

import base64
import binascii

from data.errors import InvalidInput
from data.keys import valid_ulid

# The ULID parts each type's ID carries, in order.
PARTS: dict[str, tuple[str, ...]] = {
    "User": ("userId",),
    "Post": ("postId",),
    "Comment": ("postId", "commentId"),
    "Reply": ("postId", "parentId", "commentId"),
    "Category": ("categoryId",),
    "Tag": ("tagId",),
    "Product": ("productId",),
    "Order": ("userId", "orderId"),
    "Session": ("sessionId",),
    "Review": ("productId", "userId"),
}


def encode(kind: str, *parts: str) -> str:
    """The global ID of a `kind` object identified by `parts`."""
    return base64.urlsafe_b64encode(":".join((kind, *parts)).encode()).decode().rstrip("=")


def decode(global_id: str, field: str = "id") -> tuple[str, tuple[str, ...]]:
    """(kind, parts) of a global ID; BAD_USER_INPUT naming `field` if malformed."""
    try:
        text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(field, f"{field} is not a valid ID") from exc
    kind, _, rest = text.partition(":")
    expected = PARTS.get(kind)
    parts = tuple(rest.split(":")) if rest else ()
    if expected is None or len(parts) != len(expected):
        raise InvalidInput(field, f"{field} is not a valid ID")
    for part in parts:
        valid_ulid(part, field)
    return kind, parts


def decode_as(
    global_id: str, kinds: tuple[str, ...], field: str = "id"
) -> tuple[str, tuple[str, ...]]:
    """Like `decode`, but the ID must be of one of `kinds`."""
    kind, parts = decode(global_id, field)
    if kind not in kinds:
        raise InvalidInput(field, f"{field} is not the ID of a {' or '.join(kinds)}")
    return kind, parts


def user_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("User",), field)[1][0]


def post_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Post",), field)[1][0]


def category_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Category",), field)[1][0]


def tag_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Tag",), field)[1][0]


def product_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Product",), field)[1][0]


def comment_ref(global_id: str, field: str = "id") -> tuple[str, str, str | None]:
    """(postId, commentId, parentId or None) of a comment or reply ID."""
    kind, parts = decode_as(global_id, ("Comment", "Reply"), field)
    if kind == "Reply":
        return parts[0], parts[2], parts[1]
    return parts[0], parts[1], None


def order_ref(global_id: str, field: str = "id") -> tuple[str, str]:
    """(userId, orderId) of an order ID."""
    parts = decode_as(global_id, ("Order",), field)[1]
    return parts[0], parts[1]


def review_ref(global_id: str, field: str = "id") -> tuple[str, str]:
    """(productId, userId) of a review ID: the review's key."""
    parts = decode_as(global_id, ("Review",), field)[1]
    return parts[0], parts[1]


def comment_id_of(post: str, comment: str, parent: str | None) -> str:
    return encode("Reply", post, parent, comment) if parent else encode("Comment", post, comment)
