"""The chain a proxy sees: how many sequential DynamoDB round trips a request waited for.

This is measured outside the gateway (by bench/proxy.py), so it holds even if the
gateway's own `extensions.cost.roundTrips` were wrong: a request's calls are the ones
that reached the proxy inside the request's send→receive window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from data.calls import sequential_trips


@dataclass(frozen=True)
class ProxyCall:
    """One DynamoDB call through the proxy, in time.monotonic() seconds."""

    arrived: float
    answered: float
    target: str


class Proxy:
    """The proxy's control endpoints."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url

    async def reset(self) -> None:
        """Forget the calls so far."""
        async with self.http.post(f"{self.url}/__proxy/reset") as response:
            response.raise_for_status()

    async def calls(self) -> list[ProxyCall]:
        """The calls since the last reset."""
        async with self.http.get(f"{self.url}/__proxy/calls") as response:
            response.raise_for_status()
            listed: list[dict[str, Any]] = await response.json()
        return [ProxyCall(c["arrived"], c["answered"], c["target"]) for c in listed]


def chain(calls: Sequence[ProxyCall]) -> int:
    """Sequential round trips: in order of arrival, a call that arrives after every earlier
    call has been answered starts a new trip; one that overlaps them joins the current.
    (The gateway counts its own calls the same way; these times are the proxy's.)"""
    return sequential_trips((call.arrived, call.answered) for call in calls)


def chains(calls: Sequence[ProxyCall], windows: Sequence[tuple[float, float]]) -> list[int]:
    """The chain of each (sent, received) window, from the calls that arrived inside it."""
    return [
        chain([call for call in calls if sent <= call.arrived <= received])
        for sent, received in windows
    ]
