"""Product reviews in the schema: Review, its connection, RatingSummary, ReviewStatus,
the inputs and the mutations (the contract's `reviews.graphql`).

The review fields of Product (`schema.shop`) and User (`schema.accounts`) name
these types lazily and call `of_product`, `of_author`, `summary` and `mine` here.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

import schema.accounts
import schema.shop
from data.accounts import UserRecord
from data.pages import PageArgs
from data.reviews import ReviewRecord
from data.shop import ProductRecord
from resolvers import reviews
from schema.connection import Connection, connection
from schema.inputs import or_none
from schema.node import Info, Node, from_record
from schema.scalars import DateTime

if TYPE_CHECKING:
    from schema.accounts import User
    from schema.shop import Product

@strawberry.enum
class ReviewStatus(Enum):
    PUBLISHED = "PUBLISHED"
    HIDDEN = "HIDDEN"


@strawberry.type(
    description="A customer's review of a product they ordered: one per customer and product."
)
class Review(Node):
    rec: strawberry.Private[ReviewRecord]

    @classmethod
    def of(cls, rec: ReviewRecord) -> Review:
        return from_record(
            cls, rec, status=ReviewStatus(rec.status)
        )

    @strawberry.field(description="Null when the product was deleted by another writer.")
    async def product(
        self, info: Info
    ) -> Annotated[Product, strawberry.lazy("schema.shop")] | None:
        found = await reviews.product(info.context, self.rec)
        return schema.shop.Product.of(found) if found else None

    @strawberry.field
    async def author(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("schema.accounts")] | None:
        found = await reviews.author(info.context, self.rec)
        return schema.accounts.User.of(found) if found else None

    rating: int = strawberry.field(description="1 to 5.")

    title: str

    body: str

    status: ReviewStatus

    created_at: DateTime

    updated_at: DateTime

    version: int


@strawberry.type(description="Counts of a product's PUBLISHED reviews.")
class RatingSummary:
    count: int

    average: float | None = strawberry.field(
        description="Mean rating rounded to two places; null when count is 0."
    )

    histogram: list[int] = strawberry.field(
        description=(
            "How many reviews gave 1, 2, 3, 4 and 5 stars, in that order (five numbers)."
        )
    )


# ---------------------------------------------------------------- fields of Product and User


async def of_product(info: Info, product: ProductRecord, args: PageArgs) -> Connection[Review]:
    return connection(await reviews.of_product(info.context, product, args), Review.of)


async def of_author(info: Info, user: UserRecord, args: PageArgs) -> Connection[Review]:
    return connection(await reviews.of_author(info.context, user, args), Review.of)


def summary(product: ProductRecord) -> RatingSummary:
    found = reviews.rating(product)
    return RatingSummary(count=found.count, average=found.average, histogram=found.histogram)


async def mine(info: Info, product: ProductRecord) -> Review | None:
    found = await reviews.my_review(info.context, product)
    return Review.of(found) if found else None


# ---------------------------------------------------------------- inputs and mutations


@strawberry.input
class ReviewProductInput:
    product_id: strawberry.ID
    rating: int = strawberry.field(description="1 to 5.")
    title: str = strawberry.field(description="1 to 120 characters.")
    body: str = strawberry.field(description="1 to 5,000 characters.")


@strawberry.input
class UpdateReviewInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=UNSET,
        description=(
            "When given, the update fails with CONFLICT unless the review is at this version."
        ),
    )
    rating: int | None = UNSET
    title: str | None = UNSET
    body: str | None = UNSET


@strawberry.type
class ReviewMutations:
    """The reviews' part of the Mutation root."""

    @strawberry.mutation(
        description=(
            "A customer with an order of this product that is not CANCELLED, once per "
            "product (CONFLICT the second time, FORBIDDEN without such an order). "
            "Published at once."
        )
    )
    async def review_product(self, info: Info, input: ReviewProductInput) -> Review:
        record = await reviews.review_product(
            info.context, input.product_id, input.rating, input.title, input.body
        )
        return Review.of(record)

    @strawberry.mutation(description="The author only; the product's rating follows.")
    async def update_review(self, info: Info, input: UpdateReviewInput) -> Review:
        record = await reviews.update_review(
            info.context,
            input.id,
            or_none(input.expected_version),
            or_none(input.rating),
            or_none(input.title),
            or_none(input.body),
        )
        return Review.of(record)

    @strawberry.mutation(
        description="The author, moderators and admins; the product's rating follows."
    )
    async def delete_review(self, info: Info, id: strawberry.ID) -> bool:
        return await reviews.delete_review(info.context, id)

    @strawberry.mutation(
        description=(
            "Moderators and admins: HIDDEN takes a review out of Product.reviews and the "
            "rating, PUBLISHED brings it back."
        )
    )
    async def moderate_review(
        self, info: Info, id: strawberry.ID, status: ReviewStatus
    ) -> Review:
        return Review.of(await reviews.moderate_review(info.context, id, status.value))
