"""Every failure says what happened in extensions.code; nothing leaks as a bare 500."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from data.client import to_wire
from data.ulid import new_ulid
from resolvers.ids import encode
from tests.conftest import codes
from web import AccessLog, LastResort


async def test_document_errors(gql: Any) -> None:
    assert codes(await gql("{ posts { ")) == ["GRAPHQL_PARSE_FAILED"]
    assert codes(await gql("{ nope }")) == ["GRAPHQL_VALIDATION_FAILED"]
    bad_variable = await gql("query($n: Int) { posts(first: $n) { nodes { id } } }", {"n": "ten"})
    assert codes(bad_variable) == ["BAD_USER_INPUT"]


async def test_limits_answer_query_too_complex(gql: Any) -> None:
    deep = "{ posts { nodes { author { id } } } }"
    for _ in range(3):
        deep = deep.replace("author { id }", "author { posts { nodes { author { id } } } }")
    assert codes(await gql(deep)) == ["QUERY_TOO_COMPLEX"]
    wide = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(40)) + " }"
    assert codes(await gql(wide)) == ["QUERY_TOO_COMPLEX"]


async def test_unexpected_failures_are_masked_with_a_request_id(gql: Any, dynamo: Any) -> None:
    # A post whose viewCount is no number: no record can be made of it.
    pid = new_ulid()
    item = {
        "PK": f"POST#{pid}",
        "SK": "POST",
        "entityType": "POST",
        "postId": pid,
        "authorId": new_ulid(),
        "title": "Garbled",
        "slug": f"garbled-{pid.lower()}",
        "viewCount": "many",
        "content": "x",
        "status": "PUBLISHED",
        "publishedAt": "2026-01-01T00:00:00.000Z",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "version": 1,
    }
    await dynamo.call("put_item", TableName=dynamo.table, Item=to_wire(item))
    body = await gql(
        "query($id: ID!) { post(id: $id) { title author { id } } }", {"id": encode("Post", pid)}
    )
    assert codes(body) == ["INTERNAL_SERVER_ERROR"]
    error = body["errors"][0]
    assert error["extensions"]["requestId"] in error["message"]
    assert "many" not in error["message"] and "literal" not in error["message"]
    await dynamo.call(
        "delete_item", TableName=dynamo.table, Key=to_wire({"PK": item["PK"], "SK": "POST"})
    )


async def test_every_response_reports_its_cost(gql: Any) -> None:
    body = await gql("{ categories { id } }")
    cost = body["extensions"]["cost"]
    assert cost["dynamodbCalls"] == 1 and cost["roundTrips"] == 1


async def test_production_refuses_introspection_unless_enabled(settings: Any, dynamo: Any) -> None:
    from dataclasses import replace

    import httpx

    from server import create_app

    query = {"query": "{ __schema { queryType { name } } }"}
    for introspection, expected in ((False, {"GRAPHQL_VALIDATION_FAILED"}), (True, set())):
        closed = replace(settings, environment="production", introspection=introspection)
        transport = httpx.ASGITransport(app=create_app(closed, dynamo))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body = (await client.post("/graphql", json=query)).json()
        assert set(codes(body)) == expected, body
        assert ("data" in body and body["data"] is not None) is introspection


async def test_a_bug_out_of_the_app_is_a_json_500_with_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("a secret detail")

    caplog.set_level(logging.ERROR)
    app = AccessLog(LastResort(broken), as_json=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as client:
        response = await client.post("/graphql", json={"query": "{ __typename }"},
                                     headers={"x-request-id": "bug-report-1"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"] == "bug-report-1"
    assert codes(response.json()) == ["INTERNAL_SERVER_ERROR"]
    assert response.json()["errors"][0]["extensions"]["requestId"] == "bug-report-1"
    assert "secret" not in response.text
    logged = [r for r in caplog.records if r.exc_info and "bug-report-1" in r.getMessage()]
    assert logged and "a secret detail" in str(logged[0].exc_info[1])
