"""uvicorn's HTTP protocol (httptools), with the bounds it lacks on a request's headers.

uvicorn closes a keep-alive connection left idle after an answer, but not one that
is sending a request's headers: a client that opens a connection and sends
nothing, or half its headers, holds it as long as it likes, and httptools keeps
whatever headers it is sent, however many. Here each request's headers must be
complete within TABLEGATE_HEADER_TIMEOUT_SECONDS of the connection's opening or
of the request's first byte, and within MAX_HEADER_BYTES (judged after each read
of the socket, so one read, at most 256 KiB, may pass it); else the connection is
closed, with a JSON 408 or 431 when a request had begun. A connection that went
idle with no answer to wait for (one given before its body ended) gets the same
time limit. uvicorn's own malformed-request answer is JSON too. The body's time
limit is the endpoint's.

`tablegate serve` passes this class to uvicorn; like the app, each worker process
reads its setting from the environment.
"""

from __future__ import annotations

import asyncio
import functools
import http

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from config import header_timeout

# h11, uvicorn's other parser, allows 16 KiB; tokens and cookies fit in this many.
MAX_HEADER_BYTES = 64 * 1024


@functools.cache
def _timeout() -> float:
    return header_timeout()


class BoundedHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a time and a size limit on each request's headers."""

    _timer: asyncio.TimerHandle | None = None
    _in_headers = True  # from the connection's start, or a request's end, to headers' end
    _header_bytes = 0

    def connection_made(  # type: ignore[override]  # as uvicorn's own, a Transport
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            self._header_bytes += len(data)
            self._arm()
        super().data_received(data)
        # Judged once the chunk is parsed: it may end the headers and carry a body too.
        if self._in_headers and self._header_bytes > MAX_HEADER_BYTES:
            self._refuse(431, f"the request's headers are over {MAX_HEADER_BYTES} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()  # a pipelined request may begin in the chunk that ended the last

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_headers = True
        self._header_bytes = 0
        if not self._answering():
            # Answered before its body ended (a 413): uvicorn's keep-alive timer was
            # armed, and stopped by that body; idle from now, the connection needs one.
            self._arm()

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, msg)

    def _arm(self) -> None:
        if self._timer is None and self._in_headers:
            self._timer = self.loop.call_later(_timeout(), self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _answering(self) -> bool:
        cycle = getattr(self, "cycle", None)  # None until the first request's headers
        return cycle is not None and not cycle.response_complete

    def _expired(self) -> None:
        self._timer = None
        if self._answering():
            # A pipelined request's headers are late, an answer is on its way: the
            # connection closes once it is sent.
            self.cycle.keep_alive = False
        elif self._header_bytes:
            self._refuse(408, "the request's headers did not arrive in time")
        else:
            self.transport.close()

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` with a JSON error, unless another answer is being written on
        this connection, and close it."""
        if not self._answering() and not self.transport.is_closing():
            self.transport.write(self._answer(status, message))
        self.transport.close()

    def _answer(self, status: int, message: str) -> bytes:
        body = orjson.dumps({"errors": [{"message": message,
                                         "extensions": {"code": "BAD_REQUEST"}}]})
        head = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n".encode()]
        head += [name + b": " + value + b"\r\n" for name, value in
                 self.server_state.default_headers]
        head.append(b"content-type: application/json; charset=utf-8\r\n"
                    b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        return b"".join(head) + body
