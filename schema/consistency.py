"""Mutations read their own writes: their selections are read strongly consistent.

The other half of read-your-writes is `LoaderSet.wrote`, which replaces what the
request cached before a write with what was written.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class ReadYourWrites(SchemaExtension):
    """Switches a mutation's loaders to consistent reads before any field runs.

    DynamoDB's default reads may miss a write made a moment ago; a client that
    asks `placeOrder { items { product { stock } } }` must see its order. Queries
    keep the cheaper eventually consistent reads.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.operation_type == OperationType.MUTATION:
            context.context.loaders.read_your_writes()
        yield
