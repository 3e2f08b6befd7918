"""What a client gets when the gateway cannot answer now, or at all: a GraphQL JSON
error with its code, in the media type the client asked for, never plain text.

SERVICE_UNAVAILABLE (DynamoDB failing us, the request's deadline, too many requests
in flight) is HTTP 503 with `Retry-After`; RATE_LIMITED (a viewer past its request
budget) HTTP 429 with `Retry-After`; INTERNAL_SERVER_ERROR (our own bug) is
HTTP 500 with the request id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Message, Scope, Send

from schema.errors import SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE
from web.protocol import response_media_type

# Long enough for throttling to ease or a shed burst to pass, short enough that a
# client that honours it does not stall.
RETRY_AFTER = {"Retry-After": "1"}


class Tracked:
    """A `send` that notes when the response starts: from then on, no other answer can
    replace it."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


def _error(message: str, code: str, request_id: str) -> dict[str, Any]:
    return {"errors": [{"message": message,
                        "extensions": {"code": code, "requestId": request_id}}]}


def _json(scope: Scope, body: dict[str, Any], status: int,
          headers: Mapping[str, str]) -> Response:
    media = response_media_type(Headers(scope=scope).get("accept"))
    return Response(orjson.dumps(body), status_code=status, headers=dict(headers),
                    media_type=f"{media}; charset=utf-8")


def unavailable(scope: Scope, request_id: str,
                message: str = UNAVAILABLE_MESSAGE) -> Response:
    """HTTP 503, Retry-After, and one SERVICE_UNAVAILABLE error."""
    return _json(scope, _error(message, SERVICE_UNAVAILABLE, request_id), 503, RETRY_AFTER)


def rate_limited(scope: Scope, request_id: str, retry_after: int, message: str) -> Response:
    """HTTP 429, Retry-After, and one RATE_LIMITED error saying when to try again."""
    body = {"errors": [{"message": message,
                        "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after,
                                       "requestId": request_id}}]}
    return _json(scope, body, 429, {"Retry-After": str(retry_after)})


def internal_error(scope: Scope, request_id: str) -> Response:
    """HTTP 500 and one INTERNAL_SERVER_ERROR error naming the request (details are in
    the log only)."""
    body = _error(f"Internal server error (request {request_id})", "INTERNAL_SERVER_ERROR",
                  request_id)
    return _json(scope, body, 500, {})


def only_unavailable(body: Mapping[str, Any]) -> bool:
    """Whether a GraphQL response gives no data (none, or every root field null) and
    every error in it is SERVICE_UNAVAILABLE: the client has nothing but a reason to
    try again later."""
    errors = body.get("errors")
    if not errors:
        return False
    if any((error.get("extensions") or {}).get("code") != SERVICE_UNAVAILABLE
           for error in errors):
        return False
    data = body.get("data")
    return data is None or all(value is None for value in data.values())
