"""A proxy between the gateway and DynamoDB Local that fails calls on purpose.

Each call takes the next fault from a list (None: forward it untouched):
`throttle` answers 400 ProvisionedThroughputExceededException, `unavailable`
answers 503, `crc` forwards but garbles the response's x-amz-crc32, `reset`
drops the connection without an answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from dev.engine import free_port

_DROPPED = frozenset({"host", "content-length", "transfer-encoding", "connection"})


@dataclass
class FaultProxy:
    upstream: str
    faults: list[str | None] = field(default_factory=list)
    calls: int = 0
    url: str = ""

    def fail_next(self, *faults: str | None) -> None:
        """The next calls meet these faults, in order; later ones pass."""
        self.faults = list(faults)
        self.calls = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        fault = self.faults.pop(0) if self.faults else None
        body = await request.read()
        if fault == "throttle":
            return web.json_response(
                {"__type": "com.amazonaws.dynamodb.v20120810#"
                           "ProvisionedThroughputExceededException",
                 "message": "slow down"},
                status=400, content_type="application/x-amz-json-1.0",
            )
        if fault == "unavailable":
            return web.Response(status=503, text="busy")
        if fault == "reset":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
        async with aiohttp.ClientSession() as session, session.post(
            self.upstream, data=body, headers=headers
        ) as reply:
            raw = await reply.read()
            answer = {k: v for k, v in reply.headers.items() if k.lower() not in _DROPPED}
        if fault == "crc":
            answer["x-amz-crc32"] = "12345"
        return web.Response(body=raw, status=reply.status, headers=answer)


@asynccontextmanager
async def fault_proxy(upstream: str) -> AsyncIterator[FaultProxy]:
    """A FaultProxy in front of `upstream`, on a free loopback port."""
    proxy = FaultProxy(upstream)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        await runner.cleanup()
