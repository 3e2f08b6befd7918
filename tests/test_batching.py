"""No N+1: round trips per request are the depth of the query, not its width.

Runs the benchmark's own operations on the seeded table and reads the DynamoDB
calls and sequential round trips from `extensions.cost`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

OPERATIONS = Path(__file__).resolve().parent.parent / "bench" / "operations"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


async def cost(
    gql: Any, name: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, int]:
    body = await gql(operation(name), variables, token)
    assert "errors" not in body, body["errors"]
    result: dict[str, int] = body["extensions"]["cost"]
    return result


async def test_home_feed_is_three_round_trips_at_any_width(gql: Any) -> None:
    body = await gql(operation("home_feed"), {"first": 20})
    edges = body["data"]["posts"]["edges"]
    assert len(edges) == 20
    assert sum(len(e["node"]["comments"]["nodes"]) for e in edges) >= 20
    spent = body["extensions"]["cost"]
    assert spent["roundTrips"] == 3
    assert spent["dynamodbCalls"] <= 32
    narrow = await cost(gql, "home_feed", {"first": 2})
    assert narrow["roundTrips"] == 3


async def test_node_batch_of_fifty_is_two_round_trips(gql: Any, seeded: dict[str, Any]) -> None:
    # Posts and products only: the posts' authors are the second level.
    feed = await gql("{ posts(first: 30) { nodes { id } } }")
    ids = [n["id"] for n in feed["data"]["posts"]["nodes"]]
    for category in ("books", "games", "garden"):
        products = await gql(f'{{ products(category: "{category}") {{ nodes {{ id }} }} }}')
        ids += [n["id"] for n in products["data"]["products"]["nodes"]]
    ids = ids[:50]
    assert len(ids) == 50
    spent = await cost(gql, "node_batch", {"ids": ids})
    assert spent["roundTrips"] == 2
    assert spent["dynamodbCalls"] == 2


async def test_author_page_is_three_round_trips(gql: Any) -> None:
    feed = await gql("{ posts(first: 1) { nodes { author { id } } } }")
    author = feed["data"]["posts"]["nodes"][0]["author"]["id"]
    assert (await cost(gql, "author_page", {"id": author}))["roundTrips"] == 3


async def test_post_page_rounds_follow_its_dependent_depth(
    gql: Any, seeded: dict[str, Any]
) -> None:
    feed = await gql("{ posts(first: 60) { nodes { slug comments { nodes { replyCount } } } } }")
    slug = next(
        n["slug"]
        for n in feed["data"]["posts"]["nodes"]
        if any(c["replyCount"] for c in n["comments"]["nodes"])
    )
    # slug lock -> post -> comments, author, tags -> replies, profile, parent -> reply authors
    anonymous = await cost(gql, "post_page", {"slug": slug})
    assert anonymous["roundTrips"] == 5
    # Signed in, the token's session and user leave in the slug lock's BatchGetItem, and
    # likedByViewer's like in the post's: no trip more, not even a call more.
    reader = next(u["token"] for u in seeded["users"] if u["role"] == "USER")
    signed_in = await cost(gql, "post_page", {"slug": slug}, reader)
    assert signed_in["roundTrips"] == 5
    assert signed_in["dynamodbCalls"] == anonymous["dynamodbCalls"]


async def test_catalog_page_is_one_query(gql: Any) -> None:
    spent = await cost(gql, "catalog_page", {"category": "books", "min": "1.00", "max": "100.00"})
    assert spent == {**spent, "dynamodbCalls": 1, "roundTrips": 1}


async def test_my_orders_rounds_follow_its_dependent_depth(
    gql: Any, seeded: dict[str, Any]
) -> None:
    token = next(u["token"] for u in seeded["users"] if u["role"] == "USER")
    # session and viewer together -> orders -> their items -> the products
    assert (await cost(gql, "my_orders", {}, token))["roundTrips"] == 4
