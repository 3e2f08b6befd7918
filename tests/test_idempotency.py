"""Idempotent writes: a mutation retried with its Idempotency-Key applies once, and a
transaction whose answer was lost on the way back is not applied twice by the retries.

Faults come from dev.faults' proxy between the gateway and DynamoDB Local.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from config import Settings, load_http_settings
from data.client import Dynamo
from dev.faults import FaultProxy, fault_proxy
from server import create_app
from tests.conftest import codes
from tests.test_shop_mutations import make_product, order_input

PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status items { quantity product { id stock } } }
}"""
STOCK = "query($id: ID!) { product(id: $id) { stock } }"
ORDERS = "{ viewer { orders(first: 100) { nodes { id } } } }"
SIGN_UP = """
mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email } } }"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { id status } }"
ADJUST = "mutation($id: ID!, $d: Int!) { adjustStock(id: $id, delta: $d) { stock } }"


class Client:
    """GraphQL over the app, with the headers a retrying client sends."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(self, query: str, variables: dict[str, Any] | None = None,
                       token: str | None = None, key: str | None = None) -> dict[str, Any]:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["Idempotency-Key"] = key
        response = await self.http.post("/graphql", json={"query": query,
                                                          "variables": variables or {}},
                                        headers=headers)
        assert response.headers["content-type"].startswith("application/json"), response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def faulty(settings: Settings, seeded: dict[str, Any]) -> AsyncIterator[
    tuple[FaultProxy, Client]
]:
    """The gateway, every DynamoDB call of it crossing a fault proxy; a request gives up
    after a second (TABLEGATE_REQUEST_DEADLINE_SECONDS), so that failing ones fail fast."""
    async with fault_proxy(str(settings.endpoint)) as proxy:
        client = Dynamo(replace(settings, endpoint=proxy.url))
        http_settings = load_http_settings(False, {"TABLEGATE_REQUEST_DEADLINE_SECONDS": "1"})
        app = create_app(replace(settings, endpoint=proxy.url), client, http=http_settings)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://tablegate.test") as http:
                yield proxy, Client(http)
        finally:
            await client.close()


async def customer(gql: Any) -> str:
    body = await gql(SIGN_UP, {"input": {"email": f"c-{uuid.uuid4().hex[:10]}@example.com",
                                         "password": "correct horse battery"}})
    token: str = body["data"]["signUp"]["token"]
    return token


async def shopping(gql: Any, admin: str, stock: int) -> tuple[str, str]:
    """A product of its own with `stock`, and a new customer's token."""
    return await make_product(gql, admin, stock=stock), await customer(gql)


async def stock_of(gql: Any, product: str) -> int:
    stock: int = (await gql(STOCK, {"id": product}))["data"]["product"]["stock"]
    return stock


async def orders_of(gql: Any, token: str) -> list[str]:
    nodes = (await gql(ORDERS, token=token))["data"]["viewer"]["orders"]["nodes"]
    return [node["id"] for node in nodes]


async def test_a_retried_order_is_placed_once_and_answered_alike(gql: Any, admin: str) -> None:
    product, token = await shopping(gql, admin, 10)
    key = str(uuid.uuid4())
    client = Client(gql.http)
    first = await client(PLACE, order_input((product, 2)), token, key)
    again = await client(PLACE, order_input((product, 2)), token, key)
    assert "errors" not in first and "errors" not in again, (first, again)
    assert again["data"]["placeOrder"]["id"] == first["data"]["placeOrder"]["id"]
    assert await stock_of(gql, product) == 8
    assert await orders_of(gql, token) == [first["data"]["placeOrder"]["id"]]

    # A new key is a new order.
    other = await client(PLACE, order_input((product, 2)), token, str(uuid.uuid4()))
    assert other["data"]["placeOrder"]["id"] != first["data"]["placeOrder"]["id"]
    assert await stock_of(gql, product) == 6


async def test_a_key_reused_for_another_request_is_a_conflict(gql: Any, admin: str) -> None:
    product, token = await shopping(gql, admin, 10)
    key = str(uuid.uuid4())
    client = Client(gql.http)
    assert "errors" not in await client(PLACE, order_input((product, 1)), token, key)
    reused = await client(PLACE, order_input((product, 3)), token, key)
    assert codes(reused) == ["CONFLICT"]
    assert "Idempotency-Key" in reused["errors"][0]["message"]
    assert await stock_of(gql, product) == 9


async def test_keys_are_scoped_to_their_sender(gql: Any, admin: str) -> None:
    product = await make_product(gql, admin, stock=10)
    ann, bob = await customer(gql), await customer(gql)
    key = str(uuid.uuid4())
    client = Client(gql.http)
    mine = await client(PLACE, order_input((product, 1)), ann, key)
    theirs = await client(PLACE, order_input((product, 1)), bob, key)
    assert mine["data"]["placeOrder"]["id"] != theirs["data"]["placeOrder"]["id"]
    assert await stock_of(gql, product) == 8


async def test_a_malformed_key_is_refused_before_anything_runs(gql: Any, admin: str) -> None:
    product, token = await shopping(gql, admin, 10)
    body = await Client(gql.http)(PLACE, order_input((product, 1)), token, "not a key")
    assert codes(body) == ["BAD_REQUEST"]
    assert await stock_of(gql, product) == 10


