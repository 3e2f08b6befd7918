"""The shop: products, orders, their lines and purchases; their item layouts, their
lists, and every write of them.

Callers pass validated values; this module builds the keys, the conditions and
the transactions, and turns a failed condition into the error it means. Stock
only ever moves through `ADD` with a condition, so concurrent orders can never
take it below zero, and an order takes the stock of all its lines or of none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from data import keys
from data.client import Dynamo
from data.clock import now_iso
from data.errors import ConditionFailed, Conflict, DataError, InvalidInput, NotFound, OutOfStock
from data.layout import Entity, Item, attr
from data.pages import ListRead
from data.queries import QuerySpec, SortCondition, run_query
from data.transactions import Action, put, transact, update, update_expression
from data.ulid import new_ulid, ulid_time_bound
from data.writes import Stale, optimistic, read_record, update_item

# The order's life, in the only direction it may move (CANCELLED is a side exit).
ORDER_FLOW = ("PENDING", "PROCESSING", "SHIPPED", "DELIVERED")
CANCELLED = "CANCELLED"
# Stock stays within GraphQL's Int.
MAX_STOCK = 1_000_000_000
# An order's products are re-read and the transaction tried again this often when
# a line failed but its product, read again, would now accept it.
ORDER_ATTEMPTS = 3
# updateProduct re-reads and retries this often when price, category or active
# changed under it (only those decide the index keys it writes).
UPDATE_ATTEMPTS = 3

# Other writers may leave `active` out; readers treat that as active, and so do we.
_IS_ACTIVE = "(attribute_not_exists(active) OR active = :true)"


# ---------------------------------------------------------------- item layout


@dataclass(kw_only=True)
class ProductRecord(Entity):
    entity_type = "PRODUCT"

    product_id: str
    name: str = ""
    description: str | None = None
    category: str = ""
    price: Decimal = Decimal(0)
    stock: int = 0
    active: bool = True
    # PUBLISHED reviews: how many, the sum of their ratings, and how many gave each rating.
    rating_count: int = 0
    rating_sum: int = 0
    rating1: int = 0
    rating2: int = 0
    rating3: int = 0
    rating4: int = 0
    rating5: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def index_keys(self) -> Item:
        """GSI1 attributes: present only while the product is active."""
        if not self.active:
            return {}
        return {
            "GSI1PK": keys.products_pk(self.category),
            "GSI1SK": keys.product_price_sort(keys.price_cents(self.price), self.product_id),
        }

    def keys(self, **layout: Any) -> Item:
        return {**keys.product(self.product_id), **self.index_keys()}


@dataclass(kw_only=True)
class OrderRecord(Entity):
    entity_type = "ORDER"

    order_id: str
    user_id: str
    status: str = "PENDING"
    total: Decimal = Decimal(0)
    shipping_address: str = ""
    line_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.order(self.user_id, self.order_id),
            "GSI2PK": keys.order_status_pk(self.status),
            "GSI2SK": self.order_id,
        }


@dataclass(kw_only=True)
class OrderItemRecord(Entity):
    entity_type = "ORDER_ITEM"

    order_id: str
    line: int = 0
    product_id: str
    product_name: str = ""
    unit_price: Decimal = Decimal(0)
    quantity: int = 0
    created_at: str | None = None

    def keys(self, **layout: Any) -> Item:
        return keys.order_item(self.order_id, self.line)


@dataclass(kw_only=True)
class PurchaseRecord(Entity):
    """How many of a customer's orders of a product are not CANCELLED: what entitles
    them to review it. placeOrder and cancelOrder keep it in their transactions."""

    entity_type = "PURCHASE"

    user_id: str
    product_id: str
    orders: int = 0

    def keys(self, **layout: Any) -> Item:
        return keys.purchase(self.user_id, self.product_id)


# ---------------------------------------------------------------- reads


def orders_of_customer(
    user_id: str, since: datetime | None, until: datetime | None, newest_first: bool
) -> ListRead[OrderRecord]:
    """The customer's orders between two moments, by the ULID bounds of the order IDs."""
    if since is None and until is None:
        sort = SortCondition("begins_with", "ORDER#")
    else:
        low = "ORDER#" + (ulid_time_bound(since, upper=False) if since else "")
        high = "ORDER#" + (ulid_time_bound(until, upper=True) if until else "~")
        sort = SortCondition("between", low, high)
    spec = QuerySpec(None, keys.user_pk(user_id), sort, forward=not newest_first)
    return ListRead.one(spec, OrderRecord.from_item)


