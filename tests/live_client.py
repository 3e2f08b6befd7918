"""A small GraphQL-over-WebSocket client for the subscription tests, and the items
they write straight into the table with boto3 (the layout of tests/world.py).

`LiveClient` speaks graphql-transport-ws (or the legacy graphql-ws) over one real
socket; a background task sorts what the server sends by operation ID, and can be
paused (`pause_reading`) so that the server's writes back up as they would behind
a slow network. `until_live` proves subscriptions are open by writing probes until
each subscription has received one: the protocol acknowledges no subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from data.client import Dynamo, to_wire
from data.posts import feed_shard
from data.ulid import new_ulid

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
WAIT = 20.0  # generous: how long an event that must arrive may take
PROBE_WAIT = 0.5  # how long a probe is waited for before another is written
PROBES = 40  # at least 20 s of probing before a subscription is given up on

Message = dict[str, Any]
_CLOSED: Message = {"type": "__closed__"}


class Disconnected(Exception):
    """The server closed the connection while a message was awaited."""

    def __init__(self, code: int | None, reason: str | None) -> None:
        super().__init__(f"closed with {code}: {reason}")
        self.code = code
        self.reason = reason


class LiveClient:
    """One WebSocket to /graphql; messages queued by operation ID (None: the connection's)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.closed = asyncio.Event()
        self._queues: defaultdict[str | None, asyncio.Queue[Message]] = defaultdict(
            asyncio.Queue)
        self._reading = asyncio.Event()
        self._reading.set()
        self._ids = itertools.count(1)
        self._task = asyncio.create_task(self._read())

    @property
    def protocol(self) -> str | None:
        return self.ws.subprotocol

    async def _read(self) -> None:
        try:
            while True:
                await self._reading.wait()
                message: Message = json.loads(await self.ws.recv())
                if message.get("type") == "ka":  # the legacy protocol's keep-alive
                    continue
                self._queues[message.get("id")].put_nowait(message)
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason
            self.closed.set()
            for queue in self._queues.values():
                queue.put_nowait(_CLOSED)

    def pause_reading(self) -> None:
        """Stop taking messages off the socket: the server's writes back up."""
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    async def send(self, message: Message) -> None:
        await self.ws.send(json.dumps(message))

    def pending(self, op_id: str | None) -> list[Message]:
        """The messages for `op_id` received and not taken yet (the close left out)."""
        queue = self._queues[op_id]
        taken = [queue.get_nowait() for _ in range(queue.qsize())]
        for message in taken:
            queue.put_nowait(message)
        return [message for message in taken if message is not _CLOSED]

    async def receive(self, op_id: str | None = None, timeout: float = WAIT) -> Message:
        """The next message for `op_id`; Disconnected once the server closed the socket."""
        queue = self._queues[op_id]
        if queue.empty() and self.closed.is_set():
            raise Disconnected(self.close_code, self.close_reason)
        message = await asyncio.wait_for(queue.get(), timeout)
        if message is _CLOSED:
            queue.put_nowait(_CLOSED)
            raise Disconnected(self.close_code, self.close_reason)
        return message

    async def init(self, payload: dict[str, Any] | None = None) -> Message:
        """connection_init (with `payload`); the server's answer (connection_ack)."""
        message: Message = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await self.send(message)
        return await self.receive(None)

    async def wait_closed(self, timeout: float = WAIT) -> tuple[int | None, str | None]:
        """The close code and reason, once the server has closed the connection."""
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code, self.close_reason

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> Operation:
        """Start an operation (`subscribe`, or the legacy `start`)."""
        op = Operation(self, str(next(self._ids)))
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send({"id": op.id, "type": kind,
                         "payload": {"query": query, "variables": variables or {}}})
        return op

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@dataclass
class Operation:
    """One operation on a LiveClient."""

    client: LiveClient
    id: str

    async def message(self, timeout: float = WAIT) -> Message:
        return await self.client.receive(self.id, timeout)

    def pending(self) -> list[Message]:
        """Messages received for this operation and not taken yet."""
        return self.client.pending(self.id)

    async def next(self, timeout: float = WAIT) -> dict[str, Any]:
        """The payload of the next `next` (legacy: `data`) message; fails on anything else."""
        message = await self.message(timeout)
        assert message["type"] in ("next", "data"), message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def data(self, field_name: str, timeout: float = WAIT) -> dict[str, Any]:
        """The object of the next event, which must carry no errors."""
        payload = await self.next(timeout)
        assert not payload.get("errors"), payload
        event: dict[str, Any] = payload["data"][field_name]
        return event

    async def error_codes(self, timeout: float = WAIT) -> list[str]:
        """The codes of an `error` message, which must be the next message."""
        message = await self.message(timeout)
        assert message["type"] == "error", message
        payload = message["payload"]
        errors = payload if isinstance(payload, list) else [payload]
        return [e.get("extensions", {}).get("code") for e in errors]

    async def complete(self) -> None:
        """Stop the operation (`complete`; legacy: `stop`)."""
        kind = "complete" if self.client.protocol == TRANSPORT_WS else "stop"
        await self.client.send({"id": self.id, "type": kind})


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/graphql"


@asynccontextmanager
async def live(base: str, *, protocol: str = TRANSPORT_WS,
               headers: dict[str, str] | None = None, receive_buffer: int | None = None,
               max_queue: int = 16, compress: bool = True) -> AsyncIterator[LiveClient]:
    """A WebSocket to the gateway at `base` (http://host:port). With `receive_buffer`,
    the socket's SO_RCVBUF is set before it connects, so that TCP's window stays
    small and a client that stops reading soon stops the server's writes (with
    `compress=False`, as permessage-deflate would shrink what the test sends)."""
    sock = None
    if receive_buffer is not None:
        parsed = urlparse(base)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (parsed.hostname, parsed.port))
    async with connect(ws_url(base), subprotocols=[protocol],  # type: ignore[list-item]
                       additional_headers=headers, sock=sock, max_queue=max_queue,
                       ping_interval=None, max_size=2**23, close_timeout=2,
                       compression="deflate" if compress else None) as ws:
        client = LiveClient(ws)
        try:
            yield client
        finally:
            await client.stop()


