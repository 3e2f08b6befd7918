"""The on-loop client under faults: what botocore used to retry is still retried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from config import Settings
from data import keys
from data.client import Dynamo
from data.errors import Unavailable
from data.table import create_table
from data.transport import MAX_ATTEMPTS
from dev.engine import LocalDynamo
from dev.faults import FAULTS, FaultProxy, fault_proxy
from resolvers import ids
from server import create_app


@pytest.fixture
async def through(settings: Settings, seeded: dict[str, Any]) -> AsyncIterator[
    tuple[FaultProxy, Dynamo]
]:
    """A client whose every call crosses a fault proxy in front of DynamoDB Local."""
    async with fault_proxy(str(settings.endpoint)) as proxy:
        client = Dynamo(replace(settings, endpoint=proxy.url))
        try:
            yield proxy, client
        finally:
            await client.close()


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_failed_call_is_retried_and_answers(
    through: tuple[FaultProxy, Dynamo], dynamo: Dynamo, seeded: dict[str, Any], fault: str
) -> None:
    proxy, client = through
    key = keys.user(seeded["users"][0]["userId"])
    expected = await dynamo.get_item(key)
    proxy.fail_next(fault, fault)
    assert await client.get_item(key) == expected
    assert proxy.calls == 3


async def test_throttling_past_the_retries_is_service_unavailable(
    through: tuple[FaultProxy, Dynamo], seeded: dict[str, Any], settings: Settings
) -> None:
    proxy, client = through
    proxy.fail_next(*["throttle"] * MAX_ATTEMPTS)
    with pytest.raises(Unavailable):
        await client.get_item(keys.user(seeded["users"][0]["userId"]))
    assert proxy.calls == MAX_ATTEMPTS

    # One BatchGetItem, throttled through all its attempts.
    user = ids.encode("User", seeded["users"][0]["userId"])
    query = {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": user}}
    app = create_app(replace(settings, endpoint=proxy.url), client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tablegate.test") as http:
        proxy.fail_next(*["throttle"] * MAX_ATTEMPTS)
        response = await http.post("/graphql", json=query)
        assert response.status_code == 503
        body = response.json()
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
        # DynamoDB has calmed down: the same gateway answers, nothing to restart.
        again = (await http.post("/graphql", json=query)).json()
        assert again["data"] == {"node": {"id": user}}


async def test_an_engine_restart_is_survived(tmp_path: Path, settings: Settings) -> None:
    engine = LocalDynamo(data_dir=tmp_path)
    await asyncio.to_thread(engine.start)
    client = Dynamo(replace(settings, endpoint=engine.endpoint, table_name="restarts"))
    try:
        await create_table(client)
        item = {"PK": "USER#restart", "SK": "USER", "note": "kept on disk"}
        await client.batch_write([item])
        assert await client.get_item({"PK": "USER#restart", "SK": "USER"}) == item

        await asyncio.to_thread(engine.stop)
        # Down: the pooled connections are dead and new ones are refused.
        with pytest.raises(Unavailable):
            await client.get_item({"PK": "USER#restart", "SK": "USER"})

        await asyncio.to_thread(engine.start)
        assert await client.get_item({"PK": "USER#restart", "SK": "USER"}) == item
    finally:
        await client.close()
        await asyncio.to_thread(engine.stop)


async def test_a_token_that_cannot_be_resolved_is_a_graphql_error(
    through: tuple[FaultProxy, Dynamo], seeded: dict[str, Any], settings: Settings
) -> None:
    # The token's session and user leave with the first wave; that BatchGetItem fails.
    proxy, client = through
    token = seeded["users"][2]["token"]
    app = create_app(replace(settings, endpoint=proxy.url), client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tablegate.test") as http:
        for query in ("{ viewer { id } }", "mutation { signOut }"):
            proxy.fail_next(*["throttle"] * MAX_ATTEMPTS)
            response = await http.post("/graphql", json={"query": query},
                                       headers={"Authorization": f"Bearer {token}"})
            # Nothing could be read: 503, with the same body.
            assert response.status_code == 503
            assert response.headers["retry-after"]
            body = response.json()
            assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
        viewer = await http.post("/graphql", json={"query": "{ viewer { id } }"},
                                 headers={"Authorization": f"Bearer {token}"})
        assert viewer.json()["data"]["viewer"]["id"] == ids.encode(
            "User", seeded["users"][2]["userId"]
        )
