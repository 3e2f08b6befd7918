"""Runs one operation N times at concurrency C against a gateway process and measures it:
latency, throughput, cost as the gateway reports it, the chain the proxy saw, and the
CPU the gateway's processes spent."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from bench import cpu
from bench.chains import Proxy, chains
from bench.client import Cost, Gateway


@dataclass(frozen=True)
class Operation:
    """A document, who sends it, and the variables of its i-th request."""

    name: str
    document: str
    variables: Callable[[int], dict[str, Any]]
    token: str | None = None


@dataclass(frozen=True)
class Target:
    """A running gateway: its client, its root process ID, and the proxy in front of DynamoDB."""

    gateway: Gateway
    pid: int
    proxy: Proxy


@dataclass
class Measurement:
    """What one run of one operation at one concurrency measured."""

    operation: str
    concurrency: int
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)
    # Per request, the proxy's chain; empty when not measured (concurrent runs).
    chains: list[int] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @property
    def throughput(self) -> float:
        """Requests per second over the run's wall time."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def calls(self) -> float:
        """Mean DynamoDB calls per request, as the gateway reports them."""
        return fmean(c.calls for c in self.costs)

    @property
    def round_trips(self) -> float:
        """Mean round trips per request, as the gateway reports them."""
        return fmean(c.round_trips for c in self.costs)

    @property
    def chain(self) -> float | None:
        """Mean sequential round trips per request, as the proxy saw them."""
        return fmean(self.chains) if self.chains else None

    @property
    def capacity(self) -> float:
        """Mean RCU + WCU per request."""
        return fmean(c.capacity for c in self.costs)

    @property
    def cpu_ms(self) -> float:
        """The gateway's CPU milliseconds per request."""
        return 1000 * self.cpu_seconds / len(self.latencies) if self.latencies else 0.0


async def measure(
    target: Target,
    operation: Operation,
    requests: int,
    concurrency: int,
    first: int = 0,
    budget: float = math.inf,
) -> Measurement:
    """Send `requests` requests from `concurrency` workers, stopping early after `budget`
    seconds; the first failure stops them all. At concurrency 1 the proxy's calls are
    matched to each request's window to find its chain."""
    result = Measurement(operation.name, concurrency)
    windows: list[tuple[float, float]] = []
    # The workers share one iterator, so each request index is sent exactly once.
    indexes = iter(range(first, first + requests))
    deadline = time.perf_counter() + budget

    async def worker() -> None:
        for index in indexes:
            if time.perf_counter() > deadline:
                return
            # monotonic, not perf_counter: the proxy stamps its calls on the same clock.
            sent = time.monotonic()
            reply = await target.gateway.execute(
                operation.document, operation.variables(index), operation.token, operation.name
            )
            received = time.monotonic()
            windows.append((sent, received))
            result.latencies.append(received - sent)
            result.costs.append(reply.cost)

    await target.proxy.reset()
    cpu_before = cpu.usage(target.pid)
    started = time.perf_counter()
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, requests)):
                group.create_task(worker())
    except ExceptionGroup as failure:
        # The group cancelled the other workers; report the failure that stopped it.
        raise failure.exceptions[0] from None
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = cpu.usage(target.pid) - cpu_before
    if concurrency == 1:
        result.chains = chains(await target.proxy.calls(), windows)
    return result
