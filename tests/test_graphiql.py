"""GraphiQL is served from our own origin: the page, every file it loads and its favicon,
no CDN; it opens on an example that runs."""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse, validate

from config import Settings
from data.client import Dynamo
from dev import graphiql
from schema.build import make_schema
from server import create_app

HTML = {"Accept": "text/html"}


class Links(HTMLParser):
    """Collects every <script src>, stylesheet and icon <link href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.icons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            rel = values.get("rel")
            {"stylesheet": self.styles, "icon": self.icons}[rel or ""].append(values["href"] or "")


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
    assert links.icons == ["/favicon.svg", "/favicon.ico"]
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
    # Given GraphiQL as the command line gives it: production must refuse it anyway.
    app = create_app(replace(settings, environment="production"), dynamo, ide=graphiql)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tablegate.test") as client:
        yield client


async def test_production_serves_no_ide(production: httpx.AsyncClient) -> None:
    page = await production.get("/graphql", headers=HTML)
    assert page.status_code != 200 and "createFetcher" not in page.text
    asset = graphiql.ASSETS[0].name
    assert (await production.get(f"{graphiql.STATIC_PREFIX}/{asset}")).status_code == 404


def _example(page: str) -> str:
    """The operation the page opens with, read back from its boot script."""
    found = re.search(r"const example = (\".*?\");\n", page)
    assert found, "no example in the page"
    example: str = json.loads(found.group(1))
    return example


async def test_page_opens_on_an_example_that_runs(
    http: httpx.AsyncClient, seeded: dict[str, Any], admin: str, assets: Path
) -> None:
    page = (await http.get("/graphql", headers=HTML)).text
    assert "defaultQuery: example" in page
    example = _example(page)
    assert example == graphiql.EXAMPLE
    # How to sign in: the headers tab, with a token `make dev` printed.
    assert '#   {"Authorization": "Bearer <token printed by make dev>"}' in example
    assert "</" not in page.split("const example = ")[1].split(";")[0]

    body = await gql_operation(http, example, "HomeFeed")
    nodes = body["data"]["posts"]["nodes"]
    assert len(nodes) == 5 and all(node["author"]["displayName"] for node in nodes)
    me = await gql_operation(http, example, "Me", admin)
    assert me["data"]["viewer"] == {"email": "admin@example.com", "role": "ADMIN"}


def test_every_example_operation_is_valid() -> None:
    # The browser test runs the subscription; this holds where there is no Chromium.
    document = parse(graphiql.EXAMPLE)
    assert validate(make_schema()._schema, document) == []
    operations = {d.name.value: d.operation.value for d in document.definitions
                  if isinstance(d, OperationDefinitionNode) and d.name is not None}
    assert operations == {"HomeFeed": "query", "Me": "query", "CommentAdded": "subscription"}


async def gql_operation(
    http: httpx.AsyncClient, document: str, name: str, token: str | None = None
) -> dict[str, Any]:
    """Runs one named operation of `document`, as GraphiQL's play button does."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", headers=headers,
                               json={"query": document, "operationName": name})
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body


async def test_favicons_are_served(http: httpx.AsyncClient) -> None:
    ico = await http.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.headers["content-type"] == "image/x-icon"
    reserved, kind, count = struct.unpack_from("<HHH", ico.content)
    assert (reserved, kind, count) == (0, 1, 1)
    width, height, _, _, planes, bits, size, offset = struct.unpack_from(
        "<BBBBHHII", ico.content, 6
    )
    assert (width, height, planes, bits) == (32, 32, 1, 32)
    png = ico.content[offset:]
    assert len(png) == size and png.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, at = {}, 8
    while at < len(png):
        (length,) = struct.unpack_from(">I", png, at)
        kind_and_data = png[at + 4 : at + 8 + length]
        assert struct.unpack_from(">I", png, at + 8 + length)[0] == zlib.crc32(kind_and_data)
        chunks[kind_and_data[:4]] = kind_and_data[4:]
        at += 12 + length
    assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (32, 32)
    assert len(zlib.decompress(chunks[b"IDAT"])) == 32 * (1 + 32 * 4)

    svg = await http.get("/favicon.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and svg.text.endswith("</svg>")
