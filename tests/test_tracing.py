"""Tracing: a W3C `traceparent` is logged beside the request id, and with
OTEL_EXPORTER_OTLP_ENDPOINT set each request's span and its DynamoDB calls' spans
reach an OTLP/HTTP collector (a small one here, decoding what it receives)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from config import Settings
from data.client import Dynamo
from dev.engine import free_port
from server import create_app
from tests.gateway import started
from web.tracing import TraceParent, parse_traceparent

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE}-{PARENT}-01"
HOME_FEED = {"query": (Path(__file__).resolve().parent.parent / "bench" / "operations"
                       / "home_feed.graphql").read_text(), "operationName": "HomeFeed"}


def test_traceparent_is_read_as_the_w3c_format_says() -> None:
    assert parse_traceparent(TRACEPARENT) == TraceParent(TRACE, PARENT, 1)
    # A later version may add fields; version 00 may not.
    assert parse_traceparent(f"01-{TRACE}-{PARENT}-00-more") == TraceParent(TRACE, PARENT, 0)
    for invalid in (None, "", "garbage", f"00-{TRACE}-{PARENT}-01-more",
                    f"ff-{TRACE}-{PARENT}-01", f"00-{'0' * 32}-{PARENT}-01",
                    f"00-{TRACE}-{'0' * 16}-01", f"00-{TRACE.upper()}-{PARENT}-01",
                    f"00-{TRACE[:-1]}-{PARENT}-01"):
        assert parse_traceparent(invalid) is None, invalid


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tablegate.access"]


async def test_the_trace_id_is_logged_beside_the_request_id(
        http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tablegate.access")
    traced = await http.post("/graphql", json={"query": "{ __typename }"},
                             headers={"traceparent": TRACEPARENT})
    request_id = traced.headers["x-request-id"]
    assert access_lines(caplog)[-1].endswith(f" trace={TRACE} id={request_id}")
    invalid = await http.post("/graphql", json={"query": "{ __typename }"},
                              headers={"traceparent": f"00-{TRACE}-{PARENT}"})
    assert access_lines(caplog)[-1].endswith(f"calls=0 id={invalid.headers['x-request-id']}")


async def test_production_lines_carry_the_trace_id(
        settings: Settings, dynamo: Dynamo, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tablegate.access")
    app = create_app(replace(settings, environment="production"), dynamo)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tablegate.test") as client:
        await client.post("/graphql", json={"query": "{ __typename }"},
                          headers={"traceparent": TRACEPARENT})
        await client.post("/graphql", json={"query": "{ __typename }"})
    traced, untraced = (json.loads(line) for line in access_lines(caplog)[-2:])
    assert traced["traceId"] == TRACE
    assert untraced["traceId"] is None


@asynccontextmanager
async def collector() -> AsyncIterator[tuple[str, list[Span]]]:
    """An OTLP/HTTP trace receiver on a free port: its URL, and the spans it received."""
    received: list[Span] = []

    async def traces(request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.read())
        received.extend(span for resource in export.resource_spans
                        for scope in resource.scope_spans for span in scope.spans)
        return web.Response(body=ExportTraceServiceResponse().SerializeToString(),
                            content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        await runner.cleanup()


def attributes(span: Span) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for attribute in span.attributes:
        value = attribute.value
        found[attribute.key] = getattr(value, value.WhichOneof("value"))
    return found


async def test_spans_reach_an_otlp_collector(settings: Settings, seeded: Any) -> None:
    async with collector() as (endpoint, received), started(
            settings, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_BSP_SCHEDULE_DELAY="50",
            OTEL_SERVICE_NAME="tablegate-test") as served:
        async with httpx.AsyncClient(base_url=served.url) as http:
            response = await http.post("/graphql", json=HOME_FEED,
                                       headers={"traceparent": TRACEPARENT})
        calls = response.json()["extensions"]["cost"]["dynamodbCalls"]
        assert calls > 0

        def of_the_trace() -> list[Span]:
            return [span for span in received if span.trace_id.hex() == TRACE]

        for _ in range(200):
            if len(of_the_trace()) >= calls + 1:
                break
            await asyncio.sleep(0.05)
    spans = of_the_trace()
    servers = [span for span in spans if span.kind == Span.SPAN_KIND_SERVER]
    assert len(servers) == 1
    request = servers[0]
    assert request.parent_span_id.hex() == PARENT
    assert request.name == "POST /graphql"
    assert attributes(request)["graphql.operation.name"] == "HomeFeed"
    assert attributes(request)["http.response.status_code"] == 200
    dynamodb = [span for span in spans if span.kind == Span.SPAN_KIND_CLIENT]
    assert len(dynamodb) == calls
    assert {span.parent_span_id for span in dynamodb} == {request.span_id}
    assert all(span.name.startswith("DynamoDB ") for span in dynamodb)
    first = attributes(dynamodb[0])
    assert first["tablegate.dynamodb.result"] == "ok"
    assert first["tablegate.dynamodb.attempts"] == 1
    assert first["tablegate.dynamodb.consumed_capacity"] > 0
