"""Subscriptions over a real WebSocket to `tablegate serve`, fed by the table's stream.

Events are caused the way users and other services cause them: mutations over
HTTP, and items put straight into the table with boto3. A subscription is open
once a probe written after it has arrived (`until_live`): the protocol
acknowledges none. That something did NOT arrive is checked only after a later
event that it would have come before has arrived.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from config import Settings
from data.client import Dynamo
from data.tokens import claimed_user
from resolvers.ids import encode
from tests import live_client as lc
from tests.gateway import serving
from tests.live_client import LEGACY_WS, TRANSPORT_WS, Operation, session, until_live

POLL = {"TABLEGATE_STREAM_POLL_MS": "100", "TABLEGATE_SECRET": "test-secret"}

COMMENT_ADDED = """subscription($post: ID!) {
  commentAdded(postId: $post) { id content status author { displayName } }
}"""
POST_PUBLISHED = "subscription { postPublished { id title status } }"
ORDER_STATUS = """subscription($order: ID!) {
  orderStatusChanged(orderId: $order) { id status shippingAddress }
}"""
VIEWER = "{ viewer { id } }"


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
async def gateway(settings: Settings, world: Any) -> AsyncIterator[str]:
    """One `tablegate serve` with the default subscription settings, for most tests."""
    async with serving(settings, **POLL) as url:
        yield url


@pytest.fixture
async def post(dynamo: Dynamo, settings: Settings, world: Any) -> str:
    """A published post of the world's author, of this test alone (raw ID)."""
    pid, items = lc.post_items(world.author, "PUBLISHED", settings.feed_shards)
    await lc.put(dynamo, *items)
    return pid


