"""The gateway under faults: DynamoDB failing (dev.faults between the two), slow and
hostile clients, deadlines and overload. Whatever happens, a client gets JSON with a
code: SERVICE_UNAVAILABLE with HTTP 503 and Retry-After for what is not its fault,
never a 500, never plain text, never what failed upstream in its own words."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from config import Settings
from data.tokens import claimed_user
from data.transport import MAX_ATTEMPTS
from dev.faults import FAULTS, FaultProxy, fault_proxy
from resolvers import ids
from tests.conftest import codes
from tests.gateway import Served, in_process, started
from tests.raw_http import Answer, exchange
from web.protocol import GRAPHQL_RESPONSE

HOME_FEED = {"query": (Path(__file__).resolve().parent.parent / "bench" / "operations"
                       / "home_feed.graphql").read_text()}
CATEGORIES = {"query": "{ categories { id name } }"}
# What DynamoDB, the proxy or the network say: none of it may reach a client.
UPSTREAM_WORDS = ("127.0.0.1", "http://", "injected", "Throttl", "Bad Gateway", "Exception",
                  "attempts", "html", "non-existent")
MEBIBYTE = 1024 * 1024


def unavailable(response: httpx.Response) -> dict[str, Any]:
    """Asserts a SERVICE_UNAVAILABLE answer: HTTP 503, Retry-After, JSON whose every
    error is SERVICE_UNAVAILABLE, nothing of what failed upstream."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(("application/json", GRAPHQL_RESPONSE))
    assert int(response.headers["retry-after"]) > 0
    body: dict[str, Any] = response.json()
    assert set(codes(body)) == {"SERVICE_UNAVAILABLE"}, body
    assert [word for word in UPSTREAM_WORDS if word in response.text] == [], response.text
    return body


def refused(answer: Answer, status: int) -> None:
    """Asserts a raw answer: `status`, JSON, one BAD_REQUEST error."""
    assert answer.status == status, answer
    assert answer.headers["content-type"].startswith("application/json")
    assert codes(answer.json()) == ["BAD_REQUEST"]


