"""What each mutation field is, and whether its write went through.

Before a mutation field resolves, the context learns its call (name, response
key, arguments): what an `Idempotency-Key` is scoped to and checked
against. Once the resolver returns, its write is applied; an error met later,
while the answer's selection is read, must not read as a failed mutation, so
`ErrorCodes` marks it with `extensions.applied` (see schema/errors.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info

from resolvers.context import MutationCall


class Applied(FieldExtension):
    """Records a mutation field's call before it runs and its applied write after."""

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any,
                            info: Info, **kwargs: Any) -> Any:
        key = str(info.path.key)
        context = info.context
        context.call = MutationCall(info.field_name, key, kwargs)
        try:
            result = await next_(source, info, **kwargs)
        finally:
            context.call = None
        found = getattr(result, "id", None)
        context.applied[key] = None if found is None else str(found)
        return result
