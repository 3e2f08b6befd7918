"""`tablegate dev` as a developer runs it, twice over the same data folder: the first
start seeds, the restart seeds nothing, leaves every item as it was, prints the same
working tokens, and serves within RESTART_BUDGET seconds of the command's start."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from config import Settings
from data.client import Dynamo, Item
from dev.engine import free_port
from tests.test_dev import snapshot

ROOT = Path(__file__).resolve().parent.parent
RESTART_BUDGET = 15.0  # seconds from the command to /healthz 200, over saved data


@dataclass
class Started:
    url: str
    engine: str
    seconds: float
    output: str

    @property
    def tokens(self) -> list[str]:
        return re.findall(r"token: (\S+)", self.output)


@contextmanager
def dev(data_dir: Path, log: Path) -> Iterator[Started]:
    """`tablegate dev --data-dir DATA_DIR --port P` with its own DynamoDB Local, until
    /healthz answers; stopped (SIGTERM, as Ctrl-C would) when the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TABLEGATE_", "DYNAMODB_", "BOOTSTRAP_"))}
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", "import cli; cli.main()", "dev",
             "--data-dir", str(data_dir), "--port", str(port)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() - started > 60:
                    pytest.fail(f"tablegate dev did not serve:\n{log.read_text()}")
                time.sleep(0.05)
            seconds = time.monotonic() - started
            text = log.read_text()
            engine = re.search(r"starting DynamoDB Local on (\S+) ", text)
            assert engine, text
            yield Started(url, engine.group(1), seconds, text)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                # 128 + SIGTERM: it unwound through its cleanup rather than being killed.
                assert process.wait(timeout=30) == 128 + signal.SIGTERM, log.read_text()
            finally:
                if process.poll() is None:
                    process.kill()


def viewer(url: str, token: str) -> Any:
    body = httpx.post(f"{url}/graphql", json={"query": "{ viewer { email } }"},
                      headers={"Authorization": f"Bearer {token}"}).json()
    return body["data"]["viewer"]


def table(settings: Settings, endpoint: str) -> list[Item]:
    async def scan() -> list[Item]:
        dynamo = Dynamo(replace(settings, endpoint=endpoint, table_name="tablegate"))
        try:
            # Not the rate counters: every request to `dev` counts (the limits are on
            # there), a restart's own requests too.
            return [item for item in await snapshot(dynamo)
                    if item.get("entityType") != "RATE_WINDOW"]
        finally:
            await dynamo.close()

    return asyncio.run(scan())


def test_a_restart_over_saved_data_keeps_it_and_serves_quickly(
    settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "dev-data"
    with dev(data, tmp_path / "first.log") as first:
        assert "seeding demo data (scale 1): 699 items" in first.output
        assert len(first.tokens) == 10
        assert viewer(first.url, first.tokens[3])["email"] == "grace@example.com"
        post = httpx.post(f"{first.url}/graphql", json={
            "query": "{ posts(first: 1) { nodes { id } } }"}).json()["data"]["posts"]["nodes"][0]
        added = httpx.post(f"{first.url}/graphql", headers={
            "Authorization": f"Bearer {first.tokens[1]}"}, json={
            "query": "mutation($i: AddCommentInput!) { addComment(input: $i) { id } }",
            "variables": {"i": {"postId": post["id"], "content": "Still here tomorrow."}},
        }).json()
        assert "errors" not in added, added
        before = table(settings, first.engine)

    with dev(data, tmp_path / "again.log") as again:
        assert again.seconds < RESTART_BUDGET, again.output
        assert "seeding demo data" not in again.output
        assert "already holds the demo data (699 of its 699 items): not seeding it again" in (
            again.output)
        # Progress and the URL come in this order: the engine, the logins, then GraphiQL.
        lines = again.output.splitlines()
        assert re.fullmatch(r"DynamoDB Local ready in \d+\.\d s", lines[1]), lines[1]
        assert lines.index(f"GraphiQL: {again.url}/graphql") > lines.index(
            next(line for line in lines if "token: " in line))
        assert again.tokens == first.tokens
        assert viewer(again.url, again.tokens[3])["email"] == "grace@example.com"
        assert table(settings, again.engine) == before
    port = int(again.engine.rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # the engine stopped with the gateway
    print(f"tablegate dev restart served in {again.seconds:.1f} s")
