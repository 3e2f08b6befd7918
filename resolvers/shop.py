"""Products, orders and order lines."""

from __future__ import annotations

from decimal import Decimal

from data import access
from data.pages import Page, PageArgs
from data.records import OrderItemRecord, OrderRecord, ProductRecord, UserRecord
from resolvers import ids
from resolvers.context import RequestContext
from resolvers.permissions import can_see_order, require_admin


async def product(ctx: RequestContext, global_id: str) -> ProductRecord | None:
    return await ctx.loaders.product(ids.product_id(global_id))


async def products(
    ctx: RequestContext,
    category: str,
    min_price: Decimal | None,
    max_price: Decimal | None,
    lowest_first: bool,
    args: PageArgs,
) -> Page[ProductRecord]:
    """Active products of a category within a price range."""
    read = access.products_by_price(category, min_price, max_price, lowest_first)
    return Page.empty() if read is None else await ctx.page(read, args)


async def order(ctx: RequestContext, global_id: str) -> OrderRecord | None:
    """The order, if the viewer is its customer or an admin; else null, as if missing."""
    return await _order_node(ctx, ids.order_ref(global_id))


async def orders_by_status(ctx: RequestContext, status: str, args: PageArgs) -> Page[OrderRecord]:
    await ctx.identified()
    require_admin(ctx)
    return await ctx.page(access.orders_by_status(status), args)


async def customer(ctx: RequestContext, record: OrderRecord) -> UserRecord | None:
    return await ctx.loaders.user(record.user_id)


async def items(ctx: RequestContext, record: OrderRecord) -> list[OrderItemRecord]:
    return await ctx.every(access.items_of_order(record.order_id))


async def item_product(ctx: RequestContext, record: OrderItemRecord) -> ProductRecord | None:
    return await ctx.loaders.product(record.product_id)


async def _product_node(ctx: RequestContext, parts: tuple[str, ...]) -> ProductRecord | None:
    return await ctx.loaders.product(parts[0])


async def _order_node(ctx: RequestContext, parts: tuple[str, ...]) -> OrderRecord | None:
    found = await ctx.loaders.order(parts[0], parts[1])
    return found if found is not None and can_see_order(ctx, found) else None


ids.register("Product", ProductRecord, ("product_id",), _product_node)
ids.register("Order", OrderRecord, ("user_id", "order_id"), _order_node)
