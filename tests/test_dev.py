"""The dev loop keeps its data: a restart seeds nothing and rewrites nothing (every item,
counter and stock level as the gateway left them), its demo tokens keep working (expired
demo sessions are renewed, nothing else), and `--reset` brings the demo data back.

This runs `dev.seed.prepare`, what `tablegate dev` and `tablegate seed` run, on a table
of its own in the session's DynamoDB Local.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from config import Settings
from data import keys
from data.client import Dynamo, Item, from_wire
from data.clock import iso, now
from data.tokens import token_hash
from dev.seed import Prepared, prepare
from server import create_app

POSTS = "{ posts(first: 1) { nodes { id commentCount } } }"
PRODUCTS = '{ products(category: "books", first: 20) { nodes { id stock } } }'
ADD_COMMENT = """mutation($input: AddCommentInput!) {
  addComment(input: $input) { id post { id commentCount } }
}"""
PLACE_ORDER = """mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status items { product { id stock } } }
}"""
VIEWER = "{ viewer { email role } }"


async def snapshot(dynamo: Dynamo) -> list[Item]:
    """Every item of the table, in key order (a Scan: fine for a test)."""
    items: list[Item] = []
    start: dict[str, Any] | None = None
    while True:
        page = await dynamo.call(
            "scan", TableName=dynamo.table, ConsistentRead=True,
            **({"ExclusiveStartKey": start} if start else {}),
        )
        items += [from_wire(raw) for raw in page.get("Items", [])]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted(items, key=lambda item: (item["PK"], item["SK"]))


def tokens(prepared: Prepared) -> list[str]:
    """The bearer tokens in the printed login lines, in order."""
    return [line.rsplit("token: ", 1)[1] for line in prepared.logins if "token: " in line]


@dataclass
class Dev:
    dynamo: Dynamo
    http: httpx.AsyncClient
    first: Prepared
    seeded: list[Item]

    async def gql(self, query: str, token: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture(scope="module")
async def dev(settings: Settings) -> AsyncIterator[Dev]:
    """A fresh table prepared once, as the first `tablegate dev` on a new machine does."""
    own = replace(settings, table_name=f"tablegate-dev-{uuid.uuid4().hex[:8]}")
    dynamo = Dynamo(own)
    try:
        first = await prepare(dynamo, 1)
        seeded = await snapshot(dynamo)
        transport = httpx.ASGITransport(app=create_app(own, dynamo))
        async with httpx.AsyncClient(transport=transport, base_url="http://dev.test") as http:
            yield Dev(dynamo, http, first, seeded)
    finally:
        await dynamo.call("delete_table", TableName=own.table_name)
        await dynamo.close()


async def test_first_start_seeds_and_prints_working_tokens(dev: Dev) -> None:
    assert dev.first.seeded and dev.first.scale == 1
    assert len(tokens(dev.first)) == 10
    assert dev.first.logins[0].startswith("admin@example.com / ")
    for token, role in zip(tokens(dev.first)[:3], ("ADMIN", "MODERATOR", "USER"), strict=True):
        assert (await dev.gql(VIEWER, token))["viewer"]["role"] == role


async def test_a_restart_rewrites_nothing(dev: Dev) -> None:
    user = tokens(dev.first)[2]
    post = (await dev.gql(POSTS, user))["posts"]["nodes"][0]
    added = await dev.gql(ADD_COMMENT, user,
                          input={"postId": post["id"], "content": "Kept across restarts."})
    products = (await dev.gql(PRODUCTS, user))["products"]["nodes"]
    product = next(p for p in products if p["stock"] > 0)
    order = await dev.gql(PLACE_ORDER, user, input={
        "lines": [{"productId": product["id"], "quantity": 1}],
        "shippingAddress": "1 Elm Street, Springfield",
    })
    assert order["placeOrder"]["status"] == "PENDING"
    assert order["placeOrder"]["items"][0]["product"]["stock"] == product["stock"] - 1
    before = await snapshot(dev.dynamo)
    assert before != dev.seeded

    lines: list[str] = []
    again = await prepare(dev.dynamo, 1, say=lines.append)

    assert await snapshot(dev.dynamo) == before
    assert not again.seeded and again.refreshed == 0 and lines == []
    assert again.existing == again.items == 699
    assert again.logins == dev.first.logins  # printed again, the same tokens
    stored = await dev.gql(POSTS, user)
    assert stored["posts"]["nodes"][0]["commentCount"] == added["addComment"]["post"][
        "commentCount"]


async def test_expired_demo_sessions_are_renewed_and_nothing_else(dev: Dev) -> None:
    admin = tokens(dev.first)[0]
    key = keys.session(token_hash(admin))
    expired = iso(now() - timedelta(days=1))
    await dev.dynamo.call(
        "update_item", TableName=dev.dynamo.table,
        Key={"PK": {"S": key["PK"]}, "SK": {"S": key["SK"]}},
        UpdateExpression="SET expiresAt = :e", ExpressionAttributeValues={":e": {"S": expired}},
    )
    response = await dev.http.post("/graphql", json={"query": VIEWER},
                                   headers={"Authorization": f"Bearer {admin}"})
    assert response.json()["data"]["viewer"] is None  # days later: the token has expired
    before = await snapshot(dev.dynamo)

    again = await prepare(dev.dynamo, 1)

    assert again.refreshed == 1 and again.logins == dev.first.logins
    assert (await dev.gql(VIEWER, admin))["viewer"]["email"] == "admin@example.com"
    after = await snapshot(dev.dynamo)
    changed = [a for b, a in zip(before, after, strict=True) if a != b]
    assert [item["PK"] for item in changed] == [key["PK"]]
    assert changed[0]["expiresAt"] > iso(now() + timedelta(days=13))


def _demo_part(items: list[Item]) -> list[Item]:
    # What a reseed writes the same way every time: sessions and password salts vary.
    return [
        {name: value for name, value in item.items() if name != "passwordHash"}
        for item in items
        if item["entityType"] != "SESSION"
    ]


async def test_reset_brings_the_demo_data_back(dev: Dev) -> None:
    assert _demo_part(await snapshot(dev.dynamo)) != _demo_part(dev.seeded)
    lines: list[str] = []

    again = await prepare(dev.dynamo, 1, reset_table=True, say=lines.append)

    assert again.seeded and again.logins == dev.first.logins
    assert lines[0].startswith("deleting table ")
    assert lines[1].startswith("seeding demo data (scale 1): 699 items: 10 users, 40 posts")
    assert lines[2].startswith("seeded in ")
    assert _demo_part(await snapshot(dev.dynamo)) == _demo_part(dev.seeded)
    assert (await dev.gql(VIEWER, tokens(again)[1]))["viewer"]["role"] == "MODERATOR"
