"""GraphQL over HTTP as clients speak it: every protocol mistake is a JSON GraphQL error
with a code, media types and status codes follow the GraphQL-over-HTTP spec, and a
batch (Apollo's BatchHttpLink) shares its lookups."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import codes
from web.protocol import GRAPHQL_RESPONSE, JSON, response_media_type

FEED = ("query Feed($first: Int) "
        "{ posts(first: $first) { nodes { id title author { displayName } } } }")
RESPONSE_TYPE = {"Accept": f"{GRAPHQL_RESPONSE}, {JSON};q=0.9"}


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Asserts a JSON GraphQL error body with `code` and HTTP `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(("application/json", GRAPHQL_RESPONSE))
    body: dict[str, Any] = response.json()
    assert codes(body) == [code], body
    assert "data" not in body
    return body


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"{not json", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"\xff\xfe{}", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"null", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b'"query"', {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"123", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"true", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"[null]", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b'[{"query": "{ __typename }"}, 5]', {"content-type": "application/json"}, 400,
         "BAD_REQUEST"),
        (b'{"query": "{ __typename }', {"content-type": "application/json"}, 400,
         "BAD_REQUEST"),
        (b'{"query": "{ __typename }"}\xff', {"content-type": "application/json"}, 400,
         "BAD_REQUEST"),
        (b"{}", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b'{"query": 7}', {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b'{"query": "{ posts { nodes { id } } }", "variables": [1]}',
         {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"[]", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"{ posts { nodes { id } } }", {"content-type": "text/plain"}, 415,
         "UNSUPPORTED_MEDIA_TYPE"),
        (b"{}", {}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"query=%7B__typename%7D", {"content-type": "application/x-www-form-urlencoded"}, 415,
         "UNSUPPORTED_MEDIA_TYPE"),
        (b"--x\r\n\r\n{}\r\n--x--", {"content-type": "multipart/form-data; boundary=x"}, 415,
         "UNSUPPORTED_MEDIA_TYPE"),
        (b'{"query": "{ __typename }"}', {"content-type": "application/json; charset=latin-1"},
         415, "UNSUPPORTED_MEDIA_TYPE"),
    ],
)
async def test_malformed_posts_are_json_errors_with_codes(
    http: httpx.AsyncClient, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    refused(await http.post("/graphql", content=content, headers=headers), status, code)


async def test_wrong_method_is_405_json_with_allow(http: httpx.AsyncClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = await http.request(method, "/graphql", json={"query": "{ __typename }"})
        refused(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == "GET, POST"


async def test_a_mutation_over_get_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, admin: str
) -> None:
    response = await http.get("/graphql", params={
        "query": 'mutation { signOut }'}, headers={"Authorization": f"Bearer {admin}"})
    refused(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    # The session is still good.
    me = await http.post("/graphql", json={"query": "{ viewer { email } }"},
                         headers={"Authorization": f"Bearer {admin}"})
    assert me.json()["data"]["viewer"]["email"]


async def test_queries_over_get(http: httpx.AsyncClient, seeded: dict[str, Any]) -> None:
    response = await http.get("/graphql", params={
        "query": FEED, "variables": json.dumps({"first": 2}), "operationName": "Feed"})
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["posts"]["nodes"]) == 2
    refused(await http.get("/graphql", params={"query": FEED, "variables": "{oops"}),
            400, "BAD_REQUEST")
    refused(await http.get("/graphql"), 400, "BAD_REQUEST")


async def test_unknown_operation_name(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": FEED, "operationName": "Nope"})
    refused(response, 400, "OPERATION_RESOLUTION_FAILURE")


async def test_unknown_paths_are_json(http: httpx.AsyncClient) -> None:
    refused(await http.get("/nothing-here"), 404, "NOT_FOUND")


async def test_oversized_bodies_are_refused_unread(http: httpx.AsyncClient) -> None:
    big = b'{"query": "{ __typename }", "pad": "' + b"x" * 2_000_000 + b'"}'
    response = await http.post("/graphql", content=big,
                               headers={"content-type": "application/json"})
    refused(response, 413, "PAYLOAD_TOO_LARGE")


async def test_media_types_and_status_codes(http: httpx.AsyncClient,
                                            seeded: dict[str, Any]) -> None:
    broken = {"query": "{ posts { nodes { nope } } }"}
    # application/json (and no Accept at all): 200 for any well-formed request.
    legacy = await http.post("/graphql", json=broken)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith(JSON)
    assert codes(legacy.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    # application/graphql-response+json: a request error is 400, without `data`.
    strict = await http.post("/graphql", json=broken, headers=RESPONSE_TYPE)
    assert strict.status_code == 400
    assert strict.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in strict.json()
    ok = await http.post("/graphql", json={"query": FEED, "variables": {"first": 1}},
                         headers=RESPONSE_TYPE)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    # A field error is not a request error: data comes back, with 200.
    partial = await http.post("/graphql", json={"query": "{ viewer { email } posts(first: 1) "
                                                "{ nodes { id } } }"}, headers=RESPONSE_TYPE)
    assert partial.status_code == 200, partial.text
    assert partial.json()["data"]["posts"]["nodes"]


def test_accept_negotiation() -> None:
    assert response_media_type(None) == JSON
    assert response_media_type("*/*") == JSON
    assert response_media_type("application/json") == JSON
    assert response_media_type(GRAPHQL_RESPONSE) == GRAPHQL_RESPONSE
    assert response_media_type(f"{GRAPHQL_RESPONSE}, {JSON};q=0.9") == GRAPHQL_RESPONSE
    assert response_media_type(f"{GRAPHQL_RESPONSE};q=0.5, {JSON}") == JSON
    assert response_media_type("text/html") == JSON


async def test_a_batch_answers_in_order_and_coalesces(
    http: httpx.AsyncClient, seeded: dict[str, Any]
) -> None:
    feed = (await http.post("/graphql", json={"query": "{ posts(first: 3) { nodes { id } } }"}))
    ids = [n["id"] for n in feed.json()["data"]["posts"]["nodes"]]
    query = ("query Post($id: ID!) "
             "{ node(id: $id) { ... on Post { id title author { displayName } } } }")
    operations = [{"query": query, "variables": {"id": i}, "operationName": "Post"} for i in ids]

    separate = 0
    for operation in operations:
        body = (await http.post("/graphql", json=operation)).json()
        separate += body["extensions"]["cost"]["dynamodbCalls"]
    batched = await http.post("/graphql", json=operations)
    assert batched.status_code == 200
    results = batched.json()
    assert [r["data"]["node"]["id"] for r in results] == ids
    assert all(r["data"]["node"]["author"]["displayName"] for r in results)
    cost = results[0]["extensions"]["cost"]
    assert cost["batchOperations"] == 3
    assert cost["dynamodbCalls"] < separate
    assert cost["roundTrips"] == 2  # the posts in one BatchGetItem, their authors in one more


async def test_a_batch_reports_each_operations_errors_in_its_own_slot(
    http: httpx.AsyncClient, seeded: dict[str, Any]
) -> None:
    response = await http.post("/graphql", json=[
        {"query": "{ posts(first: 1) { nodes { id } } }"},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        {"query": "{ nope }"},
    ])
    assert response.status_code == 200
    first, second, third = response.json()
    assert first["data"]["posts"]["nodes"]
    assert codes(second) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert codes(third) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_batch_larger_than_the_limit_is_refused(http: httpx.AsyncClient) -> None:
    batch = [{"query": "{ __typename }"}] * 11
    refused(await http.post("/graphql", json=batch), 400, "BATCH_TOO_LARGE")


async def test_a_mutation_in_a_batch_reads_its_own_write(
    http: httpx.AsyncClient, seeded: dict[str, Any], admin: str
) -> None:
    post = (await http.post("/graphql", json={"query": "{ posts(first: 1) { nodes { id } } }"}))
    post_id = post.json()["data"]["posts"]["nodes"][0]["id"]
    read = "query P($id: ID!) { node(id: $id) { ... on Post { commentCount } } }"
    comment = ("mutation C($id: ID!) { addComment(input: {postId: $id, content: \"batched\"}) "
               "{ post { commentCount } } }")
    auth = {"Authorization": f"Bearer {admin}"}
    before = (await http.post("/graphql", json={"query": read, "variables": {"id": post_id}},
                              headers=auth)).json()["data"]["node"]["commentCount"]
    # The query caches the post before the mutation reads it back: the mutation must
    # still see its own comment counted.
    response = await http.post("/graphql", headers=auth, json=[
        {"query": read, "variables": {"id": post_id}},
        {"query": comment, "variables": {"id": post_id}},
    ])
    queried, commented = response.json()
    assert "errors" not in commented, commented
    assert commented["data"]["addComment"]["post"]["commentCount"] == before + 1
    assert queried["data"]["node"]["commentCount"] in (before, before + 1)
