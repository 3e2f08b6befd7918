"""The cost budget: an operation is estimated before it runs, refused over the limit
without a single DynamoDB call, and every contract operation fits, its estimate an
upper bound of the calls it makes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

from config import DEFAULT_MAX_COST, Settings
from data.client import Dynamo
from dev.faults import FaultProxy, fault_proxy
from resolvers.ids import encode
from schema.build import make_schema
from schema.cost_estimate import estimate_cost
from server import create_app
from tests.conftest import codes
from tests.gateway import in_process
from tests.live_client import session

OPERATIONS = Path(__file__).resolve().parent.parent / "bench" / "operations"
# Three levels of 100-item pages: a million objects asked for, in a legal depth.
HUGE = """{ posts(first: 100) { nodes { comments(first: 100) { nodes {
  replies(first: 100) { nodes { author { displayName } } } } } } } }"""


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


@pytest.fixture(scope="module")
async def counted(settings: Settings, seeded: dict[str, Any]
                  ) -> AsyncIterator[tuple[httpx.AsyncClient, FaultProxy]]:
    """A gateway reaching DynamoDB through a proxy that counts every call."""
    async with fault_proxy(str(settings.endpoint)) as proxy, \
            in_process(replace(settings, endpoint=proxy.url)) as http:
        yield http, proxy


async def test_a_query_over_budget_is_refused_before_any_call(
    counted: tuple[httpx.AsyncClient, FaultProxy], seeded: dict[str, Any]
) -> None:
    http, proxy = counted
    before = proxy.calls
    token = seeded["users"][2]["token"]
    response = await http.post("/graphql", json={"query": HUGE},
                               headers={"Authorization": f"Bearer {token}",
                                        "Accept": "application/graphql-response+json"})
    assert proxy.calls == before  # not even the token's session
    assert response.status_code == 400
    body = response.json()
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "data" not in body
    error = body["errors"][0]
    assert "1010101" in error["message"] and str(DEFAULT_MAX_COST) in error["message"]
    assert error["extensions"]["cost"] == 1010101
    assert error["extensions"]["maxCost"] == DEFAULT_MAX_COST


async def test_a_subscription_over_budget_is_refused(gateway: str) -> None:
    # Each event would read a hundred comments with a hundred replies each.
    every_reply = """subscription { postPublished { comments(first: 100) { nodes {
      replies(first: 100) { nodes { author { id } } } } } } }"""
    async with session(gateway) as client:
        refused = await client.subscribe(every_reply)
        assert await refused.error_codes() == ["QUERY_TOO_COMPLEX"]


async def test_the_budget_counts_the_variables_sent(gql: Any) -> None:
    feed = operation("home_feed")
    assert "errors" not in await gql(feed, {"first": 60})
    refused = await gql(feed, {"first": 70})
    assert codes(refused) == ["QUERY_TOO_COMPLEX"]
    assert "estimated cost is 1121" in refused["errors"][0]["message"]


async def test_the_budget_is_configurable(settings: Settings, dynamo: Dynamo,
                                          seeded: dict[str, Any]) -> None:
    narrow = replace(settings, max_cost=10)
    transport = httpx.ASGITransport(app=create_app(narrow, dynamo))
    async with httpx.AsyncClient(transport=transport, base_url="http://tablegate.test") as http:
        small = await http.post("/graphql", json={"query": "{ posts(first: 9) { nodes { id } } }"})
        assert small.json()["extensions"]["cost"]["estimate"] == 1
        over = await http.post("/graphql", json={
            "query": "{ posts(first: 10) { nodes { author { id } } } }"})
        assert codes(over.json()) == ["QUERY_TOO_COMPLEX"]
        assert "estimated cost is 11, over the limit of 10" in over.json()["errors"][0]["message"]


async def _contract_calls(gql: Any, seeded: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each contract operation, as a client sends it, and its `extensions.cost`."""
    users = seeded["users"]
    reader, customer, admin = users[2]["token"], users[3]["token"], users[0]["token"]
    post = next(p for p in seeded["posts"] if p["status"] == "PUBLISHED")
    product = next(p for p in seeded["products"] if p["active"] and p["stock"] > 5)
    mixed = ([encode("Post", p["postId"]) for p in seeded["posts"][:8]]
             + [encode("User", u["userId"]) for u in users[:6]]
             + [encode("Product", p["productId"]) for p in seeded["products"][:6]])
    sent: dict[str, tuple[dict[str, Any], str | None]] = {
        "home_feed": ({}, None),
        "author_page": ({"id": encode("User", post["authorId"])}, reader),
        "catalog_page": ({"category": product["category"]}, None),
        "my_orders": ({}, customer),
        "node_batch": ({"ids": mixed}, admin),
        "post_page": ({"slug": post["slug"]}, reader),
        "add_comment": ({"input": {"postId": encode("Post", post["postId"]),
                                   "content": "Within budget"}}, reader),
        "place_order": ({"input": {"lines": [{"productId": encode("Product",
                                                                  product["productId"]),
                                              "quantity": 1}],
                                   "shippingAddress": "1 Budget Lane"}}, customer),
    }
    assert {path.stem for path in OPERATIONS.glob("*.graphql")} == set(sent)
    costs = {}
    for name, (variables, token) in sent.items():
        body = await gql(operation(name), variables, token)
        assert "errors" not in body, (name, body["errors"])
        costs[name] = body["extensions"]["cost"]
    return costs


