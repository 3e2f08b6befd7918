"""The time by which the request being served must have its answer.

The web layer sets it around each HTTP request (`deadline_in`); DynamoDB calls
read it: no attempt outlasts it (`time_left`) and no retry waits past it
(`pause`). It lives in a context variable, so every call made for the request
sees it, whichever loader or task makes it; nothing else sets one, so the
command line, the stream reader and WebSocket operations run without.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from data.errors import Unavailable

_deadline: ContextVar[float | None] = ContextVar("tablegate_deadline", default=None)


@contextmanager
def deadline_in(seconds: float) -> Iterator[None]:
    """DynamoDB calls made inside must end within `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds until the deadline (0 or less once it has passed); None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


async def pause(wait: float) -> None:
    """Wait `wait` seconds before trying again; Unavailable at once when that would run
    past the deadline (the try could not finish in time anyway)."""
    left = time_left()
    if left is not None and wait >= left:
        raise Unavailable("the request's deadline came before DynamoDB could be tried again")
    await asyncio.sleep(wait)