async def test_a_retried_sign_up_hands_out_the_same_working_token(gql: Any) -> None:
    key = str(uuid.uuid4())
    email = f"s-{uuid.uuid4().hex[:10]}@example.com"
    client = Client(gql.http)
    variables = {"input": {"email": email, "password": "correct horse battery"}}
    first = (await client(SIGN_UP, variables, key=key))["data"]["signUp"]
    again = (await client(SIGN_UP, variables, key=key))["data"]["signUp"]
    assert again == first
    viewer = await gql("{ viewer { email } }", token=again["token"])
    assert viewer["data"]["viewer"]["email"] == email
    # Without the key, the email is taken.
    assert codes(await client(SIGN_UP, variables)) == ["CONFLICT"]


async def test_a_retried_cancel_and_stock_adjustment_apply_once(gql: Any, admin: str) -> None:
    product, token = await shopping(gql, admin, 10)
    client = Client(gql.http)
    order = (await client(PLACE, order_input((product, 4)), token))["data"]["placeOrder"]["id"]
    key = str(uuid.uuid4())
    for _ in range(2):
        body = await client(CANCEL, {"id": order}, token, key)
        assert body["data"]["cancelOrder"] == {"id": order, "status": "CANCELLED"}, body
    assert await stock_of(gql, product) == 10

    key = str(uuid.uuid4())
    for _ in range(2):
        body = await client(ADJUST, {"id": product, "d": 5}, admin, key)
        assert body["data"]["adjustStock"] == {"stock": 15}, body
    assert await stock_of(gql, product) == 15


async def test_a_transaction_whose_answer_was_lost_is_applied_once(
    faulty: tuple[FaultProxy, Client], gql: Any, admin: str
) -> None:
    proxy, client = faulty
    product, token = await shopping(gql, admin, 10)
    # The first TransactWriteItems reaches DynamoDB; its answer does not come back.
    # The transport sends it again, and DynamoDB knows its ClientRequestToken.
    met: list[str] = []

    def first_transaction(operation: str) -> bool:
        if operation != "TransactWriteItems" or met:
            return False
        met.append(operation)
        return True

    proxy.randomly(1.0, "lost", only=first_transaction)
    body = await client(PLACE, order_input((product, 1)), token)
    proxy.randomly(0)
    assert proxy.injected["lost"] == 1
    assert "errors" not in body, body
    assert await stock_of(gql, product) == 9
    assert len(await orders_of(gql, token)) == 1
    # Every attempt's answer lost: the gateway cannot know, and says so, and the
    # client's retry with its key answers with the one order placed.
    key = str(uuid.uuid4())
    proxy.randomly(1.0, "lost", only=lambda operation: operation == "TransactWriteItems")
    lost = await client(PLACE, order_input((product, 1)), token, key)
    proxy.randomly(0)
    assert codes(lost) == ["SERVICE_UNAVAILABLE"], lost
    retried = await client(PLACE, order_input((product, 1)), token, key)
    assert "errors" not in retried, retried
    assert await stock_of(gql, product) == 8
    placed = await orders_of(gql, token)
    assert len(placed) == 2 and retried["data"]["placeOrder"]["id"] in placed


async def test_an_answer_that_fails_after_the_write_says_it_was_applied(
    faulty: tuple[FaultProxy, Client], gql: Any, admin: str
) -> None:
    proxy, client = faulty
    product, token = await shopping(gql, admin, 10)
    written = []

    def after_the_write(operation: str) -> bool:
        # Every call after the order's transaction fails: the answer cannot be read.
        if operation == "TransactWriteItems":
            written.append(operation)
            return False
        return bool(written)

    proxy.randomly(1.0, "throttle", only=after_the_write)
    body = await client(PLACE, order_input((product, 1)), token)
    proxy.randomly(0)
    assert written and set(codes(body)) == {"SERVICE_UNAVAILABLE"}, body
    for error in body["errors"]:
        assert error["extensions"]["applied"] is True
        assert error["extensions"]["id"] in await orders_of(gql, token)
        assert "the mutation was applied" in error["message"]


async def test_orders_retried_under_heavy_faults_are_never_duplicated(
    faulty: tuple[FaultProxy, Client], gql: Any, admin: str
) -> None:
    proxy, client = faulty
    product, token = await shopping(gql, admin, 100)
    # So many faults that the gateway's own retries give up now and then: the client
    # retries too, with its key.
    proxy.randomly(0.7, "throttle", "throttling", "lost", "internal", seed=10)
    answers: dict[str, str] = {}
    tries = 0
    for n in range(12):
        key = str(uuid.uuid4())
        for _ in range(30):  # a client retrying until it gets an answer
            tries += 1
            body = await client(PLACE, order_input((product, 1), address=f"{n} Retry Road"),
                                token, key)
            if "errors" not in body:
                answers[key] = body["data"]["placeOrder"]["id"]
                break
            assert set(codes(body)) == {"SERVICE_UNAVAILABLE"}, body
    proxy.randomly(0)
    print(f"12 orders, {tries} attempts, faults injected: {dict(proxy.injected)}")
    assert len(answers) == 12 and tries > 12
    assert sorted(await orders_of(gql, token)) == sorted(answers.values())
    assert await stock_of(gql, product) == 100 - 12
