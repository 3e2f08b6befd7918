"""`python -m bench.proxy --upstream URL --port P --latency MS`: DynamoDB with a network delay.

An HTTP/1.1 relay in front of DynamoDB (Local) that holds every request for
`--latency` ms before passing it on unchanged, so a gateway on this machine pays for
its round trips the way it would in AWS, and that records when each call arrived and
when its answer left. Both times come from `time.monotonic()`, which on Linux is one
clock for every process, so the bench can match calls to its own requests' windows.

It is a byte relay, not an HTTP framework: each client connection gets its own
upstream connection, and messages are framed by Content-Length or chunked encoding
and passed on as they came (headers, x-amz-crc32, body). That keeps its own CPU,
which lands on the same cores as the gateway's, to a small share of a call.

Control endpoints, under a path DynamoDB never uses:
  GET  /__proxy/calls   the calls since the last reset, as a JSON list
  POST /__proxy/reset   forget them
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import uvloop

CONTROL = b"/__proxy"


class Relay:
    """The upstream's address, the added latency, and the calls seen so far."""

    def __init__(self, upstream: str, latency_ms: float) -> None:
        parts = urlsplit(upstream)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.latency = latency_ms / 1000
        self.calls: list[dict[str, Any]] = []

    async def serve(self, client: asyncio.StreamReader, answer: asyncio.StreamWriter) -> None:
        """Relay one client connection's requests, in order, over one upstream connection."""
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                try:
                    head = await client.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                arrived = time.monotonic()
                request_line, headers = _parse(head)
                path = request_line.split(b" ")[1] if b" " in request_line else b""
                if path.startswith(CONTROL):
                    await _body(client, headers, None)
                    self._control(path, answer)
                    continue
                body = await _body(client, headers, None)
                await asyncio.sleep(self.latency)
                if upstream is None:
                    upstream = await asyncio.open_connection(self.host, self.port)
                reader, writer = upstream
                writer.write(head + body)
                reply_head = await reader.readuntil(b"\r\n\r\n")
                status_line, reply_headers = _parse(reply_head)
                reply_body = await _body(reader, reply_headers, status_line)
                # Stamped before the first byte leaves: the gateway cannot have the answer
                # earlier, so a call it makes after reading it always arrives after this.
                answered = time.monotonic()
                answer.write(reply_head + reply_body)
                self.calls.append({
                    "arrived": arrived,
                    "answered": answered,
                    "target": target_of(headers),
                    "status": int(status_line.split(b" ")[1]),
                })
                await answer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            answer.close()
            if upstream is not None:
                upstream[1].close()

    def _control(self, path: bytes, answer: asyncio.StreamWriter) -> None:
        if path.startswith(CONTROL + b"/reset"):
            self.calls.clear()
            payload = b'{"reset":true}'
        else:
            payload = json.dumps(self.calls).encode()
        answer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            + f"content-length: {len(payload)}\r\n\r\n".encode()
            + payload
        )


def _parse(head: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    """The first line of a message head, and its headers with lower-case names."""
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def target_of(headers: dict[bytes, bytes]) -> str:
    """The DynamoDB operation a request names."""
    return headers.get(b"x-amz-target", b"").decode()


async def _body(
    stream: asyncio.StreamReader, headers: dict[bytes, bytes], status_line: bytes | None
) -> bytes:
    """A message's body as it was sent: by Content-Length, or chunk by chunk."""
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        parts = []
        while True:
            size_line = await stream.readuntil(b"\r\n")
            parts.append(size_line)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                # Trailers, if any, end with an empty line.
                while True:
                    line = await stream.readuntil(b"\r\n")
                    parts.append(line)
                    if line == b"\r\n":
                        return b"".join(parts)
            parts.append(await stream.readexactly(size + 2))
    length = int(headers.get(b"content-length", b"0"))
    if status_line is not None and status_line.split(b" ")[1] in (b"204", b"304"):
        length = 0
    return await stream.readexactly(length) if length else b""


async def run(upstream: str, host: str, port: int, latency_ms: float) -> None:
    """Serve until cancelled (SIGTERM or SIGINT)."""
    relay = Relay(upstream, latency_ms)
    server = await asyncio.start_server(relay.serve, host, port, limit=64 * 1024 * 1024)
    async with server:
        await server.serve_forever()


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
    # uvloop, as uvicorn uses for the gateway: this process's CPU shares the gateway's cores.
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(run(args.upstream, args.host, args.port, args.latency))


if __name__ == "__main__":
    main(sys.argv[1:])
