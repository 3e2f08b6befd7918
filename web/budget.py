"""Each viewer's request budget: at most TABLEGATE_REQUEST_BUDGET /graphql requests over
HTTP in a window, across every copy of the gateway, with no DynamoDB call on a
request's path.

A viewer is its bearer token, else its client's address (web/client_address.py).
Each copy counts the requests it admits per viewer and window, in memory. Every
FLUSH_SECONDS a background task adds what it counted since to the shared
counters (data/rate_counters.py), off any request's call log, and keeps what
they answer: every copy's count so far. A viewer's count goes out once it is a
tenth of what the viewer has left, else SETTLE_SECONDS after the last: one write
a second for a viewer nearing its budget, one every ten for the many far from it. A
request is refused when that count, what this copy admitted since, and the
overlapping share of the previous window are over the budget: HTTP 429,
RATE_LIMITED with `retryAfter`, and `Retry-After`. A refused request is not
counted: it cost nothing.

Copies learn of each other's requests late: across N copies a viewer can get
past the budget by what the other N - 1 copies admit for it before their next
flush, each at most a tenth of its remaining budget plus about FLUSH_SECONDS
of its requests. Memory is bounded: a viewer is
forgotten once its counts can no longer matter (two windows on), and at most
TALLIES_KEPT are counted at once (past that, new viewers go uncounted, and a
warning says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from config import Limit
from config.limits import Network
from data.rate_counters import Count, Counters, Hit, window_start
from resolvers.context import bearer_token
from web.client_address import address_of
from web.failures import rate_limited
from web.request_state import request_state

log = logging.getLogger("tablegate.limits")

SCOPE = "requests"
FLUSH_SECONDS = 1.0
# The longest a copy keeps a viewer's count to itself (see `_due`).
SETTLE_SECONDS = 10.0
TALLIES_KEPT = 100_000
# Adds in flight at once: the flush shares the connection pool with requests.
FLUSH_CONCURRENCY = 32


@dataclass(slots=True)
class Tally:
    """One viewer's requests, as this copy knows them."""

    window: int  # the start of the window counted
    shared: int = 0  # every copy's count of the window, as last heard (ours included)
    previous: int = 0  # every copy's count of the window before, as last heard
    pending: int = 0  # admitted here, not yet added to the shared counter
    flushed: float = 0.0  # when this copy last added its pending count


