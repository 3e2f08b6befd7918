"""`python -m bench --subscriptions`: commentAdded subscribers over real WebSockets, at
each subscriber count, against one gateway process and against two behind Redis.

Every (setup, count) gets freshly started gateways, so one count's memory and backlog
do not carry into the next. Before the gateways' memory is read, one subscriber per
gateway has received a comment and closed: the stream reader, its threads and the
subscription path are warm, and what the count adds is the subscriptions' own.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench import client, fanout, live_report
from bench.environment import World, world
from bench.fanout import Writer
from bench.memory import tree_rss_kib
from bench.services import start_gateway
from bench.subscribers import Fleet, SubscriberError
from dev.redis import LocalRedis

# Seconds to wait for a comment to reach every subscriber before calling it lost.
DELIVERY_TIMEOUT = 20.0
# A probe comment is written this often until one has reached everyone: a subscription
# whose `subscribe` was still being served misses the first probe, not a later one.
PROBE_INTERVAL = 0.5
# After closing the sockets: time for the gateways to end their subscriptions.
SETTLE_SECONDS = 1.0

_NEWEST_POST = "{ posts(first: 1) { nodes { id } } }"


@dataclass(frozen=True)
class Setup:
    """How many gateway processes, and the Redis URL between them if any."""

    title: str
    gateways: int
    broadcast_url: str | None


async def run(args: argparse.Namespace) -> None:
    """Seed, then measure every setup at every subscriber count; print the tables."""
    started = time.perf_counter()
    with ExitStack() as stack:
        bench = stack.enter_context(world(args.source, args.scale, args.latency))
        redis = stack.enter_context(LocalRedis())
        print(live_report.legend(args), flush=True)
        setups = (Setup("1 gw", 1, None), Setup("2 gw+Redis", 2, redis.url))
        rows = []
        for setup in setups:
            for count in args.subscribers:
                rows.append(await _measure(bench, setup, count, args))
    print(live_report.latency_table(rows))
    print(live_report.sustained_table(rows))
    print(live_report.memory_table(rows))
    for note in live_report.notes(rows):
        print(f"note: {note}")
    print(f"\n{live_report.client_summary(rows)}")
    print(f"total {time.perf_counter() - started:.1f}s")


async def _measure(bench: World, setup: Setup, count: int, args: argparse.Namespace
                   ) -> live_report.Row:
    started = time.perf_counter()
    with ExitStack() as stack:
        gateways = [_gateway(stack, bench, setup, args) for _ in range(setup.gateways)]
        pids = [pid for pid, _ in gateways]
        urls = [url for _, url in gateways]
        sockets = [f"ws{url.removeprefix('http')}/graphql" for url in urls]
        async with client.session(args.writers + 2) as http:
            writer = await _writer(client.Gateway(http, urls[0]), bench.summary)
            variables = {"postId": writer.post_id}
            async with Fleet(fanout.COMMENT_ADDED, variables, args.deflate) as warm:
                await warm.open(sockets, len(sockets), args.open_batch)
                await _live(warm, writer, "warm-up")
            rss_before = _rss(pids)
            async with Fleet(fanout.COMMENT_ADDED, variables, args.deflate) as fleet:
                open_seconds = await fleet.open(sockets, count, args.open_batch)
                await _live(fleet, writer, f"{count} subscribers")
                rss_opened = _rss(pids)
                latency = await fanout.latency(fleet, writer, pids, args.events,
                                               args.poll_ms / 1000, DELIVERY_TIMEOUT)
                sustained = await fanout.sustained(fleet, writer, pids, args.sustain,
                                                   args.writers, DELIVERY_TIMEOUT)
                rss_events = _rss(pids)
                endings = fleet.endings()
                streams = [await _stream(http, url) for url in urls]
            await asyncio.sleep(SETTLE_SECONDS)
            rss_closed = _rss(pids)
    print(f"  {setup.title}, {count} subscribers: measured in "
          f"{time.perf_counter() - started:.1f}s (WebSocket extensions: {fleet.extensions})",
          flush=True)
    return live_report.Row(setup.title, count, open_seconds, rss_before, rss_opened,
                           rss_events, rss_closed, latency, sustained, endings, streams)


def _gateway(stack: ExitStack, bench: World, setup: Setup, args: argparse.Namespace
             ) -> tuple[int, str]:
    """A gateway process of `setup`, stopped when `stack` closes: its PID and URL."""
    child, url = start_gateway(args.source, bench.table, args.workers, {
        "TABLEGATE_STREAM_POLL_MS": str(args.poll_ms),
        # Set or emptied: a TABLEGATE_BROADCAST_URL in the bench's environment must not
        # turn the single gateway into a Redis one.
        "TABLEGATE_BROADCAST_URL": setup.broadcast_url or "",
    })
    stack.callback(child.stop)
    return child.pid, url


async def _writer(gateway: client.Gateway, summary: dict[str, Any]) -> Writer:
    """A writer of comments on the newest published post, as a demo user."""
    posts = (await gateway.execute(_NEWEST_POST, label="newest post")).data["posts"]["nodes"]
    token = next(user["token"] for user in summary["users"] if user["role"] == "USER")
    return Writer(gateway, posts[0]["id"], token)


async def _live(fleet: Fleet, writer: Writer, what: str) -> None:
    """Return once a comment written now reaches every subscriber: all of them are
    subscribed on the gateway's side (the protocol has no acknowledgement of that)."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    probes: list[str] = []
    while time.monotonic() < deadline:
        probes.append((await writer.write())[0])
        if await fleet.delivered(probes, PROBE_INTERVAL, any_of=True):
            return
    got = max((len(s.receipts) for s in fleet.subscribers), default=0)
    raise SubscriberError(
        f"{what}: no comment reached every subscriber within {DELIVERY_TIMEOUT:.0f}s "
        f"({len(fleet.live)} of {len(fleet.subscribers)} still open, the busiest got {got}; "
        f"endings: {dict(fleet.endings())})"
    )


async def _stream(http: aiohttp.ClientSession, url: str) -> str:
    """The gateway's /readyz `stream`: reading, standby, idle or unavailable."""
    async with http.get(f"{url}/readyz") as response:
        body: dict[str, Any] = await response.json()
    return str(body.get("stream"))


def _rss(pids: Sequence[int]) -> int:
    return sum(tree_rss_kib(pid) for pid in pids)
