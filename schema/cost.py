"""`extensions.cost` on every response (and every result of a subscription): the
estimate made before execution beside the DynamoDB calls, round trips and capacity
spent. An operation estimated over the budget is refused before any call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import StreamExecutionResult

from data.calls import CallLog, current_log, recording
from schema.cost_estimate import estimate_cost
from schema.errors import QUERY_TOO_COMPLEX


class Cost(SchemaExtension):
    """Estimates the operation's cost, refuses it over `max_cost`, and reports the
    DynamoDB work done for it (in the HTTP layer's log, if one is open)."""

    _log: CallLog | None = None
    _estimate: int | None = None

    def __init__(self, max_cost: int) -> None:
        super().__init__()
        self.max_cost = max_cost

    def on_operation(self) -> Iterator[None]:
        with ExitStack() as stack:
            self._log = current_log() or stack.enter_context(recording())
            yield

    def on_validate(self) -> Iterator[None]:
        # The schema lists this after ValidationCache, which validates before yielding:
        # the estimate needs a valid document (its fields exist, no fragment cycles),
        # and a refusal here is a request error, as validation's are, on every transport.
        context = self.execution_context
        if not context.pre_execution_errors and context.graphql_document is not None:
            self._estimate = estimate_cost(context.schema._schema, context.graphql_document,
                                           context.operation_name, context.variables)
            if self._estimate > self.max_cost:
                context.pre_execution_errors = [GraphQLError(
                    f"the query's estimated cost is {self._estimate}, over the limit of "
                    f"{self.max_cost}: ask for fewer or smaller pages",
                    extensions={"code": QUERY_TOO_COMPLEX, "cost": self._estimate,
                                "maxCost": self.max_cost})]
        yield

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # A subscription's results each report the calls made since the one before.
        yield
        if self._log is not None:
            self._log.calls.clear()

    def get_results(self) -> dict[str, Any]:
        if self._log is None:
            return {}
        estimate = {} if self._estimate is None else {"estimate": self._estimate}
        return {"cost": {**estimate, **self._log.summary()}}
