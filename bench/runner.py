"""Runs one operation N times at concurrency C and measures latency and cost."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from bench.client import Cost, Gateway


@dataclass(frozen=True)
class Operation:
    """A document, who sends it, and the variables of its i-th request."""

    name: str
    document: str
    variables: Callable[[int], dict[str, Any]]
    token: str | None = None


@dataclass
class Measurement:
    operation: str
    concurrency: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def calls(self) -> float:
        return fmean(c.calls for c in self.costs)

    @property
    def round_trips(self) -> float:
        return fmean(c.round_trips for c in self.costs)

    @property
    def capacity(self) -> float:
        return fmean(c.capacity for c in self.costs)


async def measure(
    gateway: Gateway,
    operation: Operation,
    requests: int,
    concurrency: int,
    first: int = 0,
    budget: float = math.inf,
) -> Measurement:
    """Send `requests` requests from `concurrency` workers, stopping early after `budget`
    seconds; the first failure stops them all."""
    result = Measurement(operation.name, concurrency)
    # The workers share one iterator, so each request index is sent exactly once.
    indexes = iter(range(first, first + requests))
    deadline = time.perf_counter() + budget

    async def worker() -> None:
        for index in indexes:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            reply = await gateway.execute(
                operation.document, operation.variables(index), operation.token, operation.name
            )
            result.latencies.append(time.perf_counter() - started)
            result.costs.append(reply.cost)

    started = time.perf_counter()
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, requests)):
                group.create_task(worker())
    except ExceptionGroup as failure:
        # The group cancelled the other workers; report the failure that stopped it.
        raise failure.exceptions[0] from None
    result.seconds = time.perf_counter() - started
    return result
