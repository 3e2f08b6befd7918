"""`python -m bench --faults`: a gateway process whose DynamoDB calls fail on purpose, and
what its clients get.

The gateway reaches DynamoDB through dev.faults' proxy (in this process), chained in
front of the bench's latency proxy. Each scenario sets a fault rate and mix, then:

- reads: home feeds of a signed-in reader, one at a time; each answer is compared with
  the answer the unfaulted gateway gave: the same data, some of it with the rest
  SERVICE_UNAVAILABLE (partial), a 503 SERVICE_UNAVAILABLE JSON body, or anything
  else (wrong: an HTTP 500, a text body, other data, other codes);
- orders: placeOrder of one unit, each retried by the client with its Idempotency-Key
  until it is answered (at most RETRIES times); then the customer's orders and the
  product's stock are read with the faults off, so a duplicate cannot hide.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench import documents
from bench.environment import world
from bench.services import Table, start_gateway
from dev.faults import FaultProxy, fault_proxy

RETRIES = 20
READS = 100
ORDERS = 40
THROTTLING = ("throttle", "throttling")
EVERY_FAULT = ("throttle", "throttling", "internal", "unavailable", "bad_gateway", "reset",
               "lost")
SCENARIOS = (
    ("20% throttled", 0.2, THROTTLING),
    ("50% throttled", 0.5, THROTTLING),
    ("30% any fault", 0.3, EVERY_FAULT),
)

_SIGN_UP = "mutation($i: SignUpInput!) { signUp(input: $i) { token } }"
_PRODUCT = """
mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }"""
_STOCK = "query($id: ID!) { product(id: $id) { stock } }"
_ORDERS = "{ viewer { orders(first: 100) { nodes { id } } } }"


@dataclass
class Outcome:
    """One scenario's figures."""

    scenario: str
    reads: Counter[str]
    read_ms: list[float]
    orders: int
    attempts: int
    unanswered: int
    placed: int
    stock_taken: int
    injected: Counter[str]


