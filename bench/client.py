"""A GraphQL client over HTTP (aiohttp, keep-alive) that refuses any response with errors.

aiohttp rather than httpx: the load generator shares two cores with the gateway, the
proxy and the engine, and httpx's per-request CPU cost would cap the concurrent runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp


class ResponseError(Exception):
    """A response carried errors, was not JSON, or lacked `extensions.cost`."""


@dataclass(frozen=True)
class Cost:
    """What one request cost in DynamoDB terms, as `extensions.cost` reports it."""

    calls: int
    round_trips: int
    capacity: float


@dataclass(frozen=True)
class Reply:
    """A response's `data` and `extensions.cost`."""

    data: dict[str, Any]
    cost: Cost


class Gateway:
    """Posts documents to `<url>/graphql` and hands back data and cost."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.endpoint = f"{url}/graphql"

    async def execute(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        label: str = "request",
    ) -> Reply:
        """The response's data and cost; ResponseError if the gateway reported any error."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps({"query": document, "variables": variables or {}})
        try:
            async with self.http.post(self.endpoint, data=payload, headers=headers) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ResponseError(f"{label}: no response: {exc!r}") from exc
        try:
            body: dict[str, Any] = json.loads(raw)
        except ValueError as exc:
            text = raw[:300].decode(errors="replace")
            raise ResponseError(f"{label}: HTTP {status}, not JSON: {text}") from exc
        if status != 200 or body.get("errors"):
            raise ResponseError(f"{label}: HTTP {status}, errors: {body.get('errors')}")
        cost = (body.get("extensions") or {}).get("cost")
        if not cost:
            raise ResponseError(f"{label}: the response has no extensions.cost")
        return Reply(
            body.get("data") or {},
            Cost(
                int(cost["dynamodbCalls"]), int(cost["roundTrips"]), float(cost["consumedCapacity"])
            ),
        )


def session(connections: int) -> aiohttp.ClientSession:
    """One keep-alive session for the whole bench, with room for `connections` at once."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections),
        timeout=aiohttp.ClientTimeout(total=120),
    )
