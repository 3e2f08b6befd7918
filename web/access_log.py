"""One access line per request: method, path, operations, status, duration, DynamoDB
calls and request ID; JSON in production, where log shippers parse it.

The middleware also gives the request its ID (echoed as `x-request-id`) and opens
the DynamoDB call log that `extensions.cost` reads.
"""

from __future__ import annotations

import logging
import time

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from data.calls import recording
from web.request_state import begin

log = logging.getLogger("tablegate.access")


class AccessLog:
    """ASGI middleware: request ID, call log, and the access line."""

    def __init__(self, app: ASGIApp, as_json: bool) -> None:
        self.app = app
        self.as_json = as_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = begin(scope, Headers(scope=scope).get("x-request-id"))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = state.request_id
            await send(message)

        with recording() as calls:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if log.isEnabledFor(logging.INFO):
                    log.info(self._line({
                        "method": scope["method"],
                        "path": scope["path"],
                        "operation": ",".join(state.operations) or "-",
                        "status": status,
                        "durationMs": round((time.perf_counter() - started) * 1000, 1),
                        "dynamodbCalls": calls.count,
                        "requestId": state.request_id,
                    }))

    def _line(self, fields: dict[str, object]) -> str:
        if self.as_json:
            return orjson.dumps(fields).decode()
        return ("{method} {path} {operation} {status} {durationMs}ms "
                "calls={dynamodbCalls} id={requestId}").format(**fields)
