"""Fan-out inside one process: topics to their subscribers, each with a bounded queue.

A subscriber's queue holds at most `limit` changes. When a change finds it full,
delivery waits (and with it the stream: its records wait in DynamoDB, not here)
for up to `patience` seconds for the subscriber to take some: a burst larger
than the queue reaches a subscriber that keeps reading. One that is still full
then is closed, its queue dropped, and its `overflow` callback told (the
WebSocket layer closes the connection): a slow client never makes the process
hold more than `limit` changes for it, nor the others wait more than `patience`.
The same change delivered twice to a topic (a new stream reader resuming from
its predecessor's checkpoint re-reads a few records) reaches its subscribers once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from data.changes import Change

RECENT = 4096  # (topic, event) pairs remembered to drop a repeated delivery
PATIENCE_SECONDS = 2.0  # how long a full subscriber may hold delivery up


class Inbox:
    """One subscription's queue: the changes of its topics, oldest first."""

    __slots__ = ("_drained", "_limit", "_overflow", "_queue", "_waiter", "closed",
                 "overflowed", "topics")

    def __init__(self, topics: frozenset[str], limit: int, overflow: Callable[[], None]) -> None:
        self.topics = topics
        self.closed = False
        self.overflowed = False
        self._limit = limit
        self._overflow = overflow
        self._queue: deque[Change] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None

    @property
    def full(self) -> bool:
        return len(self._queue) >= self._limit

    def put(self, change: Change) -> None:
        """Queue `change` (the caller made sure there is room)."""
        if not self.closed:
            self._queue.append(change)
            self._wake()

    async def room(self, timeout: float) -> bool:
        """Wait until the subscriber has taken a change, if the queue is full; False (and
        the subscriber closed as too slow, its `overflow` told) if it did not in time."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.full and not self.closed:
            self._drained = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self._drained, deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                self.overflowed = True
                self.close()
                self._overflow()
            finally:
                self._drained = None
        return not self.closed

    def close(self) -> None:
        """No more changes: a waiting `get` returns None."""
        self.closed = True
        self._queue.clear()
        self._wake()
        _settle(self._drained)

    async def get(self, timeout: float | None = None) -> Change | None:
        """The next change; None once closed, or when `timeout` seconds pass first."""
        while not self._queue and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self._waiter, timeout)
            except TimeoutError:
                return None
            finally:
                self._waiter = None
        if self.closed:
            return None
        change = self._queue.popleft()
        _settle(self._drained)
        return change

    def _wake(self) -> None:
        _settle(self._waiter)


def _settle(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class Broker:
    """Who follows which topic in this process."""

    def __init__(self, limit: int, patience: float = PATIENCE_SECONDS) -> None:
        self.limit = limit
        self.patience = patience
        self._followers: dict[str, set[Inbox]] = {}
        self._recent: OrderedDict[tuple[str, str], None] = OrderedDict()

    def open(self, topics: Iterable[str], overflow: Callable[[], None]) -> tuple[Inbox, list[str]]:
        """A new subscriber of `topics`; also the topics nobody here followed before."""
        inbox = Inbox(frozenset(topics), self.limit, overflow)
        first = [topic for topic in inbox.topics if topic not in self._followers]
        for topic in inbox.topics:
            self._followers.setdefault(topic, set()).add(inbox)
        return inbox, first

    def close(self, inbox: Inbox) -> list[str]:
        """Drop a subscriber; the topics nobody here follows any more."""
        inbox.close()
        last: list[str] = []
        for topic in inbox.topics:
            followers = self._followers.get(topic)
            if followers is None:
                continue
            followers.discard(inbox)
            if not followers:
                del self._followers[topic]
                last.append(topic)
        return last

    async def deliver(self, topic: str, change: Change) -> None:
        """Hand `change` to every subscriber of `topic` (once, however often it comes),
        waiting up to `patience` in all for those whose queue is full."""
        followers = self._followers.get(topic)
        if not followers:
            return
        seen = (topic, change.event_id)
        if seen in self._recent:
            return
        self._recent[seen] = None
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        full = [inbox for inbox in followers if inbox.full]
        for inbox in followers:
            if not inbox.full:
                inbox.put(change)
        deadline = asyncio.get_running_loop().time() + self.patience
        for inbox in full:
            if await inbox.room(max(0.0, deadline - asyncio.get_running_loop().time())):
                inbox.put(change)
            else:
                self.close(inbox)
