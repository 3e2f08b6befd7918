"""Subscribers over real WebSockets (graphql-transport-ws), all in the bench's own process.

Each subscriber is one connection with one `commentAdded` subscription, as a browser tab
would hold. Its receive loop only stamps each message's arrival (time.monotonic) and
notes which comment it carried, so the client's own CPU per event stays small; the
counts per comment let the bench wait until every subscriber has a given event.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")
OPEN_TIMEOUT = 60.0


class SubscriberError(Exception):
    """A subscriber could not connect, was refused, or got an error for its subscription."""


@dataclass
class Subscriber:
    """One connection: the comment IDs it received, when, and why it ended if it did."""

    socket: ClientConnection
    # (comment ID, time.monotonic() of arrival), in the order they came.
    receipts: list[tuple[str, float]] = field(default_factory=list)
    ended: str | None = None
    task: asyncio.Task[None] | None = None


class Fleet:
    """Many subscribers of one subscription document, spread over one or more gateways;
    `async with` closes them all on the way out."""

    def __init__(self, document: str, variables: dict[str, Any], deflate: bool = True) -> None:
        self.document = document
        self.variables = variables
        self.deflate = deflate
        self.subscribers: list[Subscriber] = []
        self._counts: Counter[str] = Counter()
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self, urls: Sequence[str], count: int, batch: int) -> float:
        """Open `count` subscribers, spread round-robin over the gateways at `urls`
        (ws://…/graphql), `batch` handshakes at a time; the seconds it took."""
        started = time.perf_counter()
        for first in range(0, count, batch):
            indexes = range(first, min(first + batch, count))
            opened = await asyncio.gather(
                *(self._subscribe(urls[i % len(urls)]) for i in indexes),
                return_exceptions=True,
            )
            for result in opened:
                if isinstance(result, BaseException):
                    raise SubscriberError(f"subscriber {len(self.subscribers)} of {count}: "
                                          f"{result!r}") from result
                self.subscribers.append(result)
        return time.perf_counter() - started

    @property
    def live(self) -> list[Subscriber]:
        """The subscribers whose connection is still open."""
        return [s for s in self.subscribers if s.ended is None]

    @property
    def extensions(self) -> str:
        """The WebSocket extensions the gateway agreed to, as the first subscriber has them."""
        if not self.subscribers:
            return "-"
        agreed = self.subscribers[0].socket.protocol.extensions
        return ", ".join(extension.name for extension in agreed) or "none"

    def endings(self) -> Counter[str]:
        """Why subscribers ended before the bench closed them, and how many each."""
        return Counter(s.ended for s in self.subscribers if s.ended is not None)

    async def delivered(self, ids: Iterable[str], timeout: float, any_of: bool = False) -> bool:
        """Wait until every live subscriber received every comment of `ids` (with
        `any_of`, one of them); False if `timeout` seconds pass first (or every
        subscriber ended)."""
        wanted = list(ids)
        deadline = time.monotonic() + timeout
        test = any if any_of else all
        while True:
            needed = len(self.live)
            if needed and test(self._counts[i] >= needed for i in wanted):
                return True
            left = deadline - time.monotonic()
            if not needed or left <= 0:
                return False
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                return False

    async def close(self) -> None:
        """Close every connection (the gateway ends their subscriptions) and stop reading;
        again is harmless."""
        sockets = [s.socket for s in self.subscribers]
        await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
        for subscriber in self.subscribers:
            if subscriber.task is not None:
                subscriber.task.cancel()
        await asyncio.gather(*(s.task for s in self.subscribers if s.task is not None),
                             return_exceptions=True)

    async def _subscribe(self, url: str) -> Subscriber:
        try:
            # No proxy from the environment (the gateway is on 127.0.0.1), no keep-alive
            # pings (a run is short); permessage-deflate offered as browsers do, unless
            # the bench is told not to.
            socket = await connect(url, subprotocols=[PROTOCOL], proxy=None,
                                   compression="deflate" if self.deflate else None,
                                   ping_interval=None, open_timeout=OPEN_TIMEOUT)
        except (InvalidHandshake, InvalidStatus, OSError, TimeoutError) as exc:
            raise SubscriberError(f"cannot connect to {url}: {exc!r}") from exc
        try:
            # Anonymous: commentAdded of a published post needs no viewer.
            await socket.send(_json({"type": "connection_init", "payload": {}}))
            ack = orjson.loads(await asyncio.wait_for(socket.recv(), OPEN_TIMEOUT))
            if ack.get("type") != "connection_ack":
                raise SubscriberError(f"{url}: connection_init answered with {ack}")
            await socket.send(_json({
                "id": "1", "type": "subscribe",
                "payload": {"query": self.document, "variables": self.variables},
            }))
        except (ConnectionClosed, TimeoutError) as exc:
            await socket.close()
            raise SubscriberError(f"{url}: closed during connection_init: {exc!r}") from exc
        subscriber = Subscriber(socket)
        subscriber.task = asyncio.create_task(self._receive(subscriber))
        return subscriber

    async def _receive(self, subscriber: Subscriber) -> None:
        try:
            async for raw in subscriber.socket:
                arrived = time.monotonic()
                message = orjson.loads(raw)
                kind = message.get("type")
                if kind == "next" and not message["payload"].get("errors"):
                    comment_id = message["payload"]["data"]["commentAdded"]["id"]
                    subscriber.receipts.append((comment_id, arrived))
                    self._counts[comment_id] += 1
                    self._arrived.set()
                elif kind == "ping":
                    await subscriber.socket.send(_json({"type": "pong"}))
                elif kind in ("next", "error", "complete"):
                    subscriber.ended = f"{kind}: {str(message.get('payload'))[:200]}"
                    break
        except ConnectionClosed:
            pass
        if subscriber.ended is None:
            close = subscriber.socket.close_code
            subscriber.ended = f"closed {close} {subscriber.socket.close_reason or ''}".strip()
        # An ended subscriber lowers what `delivered` waits for.
        self._arrived.set()


def _json(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode()
