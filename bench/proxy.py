"""`python -m bench.proxy --upstream URL --port P --latency MS`: DynamoDB with a network delay.

An HTTP/1.1 reverse proxy in front of DynamoDB (Local) that holds every request for
`--latency` ms before forwarding it unchanged, so a gateway on this machine pays for
its round trips the way it would in AWS, and that records when each call arrived and
when its answer left. Both times come from `time.monotonic()`, which on Linux is one
clock for every process, so the bench can match calls to its own requests' windows.

Control endpoints, under a path DynamoDB never uses:
  GET  /__proxy/calls   the calls since the last reset, as a JSON list
  POST /__proxy/reset   forget them
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import uvloop
from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

CONTROL = "/__proxy"
# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. Content-Length
# is dropped too: aiohttp sets it again from the (unchanged) body.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
UPSTREAM = web.AppKey("upstream", str)
LATENCY = web.AppKey("latency", float)
SESSION = web.AppKey("session", ClientSession)
CALLS = web.AppKey("calls", list)


def forwardable(headers: Any) -> list[tuple[str, str]]:
    """The end-to-end headers of a message, in order, repeated ones kept."""
    return [(name, value) for name, value in headers.items() if name.lower() not in HOP_BY_HOP]


async def forward(request: web.Request) -> web.StreamResponse:
    """Wait the latency, relay the request to the upstream, relay its answer, record it."""
    arrived = time.monotonic()
    app = request.app
    body = await request.read()
    await asyncio.sleep(app[LATENCY])
    try:
        async with app[SESSION].request(
            request.method,
            app[UPSTREAM] + request.rel_url.raw_path_qs,
            headers=forwardable(request.headers),
            data=body,
            # Only what the client sent goes upstream: no User-Agent, Accept-Encoding or
            # Content-Type of aiohttp's own.
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        ) as upstream:
            # auto_decompress is off, so these are the upstream's bytes, x-amz-crc32 intact.
            payload = await upstream.read()
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in forwardable(upstream.headers):
                response.headers.add(name, value)
    except (ClientError, TimeoutError) as exc:
        # What a load balancer answers when its backend fails; the SDK retries it.
        return web.Response(status=502, text=f"bench proxy: upstream failed: {exc!r}")
    response.content_length = len(payload)
    # Stamped before the first byte leaves: the gateway cannot have the answer earlier,
    # so a call it makes after reading it always arrives after this time.
    answered = time.monotonic()
    await response.prepare(request)
    await response.write(payload)
    await response.write_eof()
    app[CALLS].append(
        {
            "arrived": arrived,
            "answered": answered,
            "target": request.headers.get("X-Amz-Target", ""),
            "status": upstream.status,
        }
    )
    return response


async def calls(request: web.Request) -> web.Response:
    """Every call recorded since the last reset."""
    return web.json_response(request.app[CALLS])


async def reset(request: web.Request) -> web.Response:
    """Forget the recorded calls."""
    request.app[CALLS].clear()
    return web.json_response({"reset": True})


def create_app(upstream: str, latency_ms: float) -> web.Application:
    """The proxy's aiohttp application: control routes first, everything else forwarded."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[UPSTREAM] = upstream.rstrip("/")
    app[LATENCY] = latency_ms / 1000
    app[CALLS] = []

    async def client(app: web.Application) -> AsyncIterator[None]:
        # One session, unlimited keep-alive connections: the gateway decides concurrency.
        async with ClientSession(
            connector=TCPConnector(limit=0),
            auto_decompress=False,
            timeout=ClientTimeout(total=60),
        ) as session:
            app[SESSION] = session
            yield

    app.cleanup_ctx.append(client)
    app.router.add_get(f"{CONTROL}/calls", calls)
    app.router.add_post(f"{CONTROL}/reset", reset)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main(argv: list[str]) -> None:
    """Parse the options and serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench.proxy", description=__doc__)
    parser.add_argument("--upstream", required=True, help="DynamoDB endpoint, http://host:port")
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--latency", type=float, default=5.0, help="ms added to every call")
    args = parser.parse_args(argv)
    if args.latency < 0:
        parser.error("--latency must be >= 0")
    # No access log, and uvloop (as uvicorn uses for the gateway): the proxy's CPU lands
    # on the same two cores as the gateway's, so it is kept as small as it can be.
    web.run_app(
        create_app(args.upstream, args.latency),
        host=args.host,
        port=args.port,
        access_log=None,
        print=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
