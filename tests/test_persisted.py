"""Persisted documents: Apollo's APQ (miss, register, hit; over GET and POST) and the
trusted-documents mode that runs only a manifest's documents."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cli
from config import Settings, load_http_settings
from data.client import Dynamo
from server import create_app
from tests.conftest import codes
from web import QueryStore, document_hash, manifest, manifest_of

OPERATIONS = Path(__file__).resolve().parent.parent / "bench" / "operations"


def contract_manifest() -> dict[str, Any]:
    return manifest_of([OPERATIONS])


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_apq_miss_register_hit_over_post(http: httpx.AsyncClient,
                                               seeded: dict[str, Any]) -> None:
    # A document nobody sent before: unique by its alias.
    query = f"{{ p{uuid.uuid4().hex[:8]}: posts(first: 2) {{ nodes {{ id }} }} }}"
    digest = document_hash(query)
    # Apollo Client 4 asks for application/graphql-response+json first.
    miss = await http.post("/graphql", json={"extensions": persisted(digest)},
                           headers={"Accept": "application/graphql-response+json, "
                                              "application/json;q=0.9"})
    # 200: Apollo's link would turn persisted queries off for good on a 400.
    assert miss.status_code == 200
    assert codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = await http.post("/graphql", json={"query": query, "extensions": persisted(digest)})
    assert "errors" not in registered.json()
    hit = await http.post("/graphql", json={"extensions": persisted(digest)})
    assert hit.json()["data"] == registered.json()["data"]


async def test_apq_over_get_is_cacheable_when_anonymous(http: httpx.AsyncClient,
                                                        seeded: dict[str, Any]) -> None:
    query = f"{{ p{uuid.uuid4().hex[:8]}: posts(first: 1) {{ nodes {{ title }} }} }}"
    params = {"extensions": json.dumps(persisted(document_hash(query)))}
    miss = await http.get("/graphql", params=params)
    assert codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert miss.headers["cache-control"] == "private, no-store"  # a CDN must not keep a miss
    registered = await http.get("/graphql", params={**params, "query": query})
    assert "errors" not in registered.json()
    hit = await http.get("/graphql", params=params)
    assert hit.json()["data"] == registered.json()["data"]
    assert hit.headers["cache-control"].startswith("public")
    assert "Authorization" in hit.headers["vary"]
    signed_in = await http.get("/graphql", params=params,
                               headers={"Authorization": "Bearer " + "x" * 20})
    assert signed_in.headers["cache-control"] == "private, no-store"


async def test_apq_refuses_a_hash_that_does_not_match(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={
        "query": "{ __typename }", "extensions": persisted("0" * 64)})
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]


async def test_apq_does_not_keep_documents_that_fail_validation(
    http: httpx.AsyncClient,
) -> None:
    query = "{ noSuchField }"
    digest = document_hash(query)
    await http.post("/graphql", json={"query": query, "extensions": persisted(digest)})
    again = await http.post("/graphql", json={"extensions": persisted(digest)})
    assert codes(again.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_the_store_is_bounded_by_bytes() -> None:
    store = QueryStore(max_bytes=100)
    for n in range(10):
        store.put(str(n), "x" * 30)
    assert store.get("0") is None
    assert store.get("9") == "x" * 30
    assert sum(store.get(str(n)) is not None for n in range(10)) == 3


@pytest.fixture
async def trusted(settings: Settings, dynamo: Dynamo, seeded: dict[str, Any],
                  tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    written = contract_manifest()
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(written))
    http = load_http_settings(False, {"TABLEGATE_TRUSTED_DOCUMENTS": str(path)})
    app = create_app(settings, dynamo, http)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tablegate.test") as client:
        yield client, written


async def test_trusted_documents_run_only_the_manifest(
    trusted: tuple[httpx.AsyncClient, dict[str, Any]],
) -> None:
    client, written = trusted
    feed = next(op for op in written["operations"] if op["name"] == "HomeFeed")
    by_id = await client.post("/graphql", json={"documentId": feed["id"],
                                                "variables": {"first": 2}})
    assert len(by_id.json()["data"]["posts"]["edges"]) == 2
    by_hash = await client.post("/graphql", json={"extensions": persisted(feed["id"]),
                                                  "variables": {"first": 2}})
    assert by_hash.json()["data"] == by_id.json()["data"]
    by_text = await client.post("/graphql", json={"query": feed["body"],
                                                  "variables": {"first": 2}})
    assert by_text.json()["data"] == by_id.json()["data"]

    unknown = await client.post("/graphql", json={"query": "{ posts { nodes { id } } }"})
    assert unknown.status_code == 400
    assert codes(unknown.json()) == ["OPERATION_NOT_TRUSTED"]
    missing = await client.post("/graphql", json={"documentId": "f" * 64})
    assert codes(missing.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    # Registering through APQ is no way in.
    query = "{ users { nodes { email } } }"
    await client.post("/graphql", json={"query": query,
                                        "extensions": persisted(document_hash(query))})
    again = await client.post("/graphql",
                              json={"extensions": persisted(document_hash(query))})
    assert codes(again.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]


def test_a_manifest_of_the_contract_operations(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["persisted-manifest"])
    written = json.loads(capsys.readouterr().out)
    assert written == contract_manifest()
    names = {op["name"] for op in written["operations"]}
    assert {"HomeFeed", "PlaceOrder"} <= names
    for op in written["operations"]:
        assert op["id"] == document_hash(op["body"])
        assert op["type"] in ("query", "mutation")
    assert manifest([]) == {"format": "apollo-persisted-query-manifest", "version": 1,
                            "operations": []}
