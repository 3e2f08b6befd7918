"""`tablegate serve` over a real socket: uvicorn, several workers, one behaviour."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from data.engine import free_port
from data.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGE = """query($after: String) {
  posts(first: 3, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } }
}"""


@pytest.fixture
async def two_workers(settings: Settings, seeded: dict[str, Any]) -> AsyncIterator[str]:
    """The gateway as `tablegate serve --workers 2` on a free port, without a configured
    secret (each worker would otherwise sign cursors with its own)."""
    port = free_port()
    env = {**os.environ, "DYNAMODB_ENDPOINT": str(settings.endpoint),
           "DYNAMODB_TABLE_NAME": settings.table_name, "HOST": "127.0.0.1", "PORT": str(port)}
    env.pop("TABLEGATE_SECRET", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.main()", "serve", "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(150):
                try:
                    if (await probe.get(f"{url}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("tablegate serve --workers 2 did not start")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
