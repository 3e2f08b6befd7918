"""The executor: Strawberry's, which drops an object with a dangling reference from its
list, and whose per-event executors of a subscription each start with a memo of their
own.

A dangling reference: an item names another that is not in the table (another
writer's half-finished work), and the field serving it is non-null. GraphQL would
null the field's parent, and the next, up to the first nullable position: through
`[PostEdge!]!` and `PostConnection!`, a whole home feed. Where that climb reaches
an item of a list of non-null items, the item is dropped instead: the list comes
out shorter and the error stays, with its path into the list. Everything else
propagates as GraphQL says. A failed item is recorded where graphql-core handles
its failure and the gaps are closed when the response is built, so nothing is
added to the work of a list that has no such failure.

graphql-core 3.3 runs each event of a subscription on a shallow copy of the
subscription's executor, so all its events share one `_relevant_sub_fields`
memo. The memo is keyed by the identity of field lists that are new for every
event: it never hits, and it keeps every event's lists alive until the
subscription ends (about 2 KiB an event: a subscriber of a busy post would grow
the process without bound). Queries and mutations are untouched.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLOutputType, is_non_null_type, located_error
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import Executor
from graphql.execution.types import ExecutionResult, ExperimentalIncrementalExecutionResults
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.errors import MissingReference


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    # The paths of the list items dropped so far. A drop replaces the tuple, so the
    # copies made for a subscription's events start from the subscription's own
    # executor's, which is empty (it completes no list), and never share theirs.
    _dropped: tuple[Path, ...] = ()

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}  # see the module's docstring
        return executor

    def handle_field_error(self, raw_error: Exception, return_type: GraphQLOutputType,
                           field_details_list: FieldDetailsList, path: Path) -> None:
        # Only a list item has an index for its key.
        if (isinstance(path.key, int) and is_non_null_type(return_type)
                and self.error_propagation and _dangling(raw_error)):
            nodes = [details.node for details in field_details_list]
            self.collected_errors.add(located_error(raw_error, nodes, path.as_list()), path)
            self._dropped = (*self._dropped, path)
            return
        super().handle_field_error(raw_error, return_type, field_details_list, path)

    def build_response(
        self, data: dict[str, Any] | None
    ) -> ExecutionResult | ExperimentalIncrementalExecutionResults:
        if self._dropped and data is not None:
            _close_gaps(data, self._dropped)
        return super().build_response(data)


def _dangling(error: Exception) -> bool:
    cause = error.original_error if isinstance(error, GraphQLError) else error
    return isinstance(cause, MissingReference)


def _close_gaps(data: dict[str, Any], dropped: tuple[Path, ...]) -> None:
    """Delete the dropped items (each left None in its list) from the response's data.

    The deepest lists go first, and the later items of a list before the earlier
    ones, so that no deletion moves an item still to delete. A list under a position
    nulled since is gone with it."""
    gaps: dict[tuple[str | int, ...], list[int]] = {}
    for path in dropped:
        *keys, index = path.as_list()
        gaps.setdefault(tuple(keys), []).append(int(index))
    for where, indices in sorted(gaps.items(), key=lambda gap: len(gap[0]), reverse=True):
        found: Any = data
        for key in where:
            if isinstance(found, dict):
                found = found.get(key)
            elif isinstance(found, list) and isinstance(key, int):
                found = found[key]
        if isinstance(found, list):
            for index in sorted(indices, reverse=True):
                del found[index]
