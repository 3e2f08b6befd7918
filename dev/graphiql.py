"""GraphiQL served from our own origin, so the IDE works with no CDN and no internet.

The browser files come from pinned npm packages (GraphiQL's UMD bundle and
React 18's UMD builds, which it expects as globals). `install()` fetches them
once with `npm pack`, checks each file's sha256, and keeps them in a cache
folder outside the repository, next to DynamoDB Local. `routes()` serves them
and the favicon, and `page()` renders the IDE, opened on EXAMPLE; when the
files are absent the page says which command installs them instead of failing.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import shutil
import struct
import sys
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router

from config import cache_root
from dev.npm import NpmError, find_npm, pack

GRAPHIQL_VERSION = "3.8.3"
REACT_VERSION = "18.3.1"
STATIC_PREFIX = "/graphiql/static"
INSTALL_COMMAND = "tablegate install-assets"
# Served names carry the package version, so a cached copy never outlives a pin change.
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """One browser file: where it is in its npm tarball, and what it must hash to."""

    name: str
    package: str
    version: str
    member: str
    sha256: str
    media_type: str


# Scripts in load order: GraphiQL's bundle reads the React globals when it runs.
ASSETS: tuple[Asset, ...] = (
    Asset(
        f"react-{REACT_VERSION}.production.min.js", "react", REACT_VERSION,
        "package/umd/react.production.min.js",
        "d949f1c3687aedadcedac85261865f29b17cd273997e7f6b2bfc53b2f9d4c4dd",
        "text/javascript; charset=utf-8",
    ),
    Asset(
        f"react-dom-{REACT_VERSION}.production.min.js", "react-dom", REACT_VERSION,
        "package/umd/react-dom.production.min.js",
        "35f4f974f4b2bcd44da73963347f8952e341f83909e4498227d4e26b98f66f0d",
        "text/javascript; charset=utf-8",
    ),
    Asset(
        f"graphiql-{GRAPHIQL_VERSION}.min.js", "graphiql", GRAPHIQL_VERSION,
        "package/graphiql.min.js",
        "22faab94067b695e5f7959619fbe686ebcc8955002a0c97d986bcbba4ad4bc2c",
        "text/javascript; charset=utf-8",
    ),
    Asset(
        f"graphiql-{GRAPHIQL_VERSION}.min.css", "graphiql", GRAPHIQL_VERSION,
        "package/graphiql.min.css",
        "b1868247f8e0502cd869e581f5f3cb55b334862e7f51b1d6cbace11059b9adc2",
        "text/css; charset=utf-8",
    ),
)
_BY_NAME = {asset.name: asset for asset in ASSETS}


class AssetsError(Exception):
    """The GraphiQL files cannot be installed; the message says how to fix it."""


def assets_dir() -> Path:
    """Where the verified files live: beside DynamoDB Local under $TABLEGATE_CACHE."""
    return cache_root() / f"graphiql-assets-{GRAPHIQL_VERSION}-react-{REACT_VERSION}"


@functools.lru_cache(maxsize=32)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    # Keyed on mtime and size so each page view does not rehash ~4 MB.
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _verified(asset: Asset, folder: Path) -> Path | None:
    path = folder / asset.name
    try:
        stat = path.stat()
    except OSError:
        return None
    if _digest(str(path), stat.st_mtime_ns, stat.st_size) != asset.sha256:
        return None
    return path


def missing() -> list[str]:
    """The names of the assets that are absent or fail their sha256 check."""
    folder = assets_dir()
    return [asset.name for asset in ASSETS if _verified(asset, folder) is None]


def _extract(tarball: Path, spec: str, into: Path) -> None:
    with tarfile.open(tarball) as archive:
        for asset in ASSETS:
            if f"{asset.package}@{asset.version}" != spec:
                continue
            handle = archive.extractfile(asset.member)
            if handle is None:
                raise AssetsError(f"{spec} has no file {asset.member}")
            data = handle.read()
            if hashlib.sha256(data).hexdigest() != asset.sha256:
                raise AssetsError(
                    f"{asset.member} in {spec} does not match the pinned sha256 "
                    f"{asset.sha256}; refusing to serve it."
                )
            (into / asset.name).write_bytes(data)


def install(verbose: bool = True) -> Path:
    """The folder holding the verified GraphiQL files, fetching them from npm when absent."""
    target = assets_dir()
    if not missing():
        return target
    try:
        npm = find_npm("GraphiQL's browser files")
    except NpmError as exc:
        raise AssetsError(str(exc)) from exc
    if verbose:
        print(f"installing GraphiQL {GRAPHIQL_VERSION} and React {REACT_VERSION} from npm ...",
              file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Stage beside the target so the final swap is one rename on the same filesystem.
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".graphiql-"))
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for spec in dict.fromkeys(f"{a.package}@{a.version}" for a in ASSETS):
                # npm checks the tarball against the registry's integrity hash; _extract
                # then checks each file against its pin.
                try:
                    tarball = pack(npm, spec, Path(scratch))
                except NpmError as exc:
                    raise AssetsError(str(exc)) from exc
                _extract(tarball, spec, staging)
        # mkdtemp makes the folder private; a server running as another user must read it.
        staging.chmod(0o755)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


async def _asset(request: Request) -> Response:
    asset = _BY_NAME.get(request.path_params["name"])
    if asset is None:
        return PlainTextResponse("Not Found", status_code=404)
    path = _verified(asset, assets_dir())
    if path is None:
        return PlainTextResponse(
            f"{asset.name} is not installed; run `{INSTALL_COMMAND}`.", status_code=404
        )
    return FileResponse(path, media_type=asset.media_type, headers={"Cache-Control": IMMUTABLE})


# A table: a blue tile with a header row and a column rule, drawn by `_icon_png` too.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#2563eb"/>'
    '<path d="M6 9h20M6 16h20M6 23h20M13 9v14" stroke="#fff" stroke-width="2"/></svg>'
)
_ICON_SIZE = 32


def _icon_pixel(x: int, y: int) -> bytes:
    """RGBA of the favicon at (x, y): the SVG's tile, rows and rule."""
    radius, last = 6, _ICON_SIZE - 1
    cx = min(max(x, radius), last - radius)
    cy = min(max(y, radius), last - radius)
    if (x - cx) ** 2 + (y - cy) ** 2 > radius**2:  # outside a rounded corner
        return b"\0\0\0\0"
    on_row = y in (8, 9, 15, 16, 22, 23) and 6 <= x <= 25
    on_rule = x in (12, 13) and 8 <= y <= 23
    return b"\xff\xff\xff\xff" if on_row or on_rule else b"\x25\x63\xeb\xff"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def favicon_ico() -> bytes:
    """A 32x32 RGBA PNG in an ICO container, drawn here so nothing is downloaded."""
    rows = b"".join(
        b"\0" + b"".join(_icon_pixel(x, y) for x in range(_ICON_SIZE))  # filter type 0
        for y in range(_ICON_SIZE)
    )
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", _ICON_SIZE, _ICON_SIZE, 8, 6, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )
    # ICONDIR (an icon, one image), then its entry: size, colours, planes, bits, length, offset.
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", _ICON_SIZE, _ICON_SIZE, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