def products_by_price(
    category: str, min_price: Decimal | None, max_price: Decimal | None, lowest_first: bool
) -> ListRead[ProductRecord] | None:
    """Active products of a category within a price range (GSI1 sorts by price);
    None when the range is empty."""
    low = keys.price_cents(min_price, "minPrice") if min_price is not None else None
    high = keys.price_cents(max_price, "maxPrice") if max_price is not None else None
    if low is not None and high is not None and low > high:
        return None
    sort = None
    if low is not None or high is not None:
        sort = SortCondition(
            "between",
            keys.price_bound(low or 0, upper=False),
            keys.price_bound(keys.MAX_CENTS if high is None else high, upper=True),
        )
    spec = QuerySpec("GSI1", keys.products_pk(category), sort, forward=lowest_first)
    return ListRead.one(spec, ProductRecord.from_item)


def orders_by_status(status: str) -> ListRead[OrderRecord]:
    """Every customer's orders of one status, newest first."""
    spec = QuerySpec("GSI2", keys.order_status_pk(status), forward=False)
    return ListRead.one(spec, OrderRecord.from_item)


def items_of_order(order_id: str) -> ListRead[OrderItemRecord]:
    """An order's lines, in order: read whole."""
    spec = QuerySpec(
        None, keys.order_pk(order_id), SortCondition("begins_with", "ITEM#"), limit=0
    )
    return ListRead.one(spec, OrderItemRecord.from_item)


# ---------------------------------------------------------------- purchases


def count_purchase(user_id: str, product_id: str) -> Action:
    """placeOrder's part: one more order of the product by the customer (the first one
    creates the Purchase item)."""
    expression, names, values = update_expression(
        set_={"entityType": PurchaseRecord.entity_type, "userId": user_id,
              "productId": product_id},
        add={"orders": 1},
    )
    return update(keys.purchase(user_id, product_id), expression, names=names, values=values)


def uncount_purchase(user_id: str, product_id: str) -> Action:
    """cancelOrder's part: one order fewer, on a Purchase item that still counts one."""
    expression, names, values = update_expression(add={"orders": -1})
    return update(
        keys.purchase(user_id, product_id), expression, "#ord > :none",
        {**names, "#ord": "orders"}, {**values, ":none": 0},
        Conflict("the customer's orders of a product changed meanwhile; try again"),
    )


# ---------------------------------------------------------------- writes