class RequestBudget:
    """ASGI wrapper: refuses a viewer's requests past its budget (`start` it first)."""

    def __init__(self, app: ASGIApp, budget: Limit, counters: Counters,
                 proxies: Sequence[Network]) -> None:
        self.app = app
        self.budget = budget
        self.counters = counters
        self.proxies = proxies
        self._tallies: dict[str, Tally] = {}
        # Viewers with something pending, and counts left in windows that have passed.
        self._dirty: set[str] = set()
        self._leftover: list[Hit] = []
        self._swept = 0
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._full = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        viewer = self._viewer(scope)
        wait = None if viewer is None else self.admit(viewer, time.time())
        if wait is not None:
            response = rate_limited(scope, request_state(scope).request_id, wait,
                                    f"too many requests: try again in {wait} s")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _viewer(self, scope: Scope) -> str | None:
        token = bearer_token(Headers(scope=scope).get("authorization"))
        if token is not None:
            return f"token:{token}"
        address = address_of(scope, self.proxies)
        return None if address is None else f"address:{address}"

    def admit(self, viewer: str, now: float) -> int | None:
        """Count one request of `viewer` at `now`; None when it is admitted, else the
        seconds until one would be."""
        width = self.budget.window_seconds
        start = window_start(now, width)
        tally = self._tallies.get(viewer)
        if tally is None:
            if len(self._tallies) >= TALLIES_KEPT:
                if not self._full:
                    log.warning("request budget: %d viewers counted already; new ones go "
                                "uncounted until the next window", TALLIES_KEPT)
                self._full = True
                return None
            tally = self._tallies[viewer] = Tally(start)
        elif tally.window != start:
            self._roll(viewer, tally, start)
        count = Count(tally.shared + tally.pending + 1, tally.previous, start, width, now)
        if count.over(self.budget.count):
            return count.retry_after(self.budget.count)
        tally.pending += 1
        self._dirty.add(viewer)
        return None

    def _roll(self, viewer: str, tally: Tally, start: int) -> None:
        """Move `tally` on to the window at `start`; what it still had pending goes to
        the window it was counted in, with the next flush."""
        width = self.budget.window_seconds
        if tally.pending:
            self._leftover.append(Hit(SCOPE, viewer, width, tally.window, tally.pending))
        consecutive = tally.window == start - width
        tally.previous = tally.shared + tally.pending if consecutive else 0
        tally.window, tally.shared, tally.pending = start, 0, 0
        self._dirty.discard(viewer)

    # ------------------------------------------------------------ the background

    async def start(self) -> None:
        """Flush in the background, in a context of its own: its calls belong to no request."""
        self._task = asyncio.create_task(self._flush_forever(), name="tablegate-budget",
                                         context=contextvars.Context())

    async def stop(self) -> None:
        """Stop flushing, after one last flush of what this copy counted."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        with contextlib.suppress(Exception):  # best effort: the process is going
            await asyncio.wait_for(self.flush(time.time()), FLUSH_SECONDS)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush(time.time())
            except Exception:  # a bug here must not end the flushing for good
                log.exception("request budget: the flush failed")

    async def flush(self, now: float) -> None:
        """Add what this copy counted to the shared counters, and learn their totals."""
        width = self.budget.window_seconds
        # Counts of windows before the previous one can no longer change a decision.
        hits = [hit for hit in self._leftover if hit.at >= window_start(now, width) - width]
        self._leftover = []
        due = [viewer for viewer in self._dirty if self._due(self._tallies[viewer], now)]
        for viewer in due:
            tally = self._tallies[viewer]
            hits.append(Hit(SCOPE, viewer, width, tally.window, tally.pending))
            tally.pending, tally.flushed = 0, now
        self._dirty.difference_update(due)
        for first in range(0, len(hits), FLUSH_CONCURRENCY):
            chunk = hits[first:first + FLUSH_CONCURRENCY]
            try:
                counts = await self.counters.add(chunk)
            except Exception as exc:  # any failure: keep the counts for the next flush
                self._keep(chunk)
                if not self._failing:
                    log.warning("request budget: cannot reach the shared counters: %s", exc)
                self._failing = True
                continue
            self._failing = False
            for hit, count in zip(chunk, counts, strict=True):
                self._heard(hit.key, count)
        self._sweep(now)

    def _due(self, tally: Tally, now: float) -> bool:
        """Whether a viewer's pending count should go out with this flush: once it is a
        tenth of what the viewer has left, or SETTLE_SECONDS after the last one. A
        viewer far from its budget costs a write every SETTLE_SECONDS, not every
        second; one nearing it, every second."""
        width = self.budget.window_seconds
        known = Count(tally.shared + tally.pending, tally.previous, tally.window, width, now)
        left = self.budget.count - known.estimate()
        return tally.pending >= left / 10 or now - tally.flushed >= SETTLE_SECONDS

    def _heard(self, viewer: str, count: Count) -> None:
        tally = self._tallies.get(viewer)
        if tally is None:
            return
        if tally.window == count.window_start:
            tally.shared = max(tally.shared, count.current)
            tally.previous = max(tally.previous, count.previous)
        elif tally.window == count.window_ends_at:
            tally.previous = max(tally.previous, count.current)

    def _keep(self, hits: Sequence[Hit]) -> None:
        for hit in hits:
            tally = self._tallies.get(hit.key)
            if tally is not None and tally.window == hit.at:
                tally.pending += hit.amount
                self._dirty.add(hit.key)
            elif tally is not None:
                self._leftover.append(hit)

    def _sweep(self, now: float) -> None:
        """Once a window, forget the viewers whose counts no longer matter."""
        width = self.budget.window_seconds
        start = window_start(now, width)
        if start == self._swept:
            return
        self._swept = start
        self._full = False
        stale = [viewer for viewer, tally in self._tallies.items()
                 if tally.window < start - width and not tally.pending]
        for viewer in stale:
            del self._tallies[viewer]
