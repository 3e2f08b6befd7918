"""A browser app on another origin calls the gateway: a page served on its own port,
loaded in headless Chromium, sends a signed-in query (so the browser preflights it)
and shows the answer; a page on an origin that is not allowed gets nothing.

Needs Debian's `chromium` (`make test` installs it where it can); skipped, saying so,
where it is absent.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from dev.engine import free_port
from tests.gateway import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine (make test installs Debian's)")
# Headless, and kept off the network beyond this machine (it is closed here).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")

PAGE = """<!doctype html>
<html><body>
<h1>tablegate from another origin</h1>
<pre id="out">waiting</pre>
<script>
fetch("%(gateway)s/graphql", {
  method: "POST",
  headers: {"Content-Type": "application/json", "Authorization": "Bearer %(token)s"},
  body: JSON.stringify({query: "{ viewer { email } posts(first: 2) { nodes { title } } }"}),
}).then(async (response) => {
  const body = await response.json();
  document.getElementById("out").textContent = JSON.stringify(
    {status: response.status, requestId: response.headers.get("x-request-id"), body});
}).catch((error) => {
  document.getElementById("out").textContent = "FAILED " + error;
});
</script>
</body></html>
"""


@pytest.fixture
def page_server() -> Iterator[tuple[int, list[bytes]]]:
    """A static server on its own port; the test puts the page in the list."""
    pages: list[bytes] = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(pages[0])

        def log_message(self, format: str, *args: Any) -> None:
            return

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, pages
    finally:
        server.shutdown()
        server.server_close()


def shown(url: str, profile: Path) -> str:
    """The text of #out once the page has run, as headless Chromium renders it."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=60,
    )
    dom = done.stdout
    start = dom.index('<pre id="out">') + len('<pre id="out">')
    return dom[start:dom.index("</pre>", start)]


async def test_a_page_on_another_origin_calls_the_gateway(
    settings: Settings, seeded: dict[str, Any], admin: str,
    page_server: tuple[int, list[bytes]], tmp_path: Path,
) -> None:
    port, pages = page_server
    allowed = f"http://localhost:{port}"
    async with serving(settings, TABLEGATE_CORS_ORIGINS=allowed) as gateway:
        pages.append((PAGE % {"gateway": gateway, "token": admin}).encode())
        text = await asyncio.to_thread(shown, f"{allowed}/", tmp_path / "a")
        answer = json.loads(text)
        assert answer["status"] == 200
        assert answer["requestId"]  # exposed to the page by CORS
        assert answer["body"]["data"]["viewer"]["email"] == seeded["users"][0]["email"]
        assert len(answer["body"]["data"]["posts"]["nodes"]) == 2

        # The same page from an origin that is not listed: the browser refuses the answer.
        refused = await asyncio.to_thread(shown, f"http://127.0.0.1:{port}/", tmp_path / "b")
        assert refused.startswith("FAILED"), refused
