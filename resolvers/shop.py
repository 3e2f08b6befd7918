"""Products, orders and order lines: lookups, and the mutations (authorize, validate
every input, then write through `data.shop`).

Every check runs before the first write, so a bad input never leaves anything
half-written. Decisions beyond the contract:
- placeOrder rejects a product named on two lines (BAD_USER_INPUT on the
  later line): one line per product keeps items and error paths matching the
  input, and a transaction cannot touch one item twice.
- State decides CONFLICT, input decides BAD_USER_INPUT: a status move that is
  not forward from where the order is now, or a cancel after the viewer's
  window, is CONFLICT; asking updateOrderStatus for PENDING or CANCELLED is
  BAD_USER_INPUT (cancelOrder cancels, because it must put the stock back).
- updateProduct: an absent or null field stays as it is; an empty
  description removes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal

import data.shop
from data import keys
from data.accounts import UserRecord
from data.changes import Change
from data.errors import InvalidInput, NotFound
from data.pages import Page, PageArgs
from data.shop import OrderItemRecord, OrderRecord, ProductRecord
from live import topics
from resolvers import ids, live, validate
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, missing
from resolvers.idempotency import as_record, once
from resolvers.permissions import can_see_order, require_admin, require_viewer

NAME_MAX = 200
DESCRIPTION_MAX = 5000
ADDRESS_MAX = 500
# 32 lines: a stock update, an item and a Purchase count per line, plus the order and
# an idempotency item, fit the 100 actions of one transaction (data-model.md's 33
# leaves no room for the idempotency item).
MAX_LINES = 32
MAX_QUANTITY = 1000


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
    read = data.shop.products_by_price(category, min_price, max_price, lowest_first)
    return Page.empty() if read is None else await ctx.page(read, args)


async def order(ctx: RequestContext, global_id: str) -> OrderRecord | None:
    """The order, if the viewer is its customer or an admin; else null, as if missing."""
    found: OrderRecord | None = await ids.fetch(ctx, global_id, ("Order",))
    return found


async def orders_by_status(ctx: RequestContext, status: str, args: PageArgs) -> Page[OrderRecord]:
    await ctx.identified()
    require_admin(ctx)
    return await ctx.page(data.shop.orders_by_status(status), args)


async def customer(ctx: RequestContext, record: OrderRecord) -> UserRecord:
    found = await ctx.loaders.user(record.user_id)
    if found is None:
        raise missing(record, "customer", "User", record.user_id)
    return found


async def items(ctx: RequestContext, record: OrderRecord) -> list[OrderItemRecord]:
    return await ctx.every(data.shop.items_of_order(record.order_id))


async def item_product(ctx: RequestContext, record: OrderItemRecord) -> ProductRecord | None:
    return await ctx.loaders.product(record.product_id)


ids.register("Product", ProductRecord, ("product_id",), key=keys.product)
ids.register("Order", OrderRecord, ("user_id", "order_id"), key=keys.order, shown=can_see_order)


# ---------------------------------------------------------------- mutations


def _category(value: str) -> str:
    return keys.valid_product_category(value.strip())


async def create_product(ctx: RequestContext, name: str, description: str | None,
                         category: str, price: Decimal, stock: int) -> ProductRecord:
    """Admins: a new active product."""
    require_admin(ctx)
    new = data.shop.NewProduct(
        name=validate.text("name", name, maximum=NAME_MAX),
        description=validate.optional_body("description", description, maximum=DESCRIPTION_MAX),
        category=_category(category),
        price=validate.money("price", price),
        stock=validate.whole("stock", stock, minimum=0, maximum=data.shop.MAX_STOCK),
    )
    return await once(ctx, lambda _: data.shop.create_product(ctx.dynamo, new),
                      as_record(ProductRecord))


async def update_product(ctx: RequestContext, global_id: str, expected_version: int | None,
                         name: str | None, description: str | None, category: str | None,
                         price: Decimal | None, active: bool | None) -> ProductRecord:
    """Admins: change a product; CONFLICT when `expected_version` is stale."""
    require_admin(ctx)
    product_id = ids.product_id(global_id, "id")
    if expected_version is not None:
        validate.whole("expectedVersion", expected_version, minimum=1, maximum=2**31 - 1)
    changes = data.shop.ProductChanges(
        name=None if name is None else validate.text("name", name, maximum=NAME_MAX),
        description=validate.optional_body("description", description, maximum=DESCRIPTION_MAX),
        remove_description=description is not None and not description.strip(),
        category=None if category is None else _category(category),
        price=None if price is None else validate.money("price", price),
        active=active,
    )
    return await data.shop.update_product(ctx.dynamo, product_id, changes, expected_version)


async def adjust_stock(ctx: RequestContext, global_id: str, delta: int) -> ProductRecord:
    """Admins: add `delta` to a product's stock (OUT_OF_STOCK below zero)."""
    require_admin(ctx)
    product_id = ids.product_id(global_id, "id")
    limit = data.shop.MAX_STOCK
    validate.whole("delta", delta, minimum=-limit, maximum=limit)
    return await once(ctx, lambda _: data.shop.adjust_stock(ctx.dynamo, product_id, delta),
                      as_record(ProductRecord))


