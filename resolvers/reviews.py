"""Product reviews: the lists, the viewer's own review, the rating summary, the node
lookup, and the mutations (who may, what is valid, then the write through `data.reviews`).

A review's ID names its product and its author, so every permission is decided
before anything is read: the author alone edits, the author, moderators and
admins delete, moderators and admins moderate. Whether a customer may review a
product at all (an order of it that is not CANCELLED) is the table's to say, in
the write's own transaction. A HIDDEN review exists only for its author,
moderators and admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import data.reviews
from data import keys
from data.accounts import UserRecord
from data.errors import InvalidInput
from data.pages import Page, PageArgs
from data.reviews import ReviewChanges, ReviewRecord
from data.shop import ProductRecord
from resolvers import ids, validate
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.idempotency import as_record, once
from resolvers.permissions import can_see_review, require_moderator, require_viewer

TITLE_MAX = 120
BODY_MAX = 5000
_CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Rating:
    """A product's rating summary."""

    count: int
    average: float | None
    histogram: list[int]


# ---------------------------------------------------------------- reads


def rating(product: ProductRecord) -> Rating:
    """Count, mean rounded half up to two places (None without reviews) and the
    histogram of 1 to 5 stars, from the product's own counters: no further read."""
    count = product.rating_count
    average = None
    if count:
        average = float((Decimal(product.rating_sum) / count).quantize(_CENTS, ROUND_HALF_UP))
    histogram = [product.rating1, product.rating2, product.rating3, product.rating4,
                 product.rating5]
    return Rating(count=count, average=average, histogram=histogram)


def _review_key(gid: str) -> tuple[str, str]:
    """(productId, userId) of a review's global ID: the review's key."""
    product_id, user_id = ids.decode_as(gid, ("Review",))[1]
    return product_id, user_id


ids.register("Review", ReviewRecord, ("product_id", "user_id"), key=keys.review,
             shown=can_see_review)


async def of_product(
    ctx: RequestContext, product: ProductRecord, args: PageArgs
) -> Page[ReviewRecord]:
    """The product's PUBLISHED reviews, newest first."""
    return await ctx.page(data.reviews.reviews_of_product(product.product_id), args)


async def of_author(ctx: RequestContext, user: UserRecord, args: PageArgs) -> Page[ReviewRecord]:
    """The user's reviews, newest first; HIDDEN ones only for them, moderators and admins."""
    await ctx.identified()
    read = data.reviews.reviews_by_author(user.user_id, ctx.viewer_id, ctx.moderates)
    return await ctx.page(read, args)


async def my_review(ctx: RequestContext, product: ProductRecord) -> ReviewRecord | None:
    """The viewer's own review of the product, whatever its status; None when anonymous."""
    await ctx.identified()
    if ctx.viewer_id is None:
        return None
    return await ctx.loaders.record(ReviewRecord, keys.review(product.product_id, ctx.viewer_id))


async def product(ctx: RequestContext, record: ReviewRecord) -> ProductRecord | None:
    return await ctx.loaders.product(record.product_id)


async def author(ctx: RequestContext, record: ReviewRecord) -> UserRecord | None:
    return await ctx.loaders.user(record.user_id)


# ---------------------------------------------------------------- writes


def _rating(value: int) -> int:
    return validate.whole("rating", value, minimum=1, maximum=5)


def _title(value: str) -> str:
    return validate.text("title", value, maximum=TITLE_MAX)


def _body(value: str) -> str:
    """1 to 5,000 characters, kept as written (see `validate`)."""
    return validate.body("body", value, maximum=BODY_MAX)


async def review_product(
    ctx: RequestContext, product_gid: str, rating: int, title: str, body: str
) -> ReviewRecord:
    """The viewer's PUBLISHED review of a product they have an order of (not CANCELLED)."""
    viewer = require_viewer(ctx)
    product_id = ids.product_id(product_gid, "productId")
    checked = (_rating(rating), _title(title), _body(body))
    return await once(ctx, lambda _: data.reviews.review_product(
        ctx.dynamo, viewer.user_id, product_id, *checked), as_record(ReviewRecord))


async def update_review(
    ctx: RequestContext, gid: str, expected_version: int | None, rating: int | None,
    title: str | None, body: str | None,
) -> ReviewRecord:
    """The author changes their review; a field left out (or null) stays as it is."""
    viewer = require_viewer(ctx)
    product_id, user_id = _review_key(gid)
    if viewer.user_id != user_id:
        raise Forbidden("only its author may edit a review")
    if expected_version is not None:
        validate.whole("expectedVersion", expected_version, minimum=1, maximum=2**31 - 1)
    changes = ReviewChanges(
        rating=None if rating is None else _rating(rating),
        title=None if title is None else _title(title),
        body=None if body is None else _body(body),
    )
    return await data.reviews.update_review(
        ctx.dynamo, product_id, user_id, changes, expected_version
    )


async def delete_review(ctx: RequestContext, gid: str) -> bool:
    """Delete a review: its author, moderators and admins."""
    viewer = require_viewer(ctx)
    product_id, user_id = _review_key(gid)
    if viewer.user_id != user_id and not ctx.moderates:
        raise Forbidden("only its author, moderators and admins may delete a review")
    await data.reviews.delete_review(ctx.dynamo, product_id, user_id)
    return True


async def moderate_review(ctx: RequestContext, gid: str, status: str) -> ReviewRecord:
    """Hide a review or publish it again: moderators and admins."""
    require_moderator(ctx)
    product_id, user_id = _review_key(gid)
    if status not in data.reviews.STATUSES:
        raise InvalidInput("status", "status is not a review status")
    return await data.reviews.moderate_review(ctx.dynamo, product_id, user_id, status)