async def _favicon_ico(request: Request) -> Response:
    return Response(favicon_ico(), media_type="image/x-icon",
                    headers={"Cache-Control": "public, max-age=86400"})


async def _favicon_svg(request: Request) -> Response:
    return Response(FAVICON_SVG, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


def routes() -> list[BaseRoute]:
    """The IDE's static files, mounted under STATIC_PREFIX, and the favicons."""
    # The GraphiQL bundle is ~3.5 MB of unminified JS; gzip -6 makes it ~0.7 MB in ~0.4 s of
    # CPU, where -9 (Starlette's default) takes three times as long for 1% less.
    files = GZipMiddleware(Router([Route("/{name}", _asset)]), minimum_size=1024, compresslevel=6)
    return [
        Mount(STATIC_PREFIX, app=files),
        Route("/favicon.ico", _favicon_ico),
        Route("/favicon.svg", _favicon_svg),
    ]


# What the editor opens with (until GraphiQL has a tab of the user's own in localStorage):
# a contract query that works signed out, how to sign in, and a subscription.
EXAMPLE = """\
# Welcome to tablegate. Run an operation with the play button or Ctrl-Enter.
#
# To be signed in, open the Headers tab below and paste a bearer token that
# `make dev` (tablegate dev) printed beside the demo logins:
#   {"Authorization": "Bearer <token printed by make dev>"}
# then run Me. Without a token you are anonymous: public data only.

query HomeFeed {
  posts(first: 5) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      title
      publishedAt
      commentCount
      author { displayName }
    }
  }
}

query Me {
  viewer { email role }
}

# Subscriptions run over a WebSocket on this same URL, signed in by the same
# Headers tab. Put a post id from HomeFeed in the Variables tab:
#   {"postId": "<id>"}
# then run CommentAdded: every comment added to that post from now on (by the
# addComment mutation, from any client) shows below, until you press stop.
# A dead token closes the socket (4403 Forbidden), which GraphiQL's client
# retries for about 40 s before it shows the error; Me tells at once.
subscription CommentAdded($postId: ID!) {
  commentAdded(postId: $postId) {
    id
    content
    author { displayName }
  }
}
"""


# GraphiQL's bundle carries graphql-ws: given `subscriptionUrl`, createFetcher runs each
# subscription on a socket of its own, sending the Headers tab's JSON as connection_init's
# payload, which is where the gateway reads the bearer token (web/live.py).
_BOOT = """
const example = {example};
const here = window.location;
const url = here.origin + here.pathname;
const subscriptionUrl = (here.protocol === "https:" ? "wss://" : "ws://") + here.host
  + here.pathname;
const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: example,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    // Keep bearer tokens typed into the headers editor out of localStorage.
    shouldPersistHeaders: false,
  }),
);
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tablegate · GraphiQL</title>
<link rel="icon" href="{root}/favicon.svg" type="image/svg+xml">
<link rel="icon" href="{root}/favicon.ico" sizes="32x32">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
{styles}
</head>
<body>
<div id="graphiql">Loading…</div>
{scripts}
<script>{boot}</script>
</body>
</html>
"""

_MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tablegate · GraphiQL not installed</title></head>
<body style="font-family: sans-serif; margin: 2rem;">
<h1>GraphiQL is not installed</h1>
<p>This server serves GraphiQL's files itself, and they are not in <code>{folder}</code>.
Install them (once, from npm) with:</p>
<pre>{command}</pre>
<p>or <code>make engine</code>, then reload this page. Missing: {names}.</p>
</body>
</html>
"""


def page(request: Request) -> HTMLResponse:
    """The IDE, loading only our own static files; or a 503 naming the install command."""
    absent = missing()
    if absent:
        return HTMLResponse(
            _MISSING.format(
                folder=html.escape(str(assets_dir())),
                command=html.escape(INSTALL_COMMAND),
                names=html.escape(", ".join(absent)),
            ),
            status_code=503,
        )
    # root_path keeps the links right when the app is mounted below a prefix.
    root = html.escape(request.scope.get("root_path", ""), quote=True)
    base = root + html.escape(STATIC_PREFIX, quote=True)
    styles = "".join(
        f'<link rel="stylesheet" href="{base}/{a.name}">' for a in ASSETS if a.name.endswith(".css")
    )
    scripts = "\n".join(
        f'<script src="{base}/{a.name}"></script>' for a in ASSETS if a.name.endswith(".js")
    )
    # A JSON string is a JS literal; escaping "<" keeps "</script>" from ending the script.
    example = json.dumps(EXAMPLE).replace("<", "\\u003c")
    boot = _BOOT.replace("{example}", example)
    return HTMLResponse(_PAGE.format(root=root, styles=styles, scripts=scripts, boot=boot))
