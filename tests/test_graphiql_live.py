"""GraphiQL runs subscriptions: the page the gateway serves, in headless Chromium, runs
the opening document's CommentAdded through its own fetcher (graphql-ws, bundled in
GraphiQL's UMD build) and shows a comment the test then adds over HTTP; a token typed
in the Headers tab signs the WebSocket in, as connection_init's payload.

Chromium is driven over the DevTools protocol (CDP) with the `websockets` client the
dev dependencies have. Needs Debian's `chromium`; skipped, saying so, where it is absent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from config import Settings
from dev import graphiql
from tests.gateway import serving
from tests.test_browser import CHROMIUM, FLAGS

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine (make test installs Debian's)")

CREATE_POST = """
mutation($input: CreatePostInput!) { createPost(input: $input) { id status } }"""
PUBLISH = "mutation($id: ID!) { publishPost(id: $id) { id status } }"
ADD_COMMENT = """
mutation($input: AddCommentInput!) { addComment(input: $input) { id content } }"""

# The page's editors, as GraphiQL 3 lays them out: CodeMirror 5 keeps its instance on
# the element. The editor tools hold the variables editor, then the headers editor.
QUERY_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
TOOL_EDITORS = "document.querySelectorAll('.graphiql-editor-tool .CodeMirror')"
RESPONSE = "document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"
RUNNING = ("document.querySelector('.graphiql-execute-button')"
           ".getAttribute('aria-label').startsWith('Stop')")


class Tab:
    """One page of a headless Chromium, driven over CDP; keeps the events it reads."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Sends one command and returns its result, keeping the events before it."""
        number = next(self.ids)
        await self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(await self.socket.recv())
            if message.get("id") != number:
                self.events.append(message)
                continue
            assert "error" not in message, (method, message["error"])
            result: dict[str, Any] = message["result"]
            return result

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of `expression` in the page (a promise is awaited)."""
        result = await self.call("Runtime.evaluate", expression=expression,
                                 awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    async def until(self, expression: str, seconds: float = 10.0) -> Any:
        """The first truthy value of `expression`, polled; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while not (value := await self.evaluate(expression)):
            assert time.monotonic() < deadline, f"still falsy after {seconds}s: {expression}"
            await asyncio.sleep(0.1)
        return value

    async def press_ctrl_enter(self) -> None:
        """Ctrl-Enter on the focused element, as the keyboard sends it."""
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "modifiers": 2}
        await self.call("Input.dispatchKeyEvent", type="rawKeyDown", **key)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **key)

    def frames_sent(self) -> list[dict[str, Any]]:
        """The WebSocket messages the page has sent so far, parsed."""
        return [json.loads(event["params"]["response"]["payloadData"])
                for event in self.events if event.get("method") == "Network.webSocketFrameSent"]


@asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Tab]:
    """A headless Chromium on a fresh profile, its one tab attached; stopped by its PID."""
    assert CHROMIUM is not None
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "--window-size=1280,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        # Chromium writes the port it chose (line 1) once it listens.
        announced = profile / "DevToolsActivePort"
        for _ in range(200):
            lines = announced.read_text().split() if announced.exists() else []
            if len(lines) == 2:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("chromium did not open its DevTools port")
        async with httpx.AsyncClient() as client:
            targets = (await client.get(f"http://127.0.0.1:{lines[0]}/json/list")).json()
        page = next(target for target in targets if target["type"] == "page")
        async with connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
            tab = Tab(socket)
            await tab.call("Network.enable")
            yield tab
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def type_into_tool(tab: Tab, tab_name: str, text: str) -> None:
    """Opens the editor tools' `tab_name` tab ("variables" or "headers") and types `text`
    over what its editor held."""
    index = {"variables": 0, "headers": 1}[tab_name]
    await tab.evaluate(
        f"document.querySelector('.graphiql-editor-tools button[data-name={tab_name}]').click()")
    # A hidden editor takes no focus: wait for React to show the tab.
    await tab.until(f"{TOOL_EDITORS}[{index}].offsetParent !== null")
    await tab.evaluate(f"{{ const cm = {TOOL_EDITORS}[{index}].CodeMirror;"
                       " cm.focus(); cm.execCommand('selectAll'); }")
    await tab.call("Input.insertText", text=text)
    typed = await tab.evaluate(f"{TOOL_EDITORS}[{index}].CodeMirror.getValue()")
    assert typed == text


