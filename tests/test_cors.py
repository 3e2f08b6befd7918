"""CORS: browser apps on other origins may call the gateway, and only those allowed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from config import ConfigurationError, Settings, load_http_settings
from data.client import Dynamo
from server import create_app

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def cors_headers(response: httpx.Response) -> list[str]:
    return [name for name in response.headers if name.startswith("access-control-")]


async def test_development_allows_any_localhost_origin(http: httpx.AsyncClient) -> None:
    origin = "http://localhost:5173"
    preflight = await http.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
    assert preflight.status_code == 200
    assert preflight.content == b""
    assert preflight.headers["access-control-allow-origin"] == origin
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]

    response = await http.post("/graphql", json={"query": "{ __typename }"},
                               headers={"Origin": "http://127.0.0.1:3000"})
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:3000"
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
    assert response.headers["x-request-id"]


async def test_other_origins_get_no_cors_headers(http: httpx.AsyncClient) -> None:
    origin = "https://evil.example"
    preflight = await http.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
    assert preflight.status_code == 400
    assert cors_headers(preflight) == []
    assert preflight.json()["errors"][0]["extensions"]["code"] == "CORS_PREFLIGHT_REFUSED"
    response = await http.post("/graphql", json={"query": "{ __typename }"},
                               headers={"Origin": origin})
    assert response.status_code == 200  # the browser, not the server, withholds the answer
    assert cors_headers(response) == []


@pytest.fixture
async def configured(settings: Settings, dynamo: Dynamo) -> AsyncIterator[httpx.AsyncClient]:
    http = load_http_settings(True, {"TABLEGATE_CORS_ORIGINS": "https://app.example.com"})
    app = create_app(settings, dynamo, http)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tablegate.test") as client:
        yield client


async def test_configured_origins_only(configured: httpx.AsyncClient,
                                       seeded: dict[str, Any]) -> None:
    good = await configured.options(
        "/graphql", headers={"Origin": "https://app.example.com", **PREFLIGHT})
    assert good.headers["access-control-allow-origin"] == "https://app.example.com"
    local = await configured.options(
        "/graphql", headers={"Origin": "http://localhost:5173", **PREFLIGHT})
    assert cors_headers(local) == []


def test_cors_settings() -> None:
    assert load_http_settings(True, {}).cors_origin_pattern is None
    assert load_http_settings(True, {}).cors_origins == ()
    with pytest.raises(ConfigurationError, match="TABLEGATE_CORS_ORIGINS"):
        load_http_settings(True, {"TABLEGATE_CORS_ORIGINS": "*"})
    assert load_http_settings(False, {"TABLEGATE_CORS_ORIGINS": "*"}).cors_origins == ("*",)
    with pytest.raises(ConfigurationError, match="not an origin"):
        load_http_settings(False, {"TABLEGATE_CORS_ORIGINS": "app.example.com"})