def node_query(seeded: dict[str, Any]) -> dict[str, Any]:
    user = ids.encode("User", seeded["users"][0]["userId"])
    return {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": user}}


def calm(proxy: FaultProxy) -> FaultProxy:
    """The proxy with no fault queued, none at random, no latency, and its count at 0."""
    proxy.fail_next()
    proxy.randomly(0)
    proxy.latency = 0.0
    return proxy


def rss_kib(pid: int) -> int:
    """The resident set of process `pid`, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def agrees(got: Any, expected: Any) -> bool:
    """Whether `got` is `expected` but for values an error nulled."""
    if got is None:
        return True
    if isinstance(expected, dict):
        return (isinstance(got, dict) and got.keys() == expected.keys()
                and all(agrees(got[key], expected[key]) for key in expected))
    if isinstance(expected, list):
        return (isinstance(got, list) and len(got) == len(expected)
                and all(agrees(a, b) for a, b in zip(got, expected, strict=True)))
    return bool(got == expected)


@asynccontextmanager
async def behind_proxy(settings: Settings,
                       **environment: str) -> AsyncIterator[tuple[Served, FaultProxy]]:
    """`tablegate serve` configured with `environment`, reaching DynamoDB Local through a
    fault proxy that runs in the test's loop."""
    async with fault_proxy(str(settings.endpoint)) as proxy, started(
        settings, DYNAMODB_ENDPOINT=proxy.url, **environment
    ) as served:
        yield served, proxy


@pytest.fixture(scope="module")
async def gateway(settings: Settings, seeded: dict[str, Any]
                  ) -> AsyncIterator[tuple[Served, FaultProxy]]:
    """The gateway, with 1 s for a client to send a request's headers, and its body."""
    async with behind_proxy(settings, TABLEGATE_HEADER_TIMEOUT_SECONDS="1",
                            TABLEGATE_BODY_TIMEOUT_SECONDS="1") as both:
        yield both


@pytest.fixture
def faults(gateway: tuple[Served, FaultProxy]) -> Iterator[FaultProxy]:
    """The gateway's proxy, calm before and after the test."""
    proxy = calm(gateway[1])
    yield proxy
    calm(proxy)


@pytest.fixture
def url(gateway: tuple[Served, FaultProxy]) -> str:
    return gateway[0].url


async def test_every_fault_past_the_retries_is_503_json(
    settings: Settings, seeded: dict[str, Any]
) -> None:
    # In-process, every kind at once: each app reaches DynamoDB through a proxy of its own.
    async def meet(kind: str) -> httpx.Response:
        async with fault_proxy(str(settings.endpoint)) as proxy:
            proxy.randomly(1.0, kind)
            async with in_process(replace(settings, endpoint=proxy.url)) as http:
                response = await http.post("/graphql", json=node_query(seeded))
            assert proxy.injected[kind] == MAX_ATTEMPTS
            return response

    for response in await asyncio.gather(*(meet(kind) for kind in FAULTS)):
        unavailable(response)


async def test_faults_over_a_socket_are_503_json_in_either_media_type(
    url: str, faults: FaultProxy, seeded: dict[str, Any]
) -> None:
    query = node_query(seeded)
    # A load balancer's HTML error page, on every call.
    faults.randomly(1.0, "bad_gateway")
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        posted, strict, neither, either = await asyncio.gather(
            http.post("/graphql", json=query),
            http.get("/graphql", headers={"Accept": GRAPHQL_RESPONSE}, params={
                "query": query["query"], "variables": json.dumps(query["variables"])}),
            # A batch is 503 when none of its operations has data, 200 when one has.
            http.post("/graphql", json=[query, CATEGORIES]),
            http.post("/graphql", json=[query, {"query": "{ __typename }"}]),
        )
    unavailable(posted)
    assert strict.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    unavailable(strict)
    assert neither.status_code == 503 and neither.headers["retry-after"]
    assert all(set(codes(body)) == {"SERVICE_UNAVAILABLE"} for body in neither.json())
    assert either.status_code == 200
    assert [body["data"] for body in either.json()] == [{"node": None},
                                                        {"__typename": "Query"}]


async def test_a_token_without_a_user_id_whose_session_cannot_be_read(
    url: str, faults: FaultProxy
) -> None:
    # Tokens other writers made may not start with a user ID: the session is looked up
    # before execution, not with the query's first lookups.
    token = f"legacy-{uuid.uuid4().hex}"
    assert claimed_user(token) is None
    headers = {"Authorization": f"Bearer {token}"}
    viewer = {"query": "{ viewer { id } }"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        anonymous = await http.post("/graphql", json=viewer, headers=headers)
        assert anonymous.status_code == 200 and anonymous.json()["data"] == {"viewer": None}
        faults.fail_next(*["throttling"] * MAX_ATTEMPTS)
        unavailable(await http.post("/graphql", json=viewer, headers=headers))


async def test_random_throttling_answers_the_feed_whole_or_503(
    url: str, faults: FaultProxy
) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        unfaulted = await http.post("/graphql", json=HOME_FEED)
        assert unfaulted.status_code == 200 and "errors" not in unfaulted.json()
        expected = unfaulted.json()["data"]
        faults.randomly(0.5)
        at_once = asyncio.Semaphore(20)

        async def feed() -> httpx.Response:
            async with at_once:
                return await http.post("/graphql", json=HOME_FEED)

        responses = await asyncio.gather(*(feed() for _ in range(100)))
    outcomes: Counter[str] = Counter()
    for response in responses:
        if response.status_code == 503:
            unavailable(response)
            outcomes["unavailable"] += 1
            continue
        assert response.status_code == 200, response.text
        body = response.json()
        if "errors" not in body:
            assert body["data"] == expected
            outcomes["whole"] += 1
            continue
        # A lookup failed past its retries after others had answered: their data, and
        # SERVICE_UNAVAILABLE where it is missing.
        assert set(codes(body)) == {"SERVICE_UNAVAILABLE"}, body
        assert agrees(body["data"], expected)
        outcomes["partial"] += 1
    print(f"\n100 home feeds at 50 % throttling: {outcomes['whole']} whole, "
          f"{outcomes['partial']} partial (200), {outcomes['unavailable']} 503; "
          f"{faults.calls} DynamoDB calls, {sum(faults.injected.values())} throttled")
    # With 4 attempts a call, half the feeds would have failed somewhere.
    assert outcomes["whole"] >= 90


async def test_hostile_http_is_answered_in_json(url: str) -> None:
    refused(await exchange(url, b"GET /graphql HTTP/1.1\r\nHost: \x00\x01\r\n\r\n"), 400)
    refused(await exchange(url, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), 400)


async def test_a_slow_body_is_cut_off(url: str) -> None:
    answer = await exchange(url, b"POST /graphql HTTP/1.1\r\nHost: tablegate\r\n"
                                 b"Content-Type: application/json\r\nContent-Length: 100\r\n"
                                 b"\r\n" + b'{"query": ', until_closed=True)
    refused(answer, 408)
    assert "TABLEGATE_BODY_TIMEOUT_SECONDS" in answer.json()["errors"][0]["message"]


async def test_slow_headers_are_cut_off(url: str) -> None:
    refused(await exchange(url, b"POST /graphql HTTP/1.1\r\nHost: tablegate\r\nContent-",
                           until_closed=True), 408)
    # A connection that never sends a byte is closed, with nothing to answer.
    assert (await exchange(url, b"", until_closed=True)).status == 0


async def test_endless_headers_are_refused(url: str) -> None:
    pads = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 1000) for i in range(100))
    refused(await exchange(url, b"GET /healthz HTTP/1.1\r\nHost: tablegate\r\n" + pads,
                           until_closed=True), 431)


