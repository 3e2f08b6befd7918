"""Fan-out inside one process: topics to their subscribers, each with a bounded queue.

A subscriber that lets `limit` changes wait is closed, its queue dropped, and its
`overflow` callback told (the WebSocket layer closes the connection): a slow
client never makes the process hold more than `limit` changes for it. The same
change delivered twice to a topic (a new stream reader resuming from its
predecessor's checkpoint re-reads a few records) reaches its subscribers once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from data.changes import Change

RECENT = 4096  # (topic, event) pairs remembered to drop a repeated delivery


class Inbox:
    """One subscription's queue: the changes of its topics, oldest first."""

    __slots__ = ("_limit", "_overflow", "_queue", "_waiter", "closed", "overflowed", "topics")

    def __init__(self, topics: frozenset[str], limit: int, overflow: Callable[[], None]) -> None:
        self.topics = topics
        self.closed = False
        self.overflowed = False
        self._limit = limit
        self._overflow = overflow
        self._queue: deque[Change] = deque()
        self._waiter: asyncio.Future[None] | None = None

    def put(self, change: Change) -> None:
        """Queue `change`; past the limit, close this inbox and call its `overflow`."""
        if self.closed:
            return
        if len(self._queue) >= self._limit:
            self.overflowed = True
            self.close()
            self._overflow()
            return
        self._queue.append(change)
        self._wake()

    def close(self) -> None:
        """No more changes: a waiting `get` returns None."""
        self.closed = True
        self._queue.clear()
        self._wake()

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
        return None if self.closed else self._queue.popleft()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class Broker:
    """Who follows which topic in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._followers: dict[str, set[Inbox]] = {}
        self._recent: OrderedDict[tuple[str, str], None] = OrderedDict()

    def __len__(self) -> int:
        """Open subscriptions."""
        return len({inbox for inboxes in self._followers.values() for inbox in inboxes})

    @property
    def topics(self) -> set[str]:
        """The topics someone here follows."""
        return set(self._followers)

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

    def deliver(self, topic: str, change: Change) -> None:
        """Hand `change` to every subscriber of `topic` (once, however often it comes)."""
        followers = self._followers.get(topic)
        if not followers:
            return
        seen = (topic, change.event_id)
        if seen in self._recent:
            return
        self._recent[seen] = None
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        for inbox in list(followers):
            inbox.put(change)
            if inbox.overflowed:
                self.close(inbox)
