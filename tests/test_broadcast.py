"""Two gateway processes behind a Redis of their own: one reads the stream, under the
lease, and a write made through either reaches a subscriber of the other; when the
reader is killed, the other process takes the lease over and events go on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from config import Settings
from data.client import Dynamo
from data.lease import read_lease
from dev.redis import LocalRedis
from live.broadcast import LEASE
from resolvers.ids import encode
from tests import live_client as lc
from tests.gateway import Served, started
from tests.live_client import session, until_live

LEASE_SECONDS = 2
COMMENT_ADDED = "subscription($post: ID!) { commentAdded(postId: $post) { content } }"
ADD_COMMENT = """mutation($post: ID!, $text: String!) {
  addComment(input: {postId: $post, content: $text}) { id }
}"""


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with LocalRedis() as server:
        yield server.url


async def stream_status(http: httpx.AsyncClient, served: Served) -> str:
    body: dict[str, Any] = (await http.get(f"{served.url}/readyz")).json()
    return str(body["stream"])


async def roles(http: httpx.AsyncClient, *gateways: Served) -> tuple[Served, Served]:
    """(the reader, the other) once exactly one process reads the stream."""
    for _ in range(100):
        statuses = [await stream_status(http, g) for g in gateways]
        if sorted(statuses) == ["reading", "standby"]:
            reader = gateways[statuses.index("reading")]
            return reader, next(g for g in gateways if g is not reader)
        await asyncio.sleep(0.1)
    raise AssertionError(f"never exactly one reader: {statuses}")


async def test_one_process_reads_for_both_and_the_other_takes_over(
        settings: Settings, dynamo: Dynamo, seeded: dict[str, Any], redis_url: str) -> None:
    env = {"TABLEGATE_BROADCAST_URL": redis_url, "TABLEGATE_SECRET": "test-secret",
           "TABLEGATE_STREAM_LEASE_SECONDS": str(LEASE_SECONDS),
           "TABLEGATE_STREAM_POLL_MS": "100"}
    author = seeded["users"][2]
    post, items = lc.post_items(author["userId"], "PUBLISHED", settings.feed_shards)
    await lc.put(dynamo, *items)
    post_id = encode("Post", post)
    async with (started(settings, **env) as first, started(settings, **env) as second,
                httpx.AsyncClient() as http):
        reader, other = await roles(http, first, second)
        lease = await read_lease(dynamo, LEASE)
        assert lease is not None and f":{reader.process.pid}:" in lease.owner

        async def through_reader() -> str:
            text = lc.mark()
            response = await http.post(
                f"{reader.url}/graphql", json={"query": ADD_COMMENT,
                                               "variables": {"post": post_id, "text": text}},
                headers={"Authorization": f"Bearer {author['token']}"})
            assert "errors" not in response.json(), response.text
            return text

        async def into_the_table() -> str:
            text = lc.mark()
            await lc.put(dynamo, lc.comment_item(post, author["userId"], text))
            return text

        async with session(other.url) as client:
            follower = await client.subscribe(COMMENT_ADDED, {"post": post_id})
            # A write through one process reaches a subscriber of the other.
            await until_live([follower], through_reader,
                             key=lambda payload: payload["data"]["commentAdded"]["content"])
            assert await stream_status(http, other) == "standby"

            reader.process.kill()  # no release: the lease must expire
            for _ in range(10 * 6 * LEASE_SECONDS):
                if await stream_status(http, other) == "reading":
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the other process never took the stream over")
            taken = await read_lease(dynamo, LEASE)
            assert taken is not None and f":{other.process.pid}:" in taken.owner
            # Events go on, from a write no gateway made.
            await until_live([follower], into_the_table,
                             key=lambda payload: payload["data"]["commentAdded"]["content"])
