"""Logs a person can use: one access line per request, client mistakes at INFO without
a traceback, JSON lines in production."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import httpx
import pytest

from config import Settings
from data.client import Dynamo
from server import create_app


async def test_a_client_mistake_is_one_info_line(
    http: httpx.AsyncClient, seeded: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await http.post("/graphql", json={
        "query": "query Broken { node(id: \"garbage\") { id } }", "operationName": "Broken"})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    request_id = response.headers["x-request-id"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in caplog.records if r.exc_info]
    mistakes = [r.getMessage() for r in caplog.records if r.name == "tablegate.errors"]
    message = response.json()["errors"][0]["message"]
    assert mistakes == [f"request {request_id}: BAD_USER_INPUT {message} at node"]
    access = [r.getMessage() for r in caplog.records if r.name == "tablegate.access"]
    assert len(access) == 1
    assert access[0].startswith("POST /graphql Broken 200 ")
    assert access[0].endswith(f"id={request_id}")


async def test_a_callers_request_id_is_kept(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ __typename }"},
                               headers={"x-request-id": "edge-1234abcd"})
    assert response.headers["x-request-id"] == "edge-1234abcd"
    forged = await http.post("/graphql", json={"query": "{ __typename }"},
                             headers={"x-request-id": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"


async def test_production_access_lines_are_json(
    settings: Settings, dynamo: Dynamo, seeded: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(replace(settings, environment="production"), dynamo)
    caplog.set_level(logging.INFO, logger="tablegate.access")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tablegate.test") as client:
        response = await client.post("/graphql", json={
            "query": "query Feed { posts(first: 2) { nodes { id } } }", "operationName": "Feed"})
    line = json.loads([r.getMessage() for r in caplog.records
                       if r.name == "tablegate.access"][-1])
    assert line["operation"] == "Feed"
    assert line["status"] == 200
    assert line["method"] == "POST"
    assert line["dynamodbCalls"] == response.json()["extensions"]["cost"]["dynamodbCalls"] > 0
    assert line["requestId"] == response.headers["x-request-id"]
    assert line["durationMs"] > 0
