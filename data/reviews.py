"""Product reviews: their item layout, reads and writes.

A review is keyed by its product and its author, so a customer has at most one
review of a product by construction. It is listed under its author (GSI1) and,
while PUBLISHED, under its product (GSI2). The product counts its PUBLISHED
reviews in ratingCount, ratingSum and rating1 … rating5; every review write
moves them in the same transaction as the review, so they are exact.

Only a customer with an order of the product that is not CANCELLED may review
it: reviewProduct requires the Purchase item `data.shop` keeps above zero.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from data import keys
from data.client import Dynamo
from data.clock import now_iso
from data.errors import Conflict, DataError, NotEntitled, NotFound
from data.layout import Entity, Item, attr
from data.pages import ListRead
from data.queries import Filter, QuerySpec, SortCondition
from data.shop import ProductRecord
from data.transactions import Action, check, put, transact, update, update_expression
from data.ulid import new_ulid
from data.writes import Stale, optimistic, read_record, versioned_delete, versioned_update

PUBLISHED = "PUBLISHED"
HIDDEN = "HIDDEN"
STATUSES = (PUBLISHED, HIDDEN)


@dataclass(kw_only=True)
class ReviewRecord(Entity):
    entity_type = "REVIEW"

    review_id: str
    product_id: str
    user_id: str
    rating: int
    title: str = ""
    body: str = ""
    status: str = PUBLISHED
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    def keys(self, **layout: Any) -> Item:
        """Its product's partition, its author's GSI1 partition, and its product's GSI2
        partition while PUBLISHED (leaving it takes the review out of Product.reviews)."""
        found: Item = {
            **keys.review(self.product_id, self.user_id),
            "GSI1PK": keys.user_pk(self.user_id),
            "GSI1SK": keys.review_sort(self.review_id),
        }
        if self.published:
            found["GSI2PK"] = keys.reviews_pk(self.product_id)
            found["GSI2SK"] = keys.review_published_sort(self.created_at, self.review_id)
        return found


@dataclass(frozen=True)
class ReviewChanges:
    """A validated updateReview input: None leaves a field as it is."""

    rating: int | None = None
    title: str | None = None
    body: str | None = None


# ---------------------------------------------------------------- reads


def visible_reviews(author_id: str, viewer_id: str | None, moderates: bool) -> Filter | None:
    """An author's reviews as the viewer may see them: all of them for the author,
    moderators and admins (no filter), the PUBLISHED ones for anyone else."""
    if moderates or viewer_id == author_id:
        return None
    return Filter(
        "#st = :published", names=(("#st", "status"),), values=((":published", PUBLISHED),)
    )


def reviews_of_product(product_id: str) -> ListRead[ReviewRecord]:
    """The product's PUBLISHED reviews, newest first (GSI2 holds only those)."""
    spec = QuerySpec("GSI2", keys.reviews_pk(product_id), forward=False)
    return ListRead.one(spec, ReviewRecord.from_item)


