"""Product reviews through the GraphQL API against DynamoDB Local: who may review,
races, the product's rating counters, moderation, pages, and items other writers left.

Every test makes its own customers (users and sessions written straight into the
table) and its own products, so none depends on another or on the seed.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from data import keys
from data.accounts import SessionRecord, UserRecord
from data.client import Dynamo, to_wire
from data.clock import iso, now
from data.tokens import new_token, token_hash
from data.ulid import new_ulid
from resolvers.ids import encode
from resolvers.ids import product_id as raw_product_id
from tests.conftest import codes
from tests.world import stamp, ulid_at

CREATE_PRODUCT = """
mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }"""
PLACE = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { status } }"
REVIEW = """
mutation($input: ReviewProductInput!) {
  reviewProduct(input: $input) {
    id rating title body status version createdAt updatedAt
    author { id } product { id rating { count average histogram } }
  }
}"""
UPDATE = """
mutation($input: UpdateReviewInput!) {
  updateReview(input: $input) { id rating title body version product { rating { histogram } } }
}"""
DELETE = "mutation($id: ID!) { deleteReview(id: $id) }"
MODERATE = """
mutation($id: ID!, $s: ReviewStatus!) {
  moderateReview(id: $id, status: $s) { id status version product { rating { count } } }
}"""
RATING = """
query($id: ID!) {
  product(id: $id) {
    rating { count average histogram }
    reviews(first: 100) { nodes { id rating status } }
  }
}"""
PAGE = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  product(id: $id) {
    reviews(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id } }
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""
USER_REVIEWS = """
query($id: ID!) { user(id: $id) { reviews(first: 50) { nodes { id status } } } }"""
MY_REVIEW = "query($id: ID!) { product(id: $id) { myReview { id status rating } } }"
NODE = """
query($id: ID!) {
  node(id: $id) {
    id
    ... on Review { rating title body status version product { id } author { id } }
  }
}"""


@dataclass
class Customer:
    user_id: str
    token: str

    @property
    def id(self) -> str:
        return encode("User", self.user_id)


async def customers(dynamo: Dynamo, count: int) -> list[Customer]:
    """`count` signed-in users, written straight into the table (no argon2 to wait for)."""
    moment, expires = now(), now() + timedelta(days=1)
    made, items = [], []
    for n in range(count):
        user_id = new_ulid()
        token = new_token(user_id)
        user = UserRecord(user_id=user_id, email=f"c{n}-{user_id.lower()}@reviews.test",
                          first_name="Customer", last_name=str(n), created_at=iso(moment),
                          updated_at=iso(moment))
        session = SessionRecord(
            session_id=new_ulid(), user_id=user_id, token_hash=token_hash(token),
            created_at=iso(moment), updated_at=iso(moment), expires_at=iso(expires),
            ttl=int(expires.timestamp()),
        )
        items += [user.to_item(), session.to_item()]
        made.append(Customer(user_id, token))
    await dynamo.batch_write(items)
    return made


async def make_product(gql: Any, admin: str) -> str:
    body = await gql(CREATE_PRODUCT, {"input": {
        "name": "Reviewed thing", "category": f"Reviews {uuid.uuid4().hex[:10]}",
        "price": "9.99", "stock": 1000,
    }}, admin)
    assert "errors" not in body, body
    product_id: str = body["data"]["createProduct"]["id"]
    return product_id


async def buy(gql: Any, customer: Customer, *product_ids: str) -> str:
    lines = [{"productId": p, "quantity": 1} for p in product_ids]
    body = await gql(PLACE, {"input": {"lines": lines, "shippingAddress": "1 Mill Lane"}},
                     customer.token)
    assert "errors" not in body, body
    order_id: str = body["data"]["placeOrder"]["id"]
    return order_id


async def review(gql: Any, customer: Customer, product_id: str, rating: int = 4,
                 title: str = "Good", body: str = "Works as promised.") -> dict[str, Any]:
    variables = {"input": {"productId": product_id, "rating": rating, "title": title,
                           "body": body}}
    result: dict[str, Any] = await gql(REVIEW, variables, customer.token)
    return result


async def reviewed(gql: Any, customer: Customer, product_id: str, rating: int = 4) -> str:
    """A review the customer wrote after buying the product; its global ID."""
    await buy(gql, customer, product_id)
    body = await review(gql, customer, product_id, rating)
    assert "errors" not in body, body
    review_id: str = body["data"]["reviewProduct"]["id"]
    return review_id


async def rating_of(gql: Any, product_id: str) -> dict[str, Any]:
    body = await gql(RATING, {"id": product_id})
    assert "errors" not in body, body
    product: dict[str, Any] = body["data"]["product"]
    return product


async def purchases(dynamo: Dynamo, customer: Customer, product_id: str) -> int | None:
    item = await dynamo.get_item(
        keys.purchase(customer.user_id, raw_product_id(product_id)), consistent=True
    )
    return None if item is None else int(item["orders"])


def error_field(body: dict[str, Any]) -> str:
    field: str = body["errors"][0]["extensions"]["field"]
    return field


# ---------------------------------------------------------------- who may review


async def test_a_review_is_published_at_once_and_counted(
    gql: Any, dynamo: Dynamo, admin: str
) -> None:
    product_id = await make_product(gql, admin)
    [customer] = await customers(dynamo, 1)
    await buy(gql, customer, product_id)
    body = await review(gql, customer, product_id, 5, "  Lovely  ", "  Keeps its spacing.\n")
    written = body["data"]["reviewProduct"]
    assert (written["rating"], written["title"], written["body"]) == (
        5, "Lovely", "  Keeps its spacing.\n")
    assert (written["status"], written["version"]) == ("PUBLISHED", 1)
    assert written["createdAt"] == written["updatedAt"]
    assert written["author"] == {"id": customer.id}
    # The mutation's own selection reads the product after the write.
    assert written["product"] == {"id": product_id, "rating": {
        "count": 1, "average": 5.0, "histogram": [0, 0, 0, 0, 1]}}


async def test_one_review_per_customer_and_product_even_in_a_race(
    gql: Any, dynamo: Dynamo, admin: str
) -> None:
    product_id = await make_product(gql, admin)
    [customer] = await customers(dynamo, 1)
    await buy(gql, customer, product_id)
    first, second = await asyncio.gather(
        review(gql, customer, product_id, 5), review(gql, customer, product_id, 1)
    )
    assert sorted(codes(first) + codes(second)) == ["CONFLICT"]
    winner = first if "errors" not in first else second
    rating = winner["data"]["reviewProduct"]["rating"]
    product = await rating_of(gql, product_id)
    assert product["rating"]["count"] == 1
    assert product["rating"]["histogram"][rating - 1] == 1
    assert codes(await review(gql, customer, product_id)) == ["CONFLICT"]


async def test_twenty_customers_review_one_product_at_once(
    gql: Any, dynamo: Dynamo, admin: str
) -> None:
    product_id = await make_product(gql, admin)
    crowd = await customers(dynamo, 20)
    for customer in crowd:
        await buy(gql, customer, product_id)
    # Skewed to the top, like real ratings: 2, 3, 3, 4, 8 of 1 … 5 stars.
    ratings = [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5]
    results = await asyncio.gather(
        *(review(gql, c, product_id, r) for c, r in zip(crowd, ratings, strict=True))
    )
    assert [codes(r) for r in results] == [[]] * 20
    product = await rating_of(gql, product_id)
    histogram = [ratings.count(stars) for stars in range(1, 6)]
    average = float((Decimal(sum(ratings)) / 20).quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert product["rating"] == {"count": 20, "average": average, "histogram": histogram}
    assert len(product["reviews"]["nodes"]) == 20
    stored = await dynamo.get_item(keys.product(raw_product_id(product_id)), consistent=True)
    assert stored is not None
    assert (stored["ratingCount"], stored["ratingSum"]) == (20, sum(ratings))


async def test_only_customers_with_a_live_order_may_review(
    gql: Any, dynamo: Dynamo, admin: str
) -> None:
    product_id = await make_product(gql, admin)
    other = await make_product(gql, admin)
    never, cancelled = await customers(dynamo, 2)
    assert codes(await gql(REVIEW, {"input": {
        "productId": product_id, "rating": 4, "title": "t", "body": "b"}})) == ["UNAUTHENTICATED"]
    assert codes(await review(gql, never, product_id)) == ["FORBIDDEN"]

    # Two products on one order: a Purchase count each; cancelling takes both back to 0.
    order_id = await buy(gql, cancelled, product_id, other)
    assert await purchases(dynamo, cancelled, product_id) == 1
    assert await purchases(dynamo, cancelled, other) == 1
    assert (await gql(CANCEL, {"id": order_id}, cancelled.token))["data"]["cancelOrder"] == {
        "status": "CANCELLED"}
    assert await purchases(dynamo, cancelled, product_id) == 0
    assert await purchases(dynamo, cancelled, other) == 0
    assert codes(await review(gql, cancelled, product_id)) == ["FORBIDDEN"]

    await buy(gql, cancelled, product_id)
    assert await purchases(dynamo, cancelled, product_id) == 1
    assert codes(await review(gql, cancelled, product_id)) == []
    assert (await rating_of(gql, product_id))["rating"]["count"] == 1

    missing = encode("Product", new_ulid())
    assert codes(await review(gql, never, missing)) == ["NOT_FOUND"]


async def test_review_input_is_checked_before_anything_is_written(
    gql: Any, dynamo: Dynamo, admin: str
) -> None:
    product_id = await make_product(gql, admin)
    [customer] = await customers(dynamo, 1)
    await buy(gql, customer, product_id)
    for rating, title, body, field in [
        (0, "t", "b", "rating"),
        (6, "t", "b", "rating"),
        (3, "   ", "b", "title"),
        (3, "x" * 121, "b", "title"),
        (3, "t", "", "body"),
        (3, "t", " \n ", "body"),
        (3, "t", "x" * 5001, "body"),
    ]:
        answer = await review(gql, customer, product_id, rating, title, body)
        assert codes(answer) == ["BAD_USER_INPUT"], (rating, title, body)
        assert error_field(answer) == field
    bad_id = await gql(REVIEW, {"input": {"productId": "nope", "rating": 3, "title": "t",
                                          "body": "b"}}, customer.token)
    assert codes(bad_id) == ["BAD_USER_INPUT"] and error_field(bad_id) == "productId"
    assert (await rating_of(gql, product_id))["rating"]["count"] == 0
    longest = await review(gql, customer, product_id, 3, "x" * 120, "y" * 5000)
    assert codes(longest) == []


# ---------------------------------------------------------------- the rating follows


async def test_hiding_and_publishing_move_the_rating(
    gql: Any, dynamo: Dynamo, admin: str, moderator: str
) -> None:
    product_id = await make_product(gql, admin)
    author, other = await customers(dynamo, 2)
    review_id = await reviewed(gql, author, product_id, 2)
    await reviewed(gql, other, product_id, 5)

    assert codes(await gql(MODERATE, {"id": review_id, "s": "HIDDEN"}, author.token)) == [
        "FORBIDDEN"]
    hidden = (await gql(MODERATE, {"id": review_id, "s": "HIDDEN"}, moderator))["data"]
    assert hidden["moderateReview"]["status"] == "HIDDEN"
    assert hidden["moderateReview"]["version"] == 2
    assert hidden["moderateReview"]["product"]["rating"]["count"] == 1
    product = await rating_of(gql, product_id)
    assert product["rating"] == {"count": 1, "average": 5.0, "histogram": [0, 0, 0, 0, 1]}
    assert review_id not in [n["id"] for n in product["reviews"]["nodes"]]

    # Hiding twice changes nothing, counts nothing.
    again = (await gql(MODERATE, {"id": review_id, "s": "HIDDEN"}, admin))["data"]
    assert again["moderateReview"]["version"] == 2
    assert (await rating_of(gql, product_id))["rating"]["count"] == 1

    shown = (await gql(MODERATE, {"id": review_id, "s": "PUBLISHED"}, admin))["data"]
    assert shown["moderateReview"]["status"] == "PUBLISHED"
    product = await rating_of(gql, product_id)
    assert product["rating"] == {"count": 2, "average": 3.5, "histogram": [0, 1, 0, 0, 1]}
    assert [n["id"] for n in product["reviews"]["nodes"]][1] == review_id


async def test_updating_a_rating_moves_the_histogram(
    gql: Any, dynamo: Dynamo, admin: str, moderator: str
) -> None:
    product_id = await make_product(gql, admin)
    author, other = await customers(dynamo, 2)
    review_id = await reviewed(gql, author, product_id, 5)
    await buy(gql, other, product_id)

    assert codes(await gql(UPDATE, {"input": {"id": review_id, "rating": 1}},
                           other.token)) == ["FORBIDDEN"]
    assert codes(await gql(UPDATE, {"input": {"id": review_id, "rating": 1}},
                           moderator)) == ["FORBIDDEN"]
    bad = await gql(UPDATE, {"input": {"id": review_id, "rating": 9}}, author.token)
    assert codes(bad) == ["BAD_USER_INPUT"] and error_field(bad) == "rating"

    body = await gql(UPDATE, {"input": {"id": review_id, "rating": 2, "expectedVersion": 1}},
                     author.token)
    updated = body["data"]["updateReview"]
    assert (updated["rating"], updated["title"], updated["version"]) == (2, "Good", 2)
    assert updated["product"]["rating"]["histogram"] == [0, 1, 0, 0, 0]

    stale = await gql(UPDATE, {"input": {"id": review_id, "rating": 3, "expectedVersion": 1}},
                      author.token)
    assert codes(stale) == ["CONFLICT"]
    text = await gql(UPDATE, {"input": {"id": review_id, "title": "Changed my mind",
                                         "body": "Less good."}}, author.token)
    assert text["data"]["updateReview"]["version"] == 3
    assert text["data"]["updateReview"]["rating"] == 2
    # A HIDDEN review's rating is not counted, before or after an edit.
    await gql(MODERATE, {"id": review_id, "s": "HIDDEN"}, moderator)
    await gql(UPDATE, {"input": {"id": review_id, "rating": 4}}, author.token)
    assert (await rating_of(gql, product_id))["rating"] == {
        "count": 0, "average": None, "histogram": [0, 0, 0, 0, 0]}
    await gql(MODERATE, {"id": review_id, "s": "PUBLISHED"}, moderator)
    assert (await rating_of(gql, product_id))["rating"]["histogram"] == [0, 0, 0, 1, 0]


async def test_deleting_a_review(gql: Any, dynamo: Dynamo, admin: str, moderator: str) -> None:
    product_id = await make_product(gql, admin)
    author, other, hidden_author = await customers(dynamo, 3)
    review_id = await reviewed(gql, author, product_id, 3)
    kept = await reviewed(gql, other, product_id, 4)
    hidden = await reviewed(gql, hidden_author, product_id, 1)
    await gql(MODERATE, {"id": hidden, "s": "HIDDEN"}, moderator)

    assert codes(await gql(DELETE, {"id": review_id}, other.token)) == ["FORBIDDEN"]
    assert codes(await gql(DELETE, {"id": review_id})) == ["UNAUTHENTICATED"]
    assert (await gql(DELETE, {"id": review_id}, author.token))["data"] == {"deleteReview": True}
    assert codes(await gql(DELETE, {"id": review_id}, author.token)) == ["NOT_FOUND"]
    product = await rating_of(gql, product_id)
    assert product["rating"] == {"count": 1, "average": 4.0, "histogram": [0, 0, 0, 1, 0]}
    assert [n["id"] for n in product["reviews"]["nodes"]] == [kept]

    # A HIDDEN review was not counted: deleting it moves nothing.
    assert (await gql(DELETE, {"id": hidden}, moderator))["data"] == {"deleteReview": True}
    assert (await gql(DELETE, {"id": kept}, admin))["data"] == {"deleteReview": True}
    assert (await rating_of(gql, product_id))["rating"] == {
        "count": 0, "average": None, "histogram": [0, 0, 0, 0, 0]}
    # Deleted, the customer may review again.
    assert codes(await review(gql, author, product_id, 5)) == []


# ---------------------------------------------------------------- reads


async def test_product_reviews_page_both_ways(gql: Any, dynamo: Dynamo, admin: str) -> None:
    product_id = await make_product(gql, admin)
    crowd = await customers(dynamo, 7)
    written = []
    for customer in crowd:
        written.append(await reviewed(gql, customer, product_id))
        await asyncio.sleep(0.002)  # distinct createdAt: the index sorts by it
    newest_first = written[::-1]

    async def page(**args: Any) -> dict[str, Any]:
        body = await gql(PAGE, {"id": product_id, **args})
        assert "errors" not in body, body
        connection: dict[str, Any] = body["data"]["product"]["reviews"]
        assert [e["node"]["id"] for e in connection["edges"]] == [
            n["id"] for n in connection["nodes"]]
        return connection

    seen, after, flags = [], None, []
    while True:
        forward = await page(first=3, after=after)
        seen += [n["id"] for n in forward["nodes"]]
        info = forward["pageInfo"]
        flags.append((info["hasPreviousPage"], info["hasNextPage"]))
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == newest_first
    assert flags == [(False, True), (True, True), (True, False)]

    seen, before, flags = [], None, []
    while True:
        backward = await page(last=3, before=before)
        seen = [n["id"] for n in backward["nodes"]] + seen
        info = backward["pageInfo"]
        flags.append((info["hasPreviousPage"], info["hasNextPage"]))
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
    assert seen == newest_first
    assert flags == [(True, False), (True, True), (False, True)]
    whole = await page(first=7)
    assert whole["pageInfo"]["hasNextPage"] is False
    assert [n["id"] for n in whole["nodes"]] == newest_first


async def test_user_reviews_show_hidden_ones_only_to_author_and_moderators(
    gql: Any, dynamo: Dynamo, admin: str, moderator: str
) -> None:
    first, second = await make_product(gql, admin), await make_product(gql, admin)
    author, stranger = await customers(dynamo, 2)
    older = await reviewed(gql, author, first)
    newer = await reviewed(gql, author, second)
    await gql(MODERATE, {"id": older, "s": "HIDDEN"}, moderator)

    async def listed(token: str | None) -> list[tuple[str, str]]:
        body = await gql(USER_REVIEWS, {"id": author.id}, token)
        assert "errors" not in body, body
        return [(n["id"], n["status"]) for n in body["data"]["user"]["reviews"]["nodes"]]

    everything = [(newer, "PUBLISHED"), (older, "HIDDEN")]
    assert await listed(author.token) == everything
    assert await listed(moderator) == everything
    assert await listed(admin) == everything
    assert await listed(stranger.token) == [(newer, "PUBLISHED")]
    assert await listed(None) == [(newer, "PUBLISHED")]


async def test_my_review_is_the_viewers_own_whatever_its_status(
    gql: Any, dynamo: Dynamo, admin: str, moderator: str
) -> None:
    product_id = await make_product(gql, admin)
    author, stranger = await customers(dynamo, 2)
    review_id = await reviewed(gql, author, product_id, 3)
    await gql(MODERATE, {"id": review_id, "s": "HIDDEN"}, moderator)

    async def mine(token: str | None) -> Any:
        body = await gql(MY_REVIEW, {"id": product_id}, token)
        assert "errors" not in body, body
        return body["data"]["product"]["myReview"]

    assert await mine(author.token) == {"id": review_id, "status": "HIDDEN", "rating": 3}
    assert await mine(stranger.token) is None
    assert await mine(None) is None
    assert await mine(moderator) is None


async def test_node_of_a_review(gql: Any, dynamo: Dynamo, admin: str, moderator: str) -> None:
    product_id = await make_product(gql, admin)
    author, stranger = await customers(dynamo, 2)
    review_id = await reviewed(gql, author, product_id, 4)
    found = (await gql(NODE, {"id": review_id}))["data"]["node"]
    assert found == {
        "id": review_id, "rating": 4, "title": "Good", "body": "Works as promised.",
        "status": "PUBLISHED", "version": 1, "product": {"id": product_id},
        "author": {"id": author.id},
    }
    await gql(MODERATE, {"id": review_id, "s": "HIDDEN"}, moderator)
    assert (await gql(NODE, {"id": review_id}))["data"]["node"] is None
    assert (await gql(NODE, {"id": review_id}, stranger.token))["data"]["node"] is None
    assert (await gql(NODE, {"id": review_id}, author.token))["data"]["node"]["status"] == "HIDDEN"
    assert (await gql(NODE, {"id": review_id}, moderator))["data"]["node"]["id"] == review_id
    nobody = encode("Review", raw_product_id(product_id), new_ulid())
    assert (await gql(NODE, {"id": nobody}))["data"]["node"] is None


async def test_items_another_writer_left_are_served_and_written(
    gql: Any, dynamo: Dynamo, admin: str, world: Any
) -> None:
    # A product with no rating counters at all reads as no reviews.
    untouched = encode("Product", world.products[0])
    assert (await rating_of(gql, untouched))["rating"] == {
        "count": 0, "average": None, "histogram": [0, 0, 0, 0, 0]}

    # A review and its product written as data-model.md lays them out, without the
    # `version` and `updatedAt` the gateway adds.
    [author] = await customers(dynamo, 1)
    product, review_id = ulid_at(600), ulid_at(601)
    items = [
        {
            "PK": f"PRODUCT#{product}", "SK": "PRODUCT", "entityType": "PRODUCT",
            "productId": product, "name": "Foreign thing", "category": "foreign",
            "price": Decimal("3.50"), "stock": 4, "active": True,
            "ratingCount": 1, "ratingSum": 4, "rating4": 1, "createdAt": stamp(600),
        },
        {
            "PK": f"PRODUCT#{product}", "SK": f"REVIEW#{author.user_id}",
            "entityType": "REVIEW",
            "GSI1PK": f"USER#{author.user_id}", "GSI1SK": f"REVIEW#{review_id}",
            "GSI2PK": f"REVIEWS#{product}", "GSI2SK": f"{stamp(601)}#{review_id}",
            "reviewId": review_id, "productId": product, "userId": author.user_id,
            "rating": 4, "title": "From elsewhere", "body": "Written by a batch job.",
            "status": "PUBLISHED", "createdAt": stamp(601),
        },
    ]

    def put_all() -> None:
        for item in items:
            dynamo.client.put_item(TableName=dynamo.table, Item=to_wire(item))

    await asyncio.to_thread(put_all)
    gid = encode("Review", product, author.user_id)
    product_gid = encode("Product", product)
    found = (await gql(NODE, {"id": gid}))["data"]["node"]
    assert (found["rating"], found["title"], found["status"], found["version"]) == (
        4, "From elsewhere", "PUBLISHED", 1)
    listed = await rating_of(gql, product_gid)
    assert listed["rating"] == {"count": 1, "average": 4.0, "histogram": [0, 0, 0, 1, 0]}
    assert [n["id"] for n in listed["reviews"]["nodes"]] == [gid]
    body = await gql(USER_REVIEWS, {"id": author.id})
    assert [n["id"] for n in body["data"]["user"]["reviews"]["nodes"]] == [gid]
    updated_at = (await gql("query($id: ID!) { node(id: $id) { ... on Review { updatedAt } } }",
                            {"id": gid}))["data"]["node"]["updatedAt"]
    assert updated_at == "2026-03-01T22:01:00.000Z"  # falls back to createdAt

    # The gateway writes over it: version 1 is the missing attribute's, and the
    # product's counters move from the other writer's values.
    body = await gql(UPDATE, {"input": {"id": gid, "rating": 2, "expectedVersion": 1}},
                     author.token)
    assert body["data"]["updateReview"]["version"] == 2, body
    assert (await rating_of(gql, product_gid))["rating"] == {
        "count": 1, "average": 2.0, "histogram": [0, 1, 0, 0, 0]}


async def test_a_review_outlives_its_product(
    gql: Any, dynamo: Dynamo, admin: str
) -> None:
    product_id = await make_product(gql, admin)
    author, other = await customers(dynamo, 2)
    review_id = await reviewed(gql, author, product_id, 5)
    second = await reviewed(gql, other, product_id, 1)
    # Another writer deletes the product; its reviews stay.
    await dynamo.call("delete_item", TableName=dynamo.table,
                      Key=to_wire(keys.product(raw_product_id(product_id))))
    found = (await gql(NODE, {"id": review_id}))["data"]["node"]
    assert (found["rating"], found["product"]) == (5, None)
    # Nothing is left to count: the writes go through without creating a product stub.
    body = await gql(UPDATE, {"input": {"id": review_id, "rating": 3}}, author.token)
    assert body["data"]["updateReview"]["rating"] == 3, body
    assert (await gql(DELETE, {"id": second}, other.token))["data"] == {"deleteReview": True}
    assert await dynamo.get_item(keys.product(raw_product_id(product_id)), consistent=True) is None
