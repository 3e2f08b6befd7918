"""Many gateway processes, one stream reader: a lease in the table, Redis pub/sub between.

DynamoDB Streams throttles a shard read by more than two readers, so copies of
the gateway must not each read it. With TABLEGATE_BROADCAST_URL set, every
process competes for the `stream-reader` lease (data/lease.py); the holder
reads the stream and publishes each change to the Redis channel of each of its
topics, and renews the lease with its checkpoints. Every process, the holder
included, subscribes to the channels of the topics its own clients follow.

A holder that stops renewing (it crashed, or lost DynamoDB) is replaced once a
lease period passes; one that stops cleanly releases the lease, and another
process takes it within a third of a period. A holder that cannot renew for
most of a period stops reading by itself, so two readers never overlap for
long. Redis or DynamoDB outages are retried with backoff and logged once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

import redis.asyncio as redis
from redis.exceptions import RedisError

from config import LiveSettings, Settings
from data.changes import Change
from data.client import Dynamo, backoff
from data.errors import DynamoError, Unavailable
from data.lease import LeaseRecord, claim, read_lease, release, renew
from data.stream import StreamReader
from live.broker import Broker
from live.topics import topics_of

log = logging.getLogger("tablegate.live")

LEASE = "stream-reader"
READY_SECONDS = 3.0


class BroadcastFeed:
    """Changes by Redis; the stream read here only while this process holds the lease."""

    def __init__(self, settings: Settings, live: LiveSettings, dynamo: Dynamo,
                 broker: Broker) -> None:
        assert live.broadcast_url is not None
        self._settings = settings
        self._live = live
        self._dynamo = dynamo
        self._broker = broker
        self._redis = redis.from_url(live.broadcast_url)
        self._pubsub = self._redis.pubsub()
        # Channels subscribed to and not yet confirmed: Redis sends to a channel only
        # once its SUBSCRIBE is through, so `follow` waits for the confirmation.
        self._pending: dict[bytes, asyncio.Future[None]] = {}
        self._prefix = f"tablegate:{settings.table_name}:"
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease: LeaseRecord | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._trouble: dict[str, str] = {}

    @property
    def status(self) -> str:
        if "redis" in self._trouble:
            return "unavailable"
        return "reading" if self._lease is not None else "standby"

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen(), name="tablegate-broadcast"),
                       asyncio.create_task(self._lead(), name="tablegate-lease")]

    async def ready(self) -> None:
        try:
            await asyncio.wait_for(self._redis.ping(), READY_SECONDS)
        except (RedisError, OSError, TimeoutError) as exc:
            raise Unavailable("the broadcast (Redis) cannot be reached now") from exc

    async def follow(self, topics: list[str]) -> None:
        channels = [self._prefix + t for t in topics]
        loop = asyncio.get_running_loop()
        confirmed = [self._pending.setdefault(c.encode(), loop.create_future()) for c in channels]
        try:
            await self._pubsub.subscribe(*channels)
            await asyncio.wait_for(asyncio.gather(*confirmed), READY_SECONDS)
        except (RedisError, OSError, TimeoutError) as exc:
            for channel in channels:
                self._pending.pop(channel.encode(), None)
            raise Unavailable("the broadcast (Redis) cannot be reached now") from exc

    def unfollow(self, topics: list[str]) -> None:
        channels = [self._prefix + t for t in topics]
        task = asyncio.create_task(self._unsubscribe(channels))
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()
        await self._redis.aclose()

    async def _unsubscribe(self, channels: list[str]) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.unsubscribe(*channels)

    # ------------------------------------------------------------ every process

    async def _listen(self) -> None:
        attempt = 0
        while True:
            try:
                if self._pubsub.connection is None:
                    # Listening needs a subscription: one to a channel nobody publishes on.
                    await self._pubsub.subscribe(self._prefix + "hello")
                message = await self._pubsub.get_message(timeout=1.0)
            except (RedisError, OSError) as exc:
                self._failed("redis", exc)
                attempt += 1
                await asyncio.sleep(backoff(attempt, cap=5.0))
                continue
            self._recovered("redis")
            attempt = 0
            if message is None:
                continue
            if message["type"] == "subscribe":
                waiting = self._pending.pop(message["channel"], None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
            elif message["type"] == "message":
                topic = message["channel"].decode().removeprefix(self._prefix)
                await self._broker.deliver(topic, Change.from_json(message["data"]))

    # ------------------------------------------------------------ the lease

    async def _lead(self) -> None:
        period = self._live.lease_seconds
        seen: tuple[int, float] | None = None  # a holder's counter, and since when
        while True:
            try:
                current = await read_lease(self._dynamo, LEASE)
                taken: LeaseRecord | None = None
                if current is None:
                    taken = await claim(self._dynamo, LEASE, self.owner, None)
                elif seen is None or seen[0] != current.counter:
                    seen = (current.counter, time.monotonic())
                elif time.monotonic() - seen[1] >= period:
                    log.warning("stream reader %s stopped renewing its lease: taking over",
                                current.owner)
                    taken = await claim(self._dynamo, LEASE, self.owner, current)
                self._recovered("dynamodb")
                if taken is not None:
                    seen = None
                    await self._hold(taken)
            except (DynamoError, Unavailable) as exc:
                self._failed("dynamodb", exc)
            except Exception:  # a bug must not stop the competition for good
                log.exception("the stream reader's lease loop failed; trying again")
            await asyncio.sleep(period / 3)

    async def _hold(self, lease: LeaseRecord) -> None:
        """Read the stream while the lease stays ours; give it up when cancelled."""
        period = self._live.lease_seconds
        reader = StreamReader(self._settings, self._publish, self._live.stream_poll_ms / 1000,
                              checkpoints=lease.positions)
        reading = asyncio.create_task(reader.run(), name="tablegate-stream")
        self._lease = lease
        log.info("reading the stream of %s (lease held by %s)", self._settings.table_name,
                    self.owner)
        renewed_at = time.monotonic()
        try:
            while time.monotonic() - renewed_at < period * 2 / 3:
                await asyncio.sleep(period / 3)
                try:
                    kept = await renew(self._dynamo, lease, reader.checkpoints)
                except (DynamoError, Unavailable) as exc:
                    self._failed("dynamodb", exc)
                    continue
                if kept is None:
                    log.warning("the stream reader's lease was taken over: reading stops here")
                    return
                lease = self._lease = kept
                renewed_at = time.monotonic()
            log.warning("the stream reader's lease could not be renewed: reading stops here")
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
            self._lease = None
            with contextlib.suppress(DynamoError, Unavailable):
                await asyncio.shield(release(self._dynamo, lease))

    async def _publish(self, changes: list[Change]) -> None:
        """Publish a batch, retrying until Redis takes it: the checkpoint waits for it."""
        attempt = 0
        while True:
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for change in changes:
                        for topic in topics_of(change):
                            pipe.publish(self._prefix + topic, change.to_json())
                    await pipe.execute()
                return
            except (RedisError, OSError) as exc:
                self._failed("redis", exc)
                attempt += 1
                await asyncio.sleep(backoff(attempt, cap=5.0))

    # ------------------------------------------------------------ logged once

    def _failed(self, what: str, exc: Exception) -> None:
        if what not in self._trouble:
            log.warning("subscriptions: %s failed (%s: %s); retrying with backoff", what,
                        type(exc).__name__, exc)
        self._trouble[what] = str(exc)

    def _recovered(self, what: str) -> None:
        if self._trouble.pop(what, None) is not None:
            log.warning("subscriptions: %s works again", what)
