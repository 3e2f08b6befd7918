"""A per-request log of DynamoDB calls: how many, how many round trips, what capacity.

The log lives in a context variable so that every call made while serving one
request lands in that request's log, whichever task or loader made it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    operation: str
    started: float
    ended: float = 0.0
    capacity: float = 0.0


@dataclass
class CallLog:
    calls: list[Call] = field(default_factory=list)

    def start(self, operation: str) -> Call:
        call = Call(operation, time.perf_counter())
        self.calls.append(call)
        return call

    @property
    def count(self) -> int:
        return len(self.calls)

    @property
    def capacity(self) -> float:
        return sum(call.capacity for call in self.calls)

    @property
    def round_trips(self) -> int:
        """Sequential round trips: calls that overlap in time count as one."""
        return sequential_trips((call.started, call.ended) for call in self.calls)

    def summary(self) -> dict[str, float | int]:
        return {
            "dynamodbCalls": self.count,
            "roundTrips": self.round_trips,
            "consumedCapacity": round(self.capacity, 2),
        }


def consumed_units(consumed: Any) -> float:
    """The capacity units of a response's `ConsumedCapacity` (one entry, or a list)."""
    if isinstance(consumed, list):
        return sum(float(entry.get("CapacityUnits", 0)) for entry in consumed)
    if isinstance(consumed, dict):
        return float(consumed.get("CapacityUnits", 0))
    return 0.0


def sequential_trips(intervals: Iterable[tuple[float, float]]) -> int:
    """How many round trips (start, end) intervals make one after another: in order of
    start, one that starts after every earlier one has ended begins a new trip."""
    trips = 0
    horizon = float("-inf")
    for started, ended in sorted(intervals):
        if started >= horizon:
            trips += 1
            horizon = ended
        else:
            horizon = max(horizon, ended)
    return trips


_current: ContextVar[CallLog | None] = ContextVar("tablegate_call_log", default=None)


def current_log() -> CallLog | None:
    return _current.get()


@contextmanager
def recording() -> Iterator[CallLog]:
    """Record every DynamoDB call made inside the block (and tasks it starts)."""
    log = CallLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)
