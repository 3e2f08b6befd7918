"""A mutation starts once its viewer is known.

Queries resolve the bearer token with their first wave of lookups (see
`resolvers/context.py`); a mutation authorizes before it reads anything, so it
waits for the token first, a round trip that its writes need anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import suppress

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class MutationsKnowTheirViewer(SchemaExtension):
    """Awaits the request's identification before a mutation's fields run."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.operation_type == OperationType.MUTATION:
            # A failed lookup is reported by the first field that reads the viewer.
            with suppress(Exception):
                await context.context.identified()
        yield
