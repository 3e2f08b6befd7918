"""One access line per request: method, path, operations, status, duration, DynamoDB
calls, trace and request ID; JSON in production, where log shippers parse it.

The middleware also gives the request its ID (echoed as `x-request-id`), reads the
trace it belongs to (W3C `traceparent`), opens the DynamoDB call log that
`extensions.cost` reads and, as a /graphql request ends, counts it for /metrics
and ends its span.
"""

from __future__ import annotations

import logging
import time

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from data.calls import recording
from web.metrics import RequestMetrics
from web.request_state import begin
from web.tracing import Tracing, parse_traceparent

log = logging.getLogger("tablegate.access")

GRAPHQL = "/graphql"


class AccessLog:
    """ASGI middleware: request ID, trace, call log, metrics, and the access line."""

    def __init__(self, app: ASGIApp, as_json: bool, metrics: RequestMetrics | None = None,
                 tracing: Tracing | None = None) -> None:
        self.app = app
        self.as_json = as_json
        self.metrics = metrics
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state = begin(scope, headers.get("x-request-id"))
        parent = parse_traceparent(headers.get("traceparent"))
        if parent is not None:
            state.trace_id = parent.trace_id
        graphql = scope["path"] == GRAPHQL
        traced = None
        if self.tracing is not None and graphql:
            traced = self.tracing.begin(scope, parent)
            state.trace_id = self.tracing.trace_id(traced[0])
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
                elapsed = time.perf_counter() - started
                if traced is not None:
                    assert self.tracing is not None
                    self.tracing.end(*traced, status, state)
                if self.metrics is not None and graphql:
                    self.metrics.record(state, status, elapsed)
                if log.isEnabledFor(logging.INFO):
                    log.info(self._line({
                        "method": scope["method"],
                        "path": scope["path"],
                        "operation": ",".join(state.operations) or "-",
                        "status": status,
                        "durationMs": round(elapsed * 1000, 1),
                        "dynamodbCalls": calls.count,
                        "traceId": state.trace_id,
                        "requestId": state.request_id,
                    }))

    def _line(self, fields: dict[str, object]) -> str:
        if self.as_json:
            return orjson.dumps(fields).decode()
        trace = f" trace={fields['traceId']}" if fields["traceId"] else ""
        return ("{method} {path} {operation} {status} {durationMs}ms "
                "calls={dynamodbCalls}{trace} id={requestId}").format(**fields, trace=trace)