@dataclass(frozen=True)
class NewProduct:
    """A validated createProduct input."""

    name: str
    description: str | None
    category: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ProductChanges:
    """A validated updateProduct input: None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    remove_description: bool = False
    category: str | None = None
    price: Decimal | None = None
    active: bool | None = None

    @property
    def moves_index(self) -> bool:
        """Whether the GSI1 keys (category, price, active) may change."""
        return self.category is not None or self.price is not None or self.active is not None


@dataclass(frozen=True)
class OrderLine:
    """One validated line of placeOrder: a product and how many of it."""

    product_id: str
    quantity: int


class _LineRejected(DataError):
    """A product action of placeOrder failed; which condition is found by reading again."""

    def __init__(self, index: int) -> None:
        super().__init__(f"line {index} failed")
        self.index = index


# ---------------------------------------------------------------- products


async def create_product(dynamo: Dynamo, new: NewProduct) -> ProductRecord:
    """Put a new, active product (listed in its category by price)."""
    moment = now_iso()
    record = ProductRecord(
        product_id=new_ulid(), name=new.name, description=new.description,
        category=new.category, price=new.price, stock=new.stock, active=True,
        created_at=moment, updated_at=moment, version=1,
    )
    await transact(dynamo, [put(record.to_item(), "attribute_not_exists(PK)", answer=True)])
    return record


async def update_product(dynamo: Dynamo, product_id: str, changes: ProductChanges,
                         expected_version: int | None) -> ProductRecord:
    """Apply `changes`, moving or removing the GSI1 keys to match; version + 1.

    With `expected_version`, CONFLICT unless the product is at that version.
    Without it, only a concurrent change of category, price or active (the
    inputs of the index keys written here) makes it read again and retry.
    """

    async def current() -> ProductRecord:
        product = await read_record(dynamo, ProductRecord, keys.product(product_id))
        if product is None:
            raise NotFound("no such product")
        if expected_version is not None and product.version != expected_version:
            raise _stale(product.version)
        return product

    async def write(product: ProductRecord) -> ProductRecord:
        try:
            item = await _apply_product_changes(dynamo, product, changes, expected_version)
        except ConditionFailed as rejected:
            if rejected.item is None:
                raise NotFound("no such product") from rejected
            seen = ProductRecord.from_item(rejected.item)
            if expected_version is not None and seen.version != expected_version:
                raise _stale(seen.version) from rejected
            # What was read (category, price, active) changed: read it again.
            raise Stale() from rejected
        return ProductRecord.from_item(item)

    return await optimistic(current, write, "the product", attempts=UPDATE_ATTEMPTS)


def _stale(version: int) -> Conflict:
    return Conflict(f"the product is at version {version}; reload it and try again")


async def _apply_product_changes(dynamo: Dynamo, current: ProductRecord,
                                 changes: ProductChanges, expected_version: int | None) -> Item:
    # Only the given fields are written, so a concurrent change to another one survives.
    names: dict[str, str] = {}
    values: dict[str, Any] = {":now": now_iso(), ":one": 1}
    sets = ["updatedAt = :now"]
    removes: list[str] = []
    given = {"name": changes.name, "description": changes.description,
             "category": changes.category, "price": changes.price, "active": changes.active}
    for attribute, value in given.items():
        if value is not None:
            names[f"#{attribute}"] = attribute
            values[f":{attribute}"] = value
            sets.append(f"#{attribute} = :{attribute}")
    if changes.remove_description:
        removes.append("description")
    conditions = ["attribute_exists(PK)"]
    if expected_version is not None:
        conditions.append("version = :expected")
        values[":expected"] = expected_version
    if changes.moves_index:
        # The index keys are computed from what was read; they are only right
        # while category, price and active are still what was read.
        names.update({"#category": "category", "#price": "price", "#active": "active"})
        conditions.append("#category = :old_category AND #price = :old_price")
        values[":old_category"], values[":old_price"] = current.category, current.price
        if current.active:
            conditions.append("(attribute_not_exists(#active) OR #active = :true)")
            values[":true"] = True
        else:
            conditions.append("#active = :false")
            values[":false"] = False
        index = replace(
            current,
            category=current.category if changes.category is None else changes.category,
            price=current.price if changes.price is None else changes.price,
            active=current.active if changes.active is None else changes.active,
        ).index_keys()
        if index:
            sets += ["GSI1PK = :gsi1pk", "GSI1SK = :gsi1sk"]
            values[":gsi1pk"], values[":gsi1sk"] = index["GSI1PK"], index["GSI1SK"]
        else:
            removes += ["GSI1PK", "GSI1SK"]
    expression = "SET " + ", ".join(sets) + " ADD version :one"
    if removes:
        expression += " REMOVE " + ", ".join(removes)
    return await dynamo.update_item(keys.product(current.product_id), expression,
                                    condition=" AND ".join(conditions), names=names,
                                    values=values)


async def adjust_stock(dynamo: Dynamo, product_id: str, delta: int) -> ProductRecord:
    """Add `delta` (negative to take) to the stock; OUT_OF_STOCK below zero, unchanged."""
    values: dict[str, Any] = {":d": delta, ":one": 1, ":now": now_iso()}
    if delta < 0:
        condition = "attribute_exists(PK) AND stock >= :need"
        values[":need"] = -delta
    else:
        # A missing stock attribute (another writer) counts as 0, which ADD agrees with.
        condition = "attribute_exists(PK) AND (attribute_not_exists(stock) OR stock <= :room)"
        values[":room"] = MAX_STOCK - delta
    try:
        item = await update_item(
            dynamo, keys.product(product_id), "ADD stock :d, version :one SET updatedAt = :now",
            condition=condition, values=values,
        )
    except ConditionFailed as rejected:
        if rejected.item is None:
            raise NotFound("no such product") from rejected
        if delta < 0:
            raise OutOfStock(product_id) from rejected
        raise InvalidInput("delta", f"stock may not exceed {MAX_STOCK}") from rejected
    return ProductRecord.from_item(item)


# ---------------------------------------------------------------- orders


async def place_order(dynamo: Dynamo, user_id: str, lines: list[OrderLine],
                      shipping_address: str) -> OrderRecord:
    """Take the stock of every line and write the order with its items, in one transaction.

    Names and prices are read first and kept on the items; each line's stock
    update is conditioned on the price still being the one read, so a price
    change in between fails the order (CONFLICT) instead of charging the old
    price. Each line also counts one more order of its product on the customer's
    Purchase item (what entitles them to review it). `lines` must name distinct
    products, at most 32 of them: 3n + 1 actions, and an idempotency item, of the 100
    a transaction holds.
    """
    field = "lines[{}].productId"

    async def read() -> list[ProductRecord]:
        found = await dynamo.get_items([keys.product(line.product_id) for line in lines])
        products: list[ProductRecord] = []
        for index, item in enumerate(found):
            if item is None:
                raise NotFound(f"{field.format(index)}: no such product")
            product = ProductRecord.from_item(item)
            if not product.active:
                raise InvalidInput(field.format(index), "this product is not for sale")
            products.append(product)
        return products

    async def write(products: list[ProductRecord]) -> OrderRecord:
        order, actions = _order_actions(user_id, lines, products, shipping_address)
        try:
            await transact(dynamo, actions)
        except _LineRejected as rejected:
            index = rejected.index
            await _explain_line(dynamo, field.format(index), products[index], lines[index])
            raise Stale() from rejected  # the line would go through now: read again
        return order

    return await optimistic(read, write, "the stock of the order's products",
                            attempts=ORDER_ATTEMPTS)


def _order_actions(
    user_id: str, lines: list[OrderLine], products: list[ProductRecord], shipping_address: str
) -> tuple[OrderRecord, list[Action]]:
    """The order, and the transaction that places it at the prices and names read."""
    moment = now_iso()
    order_id = new_ulid()
    items = [
        OrderItemRecord(order_id=order_id, line=number, product_id=product.product_id,
                        product_name=product.name, unit_price=product.price,
                        quantity=line.quantity, created_at=moment)
        for number, (line, product) in enumerate(zip(lines, products, strict=True), start=1)
    ]
    order = OrderRecord(
        order_id=order_id, user_id=user_id, status="PENDING",
        total=sum((i.unit_price * i.quantity for i in items), Decimal(0)),
        shipping_address=shipping_address, line_count=len(items),
        created_at=moment, updated_at=moment, version=1,
    )
    actions: list[Action] = [
        update(
            keys.product(product.product_id),
            "ADD stock :take, version :one SET updatedAt = :now",
            f"attribute_exists(PK) AND {_IS_ACTIVE} AND stock >= :need AND price = :price",
            values={":take": -line.quantity, ":need": line.quantity, ":price": product.price,
                    ":true": True, ":one": 1, ":now": moment},
            failure=_LineRejected(index),
        )
        for index, (line, product) in enumerate(zip(lines, products, strict=True))
    ]
    actions.append(put(order.to_item(), "attribute_not_exists(PK)", answer=True))
    actions += [put(i.to_item(), "attribute_not_exists(PK)") for i in items]
    actions += [count_purchase(user_id, line.product_id) for line in lines]
    return order, actions


async def _explain_line(dynamo: Dynamo, field: str, read: ProductRecord, line: OrderLine) -> None:
    """Raise what made a line's product refuse the order; return if it now would not."""
    item = await dynamo.get_item(keys.product(read.product_id), consistent=True)
    if item is None:
        raise NotFound(f"{field}: no such product")
    now = ProductRecord.from_item(item)
    if not now.active:
        raise InvalidInput(field, "this product is not for sale")
    if now.price != read.price:
        raise Conflict(f"the price of the product in {field} changed; "
                       "review the order and place it again")
    if now.stock < line.quantity:
        raise OutOfStock(read.product_id)


