"""The last resort: an exception that escapes the app becomes a JSON answer.

Everything the gateway anticipates ends as a coded answer before it gets here:
client mistakes as 4xx, DynamoDB failing us as 503 SERVICE_UNAVAILABLE. What
still escapes is our own bug, so it is answered as one: HTTP 500,
INTERNAL_SERVER_ERROR with the request id, the traceback in the log (uvicorn
would answer a plain-text 500 and close the connection). Once the response has
started, it can only be logged.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from web.failures import Tracked, internal_error
from web.request_state import request_state

log = logging.getLogger("tablegate.errors")


class LastResort:
    """ASGI middleware: any exception out of the app, answered and logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = Tracked(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception:
            request_id = request_state(scope).request_id
            log.exception("request %s failed", request_id)
            if not tracked.started:
                await internal_error(scope, request_id)(scope, receive, send)
