"""Every key of the table, built here and only here, from validated parts.

A client string reaches a key only through one of the `valid_*` checks below,
so it can never smuggle a `#` or another entity's prefix into a key.
"""

from __future__ import annotations

import re
from decimal import Decimal

from data.errors import InvalidInput
from data.ulid import is_ulid

Key = dict[str, str]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$")
_TOKEN_HASH = re.compile(r"^[0-9a-f]{64}$")
_RATE_SCOPE = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
# Product categories are free text to the client, but never hold the key delimiter.
_CATEGORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.&'-]{0,63}$")
SLUG_MAX = 100
EMAIL_MAX = 254
MAX_CENTS = 10**12 - 1


# ---------------------------------------------------------------- validation


def valid_ulid(value: str, field: str = "id") -> str:
    """`value` if it is a well-formed ULID, else BAD_USER_INPUT."""
    if not is_ulid(value):
        raise InvalidInput(field, f"{field} is not a valid ID")
    return value


def valid_slug(value: str, field: str = "slug") -> str:
    """`value` if it is a lower-case slug (letters, digits, single hyphens)."""
    if len(value) > SLUG_MAX or not _SLUG.match(value):
        raise InvalidInput(
            field, f"{field} must be lower-case letters and digits joined by single hyphens"
        )
    return value


def slugify(value: str, field: str = "slug") -> str:
    """A slug from free text: lower-case ASCII letters and digits joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:SLUG_MAX].strip("-")
    if not slug:
        raise InvalidInput(field, f"{field} needs at least one letter or digit")
    return slug


def normalise_email(value: str, field: str = "email") -> str:
    """The lower-cased email, if it is in the practical subset we accept."""
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise InvalidInput(field, f"{field} is not a valid email address")
    return email


def valid_token_hash(value: str) -> str:
    if not _TOKEN_HASH.match(value):
        raise InvalidInput("token", "malformed session token hash")
    return value


def valid_product_category(value: str, field: str = "category") -> str:
    """A product category: 1-64 characters of letters, digits, space and `_.&'-`."""
    if not _CATEGORY.match(value):
        raise InvalidInput(field, f"{field} must be 1-64 letters, digits, spaces or _ . & ' -")
    return value


def price_cents(price: Decimal, field: str = "price") -> int:
    """Whole cents of a non-negative price with at most two decimal places."""
    if not price.is_finite() or price < 0:
        raise InvalidInput(field, f"{field} must not be negative")
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidInput(field, f"{field} must have at most two decimal places")
    cents = int(price * 100)
    if cents > MAX_CENTS:
        raise InvalidInput(field, f"{field} is too large")
    return cents


# ---------------------------------------------------------------- partition values


def user_pk(uid: str) -> str:
    return f"USER#{valid_ulid(uid)}"


def post_pk(pid: str) -> str:
    return f"POST#{valid_ulid(pid)}"


def order_pk(oid: str) -> str:
    return f"ORDER#{valid_ulid(oid)}"


def tag_pk(tid: str) -> str:
    return f"TAG#{valid_ulid(tid)}"


def category_pk(cid: str) -> str:
    return f"CATEGORY#{valid_ulid(cid)}"


def category_parent_pk(parent_id: str | None) -> str:
    return f"CATPARENT#{valid_ulid(parent_id) if parent_id else 'ROOT'}"


def products_pk(category: str) -> str:
    return f"PRODUCTS#{valid_product_category(category)}"


def order_status_pk(status: str) -> str:
    return f"ORDERSTATUS#{status}"


def feed_pk(status: str, shard: int) -> str:
    return f"FEED#{status}#{shard}"


def product_pk(prid: str) -> str:
    return f"PRODUCT#{valid_ulid(prid)}"


def reviews_pk(prid: str) -> str:
    """GSI2 partition of a product's PUBLISHED reviews."""
    return f"REVIEWS#{valid_ulid(prid)}"


TAGS_PK = "TAGS"


# ---------------------------------------------------------------- item keys


def user(uid: str) -> Key:
    return {"PK": user_pk(uid), "SK": "USER"}


def profile(uid: str) -> Key:
    return {"PK": user_pk(uid), "SK": "PROFILE"}


def email_lock(email: str) -> Key:
    return {"PK": f"EMAIL#{normalise_email(email)}", "SK": "EMAIL"}


def lease(name: str) -> Key:
    """A lease item: who holds `name` (the stream reader's, say) and until when."""
    return {"PK": f"LEASE#{name}", "SK": "LEASE"}


def idempotency(digest: str) -> Key:
    """The answer kept for one idempotency key (`digest` is the hash of its scope)."""
    return {"PK": f"IDEMPOTENCY#{valid_token_hash(digest)}", "SK": "IDEMPOTENCY"}


def idempotency_digest_of(pk: str) -> str:
    """The digest an idempotency item's PK holds."""
    return pk.removeprefix("IDEMPOTENCY#")


