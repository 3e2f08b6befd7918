"""/metrics: Prometheus text whose counters move with requests and DynamoDB calls, with
bounded operation labels, guarded by a token or served on a port of its own, and
summed over `tablegate serve --workers N`.

Apps built in this process share prometheus_client's registry, so the tests compare
counters before and after what they do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from config import Settings, load_http_settings, load_observability_settings
from data.client import Dynamo
from data.transport import MAX_ATTEMPTS
from dev.engine import free_port
from dev.faults import fault_proxy
from server import create_app
from tests.conftest import codes
from tests.gateway import started
from tests.live_client import session
from tests.test_faults import node_query

HOME_FEED = {"query": (Path(__file__).resolve().parent.parent / "bench" / "operations"
                       / "home_feed.graphql").read_text(), "operationName": "HomeFeed"}
TOKEN = "metrics-token-0123456789abcdef"


class Scrape:
    """One /metrics answer, parsed as Prometheus text."""

    def __init__(self, text: str) -> None:
        self.samples: list[tuple[str, dict[str, str], float]] = [
            (sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(text) for sample in family.samples]

    def __call__(self, name: str, **labels: str) -> float:
        """The sum of the samples called `name` whose labels include `labels`."""
        return sum(value for found, their, value in self.samples
                   if found == name and labels.items() <= their.items())

    def labels(self, name: str, label: str) -> set[str]:
        """The values `label` takes among the samples called `name`."""
        return {their[label] for found, their, _ in self.samples if found == name}


async def scrape(http: httpx.AsyncClient, token: str | None = None) -> Scrape:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


def in_process(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://tablegate.test")


async def test_counters_move_with_requests(http: httpx.AsyncClient, seeded: Any) -> None:
    before = await scrape(http)
    for _ in range(3):
        response = await http.post("/graphql", json=HOME_FEED)
        assert response.status_code == 200 and "errors" not in response.json()
    cost = response.json()["extensions"]["cost"]
    after = await scrape(http)
    requests = "tablegate_requests_total"
    assert after(requests, operation="HomeFeed", outcome="ok") - before(
        requests, operation="HomeFeed", outcome="ok") == 3
    durations = "tablegate_request_duration_seconds_count"
    assert after(durations, operation="HomeFeed") - before(durations, operation="HomeFeed") == 3
    # The feed reads with these two (background work of other apps may write meanwhile).
    calls, capacity = "tablegate_dynamodb_calls_total", "tablegate_dynamodb_consumed_capacity_total"
    reads = ("BatchGetItem", "Query")
    assert sum(after(calls, operation=op, result="ok") - before(calls, operation=op, result="ok")
               for op in reads) == 3 * cost["dynamodbCalls"]
    assert after(calls, operation="BatchGetItem") > before(calls, operation="BatchGetItem")
    assert sum(after(capacity, operation=op) - before(capacity, operation=op)
               for op in reads) == pytest.approx(3 * cost["consumedCapacity"], abs=0.05)
    # Scrapes are not GraphQL requests.
    again = await scrape(http)
    assert again(requests) == after(requests)


async def test_an_error_code_becomes_the_outcome(http: httpx.AsyncClient, seeded: Any) -> None:
    before = await scrape(http)
    bad = await http.post("/graphql", json={
        "query": 'query Broken { node(id: "garbage") { id } }', "operationName": "Broken"})
    assert codes(bad.json()) == ["BAD_USER_INPUT"]
    unparsed = await http.post("/graphql", json={"query": "query Unparsed {",
                                                 "operationName": "Unparsed"})
    assert codes(unparsed.json()) == ["GRAPHQL_PARSE_FAILED"]
    huge = await http.post("/graphql", content=b" " * 2_000_000,
                           headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    after = await scrape(http)

    def moved(operation: str, outcome: str) -> float:
        name = "tablegate_requests_total"
        return (after(name, operation=operation, outcome=outcome)
                - before(name, operation=operation, outcome=outcome))

    assert moved("Broken", "BAD_USER_INPUT") == 1
    assert moved("Broken", "ok") == 0
    # A name sent with a document that never ran is not learnt.
    assert moved("other", "GRAPHQL_PARSE_FAILED") == 1
    assert "Unparsed" not in after.labels("tablegate_requests_total", "operation")
    assert moved("anonymous", "PAYLOAD_TOO_LARGE") == 1


async def test_shed_requests_count_as_unavailable(settings: Settings, dynamo: Dynamo,
                                                  seeded: Any) -> None:
    http = replace(load_http_settings(False), max_inflight=0)
    async with in_process(create_app(settings, dynamo, http=http)) as client:
        before = await scrape(client)
        response = await client.post("/graphql", json=HOME_FEED)
        assert response.status_code == 503
        after = await scrape(client)
    name = "tablegate_requests_total"
    # Shed before its body was read: its operation is unknown.
    assert (after(name, operation="anonymous", outcome="SERVICE_UNAVAILABLE")
            - before(name, operation="anonymous", outcome="SERVICE_UNAVAILABLE")) == 1


async def test_a_flood_of_operation_names_stays_within_the_cap(settings: Settings,
                                                               dynamo: Dynamo) -> None:
    observability = replace(load_observability_settings(False), metrics_max_operations=5)
    app = create_app(settings, dynamo, observability=observability)
    async with in_process(app) as client:
        before = await scrape(client)
        for n in range(30):
            name = f"Flood{n}"
            response = await client.post("/graphql", json={
                "query": f"query {name} {{ __typename }}", "operationName": name})
            assert response.json() == {"data": {"__typename": "Query"},
                                       "extensions": response.json()["extensions"]}
        after = await scrape(client)
    flood = {label for label in after.labels("tablegate_requests_total", "operation")
             if label.startswith("Flood")}
    # The app knows `anonymous` and learns 5 more: those of the first 5 operations.
    assert flood == {f"Flood{n}" for n in range(5)}
    other = "tablegate_requests_total"
    assert after(other, operation="other") - before(other, operation="other") == 25


async def test_a_throttled_call_counts_as_retries_and_as_throttled(
        settings: Settings, seeded: Any) -> None:
    async with fault_proxy(str(settings.endpoint)) as proxy:
        faulty = replace(settings, endpoint=proxy.url)
        client = Dynamo(faulty)
        try:
            async with in_process(create_app(faulty, client)) as http:
                before = await scrape(http)
                proxy.fail_next("throttle")
                once = await http.post("/graphql", json=node_query(seeded))
                assert "errors" not in once.json()
                middle = await scrape(http)
                proxy.fail_next(*["throttling"] * MAX_ATTEMPTS)
                failed = await http.post("/graphql", json=node_query(seeded))
                assert failed.status_code == 503
                after = await scrape(http)
        finally:
            await client.close()
    retries, calls = "tablegate_dynamodb_retries_total", "tablegate_dynamodb_calls_total"
    # One throttled attempt, retried once; the call is ok.
    assert middle(retries, reason="throttled") - before(retries, reason="throttled") == 1
    assert middle(calls, result="throttled") == before(calls, result="throttled")
    # Throttled on every attempt: retried to the last, and counted as throttled.
    assert (after(retries, reason="throttled")
            - middle(retries, reason="throttled")) == MAX_ATTEMPTS - 1
    assert after(calls, result="throttled") - middle(calls, result="throttled") == 1
    requests = "tablegate_requests_total"
    assert (after(requests, outcome="SERVICE_UNAVAILABLE")
            - middle(requests, outcome="SERVICE_UNAVAILABLE")) == 1


async def test_the_token_guards_metrics(settings: Settings, dynamo: Dynamo) -> None:
    guarded = load_observability_settings(True, {"TABLEGATE_METRICS_TOKEN": TOKEN})
    production = replace(settings, environment="production")
    async with in_process(create_app(production, dynamo, observability=guarded)) as client:
        missing = await client.get("/metrics")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert codes(missing.json()) == ["UNAUTHENTICATED"]
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-it"})
        assert wrong.status_code == 403 and codes(wrong.json()) == ["FORBIDDEN"]
        assert (await scrape(client, TOKEN))("tablegate_requests_total") >= 0
    # Production without a token or a port of its own: not served at all.
    unguarded = load_observability_settings(True, {})
    async with in_process(create_app(production, dynamo, observability=unguarded)) as client:
        refused = await client.get("/metrics")
        assert refused.status_code == 404 and codes(refused.json()) == ["NOT_FOUND"]


@pytest.fixture(scope="module")
async def metrics_port(settings: Settings, seeded: Any) -> AsyncIterator[tuple[str, str]]:
    """`tablegate serve` with /metrics on a port of its own: (gateway URL, metrics URL)."""
    port = free_port()
    async with started(settings, TABLEGATE_METRICS_PORT=str(port),
                       TABLEGATE_STREAM_POLL_MS="100") as served:
        yield served.url, f"http://127.0.0.1:{port}"


async def test_metrics_on_a_port_of_their_own(metrics_port: tuple[str, str]) -> None:
    url, metrics_url = metrics_port
    async with httpx.AsyncClient(base_url=url) as gateway, httpx.AsyncClient(
            base_url=metrics_url) as metrics:
        assert (await gateway.get("/metrics")).status_code == 404
        before = await scrape(metrics)
        assert (await gateway.post("/graphql", json=HOME_FEED)).status_code == 200
        after = await scrape(metrics)
        # The port serves /metrics only.
        assert (await metrics.get("/graphql")).status_code == 404
    name = "tablegate_requests_total"
    assert after(name, operation="HomeFeed") - before(name, operation="HomeFeed") == 1


async def test_open_subscriptions_are_counted(metrics_port: tuple[str, str]) -> None:
    url, metrics_url = metrics_port
    gauge = "tablegate_subscriptions_open"

    async def settles_at(expected: float) -> bool:
        async with httpx.AsyncClient(base_url=metrics_url) as metrics:
            for _ in range(100):
                if (await scrape(metrics))(gauge) == expected:
                    return True
                await asyncio.sleep(0.1)
        return False

    async with session(url) as client:
        first = await client.subscribe("subscription { postPublished { id } }")
        await client.subscribe("subscription { postPublished { id } }")
        assert await settles_at(2)
        await first.complete()
        assert await settles_at(1)
    assert await settles_at(0)


def counted_by(folder: Path, operation: str) -> int:
    """How many processes' counter files (one a worker) count a request of `operation`."""
    return sum(
        any(sample.name == "tablegate_requests_total" and sample.value > 0
            and sample.labels.get("operation") == operation
            for family in MultiProcessCollector.merge([str(path)])
            for sample in family.samples)
        for path in folder.glob("counter_*.db"))


async def test_workers_sum_their_counters(settings: Settings, seeded: Any,
                                          tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    async with started(settings, "--workers", "2", PROMETHEUS_MULTIPROC_DIR=str(folder),
                       TABLEGATE_METRICS_TOKEN=TOKEN) as served:
        sent = 0

        async def one() -> None:
            # A connection of its own: the kernel hands connections to either worker.
            async with httpx.AsyncClient(base_url=served.url) as http:
                response = await http.post("/graphql", json={
                    "query": "query Spread { __typename }", "operationName": "Spread"})
                assert response.status_code == 200

        for _ in range(20):
            await asyncio.gather(*(one() for _ in range(10)))
            sent += 10
            if counted_by(folder, "Spread") == 2:
                break
        else:
            pytest.fail("one worker served every request")
        async with httpx.AsyncClient(base_url=served.url) as http:
            for _ in range(4):  # whichever worker answers, it sums both
                scraped = await scrape(http, TOKEN)
                assert scraped("tablegate_requests_total", operation="Spread") == sent
