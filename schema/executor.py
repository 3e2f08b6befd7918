"""The executor: Strawberry's, whose per-event executors of a subscription each start
with a memo of their own.

graphql-core 3.3 runs each event of a subscription on a shallow copy of the
subscription's executor, so all its events share one `_relevant_sub_fields`
memo. The memo is keyed by the identity of field lists that are new for every
event: it never hits, and it keeps every event's lists alive until the
subscription ends (about 2 KiB an event: a subscriber of a busy post would grow
the process without bound). Queries and mutations are untouched.
"""

from __future__ import annotations

from typing import Any

from graphql.execution.executor import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}  # see the module's docstring
        return executor