async def update_order_status(dynamo: Dynamo, user_id: str, order_id: str,
                              status: str) -> OrderRecord:
    """Move an order forward to `status`, moving its GSI2 key with it.

    The condition names every status `status` may follow, so a concurrent move
    can never be undone; a move that is not forward from the current status
    is CONFLICT.
    """
    if status not in ORDER_FLOW[1:]:
        raise InvalidInput("status", "an order moves only forward to PROCESSING, SHIPPED or "
                           "DELIVERED; cancelOrder cancels")
    earlier = ORDER_FLOW[: ORDER_FLOW.index(status)]
    placeholders = [f":s{n}" for n in range(len(earlier))]
    values: dict[str, Any] = dict(zip(placeholders, earlier, strict=True))
    values.update({":status": status, ":gsi2pk": keys.order_status_pk(status),
                   ":oid": order_id, ":now": now_iso(), ":one": 1})
    try:
        item = await update_item(
            dynamo, keys.order(user_id, order_id),
            "SET #status = :status, GSI2PK = :gsi2pk, GSI2SK = :oid, updatedAt = :now "
            "ADD version :one",
            condition=f"attribute_exists(PK) AND #status IN ({', '.join(placeholders)})",
            names={"#status": "status"}, values=values,
        )
    except ConditionFailed as rejected:
        if rejected.item is None:
            raise NotFound("no such order") from rejected
        current = OrderRecord.from_item(rejected.item).status
        raise Conflict(f"the order is {current}; it cannot move to {status}") from rejected
    return OrderRecord.from_item(item)


