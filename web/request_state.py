"""What the HTTP layer knows about the request in flight: its ID, its trace, its
operations and the error codes of their answers."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from starlette.types import Scope

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_KEY = "tablegate"
UNNAMED = "-"  # an operation sent without operationName


@dataclass
class RequestState:
    request_id: str
    operations: list[str] = field(default_factory=list)
    # Per operation, the distinct error codes of its answer, once the endpoint has it.
    codes: list[tuple[str, ...]] | None = None
    # The W3C trace the request belongs to (its `traceparent`, or its own span's).
    trace_id: str | None = None


def new_request_id(offered: str | None) -> str:
    """The client's `x-request-id` when it is a plausible ID (so logs join up across
    services), else a fresh one."""
    if offered and _CLIENT_ID.match(offered):
        return offered
    return uuid.uuid4().hex


def request_state(scope: Scope) -> RequestState:
    """The request's state, created on first use (the access log creates it first)."""
    state = scope.setdefault("state", {})
    current = state.get(_KEY)
    if current is None:
        current = state[_KEY] = RequestState(uuid.uuid4().hex)
    assert isinstance(current, RequestState)
    return current


def begin(scope: Scope, offered: str | None) -> RequestState:
    """Start the request's state with its ID."""
    current = RequestState(new_request_id(offered))
    scope.setdefault("state", {})[_KEY] = current
    return current
