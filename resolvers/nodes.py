"""`node` and `nodes`: any object by its global ID, under the same rules as its field."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from data.errors import InvalidInput
from resolvers import comments, ids, posts, reviews, shop, users
from resolvers.context import RequestContext

MAX_NODES = 100


async def node(ctx: RequestContext, global_id: str, field: str = "id") -> Any:
    """The record behind `global_id`, or None if missing or hidden from the viewer."""
    kind, parts = ids.decode(global_id, field)
    if kind == "User":
        return await ctx.loaders.user(parts[0])
    if kind == "Post":
        return await posts.visible(ctx, await ctx.loaders.post(parts[0]))
    if kind == "Comment":
        return await comments.visible(ctx, await ctx.loaders.comment(parts[0], parts[1]))
    if kind == "Reply":
        return await comments.visible(ctx, await ctx.loaders.comment(parts[0], parts[2], parts[1]))
    if kind == "Category":
        return await ctx.loaders.category(parts[0])
    if kind == "Tag":
        return await ctx.loaders.tag(parts[0])
    if kind == "Product":
        return await ctx.loaders.product(parts[0])
    if kind == "Order":
        return await shop.order(ctx, global_id)
    if kind == "Session":
        return await users.session_of_viewer(ctx, parts[0])
    if kind == "Review":
        return await reviews.review(ctx, global_id)
    return None


def nodes(ctx: RequestContext, global_ids: list[str]) -> list[Coroutine[Any, Any, Any]]:
    """One awaitable per ID, in order; a malformed ID fails only its own entry."""
    if len(global_ids) > MAX_NODES:
        raise InvalidInput("ids", f"ids may hold at most {MAX_NODES} IDs")
    return [node(ctx, gid, "ids") for gid in global_ids]
