"""The in-process feed: this process reads the stream itself (no TABLEGATE_BROADCAST_URL)."""

from __future__ import annotations

import asyncio
import contextlib

from config import LiveSettings, Settings
from data.changes import Change
from data.errors import Unavailable
from data.stream import StreamReader
from live.broker import Broker
from live.topics import topics_of

READY_SECONDS = 10.0


class LocalFeed:
    """Starts reading the stream when the first subscription opens, and keeps reading."""

    def __init__(self, settings: Settings, live: LiveSettings, broker: Broker) -> None:
        self._settings = settings
        self._poll = live.stream_poll_ms / 1000
        self._broker = broker
        # Made with the first subscription: a process that serves none never loads
        # boto3's stream models (their objects would cost every garbage collection).
        self._reader: StreamReader | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def status(self) -> str:
        return "idle" if self._task is None else "reading"

    async def start(self) -> None:
        """Nothing to do until someone subscribes."""

    async def ready(self) -> None:
        """Once this returns, every later write reaches the broker."""
        if self._reader is None:
            self._reader = StreamReader(self._settings, self.deliver, self._poll)
            self._task = asyncio.create_task(self._reader.run(), name="tablegate-stream")
        try:
            await asyncio.wait_for(asyncio.shield(self._reader.ready.wait()), READY_SECONDS)
        except TimeoutError as exc:
            raise Unavailable("the table's change stream cannot be read now") from exc

    async def follow(self, topics: list[str]) -> None:
        """Every topic is read here already."""

    def unfollow(self, topics: list[str]) -> None:
        """Nothing was subscribed per topic."""

    async def deliver(self, changes: list[Change]) -> None:
        for change in changes:
            for topic in topics_of(change):
                await self._broker.deliver(topic, change)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
