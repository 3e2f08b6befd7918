"""Rate counters every copy of the gateway shares: fixed windows, read as a sliding one.

An attempt (a sign-in, a request) is added to the counter of its key in the
fixed window it falls in, `floor(at / width) * width`. Fixed windows alone let
twice the limit through across a boundary, and let a caller's count drop to
nothing at one; so a decision reads the window before too and counts the share
of it that the last `width` seconds still overlap, as if its attempts were
spread evenly (`Count.estimate`). The previous window is closed: its count no
longer changes, and the DynamoDB store reads it once.

Keys (emails, addresses, tokens) are never stored: a counter is named by the
HMAC of its key under TABLEGATE_SECRET, so only copies with the same secret
share counters.

In DynamoDB, a window is one item, `RATE#<scope>#<hmac>` / `WINDOW#<start>`,
with `count` and a `ttl` that lets it go once it can no longer be anyone's
previous window; an attempt is one UpdateItem (`ADD`). In Redis (when
TABLEGATE_BROADCAST_URL is set), a window is one key, an attempt INCRBY and
EXPIRE, with the previous window's GET, in one MULTI.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from data import keys
from data.client import Dynamo
from data.errors import Unavailable

# A closed window is read as final only this long after its end: a copy's last
# flush of it may still be on its way.
SETTLED_SECONDS = 5
# Closed windows the DynamoDB store remembers (their keys are 100-odd bytes).
CLOSED_KEPT = 20_000


@dataclass(frozen=True)
class Hit:
    """`amount` attempts of `key` under `scope` at `at` (epoch seconds), counted in
    windows of `window_seconds`."""

    scope: str
    key: str
    window_seconds: int
    at: float
    amount: int = 1


@dataclass(frozen=True)
class Count:
    """A key's attempts as of `at`: `current` in the window starting at `window_start`
    (what was just added included), `previous` in the window before it."""

    current: int
    previous: int
    window_start: int
    window_seconds: int
    at: float

    @property
    def window_ends_at(self) -> int:
        return self.window_start + self.window_seconds

    def estimate(self) -> float:
        """Attempts in the `window_seconds` up to `at`: the current window's, and the
        share of the previous one's that those seconds still overlap."""
        elapsed = (self.at - self.window_start) / self.window_seconds
        return self.current + self.previous * max(0.0, 1.0 - elapsed)

    def over(self, limit: int) -> bool:
        """Whether the attempts are more than `limit`."""
        return self.estimate() > limit

    def retry_after(self, limit: int) -> int:
        """Whole seconds from `at` until one more attempt would be within `limit`, if
        none is made meanwhile (at least 1)."""
        room = limit - 1
        width = self.window_seconds
        if self.current <= room:
            # Within this window, once enough of the previous one has slid out.
            share = (room - self.current) / self.previous if self.previous else 1.0
            free = self.window_start + width * (1.0 - min(share, 1.0))
        else:
            # In the next window, once enough of this one has slid out.
            free = self.window_ends_at + width * (1.0 - room / self.current)
        return max(1, math.ceil(free - self.at))


def window_start(at: float, width: int) -> int:
    """The start (epoch seconds) of the `width`-second window `at` falls in."""
    return int(at // width) * width


class Counters(Protocol):
    """Where the counts live: DynamoDB or Redis."""

    async def add(self, hits: Sequence[Hit]) -> list[Count]:
        """Add each hit to its window, at once (one round trip); the counts, in order."""

    async def close(self) -> None:
        """Let go of connections."""


class _Named:
    """A counter's name: its scope and the HMAC of its key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def digest(self, hit: Hit) -> str:
        message = f"{hit.scope}\n{hit.key}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


class DynamoCounters(_Named):
    """Counters in the table: one item a window, one UpdateItem an attempt."""

    def __init__(self, dynamo: Dynamo, secret: bytes) -> None:
        super().__init__(secret)
        self._dynamo = dynamo
        # (scope, digest, window start) → (its final count, when it stops mattering).
        self._closed: OrderedDict[tuple[str, str, int], tuple[int, float]] = OrderedDict()

    async def add(self, hits: Sequence[Hit]) -> list[Count]:
        named = [(hit, self.digest(hit), window_start(hit.at, hit.window_seconds))
                 for hit in hits]
        self._forget(time.time())
        befores = [(hit.scope, digest, start - hit.window_seconds)
                   for hit, digest, start in named]
        known = {w: self._closed[w][0] for w in befores if w in self._closed}
        added, read = await asyncio.gather(
            asyncio.gather(*(self._add(hit, digest, start) for hit, digest, start in named)),
            self._read([w for w in dict.fromkeys(befores) if w not in known]))
        counts = []
        for (hit, _, start), before, current in zip(named, befores, added, strict=True):
            if before in read and time.time() > start + SETTLED_SECONDS:
                self._closed[before] = (read[before], start + hit.window_seconds)
            previous = known[before] if before in known else read[before]
            counts.append(Count(current, previous, start, hit.window_seconds, hit.at))
        return counts

    async def close(self) -> None:
        """The table's client belongs to the app."""

    async def _add(self, hit: Hit, digest: str, start: int) -> int:
        updated = await self._dynamo.update_item(
            keys.rate_window(hit.scope, digest, start),
            "ADD #count :n SET #ttl = :ttl, #type = :type",
            names={"#count": "count", "#ttl": "ttl", "#type": "entityType"},
            # Kept while it can be the previous window of a later attempt.
            values={":n": hit.amount, ":ttl": start + 2 * hit.window_seconds,
                    ":type": "RATE_WINDOW"},
            returns="UPDATED_NEW")
        return int(updated["count"])

    async def _read(self, windows: list[tuple[str, str, int]]) -> dict[tuple[str, str, int], int]:
        if not windows:
            return {}
        # Strongly consistent: the window has just closed, its last adds are recent.
        items = await self._dynamo.get_items([keys.rate_window(*w) for w in windows],
                                             consistent=True)
        return {w: int(item["count"]) if item else 0
                for w, item in zip(windows, items, strict=True)}

    def _forget(self, now: float) -> None:
        """Drop closed windows that can no longer be anyone's previous one (they were
        remembered roughly in time order), and the oldest past CLOSED_KEPT."""
        closed = self._closed
        while closed and (len(closed) > CLOSED_KEPT or next(iter(closed.values()))[1] <= now):
            closed.popitem(last=False)


class RedisCounters(_Named):
    """Counters in Redis: one key a window, INCRBY and EXPIRE an attempt."""

    def __init__(self, url: str, table: str, secret: bytes) -> None:
        super().__init__(secret)
        self._redis = redis.from_url(url)
        self._prefix = f"tablegate:{table}:rate:"

    async def add(self, hits: Sequence[Hit]) -> list[Count]:
        starts = [window_start(hit.at, hit.window_seconds) for hit in hits]
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for hit, start in zip(hits, starts, strict=True):
                    name = f"{self._prefix}{hit.scope}:{self.digest(hit)}:"
                    pipe.incrby(f"{name}{start}", hit.amount)
                    pipe.expire(f"{name}{start}", 2 * hit.window_seconds)
                    pipe.get(f"{name}{start - hit.window_seconds}")
                replies = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise Unavailable("the rate counters (Redis) cannot be reached now") from exc
        return [Count(int(replies[3 * i]), int(replies[3 * i + 2] or 0), start,
                      hit.window_seconds, hit.at)
                for i, (hit, start) in enumerate(zip(hits, starts, strict=True))]

    async def close(self) -> None:
        await self._redis.aclose()
