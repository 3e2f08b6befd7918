"""The feed asks each shard for a share of the page, and reads on where posts are skewed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from config import Settings
from data.client import Dynamo
from data.clock import iso
from data.pages import shard_share
from data.posts import PostRecord, feed_shard
from data.table import create_table, delete_table
from data.ulid import new_ulid
from server import create_app

PAGE = """query($after: String) {
  posts(first: 20, after: $after) {
    pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id title }
  }
}"""

BACK = """query($before: String) {
  posts(last: 20, before: $before) { pageInfo { hasPreviousPage } nodes { title } }
}"""


def test_a_share_is_twice_the_even_split_and_two_more() -> None:
    assert shard_share(21, 8) == 8
    assert shard_share(101, 8) == 28
    assert shard_share(4, 8) == 3
    assert shard_share(2, 1) == 2


def _post(shard: int, moment: datetime, title: str, shards: int) -> dict[str, Any]:
    while True:
        pid = new_ulid(int(moment.timestamp() * 1000))
        if feed_shard(pid, shards) == shard:
            break
    at = iso(moment)
    return PostRecord(
        post_id=pid, author_id=new_ulid(), category_id=None, tag_ids=[], title=title,
        slug=f"skew-{pid.lower()}", excerpt=None, content="", featured_image=None,
        status="PUBLISHED", published_at=at, view_count=0, like_count=0, comment_count=0,
        created_at=at, updated_at=at, version=1,
    ).to_item(shards=shards)


@pytest.fixture
async def skewed(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    """A table of its own: the 30 newest posts all in shard 3, 10 older ones spread."""
    own = replace(settings, table_name=f"tablegate-skew-{uuid.uuid4().hex[:8]}")
    dynamo = Dynamo(own)
    await create_table(dynamo)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    newest = [_post(3, start - timedelta(minutes=i), f"hot {i}", own.feed_shards)
              for i in range(30)]
    older = [_post(i % own.feed_shards, start - timedelta(days=1, minutes=i), f"old {i}",
                   own.feed_shards) for i in range(10)]
    await dynamo.batch_write(newest + older)
    app = create_app(own, dynamo)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://tablegate.test") as http:
            yield http, [str(p["title"]) for p in newest + older]
    finally:
        await delete_table(dynamo)
        await dynamo.close()


async def test_a_skewed_shard_is_read_on_and_no_post_is_missed(
    skewed: tuple[httpx.AsyncClient, list[str]]
) -> None:
    http, titles = skewed
    seen: list[str] = []
    after = None
    trips = []
    while True:
        body = (await http.post("/graphql", json={"query": PAGE,
                                                   "variables": {"after": after}})).json()
        assert "errors" not in body, body
        page = body["data"]["posts"]
        # Exact on the pages read on too: the probe behind the cursor counts.
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [node["title"] for node in page["nodes"]]
        trips.append(body["extensions"]["cost"]["roundTrips"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == titles
    # The first page holds 20 posts of one shard: that shard is read on, once.
    assert trips[0] == 2

    # Backwards from the last post: the 20 before it, in feed order.
    end = page["pageInfo"]["endCursor"]
    back = (await http.post("/graphql", json={"query": BACK, "variables": {"before": end}})).json()
    assert [node["title"] for node in back["data"]["posts"]["nodes"]] == titles[-21:-1]
    assert back["data"]["posts"]["pageInfo"]["hasPreviousPage"] is True
