"""Load shedding: at most TABLEGATE_MAX_INFLIGHT /graphql requests over HTTP at once in
a process.

One more is answered at once, before its body is read, with HTTP 503,
`Retry-After` and SERVICE_UNAVAILABLE: past the limit a request would only queue
behind the others for the event loop and the DynamoDB connection pool, and
answer late for everyone. /healthz and /readyz are not behind it, and neither
are WebSocket operations (each connection caps its own).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from web.failures import unavailable
from web.request_state import request_state

SHED = "Service unavailable: too many requests in flight; try again shortly"


class Shedding:
    """ASGI wrapper: counts the requests in flight, and refuses those past `limit`."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.inflight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.inflight >= self.limit:
            # No log line of its own: under overload that would add to the load, and
            # the access line already shows the 503.
            await unavailable(scope, request_state(scope).request_id, SHED)(scope, receive, send)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
