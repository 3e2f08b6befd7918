"""The gateway as users run it: `tablegate serve` in its own process, on a real socket;
and in this process, behind httpx, with a DynamoDB client of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from config import Settings
from data.client import Dynamo
from dev.engine import free_port
from server import create_app

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    """A running `tablegate serve`: its base URL and its process."""

    url: str
    process: subprocess.Popen[bytes]


@asynccontextmanager
async def serving(settings: Settings, *arguments: str,
                  **environment: str) -> AsyncIterator[str]:
    """`tablegate serve ARGUMENTS` on the test table and a free port, once /healthz
    answers; yields its base URL and stops it by its PID afterwards. Without a
    TABLEGATE_SECRET in `environment`, serve makes one (as it does in development)."""
    async with started(settings, *arguments, **environment) as served:
        yield served.url


@asynccontextmanager
async def started(settings: Settings, *arguments: str,
                  **environment: str) -> AsyncIterator[Served]:
    """`serving`, yielding the process too (a test may kill it)."""
    port = free_port()
    env = {**os.environ, "DYNAMODB_ENDPOINT": str(settings.endpoint),
           "DYNAMODB_TABLE_NAME": settings.table_name, "HOST": "127.0.0.1",
           "PORT": str(port), **environment}
    if "TABLEGATE_SECRET" not in environment:
        env.pop("TABLEGATE_SECRET", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.main()", "serve", *arguments],
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
                pytest.fail(f"tablegate serve {' '.join(arguments)} did not start")
        yield Served(url, process)
    finally:
        stop(process, 15)


def stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, as a process manager stops a gateway; SIGKILL after `grace` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@asynccontextmanager
async def in_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client to the app built in this process from `settings`, which reaches
    DynamoDB with a client of its own (closed at the end)."""
    client = Dynamo(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, client))
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://tablegate.test") as http:
            yield http
    finally:
        await client.close()