async def place_order(ctx: RequestContext, lines: Sequence[tuple[str, int]],
                      shipping_address: str) -> OrderRecord:
    """The signed-in viewer orders `lines` of (product ID, quantity), all or nothing."""
    viewer = require_viewer(ctx)
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidInput("lines", f"an order has 1 to {MAX_LINES} lines")
    checked: list[data.shop.OrderLine] = []
    first_line: dict[str, int] = {}
    for index, (global_id, quantity) in enumerate(lines):
        product_id = ids.product_id(global_id, f"lines[{index}].productId")
        validate.whole(f"lines[{index}].quantity", quantity, minimum=1, maximum=MAX_QUANTITY)
        if product_id in first_line:
            raise InvalidInput(
                f"lines[{index}].productId",
                f"lines[{first_line[product_id]}] orders this product already; "
                "put the whole quantity on one line",
            )
        first_line[product_id] = index
        checked.append(data.shop.OrderLine(product_id, quantity))
    address = validate.text("shippingAddress", shipping_address, maximum=ADDRESS_MAX)
    return await once(ctx, lambda _: data.shop.place_order(ctx.dynamo, viewer.user_id, checked,
                                                           address), as_record(OrderRecord))


async def update_order_status(ctx: RequestContext, global_id: str, status: str) -> OrderRecord:
    """Admins: move an order forward (PENDING to PROCESSING to SHIPPED to DELIVERED)."""
    require_admin(ctx)
    user_id, order_id = ids.order_ref(global_id, "id")
    return await once(ctx, lambda _: data.shop.update_order_status(ctx.dynamo, user_id,
                                                                   order_id, status),
                      as_record(OrderRecord))


async def cancel_order(ctx: RequestContext, global_id: str) -> OrderRecord:
    """The customer while PENDING, or an admin before SHIPPED; the stock goes back."""
    viewer = require_viewer(ctx)
    user_id, order_id = ids.order_ref(global_id, "id")
    if ctx.is_admin:
        allowed: tuple[str, ...] = ("PENDING", "PROCESSING")
    elif viewer.user_id == user_id:
        allowed = ("PENDING",)
    else:
        # The customer is part of the order's ID: no read is needed to refuse.
        raise Forbidden("only the customer or an admin may cancel this order")
    return await once(ctx, lambda _: data.shop.cancel_order(ctx.dynamo, user_id, order_id,
                                                            allowed), as_record(OrderRecord))


# ---------------------------------------------------------------- subscriptions


async def order_status_changed(ctx: RequestContext,
                               global_id: str) -> AsyncIterator[OrderRecord | Exception]:
    """The order each time its status changes, whoever changes it: its customer and
    admins only, as with cancelOrder (FORBIDDEN for anyone else)."""
    viewer = require_viewer(ctx)
    user_id, order_id = ids.order_ref(global_id, "orderId")
    if viewer.user_id != user_id and not ctx.is_admin:
        raise Forbidden("only the customer or an admin may follow this order")
    if await ctx.loaders.order(user_id, order_id) is None:
        raise NotFound("order not found")

    def admit(change: Change) -> OrderRecord | None:
        placed, before = change.new(OrderRecord), change.old(OrderRecord)
        if placed is None or before is None or placed.order_id != order_id:
            return None
        if placed.status == before.status or not can_see_order(ctx, placed):
            return None
        return placed

    return await live.follow(ctx, topics.order(order_id), admit)