def reviews_by_author(
    user_id: str, viewer_id: str | None, moderates: bool
) -> ListRead[ReviewRecord]:
    """The author's reviews, newest first, as the viewer may see them."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(user_id),
        SortCondition("begins_with", keys.REVIEW_PREFIX),
        forward=False,
        filter=visible_reviews(user_id, viewer_id, moderates),
    )
    return ListRead.one(spec, ReviewRecord.from_item)


# ---------------------------------------------------------------- the product's counters


def rating_attribute(rating: int) -> str:
    """The product attribute counting PUBLISHED reviews of `rating` stars."""
    return f"rating{rating}"


def rating_moves(before: ReviewRecord | None, after: ReviewRecord | None) -> dict[str, int]:
    """How the product's counters move when `before` becomes `after` (None: no review):
    a PUBLISHED rating leaving is taken off, one entering is added."""
    moves: Counter[str] = Counter()
    for record, sign in ((before, -1), (after, 1)):
        if record is not None and record.published:
            moves["ratingCount"] += sign
            moves["ratingSum"] += sign * record.rating
            moves[rating_attribute(record.rating)] += sign
    return {name: delta for name, delta in moves.items() if delta}


def _move_ratings(product_id: str, moves: dict[str, int], failure: DataError) -> Action:
    """ADD `moves` to an existing product (ADD alone would create a stub of a deleted one)."""
    expression, names, values = update_expression(add=moves)
    return update(
        keys.product(product_id), expression, "attribute_exists(PK)", names, values, failure
    )


# ---------------------------------------------------------------- writes


async def review_product(
    dynamo: Dynamo, user_id: str, product_id: str, rating: int, title: str, body: str
) -> ReviewRecord:
    """Put a PUBLISHED review and count its rating, in one transaction.

    NOT_FOUND when the product does not exist, FORBIDDEN when the customer has
    no order of it that is not CANCELLED, CONFLICT when they reviewed it already.
    """
    moment = now_iso()
    review = ReviewRecord(
        review_id=new_ulid(), product_id=product_id, user_id=user_id, rating=rating,
        title=title, body=body, status=PUBLISHED, created_at=moment, updated_at=moment,
        version=1,
    )
    await transact(dynamo, [
        _move_ratings(product_id, rating_moves(None, review), NotFound("no such product")),
        check(
            keys.purchase(user_id, product_id), "#ord > :none",
            NotEntitled("only customers with an order of this product that is not "
                        "CANCELLED may review it"),
            names={"#ord": "orders"}, values={":none": 0},
        ),
        put(review.to_item(), "attribute_not_exists(PK)",
            Conflict("you have reviewed this product already; update that review instead"),
            answer=True),
    ])
    return review


@dataclass(frozen=True)
class _Current:
    """A review as read before a write, and whether its product still exists."""

    review: ReviewRecord
    product_exists: bool


async def _read(dynamo: Dynamo, product_id: str, user_id: str) -> _Current:
    review, product = await asyncio.gather(
        read_record(dynamo, ReviewRecord, keys.review(product_id, user_id)),
        read_record(dynamo, ProductRecord, keys.product(product_id)),
    )
    if review is None:
        raise NotFound("no such review")
    return _Current(review, product is not None)


async def _write(dynamo: Dynamo, current: _Current, after: ReviewRecord | None) -> None:
    """Replace (or with None, delete) the review at the version read, and move its
    product's counters in the same transaction when a PUBLISHED rating enters,
    leaves or changes.

    A review can outlive its product (another writer deleted it): then there is
    nothing to count, as long as the product is still absent when the write lands.
    Either way, a product that appeared or vanished since the read makes it stale.
    """
    review = current.review
    actions = [versioned_delete(review) if after is None else versioned_update(review, after)]
    moves = rating_moves(review, after)
    if moves and current.product_exists:
        actions.append(_move_ratings(review.product_id, moves, Stale()))
    elif moves:
        actions.append(check(keys.product(review.product_id), "attribute_not_exists(PK)", Stale()))
    await transact(dynamo, actions)


def _stale(version: int) -> Conflict:
    return Conflict(f"the review is at version {version}; reload it and try again")


async def update_review(
    dynamo: Dynamo, product_id: str, user_id: str, changes: ReviewChanges,
    expected_version: int | None,
) -> ReviewRecord:
    """Apply `changes` (version + 1); with `expected_version`, CONFLICT unless the review
    is at that version. Changes that change nothing write nothing."""

    async def read() -> _Current:
        current = await _read(dynamo, product_id, user_id)
        if expected_version is not None and current.review.version != expected_version:
            raise _stale(current.review.version)
        return current

    async def write(current: _Current) -> ReviewRecord:
        review = current.review
        edited = replace(
            review,
            rating=review.rating if changes.rating is None else changes.rating,
            title=review.title if changes.title is None else changes.title,
            body=review.body if changes.body is None else changes.body,
        )
        if edited == review:
            return review
        new = replace(edited, version=review.version + 1, updated_at=now_iso())
        await _write(dynamo, current, new)
        return new

    return await optimistic(read, write, "the review")


async def moderate_review(
    dynamo: Dynamo, product_id: str, user_id: str, status: str
) -> ReviewRecord:
    """Set the review's status: HIDDEN takes it out of its product's reviews and rating,
    PUBLISHED brings it back (at its original place: GSI2 sorts by createdAt)."""

    async def write(current: _Current) -> ReviewRecord:
        review = current.review
        if review.status == status:
            return review
        new = replace(review, status=status, version=review.version + 1, updated_at=now_iso())
        await _write(dynamo, current, new)
        return new

    return await optimistic(lambda: _read(dynamo, product_id, user_id), write, "the review")


async def delete_review(dynamo: Dynamo, product_id: str, user_id: str) -> None:
    """Delete the review, taking its rating off its product if it was PUBLISHED."""

    async def write(current: _Current) -> None:
        await _write(dynamo, current, None)

    await optimistic(lambda: _read(dynamo, product_id, user_id), write, "the review")
