"""`extensions.cost` on every response (and every result of a subscription): DynamoDB
calls, round trips, capacity."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.types.execution import StreamExecutionResult

from data.calls import CallLog, current_log, recording


class CostReport(SchemaExtension):
    """Reports the DynamoDB work done for the request (the HTTP layer's log if open)."""

    _log: CallLog | None = None

    def on_operation(self) -> Iterator[None]:
        with ExitStack() as stack:
            self._log = current_log() or stack.enter_context(recording())
            yield

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # A subscription's results each report the calls made since the one before.
        yield
        if self._log is not None:
            self._log.calls.clear()

    def get_results(self) -> dict[str, Any]:
        return {"cost": self._log.summary()} if self._log is not None else {}
