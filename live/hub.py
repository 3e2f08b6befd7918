"""This process's subscriptions: the broker, and the feed of changes that fills it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from config import LiveSettings, Settings
from data.client import Dynamo
from live.broadcast import BroadcastFeed
from live.broker import Broker, Inbox
from live.local import LocalFeed


class Feed(Protocol):
    """Where changes come from: the stream read here, or another process by Redis."""

    @property
    def status(self) -> str:
        """What /readyz shows: `idle`, `reading` (this process reads the stream),
        `standby` (another process does), or `unavailable`."""

    async def start(self) -> None:
        """At the gateway's start."""

    async def ready(self) -> None:
        """Wait until a write made now will be delivered (Unavailable if it cannot be)."""

    async def follow(self, topics: list[str]) -> None:
        """Someone here now follows `topics`."""

    def unfollow(self, topics: list[str]) -> None:
        """Nobody here follows `topics` any more."""

    async def stop(self) -> None:
        """At the gateway's end."""


class Hub:
    """Opens and closes subscriptions; one per gateway process."""

    def __init__(self, settings: Settings, live: LiveSettings, dynamo: Dynamo) -> None:
        self.settings = live
        self.broker = Broker(live.subscriber_queue)
        self._feed: Feed
        if live.broadcast_url:
            self._feed = BroadcastFeed(settings, live, dynamo, self.broker)
        else:
            self._feed = LocalFeed(settings, live, self.broker)

    @property
    def status(self) -> str:
        return self._feed.status

    async def start(self) -> None:
        await self._feed.start()

    async def stop(self) -> None:
        await self._feed.stop()

    async def open(self, topics: Iterable[str], overflow: Callable[[], None]) -> Inbox:
        """A subscription to `topics`: every change of theirs written from now on."""
        await self._feed.ready()
        inbox, first = self.broker.open(topics, overflow)
        if first:
            try:
                await self._feed.follow(first)
            except BaseException:
                self.close(inbox)
                raise
        return inbox

    def close(self, inbox: Inbox) -> None:
        """End a subscription (again is harmless)."""
        last = self.broker.close(inbox)
        if last:
            self._feed.unfollow(last)
