"""`node` and `nodes`: any object by its global ID, under the same rules as its field.

Each kind is loaded as its entity's resolver module registered it (`ids.register`);
importing them here is what registers every kind.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from data.errors import InvalidInput
from resolvers import (  # noqa: F401  (importing an entity's module registers its kind)
    accounts,
    catalog,
    comments,
    ids,
    posts,
    reviews,
    shop,
)
from resolvers.context import RequestContext

MAX_NODES = 100


async def node(ctx: RequestContext, global_id: str, field: str = "id") -> Any:
    """The record behind `global_id`, or None if missing or hidden from the viewer."""
    return await ids.fetch(ctx, global_id, field=field)


def nodes(ctx: RequestContext, global_ids: list[str]) -> list[Coroutine[Any, Any, Any]]:
    """One awaitable per ID, in order; a malformed ID fails only its own entry."""
    if len(global_ids) > MAX_NODES:
        raise InvalidInput("ids", f"ids may hold at most {MAX_NODES} IDs")
    return [node(ctx, gid, "ids") for gid in global_ids]
