"""A proxy between the gateway and DynamoDB that fails calls on purpose.

Point the gateway's DYNAMODB_ENDPOINT at it. Each call meets the next fault queued
with `fail_next`, else (with `randomly`) a random one at the given rate, else
passes untouched; `latency` delays every call. The faults:

- `throttle`: 400 ProvisionedThroughputExceededException; `throttling`: 400
  ThrottlingException (DynamoDB sends both);
- `internal`: 500 InternalServerError; `unavailable`: 503 with a text body;
  `bad_gateway`: 502 with an HTML body, as a load balancer in front would send;
- `reset`: the connection dropped before the call reaches DynamoDB;
- `lost`: the call reaches DynamoDB, which applies it, and the connection drops
  before its answer does (the case that makes retried writes dangerous);
- `crc`: the answer arrives with a wrong x-amz-crc32.

Built on aiohttp, which the gateway already uses to reach DynamoDB.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from dev.engine import free_port

FAULTS = ("throttle", "throttling", "internal", "unavailable", "bad_gateway", "reset",
          "lost", "crc")
_DROPPED = frozenset({"host", "content-length", "transfer-encoding", "connection"})
_JSON = "application/x-amz-json-1.0"
_ERRORS = {
    "throttle": (400, "ProvisionedThroughputExceededException"),
    "throttling": (400, "ThrottlingException"),
    "internal": (500, "InternalServerError"),
}


@dataclass
class FaultProxy:
    """The proxy's state: what fails next, and what it has done so far."""

    upstream: str
    url: str = ""
    latency: float = 0.0
    calls: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    _queued: list[str | None] = field(default_factory=list)
    _rate: float = 0.0
    _kinds: tuple[str, ...] = ()
    _random: random.Random = field(default_factory=lambda: random.Random(7))
    _applies: Callable[[bytes], bool] = field(default=lambda body: True)
    _http: aiohttp.ClientSession | None = None

    def fail_next(self, *faults: str | None) -> None:
        """The next calls meet these faults, in order (None passes one); later ones pass."""
        unknown = {fault for fault in faults if fault is not None and fault not in FAULTS}
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {FAULTS}")
        self._queued = list(faults)
        self.calls = 0

    def randomly(self, rate: float, *faults: str, seed: int = 7,
                 only: Callable[[bytes], bool] | None = None) -> None:
        """From now on each call meets one of `faults` (default: throttling of both
        kinds) with probability `rate`; `only` limits that to the calls whose body it
        accepts. `rate` 0 stops it."""
        self._rate = rate
        self._kinds = faults or ("throttle", "throttling")
        self._random = random.Random(seed)
        self._applies = only or (lambda body: True)

    def _fault(self, body: bytes) -> str | None:
        if self._queued:
            return self._queued.pop(0)
        if self._rate and self._applies(body) and self._random.random() < self._rate:
            return self._random.choice(self._kinds)
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        body = await request.read()
        fault = self._fault(body)
        if fault is not None:
            self.injected[fault] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault in _ERRORS:
            status, code = _ERRORS[fault]
            return web.json_response(
                {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"},
                status=status, content_type=_JSON)
        if fault == "unavailable":
            return web.Response(status=503, text="Service Unavailable")
        if fault == "bad_gateway":
            return web.Response(status=502, content_type="text/html",
                                text="<html><body><h1>502 Bad Gateway</h1></body></html>")
        if fault == "reset":
            return self._drop(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
        assert self._http is not None
        async with self._http.post(self.upstream, data=body, headers=headers) as reply:
            raw = await reply.read()
            answer = {k: v for k, v in reply.headers.items() if k.lower() not in _DROPPED}
            status = reply.status
        if fault == "lost":
            return self._drop(request)
        if fault == "crc":
            answer["x-amz-crc32"] = "12345"
        return web.Response(body=raw, status=status, headers=answer)

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        return web.Response(status=500)  # never sent: the connection is gone


@asynccontextmanager
async def fault_proxy(upstream: str, port: int | None = None) -> AsyncIterator[FaultProxy]:
    """A FaultProxy in front of `upstream` on a loopback port (a free one by default)."""
    proxy = FaultProxy(upstream)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = port or free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    proxy.url = f"http://127.0.0.1:{port}"
    proxy._http = aiohttp.ClientSession(auto_decompress=False)
    try:
        yield proxy
    finally:
        await proxy._http.close()
        await runner.cleanup()
