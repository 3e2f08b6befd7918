"""Products, stock and orders, through the GraphQL API against DynamoDB Local.

Every test makes its own products in a category of its own, so it neither
disturbs the seeded catalogue nor depends on another test.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from data.client import Dynamo
from data.ulid import new_ulid
from resolvers.ids import encode
from resolvers.ids import product_id as raw_product_id
from tests.conftest import codes

CREATE = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { id name category price stock active version updatedAt }
}"""
UPDATE = """
mutation($input: UpdateProductInput!) {
  updateProduct(input: $input) { id name category price active version updatedAt description }
}"""
ADJUST = "mutation($id: ID!, $d: Int!) { adjustStock(id: $id, delta: $d) { stock version } }"
PRODUCT = "query($id: ID!) { product(id: $id) { stock price active version } }"
LISTING = """
query($c: String!, $min: Decimal, $max: Decimal) {
  products(category: $c, minPrice: $min, maxPrice: $max, first: 100) { nodes { id price } }
}"""
PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id status total shippingAddress version
    items { productName unitPrice quantity subtotal product { id stock } }
  }
}"""
STATUS = """
mutation($id: ID!, $s: OrderStatus!) {
  updateOrderStatus(id: $id, status: $s) { status version }
}"""
ORDER = "query($id: ID!) { order(id: $id) { total items { productName unitPrice } } }"
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { status version } }"
BY_STATUS = "query($s: OrderStatus!) { ordersByStatus(status: $s, first: 20) { nodes { id } } }"


@pytest.fixture(scope="module")
def shoppers(seeded: dict[str, Any]) -> list[str]:
    return [user["token"] for user in seeded["users"][2:]]


def fresh_category() -> str:
    return f"Test {uuid.uuid4().hex[:12]}"


async def make_product(gql: Any, admin: str, stock: int, price: str = "10.00",
                       category: str | None = None, name: str = "Widget") -> str:
    body = await gql(CREATE, {"input": {
        "name": name, "category": category or fresh_category(), "price": price, "stock": stock,
    }}, admin)
    assert "errors" not in body, body
    product_id: str = body["data"]["createProduct"]["id"]
    return product_id


async def product(gql: Any, product_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await gql(PRODUCT, {"id": product_id}))["data"]["product"]
    return found


def order_input(*lines: tuple[str, int], address: str = "1 Mill Lane") -> dict[str, Any]:
    return {"input": {
        "lines": [{"productId": p, "quantity": q} for p, q in lines], "shippingAddress": address,
    }}


async def items_of(dynamo: Dynamo, product_id: str) -> list[dict[str, Any]]:
    """Every order item of a product in the table, however it got there (a test-only scan)."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "TableName": dynamo.table,
        "FilterExpression": "entityType = :t AND productId = :p",
        "ExpressionAttributeValues": {
            ":t": {"S": "ORDER_ITEM"}, ":p": {"S": raw_product_id(product_id)},
        },
    }
    while True:
        page = await dynamo.call("scan", **params)
        found += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return found
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


# ---------------------------------------------------------------- products and stock


async def test_only_admins_create_products(gql: Any, admin: str, moderator: str,
                                           shoppers: list[str]) -> None:
    variables = {"input": {"name": "Lamp", "category": fresh_category(), "price": "5", "stock": 1}}
    assert codes(await gql(CREATE, variables)) == ["UNAUTHENTICATED"]
    assert codes(await gql(CREATE, variables, moderator)) == ["FORBIDDEN"]
    assert codes(await gql(CREATE, variables, shoppers[0])) == ["FORBIDDEN"]
    created = (await gql(CREATE, variables, admin))["data"]["createProduct"]
    assert created["price"] == "5.00"
    assert (created["stock"], created["active"], created["version"]) == (1, True, 1)
    listed = await gql(LISTING, {"c": variables["input"]["category"]})
    assert [n["id"] for n in listed["data"]["products"]["nodes"]] == [created["id"]]


@pytest.mark.parametrize("price", ["1.001", "-1"])
async def test_prices_are_money_or_bad_input(gql: Any, admin: str, price: str) -> None:
    body = await gql(CREATE, {"input": {
        "name": "Lamp", "category": fresh_category(), "price": price, "stock": 1,
    }}, admin)
    assert codes(body) == ["BAD_USER_INPUT"]
    assert error_of(body)["extensions"]["field"] == "price"
    product_id = await make_product(gql, admin, stock=1)
    body = await gql(UPDATE, {"input": {"id": product_id, "price": price}}, admin)
    assert codes(body) == ["BAD_USER_INPUT"]
    assert error_of(body)["extensions"]["field"] == "price"
    assert (await product(gql, product_id))["price"] == "10.00"


