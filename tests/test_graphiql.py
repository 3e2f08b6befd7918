"""GraphiQL is served from our own origin: the page and every file it loads, no CDN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

import graphiql
from data.client import Dynamo
from data.settings import Settings
from server import create_app

HTML = {"Accept": "text/html"}


class Links(HTMLParser):
    """Collects every <script src> and <link href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.styles.append(values["href"] or "")


@pytest.fixture(scope="session")
def assets() -> Path:
    """The pinned GraphiQL files, fetched from npm once per machine."""
    return graphiql.install(verbose=False)


async def test_page_loads_only_local_files(http: httpx.AsyncClient, assets: Path) -> None:
    response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "http://" not in page and "https://" not in page
    assert "GraphiQL.createFetcher" in page and "subscriptionUrl" in page

    links = Links()
    links.feed(page)
    assert len(links.scripts) == 3 and len(links.styles) == 1
    expected = {".js": "text/javascript", ".css": "text/css"}
    for url in links.scripts + links.styles:
        assert url.startswith("/") and not url.startswith("//"), url
        served = await http.get(url)
        assert served.status_code == 200, url
        assert served.headers["content-type"].startswith(expected[Path(url).suffix]), url
        assert served.content, url
        assert "immutable" in served.headers["cache-control"]


async def test_bundle_is_gzipped(http: httpx.AsyncClient, assets: Path) -> None:
    name = f"graphiql-{graphiql.GRAPHIQL_VERSION}.min.js"
    response = await http.get(f"{graphiql.STATIC_PREFIX}/{name}",
                              headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"


async def test_unknown_file_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get(f"{graphiql.STATIC_PREFIX}/evil.js")
    assert response.status_code == 404


async def test_missing_files_page_names_the_install_command(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TABLEGATE_CACHE", str(tmp_path))
    response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 503
    assert graphiql.INSTALL_COMMAND in response.text
    asset = graphiql.ASSETS[0].name
    response = await http.get(f"{graphiql.STATIC_PREFIX}/{asset}")
    assert response.status_code == 404
    assert graphiql.INSTALL_COMMAND in response.text


@pytest.fixture
async def production(settings: Settings, dynamo: Dynamo) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(replace(settings, environment="production"), dynamo)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tablegate.test") as client:
        yield client


async def test_production_serves_no_ide(production: httpx.AsyncClient) -> None:
    assert (await production.get("/graphql", headers=HTML)).status_code == 404
    asset = graphiql.ASSETS[0].name
    assert (await production.get(f"{graphiql.STATIC_PREFIX}/{asset}")).status_code == 404