class Client:
    """POSTs GraphQL and sorts what comes back."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = f"{url}/graphql"

    async def post(self, query: str, variables: dict[str, Any] | None = None,
                   token: str | None = None, key: str | None = None
                   ) -> tuple[int, str, dict[str, Any] | None]:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["Idempotency-Key"] = key
        async with self.http.post(self.url, json={"query": query, "variables": variables or {}},
                                  headers=headers) as reply:
            kind = reply.headers.get("content-type", "")
            body = await reply.json(content_type=None) if "json" in kind else None
            return reply.status, kind, body

    async def data(self, query: str, variables: dict[str, Any] | None = None,
                   token: str | None = None) -> dict[str, Any]:
        status, _, body = await self.post(query, variables, token)
        if status != 200 or body is None or body.get("errors"):
            raise RuntimeError(f"{query.split('{')[0].strip()}: HTTP {status} {body}")
        found: dict[str, Any] = body["data"]
        return found


def _verdict(status: int, kind: str, body: dict[str, Any] | None, expected: Any) -> str:
    if body is None or "json" not in kind:
        return "wrong"
    codes = {error.get("extensions", {}).get("code") for error in body.get("errors") or []}
    if status == 200 and not codes and body.get("data") == expected:
        return "correct"
    if status == 503 and codes == {"SERVICE_UNAVAILABLE"}:
        return "503"
    if status == 200 and codes == {"SERVICE_UNAVAILABLE"} and body.get("data") is not None:
        return "partial"
    return "wrong"


async def _reads(client: Client, token: str, expected: Any) -> tuple[Counter[str], list[float]]:
    feed = documents.load("home_feed")
    verdicts: Counter[str] = Counter()
    took: list[float] = []
    for _ in range(READS):
        started = time.perf_counter()
        status, kind, body = await client.post(feed, {"first": 20}, token)
        took.append((time.perf_counter() - started) * 1000)
        verdicts[_verdict(status, kind, body, expected)] += 1
    return verdicts, took


async def _orders(client: Client, faults: FaultProxy, token: str, product: str,
                  scenario: tuple[str, float, tuple[str, ...]]) -> tuple[int, int, set[str]]:
    """Place ORDERS orders through the faults; (attempts, unanswered, answered IDs)."""
    place = documents.load("place_order")
    attempts, unanswered, answered = 0, 0, set()
    _, rate, kinds = scenario
    for n in range(ORDERS):
        variables = {"input": {"lines": [{"productId": product, "quantity": 1}],
                               "shippingAddress": f"{n} Fault Street"}}
        key = str(uuid.uuid4())
        faults.randomly(rate, *kinds, seed=n)
        for _ in range(RETRIES):
            attempts += 1
            status, _, body = await client.post(place, variables, token, key)
            if status == 200 and body is not None and not body.get("errors"):
                answered.add(body["data"]["placeOrder"]["id"])
                break
        else:
            unanswered += 1
    faults.randomly(0)
    return attempts, unanswered, answered


async def _scenario(client: Client, faults: FaultProxy, scenario: tuple[str, float,
                                                                       tuple[str, ...]],
                    reader: str, expected: Any, admin: str) -> Outcome:
    title, rate, kinds = scenario
    customer = (await client.data(_SIGN_UP, {"i": {
        "email": f"fault-{uuid.uuid4().hex[:10]}@example.com",
        "password": "correct horse battery"}}))["signUp"]["token"]
    product = (await client.data(_PRODUCT, {"i": {
        "name": "Fault widget", "category": f"Faults {uuid.uuid4().hex[:8]}",
        "price": "1.00", "stock": 1000}}, admin))["createProduct"]["id"]
    faults.injected.clear()
    faults.randomly(rate, *kinds)
    verdicts, took = await _reads(client, reader, expected)
    faults.randomly(0)
    attempts, unanswered, answered = await _orders(client, faults, customer, product, scenario)
    placed = (await client.data(_ORDERS, token=customer))["viewer"]["orders"]["nodes"]
    stock = (await client.data(_STOCK, {"id": product}))["product"]["stock"]
    extra = {node["id"] for node in placed} - answered
    if extra:
        print(f"  {title}: orders placed but never answered: {sorted(extra)}")
    return Outcome(title, verdicts, took, ORDERS, attempts, unanswered, len(placed),
                   1000 - stock, Counter(faults.injected))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _print(outcomes: list[Outcome]) -> None:
    print(f"\n{'scenario':15} {'reads':>5} {'correct':>7} {'partial':>7} {'503':>5} {'wrong':>5} "
          f"{'p50 ms':>7} {'p99 ms':>7} | {'orders':>6} {'tries':>5} {'unans.':>6} "
          f"{'placed':>6} {'stock-':>6} {'dup':>4}")
    for o in outcomes:
        print(f"{o.scenario:15} {READS:5} {o.reads['correct']:7} {o.reads['partial']:7} "
              f"{o.reads['503']:5} "
              f"{o.reads['wrong']:5} {_percentile(o.read_ms, 0.5):7.0f} "
              f"{_percentile(o.read_ms, 0.99):7.0f} | {o.orders:6} {o.attempts:5} "
              f"{o.unanswered:6} {o.placed:6} {o.stock_taken:6} "
              f"{o.placed - (o.orders - o.unanswered):4}")
    for o in outcomes:
        print(f"  {o.scenario}: faults injected {dict(sorted(o.injected.items()))}")


async def run(args: argparse.Namespace) -> None:
    """Seed, start one gateway behind the fault proxy, run the scenarios, print the table."""
    with world(args.source, args.scale, args.latency) as bench:
        async with fault_proxy(bench.proxy) as faults:
            table = Table(faults.url, bench.table.name, bench.table.secret, bench.table.region)
            child, url = start_gateway(args.source, table, args.workers)
            try:
                async with aiohttp.ClientSession() as http:
                    client = Client(http, url)
                    users = bench.summary["users"]
                    admin, reader = users[0]["token"], users[3]["token"]
                    expected = await client.data(documents.load("home_feed"), {"first": 20},
                                                 reader)
                    print(f"{READS} home feeds and {ORDERS} orders per scenario; orders "
                          f"retried with their Idempotency-Key up to {RETRIES} times")
                    outcomes = [await _scenario(client, faults, scenario, reader, expected,
                                                admin) for scenario in SCENARIOS]
            finally:
                child.stop()
    _print(outcomes)
    print("  correct: the unfaulted answer; partial: HTTP 200, some data, the rest "
          "SERVICE_UNAVAILABLE;\n  503: SERVICE_UNAVAILABLE JSON with HTTP 503; "
          "wrong: anything else\n  placed: orders in the table; stock-: units taken; "
          "dup: placed minus answered")