async def test_stock_never_goes_below_zero(gql: Any, admin: str, shoppers: list[str]) -> None:
    product_id = await make_product(gql, admin, stock=3)
    body = await gql(ADJUST, {"id": product_id, "d": -5}, admin)
    assert codes(body) == ["OUT_OF_STOCK"]
    assert error_of(body)["extensions"]["productId"] == product_id
    assert (await product(gql, product_id))["stock"] == 3
    assert (await product(gql, product_id))["version"] == 1
    taken = (await gql(ADJUST, {"id": product_id, "d": -3}, admin))["data"]["adjustStock"]
    assert taken == {"stock": 0, "version": 2}
    added = (await gql(ADJUST, {"id": product_id, "d": 4}, admin))["data"]["adjustStock"]
    assert added == {"stock": 4, "version": 3}
    assert codes(await gql(ADJUST, {"id": product_id, "d": 1}, shoppers[0])) == ["FORBIDDEN"]
    missing = encode("Product", new_ulid())
    assert codes(await gql(ADJUST, {"id": missing, "d": 1}, admin)) == ["NOT_FOUND"]


async def test_stale_expected_version_is_a_conflict(gql: Any, admin: str) -> None:
    product_id = await make_product(gql, admin, stock=1)
    first = await gql(UPDATE, {"input": {"id": product_id, "expectedVersion": 1,
                                         "name": "Better widget", "description": "Shiny"}}, admin)
    updated = first["data"]["updateProduct"]
    assert (updated["name"], updated["description"], updated["version"]) == (
        "Better widget", "Shiny", 2)
    stale = await gql(UPDATE, {"input": {"id": product_id, "expectedVersion": 1,
                                         "name": "Lost update"}}, admin)
    assert codes(stale) == ["CONFLICT"]
    cleared = await gql(UPDATE, {"input": {"id": product_id, "expectedVersion": 2,
                                           "description": ""}}, admin)
    after = cleared["data"]["updateProduct"]
    assert (after["name"], after["description"], after["version"]) == ("Better widget", None, 3)
    assert after["updatedAt"] >= updated["updatedAt"]


async def test_listing_follows_price_category_and_active(gql: Any, admin: str) -> None:
    category, other = fresh_category(), fresh_category()
    product_id = await make_product(gql, admin, stock=1, price="10.00", category=category)

    async def listed(c: str, low: str | None = None, high: str | None = None) -> list[str]:
        body = await gql(LISTING, {"c": c, "min": low, "max": high})
        return [n["id"] for n in body["data"]["products"]["nodes"]]

    assert await listed(category, "5", "15") == [product_id]
    await gql(UPDATE, {"input": {"id": product_id, "price": "20.50"}}, admin)
    assert await listed(category, "5", "15") == []
    assert await listed(category, "20.50", "20.50") == [product_id]

    deactivated = await gql(UPDATE, {"input": {"id": product_id, "active": False}}, admin)
    assert deactivated["data"]["updateProduct"]["active"] is False
    assert await listed(category) == []
    assert (await product(gql, product_id))["active"] is False

    await gql(UPDATE, {"input": {"id": product_id, "active": True, "category": other}}, admin)
    assert await listed(category) == []
    assert await listed(other) == [product_id]


# ---------------------------------------------------------------- placing orders


async def test_an_order_snapshots_names_and_prices(gql: Any, admin: str,
                                                   shoppers: list[str]) -> None:
    book = await make_product(gql, admin, stock=5, price="19.99", name="Book")
    pen = await make_product(gql, admin, stock=5, price="0.10", name="Pen")
    body = await gql(PLACE, order_input((book, 3), (pen, 2), address="  2 Elm Street "),
                     shoppers[0])
    order = body["data"]["placeOrder"]
    assert (order["status"], order["total"], order["version"]) == ("PENDING", "60.17", 1)
    assert order["shippingAddress"] == "2 Elm Street"
    assert [(i["productName"], i["unitPrice"], i["quantity"], i["subtotal"])
            for i in order["items"]] == [("Book", "19.99", 3, "59.97"), ("Pen", "0.10", 2, "0.20")]
    assert [i["product"] for i in order["items"]] == [{"id": book, "stock": 2},
                                                      {"id": pen, "stock": 3}]

    await gql(UPDATE, {"input": {"id": book, "price": "25.00", "name": "Book 2e"}}, admin)
    again = await gql(ORDER, {"id": order["id"]}, shoppers[0])
    assert again["data"]["order"] == {"total": "60.17", "items": [
        {"productName": "Book", "unitPrice": "19.99"}, {"productName": "Pen", "unitPrice": "0.10"},
    ]}
    mine = await gql("{ viewer { orders(first: 1) { nodes { id } } } }", token=shoppers[0])
    assert mine["data"]["viewer"]["orders"]["nodes"] == [{"id": order["id"]}]


