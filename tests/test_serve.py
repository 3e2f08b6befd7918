"""`tablegate serve` over a real socket: uvicorn, several workers, one behaviour."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from config import Settings
from tests.gateway import serving

PAGE = """query($after: String) {
  posts(first: 3, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } }
}"""


@pytest.fixture
async def two_workers(settings: Settings, seeded: dict[str, Any]) -> AsyncIterator[str]:
    """The gateway as `tablegate serve --workers 2`, without a configured secret (each
    worker would otherwise sign cursors with its own)."""
    async with serving(settings, "--workers", "2") as url:
        yield url


async def test_every_worker_accepts_every_workers_cursors(two_workers: str) -> None:
    # A new connection a page: the workers take turns, and every cursor must hold.
    seen: list[str] = []
    after = None
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=two_workers, limits=limits) as client:
        for _ in range(8):
            response = await client.post(
                "/graphql", json={"query": PAGE, "variables": {"after": after}}
            )
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            page = body["data"]["posts"]
            seen += [node["id"] for node in page["nodes"]]
            after = page["pageInfo"]["endCursor"]
    assert len(seen) == 24 and len(set(seen)) == 24
