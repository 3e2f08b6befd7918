"""Wave dispatch: the lookups of one level of a query leave together.

aiodataloader dispatches a loader's queue one event-loop iteration after the
first `load`. graphql-core, though, starts the resolvers of sibling list items
over several iterations (every nested `gather` adds one), and the results of
one level arrive at different times (a BatchGetItem and twenty Queries do not
finish together). Dispatching per iteration splits one level into many calls
and round trips.

The `WaveDispatcher` holds every queued lookup of a request until
  * none of the request's own DynamoDB batches is still in flight, and
  * the resolvers have settled: nothing new was queued for SETTLE_ITERATIONS
    iterations of the loop,
then dispatches every loader's queue at once, so their calls are sent in the
same iteration. Round trips per request are then the depth of the query's
dependent lookups, not the number of objects in it.

Iterations are counted with `call_soon`, which every event loop (asyncio's,
uvloop) offers: no private loop state is read. A busy loop runs other requests'
callbacks in the same iterations, so the count, unlike a clock, does not
depend on how much else the process is doing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader, Loader, dispatch_queue

K = TypeVar("K")
V = TypeVar("V")

# Iterations with no new lookup before a wave leaves. graphql-core starts nested
# resolvers one iteration per level of `gather`; on the contract's operations the
# last lookup of a wave was queued at most 7 iterations after the first (a deeper
# query that takes longer only splits a wave: one more round trip, same answer).
SETTLE_ITERATIONS = 12
# A wave never waits longer than this many iterations.
MAX_WAIT_ITERATIONS = 64


class WaveDispatcher:
    """Collects the loaders with queued keys and dispatches them as one wave."""

    def __init__(self) -> None:
        self._loaders: list[WaveLoader[Any, Any]] = []
        self._armed = False
        self._seen = 0
        self._quiet = 0
        self._waited = 0
        self.in_flight = 0

    def register(self, loader: WaveLoader[Any, Any]) -> None:
        self._loaders.append(loader)

    def queued(self) -> int:
        return sum(len(loader._queue) for loader in self._loaders)

    def arm(self) -> None:
        if not self._armed:
            self._armed = True
            self._seen, self._quiet, self._waited = self.queued(), 0, 0
            asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        queued = self.queued()
        if queued == 0:
            self._armed = False
            return
        if self.in_flight:
            # A batch of this request is still out; its results may queue more
            # lookups of the same level. `batch_done` re-arms.
            self._armed = False
            return
        self._waited += 1
        if queued != self._seen:
            self._seen, self._quiet = queued, 0
        else:
            self._quiet += 1
        if self._quiet < SETTLE_ITERATIONS and self._waited < MAX_WAIT_ITERATIONS:
            asyncio.get_running_loop().call_soon(self._tick)
            return
        self._armed = False
        for loader in self._loaders:
            if loader._queue:
                dispatch_queue(loader)

    def batch_started(self) -> None:
        self.in_flight += 1

    def batch_done(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0 and self.queued():
            self.arm()


class WaveLoader(DataLoader[K, V], Generic[K, V]):
    """A DataLoader whose queue leaves with the request's wave, not on its own."""

    def __init__(
        self,
        dispatcher: WaveDispatcher,
        batch: Callable[[list[K]], Any],
        get_cache_key: Callable[[K], Any] | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._batch = batch
        super().__init__(self._load_batch, get_cache_key=get_cache_key)
        dispatcher.register(self)

    async def _load_batch(self, keys: list[K]) -> list[V]:
        self._dispatcher.batch_started()
        try:
            result: list[V] = await self._batch(keys)
            return result
        finally:
            self._dispatcher.batch_done()

    def do_resolve_reject(self, key: K, future: asyncio.Future[V]) -> None:
        self._queue.append(Loader(key=key, future=future))
        self._dispatcher.arm()