async def test_placing_an_order_needs_a_signed_in_viewer(gql: Any, admin: str) -> None:
    product_id = await make_product(gql, admin, stock=1)
    assert codes(await gql(PLACE, order_input((product_id, 1)))) == ["UNAUTHENTICATED"]
    assert (await product(gql, product_id))["stock"] == 1


async def test_bad_orders_are_refused_before_anything_is_written(
    gql: Any, dynamo: Dynamo, admin: str, shoppers: list[str]
) -> None:
    product_id = await make_product(gql, admin, stock=5)
    other = await make_product(gql, admin, stock=5)
    retired = await make_product(gql, admin, stock=5)
    await gql(UPDATE, {"input": {"id": retired, "active": False}}, admin)
    refused = {
        "lines": order_input(*[(product_id, 1)] * 50),
        "lines ": order_input(),
        "lines[1].quantity": order_input((other, 1), (product_id, 0)),
        "lines[0].quantity": order_input((product_id, 1001)),
        "lines[2].productId": order_input((product_id, 1), (other, 1), (product_id, 2)),
        "lines[1].productId": order_input((product_id, 1), ("not-an-id", 1)),
        "lines[1].productId ": order_input((product_id, 1), (retired, 1)),
        "shippingAddress": order_input((product_id, 1), address="   "),
        "shippingAddress ": order_input((product_id, 1), address="x" * 501),
    }
    for field, variables in refused.items():
        body = await gql(PLACE, variables, shoppers[0])
        assert codes(body) == ["BAD_USER_INPUT"], (field, body)
        assert error_of(body)["extensions"]["field"] == field.strip(), body
    missing = await gql(PLACE, order_input((product_id, 1), (encode("Product", new_ulid()), 1)),
                        shoppers[0])
    assert codes(missing) == ["NOT_FOUND"]
    assert "lines[1]" in error_of(missing)["message"]
    assert (await product(gql, product_id))["stock"] == 5
    assert await items_of(dynamo, product_id) == []


async def test_an_order_takes_stock_for_every_line_or_none(
    gql: Any, dynamo: Dynamo, admin: str, shoppers: list[str]
) -> None:
    plenty = await make_product(gql, admin, stock=5)
    scarce = await make_product(gql, admin, stock=1)
    body = await gql(PLACE, order_input((plenty, 2), (scarce, 3)), shoppers[0])
    assert codes(body) == ["OUT_OF_STOCK"]
    assert error_of(body)["extensions"]["productId"] == scarce
    assert scarce in error_of(body)["message"]  # named as clients know it, not by its ULID
    assert body["data"] is None
    assert (await product(gql, plenty))["stock"] == 5
    assert (await product(gql, scarce))["stock"] == 1
    assert await items_of(dynamo, plenty) == []
    assert await items_of(dynamo, scarce) == []


async def test_concurrent_orders_never_oversell(
    gql: Any, dynamo: Dynamo, admin: str, shoppers: list[str]
) -> None:
    product_id = await make_product(gql, admin, stock=10)
    bodies = await asyncio.gather(*(
        gql(PLACE, order_input((product_id, 1)), shoppers[n % len(shoppers)]) for n in range(30)
    ))
    placed = [b for b in bodies if not b.get("errors")]
    refused = [b for b in bodies if b.get("errors")]
    assert len(placed) == 10
    assert [codes(b) for b in refused] == [["OUT_OF_STOCK"]] * 20
    assert {error_of(b)["extensions"]["productId"] for b in refused} == {product_id}
    assert (await product(gql, product_id))["stock"] == 0
    assert len(await items_of(dynamo, product_id)) == 10