@asynccontextmanager
async def session(base: str, token: str | None = None, *,
                  protocol: str = TRANSPORT_WS, **options: Any) -> AsyncIterator[LiveClient]:
    """A connection past its handshake, signed in with `token` (None: anonymous)."""
    async with live(base, protocol=protocol, **options) as client:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        ack = await client.init(payload)
        assert ack["type"] == "connection_ack", ack
        yield client


async def until_live(operations: Sequence[Operation], probe: Callable[[], Awaitable[str]],
                     key: Callable[[dict[str, Any]], str], probes: int = PROBES) -> None:
    """Write probes (`probe` writes one and returns its mark) until every operation has
    received one, then wait on each for the last probe written, so that no probe is
    left to arrive later. Any other event on the way fails the test. At most `probes`
    are written, each waited for PROBE_WAIT seconds."""
    written: list[str] = []
    seen: list[str | None] = [None] * len(operations)
    for _ in range(probes):
        written.append(await probe())
        for n, op in enumerate(operations):
            if seen[n] is None:
                with contextlib.suppress(TimeoutError):
                    seen[n] = key(await op.next(PROBE_WAIT))
                    assert seen[n] in written, (seen[n], written)
        if None not in seen:
            break
    else:
        raise AssertionError(f"no probe reached every subscription: {written}")
    for n, op in enumerate(operations):
        while seen[n] != written[-1]:
            seen[n] = key(await op.next())
            assert seen[n] in written, (seen[n], written)


# ---------------------------------------------------------------- items, as boto3 writes them

LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)  # last in every feed: other tests' pages stay put


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _long_ago() -> str:
    return stamp(LONG_AGO + timedelta(seconds=datetime.now(UTC).timestamp() % 10**6))


def post_items(author: str, status: str, shards: int, title: str = "Live post"
               ) -> tuple[str, list[dict[str, Any]]]:
    """A post (and its slug lock) by `author`, dated long ago; its ID and items."""
    pid = new_ulid()
    when = _long_ago()
    slug = f"live-{pid.lower()}"
    post: dict[str, Any] = {
        "PK": f"POST#{pid}", "SK": "POST", "entityType": "POST", "postId": pid,
        "authorId": author, "tagIds": [], "title": title, "slug": slug, "content": "Body",
        "status": status, "viewCount": 0, "likeCount": 0, "commentCount": 0,
        "GSI1PK": f"USER#{author}", "GSI1SK": f"POST#{pid}",
        "GSI3PK": f"FEED#{status}#{feed_shard(pid, shards)}", "GSI3SK": f"{when}#{pid}",
        "createdAt": when, "updatedAt": when, "version": 1,
    }
    if status == "PUBLISHED":
        post["publishedAt"] = when
    lock = {"PK": f"SLUG#{slug}", "SK": "POST", "entityType": "SLUG_LOCK", "postId": pid}
    return pid, [post, lock]


def comment_item(post_id: str, author: str, content: str, status: str = "APPROVED"
                 ) -> dict[str, Any]:
    """A top-level comment on `post_id`, as data-model.md lays it out."""
    cid = new_ulid()
    when = stamp(datetime.now(UTC))
    return {
        "PK": f"POST#{post_id}", "SK": f"COMMENT#{cid}", "entityType": "COMMENT",
        "GSI1PK": f"USER#{author}", "GSI1SK": f"COMMENT#{cid}", "commentId": cid,
        "postId": post_id, "authorId": author, "content": content, "status": status,
        "likeCount": 0, "replyCount": 0, "createdAt": when, "updatedAt": when, "version": 1,
    }


def order_item(customer: str, status: str = "PENDING") -> dict[str, Any]:
    """An order of `customer` (its lines are left out: no test here reads them)."""
    oid = new_ulid()
    when = stamp(datetime.now(UTC))
    return {
        "PK": f"USER#{customer}", "SK": f"ORDER#{oid}", "entityType": "ORDER",
        "GSI2PK": f"ORDERSTATUS#{status}", "GSI2SK": oid, "orderId": oid,
        "userId": customer, "status": status, "total": Decimal("9.99"),
        "shippingAddress": "1 Live Street", "lineCount": 0, "createdAt": when,
        "updatedAt": when, "version": 1,
    }


async def put(dynamo: Dynamo, *items: dict[str, Any]) -> None:
    """PutItem each item with boto3, off the event loop, as another service would."""
    def put_all() -> None:
        for item in items:
            dynamo.client.put_item(TableName=dynamo.table, Item=to_wire(item))

    await asyncio.to_thread(put_all)


async def update(dynamo: Dynamo, key: dict[str, Any], expression: str,
                 values: dict[str, Any], names: dict[str, str] | None = None) -> None:
    """One boto3 UpdateItem, off the event loop."""
    params: dict[str, Any] = {"TableName": dynamo.table, "Key": to_wire(key),
                              "UpdateExpression": expression,
                              "ExpressionAttributeValues": to_wire(values)}
    if names:
        params["ExpressionAttributeNames"] = names
    await asyncio.to_thread(lambda: dynamo.client.update_item(**params))


def mark() -> str:
    """A unique piece of text to recognise an event by."""
    return f"probe-{uuid.uuid4().hex[:12]}"
