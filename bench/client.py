"""A GraphQL client over the in-process app that refuses any response with errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


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
    data: dict[str, Any]
    cost: Cost


class Gateway:
    """Posts documents to `/graphql` and hands back data and cost."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def execute(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        label: str = "request",
    ) -> Reply:
        """The response's data and cost; ResponseError if the gateway reported any error."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables or {}}, headers=headers
        )
        try:
            body: dict[str, Any] = response.json()
        except ValueError as exc:
            raise ResponseError(
                f"{label}: HTTP {response.status_code}, not JSON: {response.text[:300]}"
            ) from exc
        if response.status_code != 200 or body.get("errors"):
            raise ResponseError(
                f"{label}: HTTP {response.status_code}, errors: {body.get('errors')}"
            )
        cost = (body.get("extensions") or {}).get("cost")
        if not cost:
            raise ResponseError(f"{label}: the response has no extensions.cost")
        return Reply(
            body.get("data") or {},
            Cost(
                int(cost["dynamodbCalls"]), int(cost["roundTrips"]), float(cost["consumedCapacity"])
            ),
        )