async def test_a_price_change_between_read_and_write_fails_the_order(
    gql: Any, dynamo: Dynamo, admin: str, shoppers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = await make_product(gql, admin, stock=5, price="10.00")
    read_products = dynamo.get_items

    async def read_then_reprice(batch: list[dict[str, str]], consistent: bool = False) -> Any:
        found = await read_products(batch, consistent)
        if any(key["PK"].startswith("PRODUCT#") for key in batch):
            # Another admin reprices right after placeOrder read the old price.
            monkeypatch.setattr(dynamo, "get_items", read_products)
            await gql(UPDATE, {"input": {"id": product_id, "price": "12.00"}}, admin)
        return found

    monkeypatch.setattr(dynamo, "get_items", read_then_reprice)
    body = await gql(PLACE, order_input((product_id, 1)), shoppers[0])
    assert codes(body) == ["CONFLICT"]
    assert (await product(gql, product_id))["stock"] == 5
    assert await items_of(dynamo, product_id) == []


# ---------------------------------------------------------------- status and cancelling


async def place(gql: Any, token: str, *lines: tuple[str, int]) -> str:
    body = await gql(PLACE, order_input(*lines), token)
    assert "errors" not in body, body
    order_id: str = body["data"]["placeOrder"]["id"]
    return order_id


async def listed_under(gql: Any, admin: str, status: str) -> list[str]:
    body = await gql(BY_STATUS, {"s": status}, admin)
    return [n["id"] for n in body["data"]["ordersByStatus"]["nodes"]]


async def test_order_status_only_moves_forward(gql: Any, admin: str,
                                               shoppers: list[str]) -> None:
    product_id = await make_product(gql, admin, stock=5)
    order_id = await place(gql, shoppers[0], (product_id, 1))
    assert order_id in await listed_under(gql, admin, "PENDING")
    assert codes(await gql(STATUS, {"id": order_id, "s": "PROCESSING"}, shoppers[0])) == [
        "FORBIDDEN"]

    moved = await gql(STATUS, {"id": order_id, "s": "PROCESSING"}, admin)
    assert moved["data"]["updateOrderStatus"] == {"status": "PROCESSING", "version": 2}
    assert order_id in await listed_under(gql, admin, "PROCESSING")
    assert order_id not in await listed_under(gql, admin, "PENDING")

    backwards = await gql(STATUS, {"id": order_id, "s": "PENDING"}, admin)
    assert codes(backwards) == ["BAD_USER_INPUT"]
    assert error_of(backwards)["extensions"]["field"] == "status"
    assert codes(await gql(STATUS, {"id": order_id, "s": "CANCELLED"}, admin)) == [
        "BAD_USER_INPUT"]
    assert codes(await gql(STATUS, {"id": order_id, "s": "PROCESSING"}, admin)) == ["CONFLICT"]

    await gql(STATUS, {"id": order_id, "s": "SHIPPED"}, admin)
    assert codes(await gql(STATUS, {"id": order_id, "s": "PROCESSING"}, admin)) == ["CONFLICT"]
    done = await gql(STATUS, {"id": order_id, "s": "DELIVERED"}, admin)
    assert done["data"]["updateOrderStatus"] == {"status": "DELIVERED", "version": 4}
    assert order_id in await listed_under(gql, admin, "DELIVERED")
    assert order_id not in await listed_under(gql, admin, "SHIPPED")

    missing = encode("Order", new_ulid(), new_ulid())
    assert codes(await gql(STATUS, {"id": missing, "s": "SHIPPED"}, admin)) == ["NOT_FOUND"]


async def test_cancelling_twice_at_once_returns_the_stock_once(
    gql: Any, admin: str, shoppers: list[str]
) -> None:
    product_id = await make_product(gql, admin, stock=10)
    order_id = await place(gql, shoppers[0], (product_id, 3))
    assert (await product(gql, product_id))["stock"] == 7
    first, second = await asyncio.gather(
        gql(CANCEL, {"id": order_id}, shoppers[0]), gql(CANCEL, {"id": order_id}, shoppers[0])
    )
    outcomes = sorted([codes(first), codes(second)])
    assert outcomes == [[], ["CONFLICT"]], (first, second)
    assert (await product(gql, product_id))["stock"] == 10
    assert order_id in await listed_under(gql, admin, "CANCELLED")
    assert order_id not in await listed_under(gql, admin, "PENDING")
    assert codes(await gql(CANCEL, {"id": order_id}, admin)) == ["CONFLICT"]
    assert (await product(gql, product_id))["stock"] == 10


async def test_who_may_cancel_and_until_when(gql: Any, admin: str,
                                             shoppers: list[str]) -> None:
    product_id = await make_product(gql, admin, stock=10)
    order_id = await place(gql, shoppers[0], (product_id, 2))
    assert codes(await gql(CANCEL, {"id": order_id})) == ["UNAUTHENTICATED"]
    assert codes(await gql(CANCEL, {"id": order_id}, shoppers[1])) == ["FORBIDDEN"]

    await gql(STATUS, {"id": order_id, "s": "PROCESSING"}, admin)
    assert codes(await gql(CANCEL, {"id": order_id}, shoppers[0])) == ["CONFLICT"]
    assert (await product(gql, product_id))["stock"] == 8
    cancelled = await gql(CANCEL, {"id": order_id}, admin)
    assert cancelled["data"]["cancelOrder"] == {"status": "CANCELLED", "version": 3}
    assert (await product(gql, product_id))["stock"] == 10

    shipped = await place(gql, shoppers[0], (product_id, 1))
    await gql(STATUS, {"id": shipped, "s": "SHIPPED"}, admin)
    assert codes(await gql(CANCEL, {"id": shipped}, admin)) == ["CONFLICT"]
    assert (await product(gql, product_id))["stock"] == 9
