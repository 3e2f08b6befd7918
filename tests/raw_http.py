"""HTTP/1.1 spoken by hand over one connection, as slow or hostile clients speak it.

What the server writes is kept as it arrives, so an answer followed by a reset (a
server closing on a body it will not read) is still there to read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

# The longest a test waits for the server to close: a bound against hanging, not a
# measure of anything.
PATIENCE = 15.0


class Connection(asyncio.Protocol):
    """One raw connection: bytes out, with flow control; bytes in, until it closes."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.closed = asyncio.get_running_loop().create_future()
        self.answered = asyncio.get_running_loop().create_future()
        self._writable = asyncio.Event()
        self._writable.set()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        if not self.answered.done() and Answer.parse(bytes(self.received)).complete:
            self.answered.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.closed, self.answered):
            if not future.done():
                future.set_result(None)
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    async def send(self, data: bytes) -> bool:
        """Write `data` once the server takes more; False when the connection is gone."""
        await self._writable.wait()
        if self.closed.done() or self._transport is None or self._transport.is_closing():
            return False
        self._transport.write(data)
        return True

    async def until_answered(self) -> Answer:
        """Wait for the server's whole answer (or for it to close the connection)."""
        await asyncio.wait_for(asyncio.shield(self.answered), PATIENCE)
        return Answer.parse(bytes(self.received))

    async def until_closed(self) -> Answer:
        """Wait until the server closes the connection; what it wrote."""
        await asyncio.wait_for(asyncio.shield(self.closed), PATIENCE)
        return Answer.parse(bytes(self.received))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


@dataclass
class Answer:
    """The one response a connection got (status 0 when it got none), as far as it came."""

    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def parse(cls, raw: bytes) -> Answer:
        head, ended, body = raw.partition(b"\r\n\r\n")
        if not ended:
            return cls(0, {}, b"")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return cls(int(status_line.split()[1]), headers, body)

    @property
    def complete(self) -> bool:
        """Whether the whole body its Content-Length announces is here."""
        return bool(self.status) and len(self.body) >= int(self.headers["content-length"])

    def json(self) -> Any:
        return orjson.loads(self.body)


async def connect(url: str) -> Connection:
    """A raw connection to the server at `url`."""
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    _, connection = await loop.create_connection(Connection, parts.hostname, parts.port)
    return connection


async def exchange(url: str, head: bytes, body: Iterable[bytes] = (),
                   until_closed: bool = False) -> Answer:
    """Send `head`, then the chunks of `body` for as long as the server reads them; the
    answer, once whole (and, with `until_closed`, once the server closed the connection)."""
    connection = await connect(url)
    try:
        if await connection.send(head):
            for chunk in body:
                if not await connection.send(chunk):
                    break
        if until_closed:
            return await connection.until_closed()
        return await connection.until_answered()
    finally:
        connection.close()
