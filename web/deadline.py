"""Every /graphql request over HTTP has a deadline (TABLEGATE_REQUEST_DEADLINE_SECONDS).

DynamoDB calls made for the request stop retrying at it and no attempt outlasts
it (`data.deadline`), so by then every call has answered or failed and the
result comes back, with SERVICE_UNAVAILABLE where data could not be read. A
request still running a moment after it (`GRACE`) is cut short with a
SERVICE_UNAVAILABLE answer of its own, as is one whose work failed for DynamoDB
before execution began (the session behind a token without a user ID in it).
WebSocket operations live as long as their subscription, and have no deadline.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from data.deadline import deadline_in
from data.errors import Unavailable
from web.failures import Tracked, unavailable
from web.request_state import request_state

log = logging.getLogger("tablegate.http")

# What the endpoint may take past the deadline to assemble what the calls gave it.
GRACE = 1.0


class Deadline:
    """ASGI wrapper: the deadline of each request, and its SERVICE_UNAVAILABLE answer."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracked = Tracked(send)
        try:
            with deadline_in(self.seconds):
                async with asyncio.timeout(self.seconds + GRACE) as limit:
                    await self.app(scope, receive, tracked)
        except TimeoutError:
            if not limit.expired():
                raise
            failure = f"still running {GRACE} s after its {self.seconds} s deadline"
        except Unavailable as exc:
            failure = str(exc)
        else:
            return
        request_id = request_state(scope).request_id
        log.warning("request %s: unavailable: %s", request_id, failure)
        if not tracked.started:  # else the answer is cut short: the connection closes
            await unavailable(scope, request_id)(scope, receive, send)