def rate_window(scope: str, digest: str, start: int) -> Key:
    """One fixed window of a rate counter: the attempts of one key (`digest`, the HMAC of
    an email, an address or a token) under `scope`, in the window starting at `start`
    (epoch seconds)."""
    if not _RATE_SCOPE.match(scope):
        raise ValueError(f"not a rate counter scope: {scope!r}")
    return {"PK": f"RATE#{scope}#{valid_token_hash(digest)}", "SK": f"WINDOW#{start}"}


def session(token_hash: str) -> Key:
    return {"PK": f"SESSION#{valid_token_hash(token_hash)}", "SK": "SESSION"}


def token_hash_of(session_pk: str) -> str:
    """The token hash a session item's PK holds."""
    return session_pk.removeprefix("SESSION#")


def post(pid: str) -> Key:
    return {"PK": post_pk(pid), "SK": "POST"}


def slug_lock(slug: str) -> Key:
    return {"PK": f"SLUG#{valid_slug(slug)}", "SK": "POST"}


def post_tag(pid: str, tid: str) -> Key:
    return {"PK": post_pk(pid), "SK": f"TAG#{valid_ulid(tid)}"}


def like(pid: str, uid: str) -> Key:
    return {"PK": post_pk(pid), "SK": f"LIKE#{valid_ulid(uid)}"}


def comment(pid: str, cid: str, parent_id: str | None = None) -> Key:
    """A top-level comment, or a reply when `parent_id` is given."""
    if parent_id:
        return {"PK": post_pk(pid), "SK": f"REPLY#{valid_ulid(parent_id)}#{valid_ulid(cid)}"}
    return {"PK": post_pk(pid), "SK": f"COMMENT#{valid_ulid(cid)}"}


def category(cid: str) -> Key:
    return {"PK": category_pk(cid), "SK": "CATEGORY"}


def category_slug_lock(slug: str) -> Key:
    return {"PK": f"CATSLUG#{valid_slug(slug)}", "SK": "CATEGORY"}


def tag(tid: str) -> Key:
    return {"PK": tag_pk(tid), "SK": "TAG"}


def tag_slug_lock(slug: str) -> Key:
    return {"PK": f"TAGSLUG#{valid_slug(slug)}", "SK": "TAG"}


def product(prid: str) -> Key:
    return {"PK": product_pk(prid), "SK": "PRODUCT"}


def review(prid: str, uid: str) -> Key:
    """A review is keyed by its product and its author: one per customer and product."""
    return {"PK": product_pk(prid), "SK": f"{REVIEW_PREFIX}{valid_ulid(uid)}"}


def purchase(uid: str, prid: str) -> Key:
    """The count of a customer's orders of a product that are not CANCELLED."""
    return {"PK": user_pk(uid), "SK": f"BOUGHT#{valid_ulid(prid)}"}


def order(uid: str, oid: str) -> Key:
    return {"PK": user_pk(uid), "SK": f"ORDER#{valid_ulid(oid)}"}


def order_item(oid: str, line: int) -> Key:
    if not 0 < line < 1000:
        raise InvalidInput("line", "order line must be between 1 and 999")
    return {"PK": order_pk(oid), "SK": f"ITEM#{line:03d}"}


# ---------------------------------------------------------------- sort key values


def post_sort(pid: str) -> str:
    return f"POST#{valid_ulid(pid)}"


def comment_sort(cid: str) -> str:
    return f"COMMENT#{valid_ulid(cid)}"


# The sort key prefix of a review, in its product's partition and in its author's GSI1 one.
REVIEW_PREFIX = "REVIEW#"


def review_sort(rid: str) -> str:
    """GSI1 sort key of a review in its author's partition: by review ID, so by time."""
    return f"{REVIEW_PREFIX}{valid_ulid(rid)}"


def review_published_sort(created_at: str, rid: str) -> str:
    """GSI2 sort key of a PUBLISHED review: its product's reviews read newest first."""
    return f"{created_at}#{valid_ulid(rid)}"


def session_sort(sid: str) -> str:
    return f"SESSION#{valid_ulid(sid)}"


def published_sort(published_at: str, pid: str) -> str:
    """GSI sort key of a published post: time first so the index reads newest first."""
    return f"POST#{published_at}#{valid_ulid(pid)}"


def feed_sort(moment: str, pid: str) -> str:
    return f"{moment}#{valid_ulid(pid)}"


def category_child_sort(sort_order: int, cid: str) -> str:
    if not 0 <= sort_order <= 999_999:
        raise InvalidInput("sortOrder", "sortOrder must be between 0 and 999999")
    return f"{sort_order:06d}#{valid_ulid(cid)}"


def tag_name_sort(name: str, tid: str) -> str:
    return f"{name.lower()}#{valid_ulid(tid)}"


def product_price_sort(cents: int, prid: str) -> str:
    return f"{cents:012d}#{valid_ulid(prid)}"


def price_bound(cents: int, upper: bool) -> str:
    """A GSI1SK bound that brackets every product at `cents`."""
    # '~' sorts after every ULID character, '#' before them.
    return f"{cents:012d}#{'~' if upper else ''}"


def reply_prefix(parent_id: str) -> str:
    return f"REPLY#{valid_ulid(parent_id)}#"
