"""Products, orders and order lines."""

from __future__ import annotations

from decimal import Decimal

from data import keys
from data.queries import QuerySpec, SortCondition
from data.records import OrderItemRecord, OrderRecord, ProductRecord, UserRecord
from resolvers import ids
from resolvers.connections import Page, PageArgs, query_page
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
    """Active products of a category within a price range (GSI1 sorts by price)."""
    partition = keys.products_pk(category)
    low = keys.price_cents(min_price, "minPrice") if min_price is not None else None
    high = keys.price_cents(max_price, "maxPrice") if max_price is not None else None
    if low is not None and high is not None and low > high:
        return Page([], [], False, False)
    sort = None
    if low is not None or high is not None:
        sort = SortCondition(
            "between",
            keys.price_bound(low or 0, upper=False),
            keys.price_bound(keys.MAX_CENTS if high is None else high, upper=True),
        )
    spec = QuerySpec("GSI1", partition, sort, forward=lowest_first)
    return await query_page(ctx, spec, args, ProductRecord.from_item)


async def order(ctx: RequestContext, global_id: str) -> OrderRecord | None:
    """The order, if the viewer is its customer or an admin; else null, as if missing."""
    user_id, order_id = ids.order_ref(global_id)
    found = await ctx.loaders.order(user_id, order_id)
    return found if found is not None and can_see_order(ctx, found) else None


async def orders_by_status(ctx: RequestContext, status: str, args: PageArgs) -> Page[OrderRecord]:
    await ctx.identified()
    require_admin(ctx)
    spec = QuerySpec("GSI2", keys.order_status_pk(status), forward=False)
    return await query_page(ctx, spec, args, OrderRecord.from_item)


async def customer(ctx: RequestContext, record: OrderRecord) -> UserRecord | None:
    return await ctx.loaders.user(record.user_id)


async def items(ctx: RequestContext, record: OrderRecord) -> list[OrderItemRecord]:
    spec = QuerySpec(
        None, keys.order_pk(record.order_id), SortCondition("begins_with", "ITEM#"), limit=0
    )
    return [OrderItemRecord.from_item(item) for item in await ctx.loaders.query(spec)]


async def item_product(ctx: RequestContext, record: OrderItemRecord) -> ProductRecord | None:
    return await ctx.loaders.product(record.product_id)