async def run_at(tab: Tab, operation: str) -> None:
    """Puts the cursor in `operation` of the query editor and presses Ctrl-Enter, which
    runs the operation under the cursor."""
    await tab.evaluate(
        f"{{ const cm = {QUERY_EDITOR}; cm.focus();"
        f" cm.setCursor(cm.posFromIndex(cm.getValue().indexOf({json.dumps(operation)}))); }}")
    await tab.press_ctrl_enter()


async def response(tab: Tab) -> Any:
    """What the response pane shows, parsed (None while it is empty)."""
    text = await tab.evaluate(RESPONSE)
    return json.loads(text) if text else None


async def arrives(tab: Tab, write: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """The comment the page shows after `write` adds one: one of those written.

    The server opens a subscription some time after the page sends `subscribe`, and
    nothing tells the page when; a comment written before that is not delivered. So
    this writes again, every 3 s and five times at most, until one arrives."""
    written: list[dict[str, Any]] = []
    for _ in range(5):
        written.append(await write())
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            shown = await response(tab)
            if shown is not None:
                assert "errors" not in shown, shown
                comment: dict[str, Any] = shown["data"]["commentAdded"]
                sent = {c["id"]: c["content"] for c in written}
                assert sent.get(comment["id"]) == comment["content"], (comment, written)
                return comment
            await asyncio.sleep(0.1)
    pytest.fail(f"none of the comments arrived: {written}")


async def test_graphiql_runs_the_example_subscription(
    settings: Settings, seeded: dict[str, Any], admin: str, tmp_path: Path,
) -> None:
    graphiql.install(verbose=False)
    writer = seeded["users"][3]
    async with serving(settings) as gateway, httpx.AsyncClient(base_url=gateway) as http:

        async def gql(query: str, variables: dict[str, Any], token: str) -> Any:
            answer = await http.post("/graphql", json={"query": query, "variables": variables},
                                     headers={"Authorization": f"Bearer {token}"})
            body = answer.json()
            assert "errors" not in body, body
            return next(iter(body["data"].values()))

        async def comment_on(post_id: str) -> Any:
            content = f"live {uuid.uuid4().hex[:8]}"
            return await gql(ADD_COMMENT, {"input": {"postId": post_id, "content": content}},
                             writer["token"])

        # Posts of its own, so the seeded ones keep their comment counts for other tests.
        published, draft = [
            await gql(CREATE_POST, {"input": {"title": f"Live {uuid.uuid4().hex[:8]}",
                                              "content": "Body.", "status": status}}, admin)
            for status in ("PUBLISHED", "DRAFT")
        ]
        async with chromium(tmp_path / "profile") as tab:
            await tab.call("Page.navigate", url=f"{gateway}/graphql")
            # Until React has rendered the editors, there is no CodeMirror to ask.
            await tab.until("document.querySelector('.graphiql-query-editor .CodeMirror')"
                            "?.CodeMirror.getValue().includes('subscription CommentAdded')")

            # Signed out: a published post's comments arrive.
            await type_into_tool(tab, "variables", json.dumps({"postId": published["id"]}))
            await run_at(tab, "subscription CommentAdded")
            await tab.until(RUNNING)
            comment = await arrives(tab, lambda: comment_on(published["id"]))
            assert comment["author"]["displayName"]
            await run_at(tab, "subscription CommentAdded")  # Ctrl-Enter again stops it
            await tab.until(f"!({RUNNING})")

            # A draft is its author's (and admins'): signed out, it is not found.
            await type_into_tool(tab, "variables", json.dumps({"postId": draft["id"]}))
            await run_at(tab, "subscription CommentAdded")
            refused = await tab.until(f"{RESPONSE}.includes('NOT_FOUND') && {RESPONSE}")
            assert "post not found" in refused

            # The admin's token typed in the Headers tab signs the WebSocket in.
            authorization = {"Authorization": f"Bearer {admin}"}
            await type_into_tool(tab, "headers", json.dumps(authorization))
            await run_at(tab, "subscription CommentAdded")
            await tab.until(RUNNING)
            await gql(PUBLISH, {"id": draft["id"]}, admin)
            await arrives(tab, lambda: comment_on(draft["id"]))
            inits = [f for f in tab.frames_sent() if f["type"] == "connection_init"]
            assert inits[-1].get("payload") == authorization, inits
