"""CORS for browser apps on other origins, with Starlette's CORSMiddleware.

Preflights are answered for GET and POST with `Authorization`, `Content-Type` and
`Idempotency-Key` (and the headers Apollo Client may add); `x-request-id` is readable by the page.
An origin that is not allowed gets no CORS header at all, and a refused
preflight is a GraphQL-shaped JSON error like every other refusal.
"""

from __future__ import annotations

import re

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Send

from config import HttpSettings

ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
)
EXPOSED_HEADERS = ("x-request-id",)
PREFLIGHT_MAX_AGE = 600


class Cors(CORSMiddleware):
    """Starlette's CORS middleware, configured from HttpSettings."""

    def __init__(self, app: ASGIApp, settings: HttpSettings) -> None:
        super().__init__(
            app,
            allow_origins=settings.cors_origins,
            allow_origin_regex=settings.cors_origin_pattern,
            allow_methods=("GET", "POST"),
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("Origin")
        if (message["type"] == "http.response.start" and origin is not None
                and not self.allow_all_origins and not self.is_allowed_origin(origin=origin)):
            # Starlette would still add Expose-Headers; a stranger gets no CORS header.
            MutableHeaders(scope=message).add_vary_header("Origin")
            await send(message)
            return
        await super().send(message, send, request_headers)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            # Starlette answers "OK" as text; a preflight needs its headers only.
            headers = {k: v for k, v in response.headers.items()
                       if k not in ("content-type", "content-length")}
            return Response(status_code=200, headers=headers)
        reason = bytes(response.body).decode()
        body = {"errors": [{"message": f"CORS preflight refused: {reason}",
                            "extensions": {"code": "CORS_PREFLIGHT_REFUSED"}}]}
        return Response(orjson.dumps(body), status_code=400, media_type="application/json",
                        headers={"Vary": "Origin"})


def allows_origin(settings: HttpSettings, origin: str) -> bool:
    """Whether pages on `origin` may call the gateway (the WebSocket handshake asks too)."""
    origin = origin.rstrip("/")
    if "*" in settings.cors_origins or origin in settings.cors_origins:
        return True
    pattern = settings.cors_origin_pattern
    return pattern is not None and re.fullmatch(pattern, origin) is not None
