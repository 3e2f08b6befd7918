"""One DynamoDB Local for the whole test session, a seeded table, and the real app.

Set DYNAMODB_ENDPOINT to run against an engine you started yourself.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from config import Settings, load_settings
from data.client import Dynamo
from data.table import create_table, delete_table
from dev import graphiql
from dev.engine import LocalDynamo
from server import create_app

# Tests sign in and send requests far faster than people do: the rate limits are off
# for every app and `tablegate serve` the suite starts, unless a test turns them on
# (tests/test_rate_limits.py).
os.environ["TABLEGATE_RATE_LIMITS"] = "off"

@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    given = os.environ.get("DYNAMODB_ENDPOINT")
    if given:
        yield given
        return
    with LocalDynamo() as engine:
        yield engine.endpoint


@pytest.fixture(scope="session")
def settings(endpoint: str) -> Settings:
    return load_settings({
        "DYNAMODB_ENDPOINT": endpoint,
        "DYNAMODB_TABLE_NAME": f"tablegate-test-{uuid.uuid4().hex[:8]}",
        "TABLEGATE_SECRET": "test-secret",
        "AWS_REGION": "us-east-1",
    })


@pytest.fixture(scope="session")
async def dynamo(settings: Settings) -> AsyncIterator[Dynamo]:
    client = Dynamo(settings)
    await create_table(client)
    try:
        yield client
    finally:
        await delete_table(client)
        await client.close()


@pytest.fixture(scope="session")
async def seeded(dynamo: Dynamo) -> dict[str, Any]:
    """The demo data set at scale 1, written once per session."""
    from dev.seed import seed

    return await seed(dynamo, 1)


@pytest.fixture(scope="session")
async def http(settings: Settings, dynamo: Dynamo) -> AsyncIterator[httpx.AsyncClient]:
    """The app as `tablegate dev` builds it, GraphiQL included."""
    app = create_app(settings, dynamo, ide=graphiql)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tablegate.test") as client:
        yield client


class GraphQLClient:
    """Posts GraphQL to the app and hands back the JSON body."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="session")
def gql(http: httpx.AsyncClient, seeded: dict[str, Any]) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture(scope="session")
def admin(seeded: dict[str, Any]) -> str:
    """The bearer token of the seeded ADMIN."""
    token: str = seeded["users"][0]["token"]
    return token


@pytest.fixture(scope="session")
def moderator(seeded: dict[str, Any]) -> str:
    """The bearer token of the seeded MODERATOR."""
    token: str = seeded["users"][1]["token"]
    return token


def codes(body: dict[str, Any]) -> list[str]:
    """The extensions.code of every error in a response."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@pytest.fixture(scope="session")
async def world(dynamo: Dynamo, settings: Settings) -> Any:
    """Items written straight into the table with boto3 (see tests/world.py)."""
    from tests import world as world_module

    built, items = world_module.build(settings.feed_shards)
    await world_module.write(dynamo, items)
    return built


# `tablegate serve`'s settings for tests of subscriptions: a quick stream poll.
LIVE = {"TABLEGATE_STREAM_POLL_MS": "100", "TABLEGATE_SECRET": "test-secret"}


@pytest.fixture(scope="module")
async def gateway(settings: Settings, seeded: dict[str, Any], world: Any) -> AsyncIterator[str]:
    """One `tablegate serve` per test module, over a socket, its stream polled every
    100 ms: for subscriptions."""
    from tests.gateway import serving

    async with serving(settings, **LIVE) as url:
        yield url