async def graphql(base: str, query: str, variables: dict[str, Any] | None = None,
                  token: str | None = None) -> dict[str, Any]:
    """A query or mutation over HTTP to the served gateway."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.post("/graphql", headers=headers,
                                     json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def sign_up(base: str) -> tuple[str, str]:
    """A new user, signed up over HTTP: their token and raw user ID."""
    body = await graphql(base, """mutation($input: SignUpInput!) { signUp(input: $input) {
        token } }""", {"input": {"email": f"live-{uuid.uuid4().hex[:10]}@example.com",
                                 "password": "correct horse battery", "firstName": "Liv"}})
    token: str = body["data"]["signUp"]["token"]
    user_id = claimed_user(token)
    assert user_id is not None
    return token, user_id


def comment_probe(dynamo: Dynamo, post_id: str, author: str) -> Any:
    """Writes an APPROVED comment on `post_id` and returns its content."""
    async def probe() -> str:
        text = lc.mark()
        await lc.put(dynamo, lc.comment_item(post_id, author, text))
        return text

    return probe


def comment_content(payload: dict[str, Any]) -> str:
    assert not payload.get("errors"), payload
    content: str = payload["data"]["commentAdded"]["content"]
    return content


async def comments_live(dynamo: Dynamo, post_id: str, author: str, *ops: Operation) -> None:
    await until_live(ops, comment_probe(dynamo, post_id, author), comment_content)


async def write_comment(dynamo: Dynamo, post_id: str, author: str,
                        status: str = "APPROVED", content: str | None = None
                        ) -> dict[str, Any]:
    item = lc.comment_item(post_id, author, content or lc.mark(), status)
    await lc.put(dynamo, item)
    return item


async def nothing_more(*ops: Operation, seconds: float = 1.0) -> None:
    """No further message reaches `ops` within a short, bounded wait."""
    await asyncio.sleep(seconds)
    for op in ops:
        queue = op.client._queues[op.id]
        assert queue.empty(), queue.get_nowait()


# ---------------------------------------------------------------- the handshake


@pytest.mark.parametrize("how", ["payload Authorization", "payload authorization",
                                 "upgrade header"])
async def test_the_token_signs_the_connection_in(gateway: str, world: Any, how: str) -> None:
    """connection_ack names graphql-transport-ws, and the token (in connection_init's
    payload, its key in any case, or in the upgrade's Authorization header) makes every
    operation on the connection run as its user."""
    bearer = f"Bearer {world.tokens['reader']}"
    headers = {"Authorization": bearer} if how == "upgrade header" else None
    payload = {how.split()[1]: bearer} if how.startswith("payload") else {}
    async with lc.live(gateway, headers=headers) as client:
        assert client.protocol == TRANSPORT_WS
        assert (await client.init(payload)) == {"type": "connection_ack"}
        op = await client.subscribe(VIEWER)
        assert await op.data("viewer") == {"id": encode("User", world.reader)}
        assert (await op.message())["type"] == "complete"


async def test_without_a_token_the_connection_is_anonymous(gateway: str) -> None:
    """No token at all is no refusal: the connection is served anonymously."""
    async with session(gateway) as client:
        op = await client.subscribe(VIEWER)
        assert (await op.next())["data"] == {"viewer": None}


@pytest.mark.parametrize("where", ["payload", "header"])
@pytest.mark.parametrize("which", ["unknown", "expired"])
async def test_a_token_that_names_no_live_session_is_refused(
        gateway: str, world: Any, where: str, which: str) -> None:
    """A token that names no live session closes the socket with 4403: the client never
    takes a dead token for a signed-in connection."""
    token = world.expired_token if which == "expired" else f"{world.reader}.{uuid.uuid4().hex}"
    bearer = f"Bearer {token}"
    headers = {"Authorization": bearer} if where == "header" else None
    async with lc.live(gateway, headers=headers) as client:
        await client.send({"type": "connection_init",
                           "payload": {"Authorization": bearer} if where == "payload" else {}})
        code, _ = await client.wait_closed()
        assert code == 4403


async def test_the_legacy_graphql_ws_protocol_works_end_to_end(
        gateway: str, dynamo: Dynamo, world: Any, post: str) -> None:
    """graphql-ws: connection_init/ack, start, a comment as `data`, stop, `complete`."""
    async with lc.live(gateway, protocol=LEGACY_WS) as client:
        assert client.protocol == LEGACY_WS
        ack = await client.init({"authorization": f"Bearer {world.tokens['reader']}"})
        assert ack["type"] == "connection_ack"
        op = await client.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        await comments_live(dynamo, post, world.moderator, op)
        written = await write_comment(dynamo, post, world.author)
        event = await op.data("commentAdded")
        assert event["content"] == written["content"]
        assert event["author"] == {"displayName": "Ada Author"}
        await op.complete()
        assert (await op.message()) == {"type": "complete", "id": op.id}


# ---------------------------------------------------------------- commentAdded


async def test_a_comment_put_with_boto3_reaches_the_subscribers_of_its_post_only(
        gateway: str, dynamo: Dynamo, settings: Settings, world: Any, post: str) -> None:
    """A comment another service puts into the table reaches both subscribers of its
    post, with its author resolved, and no subscriber of another post."""
    other, items = lc.post_items(world.author, "PUBLISHED", settings.feed_shards)
    await lc.put(dynamo, *items)
    async with session(gateway) as anonymous, \
            session(gateway, world.tokens["reader"]) as reader:
        first = await anonymous.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        second = await reader.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        elsewhere = await reader.subscribe(COMMENT_ADDED, {"post": encode("Post", other)})
        await comments_live(dynamo, post, world.moderator, first, second)
        await comments_live(dynamo, other, world.moderator, elsewhere)

        written = await write_comment(dynamo, post, world.author)
        expected = {"id": encode("Comment", post, written["commentId"]),
                    "content": written["content"], "status": "APPROVED",
                    "author": {"displayName": "Ada Author"}}
        assert await first.data("commentAdded") == expected
        assert await second.data("commentAdded") == expected
        # Written after the first: had the first reached `elsewhere`, it would come first.
        later = await write_comment(dynamo, other, world.author)
        assert (await elsewhere.data("commentAdded"))["content"] == later["content"]
        await nothing_more(first, second, elsewhere, seconds=0.5)


async def test_complete_stops_the_events(gateway: str, dynamo: Dynamo, world: Any,
                                         post: str) -> None:
    """After `complete`, a comment reaches the connection's other subscription but not
    the completed one."""
    async with session(gateway, world.tokens["reader"]) as client:
        stopped = await client.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        going = await client.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        await comments_live(dynamo, post, world.moderator, stopped, going)
        await stopped.complete()
        written = await write_comment(dynamo, post, world.author)
        assert (await going.data("commentAdded"))["content"] == written["content"]
        await nothing_more(stopped, seconds=0.5)