async def test_every_contract_operation_fits_and_its_estimate_bounds_its_calls(
    gql: Any, seeded: dict[str, Any]
) -> None:
    for name, cost in (await _contract_calls(gql, seeded)).items():
        assert cost["dynamodbCalls"] > 0, name
        assert cost["dynamodbCalls"] <= cost["estimate"] <= DEFAULT_MAX_COST, (name, cost)


async def test_a_batch_reports_each_operations_own_estimate(gql: Any) -> None:
    response = await gql.http.post("/graphql", json=[
        {"query": "{ posts(first: 2) { nodes { author { id } } } }"},
        {"query": "{ categories { id } }"},
    ])
    first, second = response.json()
    assert first["extensions"]["cost"]["estimate"] == 3
    assert second["extensions"]["cost"]["estimate"] == 1
    assert first["extensions"]["cost"]["batchOperations"] == 2


def test_the_estimate_follows_the_weights() -> None:
    schema = make_schema()._schema

    def cost(query: str, variables: dict[str, Any] | None = None) -> int:
        return estimate_cost(schema, parse(query), None, variables)

    # Scalars, __typename and introspection are free; a fetched object costs 1.
    assert cost("{ __typename categories { name } }") == 1
    assert cost("{ categories { children { id } } }") == 1 + 20 * 1
    assert cost('{ post(id: "x") { title author { displayName profile { bio } } } }') == 2
    # A connection is one query, times its page for what each item asks.
    assert cost("{ posts { nodes { id } } }") == 1
    assert cost("{ posts { nodes { author { id } } } }") == 21
    assert cost("{ posts(last: 5) { edges { node { author { id } } } } }") == 6
    assert cost("query($n: Int = 7) { posts(first: $n) { nodes { author { id } } } }") == 8
    assert cost("query($n: Int) { posts(first: $n) { nodes { author { id } } } }", {"n": 3}) == 4
    # A page over the maximum is refused when it runs; it counts as the maximum.
    assert cost("{ posts(first: 1000) { nodes { author { id } } } }") == 101
    # Lists: by the ids asked for, or by what bounds them.
    assert cost('{ nodes(ids: ["a", "b", "c"]) { id } }') == 3
    assert cost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {"ids": ["a"] * 7}) == 7
    assert cost('{ post(id: "x") { tags { id } } }') == 11
    # Of fragments on different types, the costliest; on the field's own type, all.
    assert cost("""{ nodes(ids: ["a", "b"]) {
        ... on Post { author { id } category { id } } ... on User { posts { nodes { id } } }
        ... on Node { id } } }""") == 2 * (1 + 2)
    assert cost("""query { ...F } fragment F on Query { viewer { id } }""") == 1
    # A mutation's root field costs 10 more than what it reads.
    assert cost("mutation { signOut }") == 10
    assert cost('mutation { likePost(id: "x") { author { id } } }') == 12


async def test_production_hides_suggestions(settings: Settings, dynamo: Dynamo,
                                            seeded: dict[str, Any]) -> None:
    misspelt = [
        ("{ posts { nodes { titel } } }", "title"),
        ('{ posts(status: PUBLISHD) { nodes { id } } }', "PUBLISHED"),
        ("{ posts(frist: 2) { nodes { id } } }", "first"),
    ]
    for production, hinted in ((False, True), (True, False)):
        environment = "production" if production else "development"
        app = create_app(replace(settings, environment=environment,
                                 introspection=not production), dynamo)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://tablegate.test") as http:
            for query, suggestion in misspelt:
                body = (await http.post("/graphql", json={"query": query})).json()
                assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body
                message = body["errors"][0]["message"]
                assert ("Did you mean" in message and suggestion in message) is hinted, message


async def test_aliases_are_limited_to_fifteen(gql: Any) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: categories {{ id }}" for i in range(count)) + " }"

    assert "errors" not in await gql(aliased(15))
    assert codes(await gql(aliased(16))) == ["QUERY_TOO_COMPLEX"]