async def cancel_order(dynamo: Dynamo, user_id: str, order_id: str,
                       allowed: tuple[str, ...]) -> OrderRecord:
    """Cancel an order whose status is one of `allowed`, putting its stock back.

    One transaction moves the order to CANCELLED (conditioned on the status it
    was read in) and adds each line's quantity back to its product, so two
    concurrent cancels return the stock once: the second one's condition fails.
    Products deleted since the order get nothing back. The customer's Purchase item
    of each product counts one order fewer (where it counts any: orders other
    writers placed may have left it out).
    """
    key = keys.order(user_id, order_id)
    item = await dynamo.get_item(key, consistent=True)
    if item is None:
        raise NotFound("no such order")
    order = OrderRecord.from_item(item)
    if order.status not in allowed:
        raise Conflict(f"the order is {order.status}; it can be cancelled here only while "
                       f"{' or '.join(allowed)}")
    lines = await run_query(dynamo, QuerySpec(
        None, keys.order_pk(order_id), SortCondition("begins_with", "ITEM#"), limit=0))
    # Other writers may split one product over several lines; one action per item.
    returned = Counter[str]()
    for line in lines:
        record = OrderItemRecord.from_item(line)
        returned[record.product_id] += record.quantity
    product_ids = list(returned)
    # Consistent: the Purchase items may have been counted by an order placed just now.
    found = await dynamo.get_items(
        [keys.product(p) for p in product_ids] + [keys.purchase(user_id, p) for p in product_ids],
        consistent=True,
    )
    existing, bought = found[: len(product_ids)], found[len(product_ids) :]

    moment = now_iso()
    actions = [update(
        key,
        "SET #status = :cancelled, GSI2PK = :gsi2pk, GSI2SK = :oid, updatedAt = :now "
        "ADD version :one",
        "#status = :seen", names={"#status": "status"},
        values={":cancelled": CANCELLED, ":gsi2pk": keys.order_status_pk(CANCELLED),
                ":oid": order_id, ":now": moment, ":one": 1, ":seen": order.status},
        failure=Conflict("the order changed meanwhile; it was not cancelled"),
        answer=True,
    )]
    actions += [
        update(keys.product(product_id), "ADD stock :back, version :one SET updatedAt = :now",
               "attribute_exists(PK)",
               values={":back": returned[product_id], ":one": 1, ":now": moment},
               failure=Conflict("a product of the order was deleted meanwhile; try again"))
        for product_id, product in zip(product_ids, existing, strict=True)
        if product is not None
    ]
    actions += [
        uncount_purchase(user_id, product_id)
        for product_id, purchase in zip(product_ids, bought, strict=True)
        if purchase is not None and PurchaseRecord.from_item(purchase).orders > 0
    ]
    await transact(dynamo, actions)
    return replace(order, status=CANCELLED, updated_at=moment, version=order.version + 1)
