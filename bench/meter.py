"""Who was busy during a phase: the bench's own process (the client), the gateways, and
the machine as a whole, from Linux's /proc.

On a 2-core machine the client, the gateways, the proxy and DynamoDB Local share the
cores: a client near 100% of one core means the figures measure the client as much
as the gateway.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench import cpu

# A client this busy (share of one core) may be what limits a phase.
CLIENT_SATURATED = 0.9


@dataclass(frozen=True)
class Usage:
    """CPU over one phase: seconds, and shares of one core (of all cores for `machine`)."""

    wall: float
    client_seconds: float
    gateway_seconds: float
    machine: float

    @property
    def client(self) -> float:
        """The client's CPU as a share of one core."""
        return self.client_seconds / self.wall if self.wall else 0.0

    @property
    def gateways(self) -> float:
        """The gateways' CPU (all their processes) as a share of one core."""
        return self.gateway_seconds / self.wall if self.wall else 0.0

    @property
    def client_saturated(self) -> bool:
        """Whether the client had about a core to itself all along (it has one thread)."""
        return self.client >= CLIENT_SATURATED


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    # idle and iowait are the 4th and 5th fields; guest time is already in user.
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


class Meter:
    """Started at a phase's beginning; `stop` says what each side spent since."""

    def __init__(self, gateway_pids: Sequence[int]) -> None:
        self._pids = list(gateway_pids)
        self._wall = time.perf_counter()
        self._client = time.process_time()
        self._gateways = [cpu.usage(pid) for pid in self._pids]
        self._machine = _machine_ticks()

    def stop(self) -> Usage:
        """The usage since the meter started."""
        busy, total = _machine_ticks()
        busy_before, total_before = self._machine
        gateways = sum(cpu.usage(pid) - before
                       for pid, before in zip(self._pids, self._gateways, strict=True))
        return Usage(
            wall=time.perf_counter() - self._wall,
            client_seconds=time.process_time() - self._client,
            gateway_seconds=gateways,
            machine=(busy - busy_before) / (total - total_before) if total > total_before
            else 0.0,
        )