async def test_a_100_mb_body_is_refused_unread(gateway: tuple[Served, FaultProxy]) -> None:
    served, _ = gateway
    declared = (b"POST /graphql HTTP/1.1\r\nHost: tablegate\r\nContent-Type: application/json"
                b"\r\nContent-Length: %d\r\n\r\n" % (100 * MEBIBYTE))
    chunked = (b"POST /graphql HTTP/1.1\r\nHost: tablegate\r\nContent-Type: application/json"
               b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    mebibyte = b"x" * MEBIBYTE
    chunk = b"%x\r\n%s\r\n" % (MEBIBYTE, mebibyte)

    await exchange(served.url, chunked, [chunk] * 2)  # every code path warmed up
    before = rss_kib(served.process.pid)
    answers = [await exchange(served.url, declared, (mebibyte for _ in range(100))),
               await exchange(served.url, chunked, (chunk for _ in range(100)))]
    grown = rss_kib(served.process.pid) - before
    for answer in answers:
        assert answer.status == 413
        assert codes(answer.json()) == ["PAYLOAD_TOO_LARGE"]
    assert grown < 8 * 1024, f"the gateway grew by {grown} KiB"


async def test_missing_table_and_unreachable_dynamodb_in_our_words(
    settings: Settings, seeded: dict[str, Any]
) -> None:
    async def ask(configured: Settings) -> tuple[httpx.Response, httpx.Response]:
        async with in_process(configured) as http:
            return await http.post("/graphql", json=CATEGORIES), await http.get("/readyz")

    missing = replace(settings, table_name=f"tablegate-missing-{uuid.uuid4().hex[:8]}")
    query, ready = await ask(missing)
    unavailable(query)
    assert ready.status_code == 503
    assert ready.json() == {"ready": False, "reason": "table missing",
                            "table": missing.table_name}

    async with fault_proxy(str(settings.endpoint)) as proxy:
        proxy.randomly(1.0, "bad_gateway")
        query, ready = await ask(replace(settings, endpoint=proxy.url))
    unavailable(query)
    assert ready.status_code == 503
    assert ready.json() == {"ready": False, "reason": "dynamodb unavailable"}


@pytest.fixture(scope="module")
async def short_deadline(settings: Settings, seeded: dict[str, Any]
                         ) -> AsyncIterator[tuple[Served, FaultProxy]]:
    async with behind_proxy(settings, TABLEGATE_REQUEST_DEADLINE_SECONDS="1") as both:
        yield both


async def test_a_request_ends_at_its_deadline(short_deadline: tuple[Served, FaultProxy]) -> None:
    served, proxy = short_deadline
    calm(proxy).latency = 3.0  # every DynamoDB call outlasts the 1 s deadline
    legacy = {"Authorization": f"Bearer legacy-{uuid.uuid4().hex}"}
    try:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
            # Execution's lookups, and the session lookup before it: both end in time.
            for headers in ({}, legacy):
                response = await asyncio.wait_for(
                    http.post("/graphql", json=CATEGORIES, headers=headers), 5.0)
                unavailable(response)
    finally:
        calm(proxy)


@pytest.fixture(scope="module")
async def one_at_a_time(settings: Settings, seeded: dict[str, Any]
                        ) -> AsyncIterator[tuple[Served, FaultProxy]]:
    async with behind_proxy(settings, TABLEGATE_MAX_INFLIGHT="1") as both:
        yield both


async def test_requests_past_the_inflight_limit_are_shed(
    one_at_a_time: tuple[Served, FaultProxy]
) -> None:
    served, proxy = one_at_a_time
    calm(proxy).latency = 2.0
    try:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
            first = asyncio.create_task(http.post("/graphql", json=CATEGORIES))

            async def reached_dynamodb() -> None:
                while not proxy.calls:
                    await asyncio.sleep(0.01)

            await asyncio.wait_for(reached_dynamodb(), 10)
            *shed, health, ready = await asyncio.gather(
                *(http.post("/graphql", json=CATEGORIES) for _ in range(4)),
                http.get("/healthz"), http.get("/readyz"))
            answered = await first
    finally:
        calm(proxy)
    for response in shed:
        assert "in flight" in unavailable(response)["errors"][0]["message"]
    assert health.status_code == 200 and ready.status_code == 200
    assert answered.status_code == 200 and answered.json()["data"]["categories"]
