"""Subscriptions over a real WebSocket to `tablegate serve`, fed by the table's stream.

Events are caused the way users and other services cause them: mutations over
HTTP, and items put straight into the table with boto3. A subscription is open
once a probe written after it has arrived (`until_live`): the protocol
acknowledges none. That something did NOT arrive is checked only after a later
event that it would have come before has arrived.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from config import Settings, load_settings
from data.client import Dynamo, to_wire
from data.table import create_table
from data.tokens import claimed_user, token_hash
from dev.engine import LocalDynamo, free_port
from resolvers.ids import encode
from tests import live_client as lc
from tests import world as world_module
from tests.conftest import LIVE
from tests.gateway import serving
from tests.live_client import LEGACY_WS, TRANSPORT_WS, Operation, session, until_live

COMMENT_ADDED = """subscription($post: ID!) {
  commentAdded(postId: $post) { id content status author { displayName } }
}"""
COMMENT_IDS = """subscription($post: ID!) { commentAdded(postId: $post) { id content } }"""
POST_PUBLISHED = "subscription { postPublished { id title status } }"
ORDER_STATUS = """subscription($order: ID!) {
  orderStatusChanged(orderId: $order) { id status shippingAddress }
}"""
VIEWER = "{ viewer { id } }"
RESUME_PROBES = 60  # half a second apart at least: the stream reader backs off up to 5 s


# ---------------------------------------------------------------- fixtures and helpers


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


def comment_probe(dynamo: Dynamo, post_id: str, author: str
                  ) -> Callable[[], Awaitable[str]]:
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


def dead_token(world: Any, which: str) -> str:
    """A token that names no live session: an expired one, one of no session, or junk."""
    if which == "expired":
        return str(world.expired_token)
    if which == "malformed":
        return "not a token"
    return f"{world.reader}.{uuid.uuid4().hex}"


async def nothing_more(*ops: Operation, seconds: float = 1.0) -> None:
    """No further message reaches `ops` within a short, bounded wait."""
    await asyncio.sleep(seconds)
    for op in ops:
        assert op.pending() == [], op.pending()


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
@pytest.mark.parametrize("which", ["unknown", "expired", "malformed"])
async def test_a_token_that_names_no_live_session_is_refused(
        gateway: str, world: Any, where: str, which: str) -> None:
    """A token that names no live session closes the socket with 4403: the client never
    takes a dead token for a signed-in connection."""
    bearer = f"Bearer {dead_token(world, which)}"
    headers = {"Authorization": bearer} if where == "header" else None
    async with lc.live(gateway, headers=headers) as client:
        await client.send({"type": "connection_init",
                           "payload": {"Authorization": bearer} if where == "payload" else {}})
        code, _ = await client.wait_closed()
        assert code == 4403


async def test_the_legacy_protocol_refuses_a_dead_token_with_connection_error(
        gateway: str, world: Any) -> None:
    """graphql-ws has no 4403: a dead token gets `connection_error` (UNAUTHENTICATED)."""
    async with lc.live(gateway, protocol=LEGACY_WS) as client:
        answer = await client.init({"Authorization": f"Bearer {world.expired_token}"})
        assert answer["type"] == "connection_error", answer
        assert answer["payload"]["extensions"] == {"code": "UNAUTHENTICATED"}
        await client.wait_closed()


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
    post, with its author resolved, and so does a reply to it; no subscriber of another
    post gets either."""
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
        reply = lc.comment_item(post, world.moderator, "a reply")
        reply["SK"] = f"REPLY#{written['commentId']}#{reply['commentId']}"
        reply["parentId"] = written["commentId"]
        await lc.put(dynamo, reply)
        expected = {"id": encode("Reply", post, written["commentId"], reply["commentId"]),
                    "content": "a reply", "status": "APPROVED",
                    "author": {"displayName": "Mo Derator"}}
        assert await first.data("commentAdded") == expected
        assert await second.data("commentAdded") == expected
        # Written after both (DynamoDB Local's stream keeps write order): had either
        # reached `elsewhere`, it would have come first.
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


async def test_a_hidden_comment_reaches_its_author_and_moderators_until_approved(
        gateway: str, dynamo: Dynamo, world: Any, post: str) -> None:
    """A PENDING or SPAM comment reaches its author and a moderator, not another user;
    once moderated to APPROVED it reaches the other user, and nobody twice."""
    variables = {"post": encode("Post", post)}
    async with session(gateway, world.tokens["reader"]) as reader, \
            session(gateway, world.tokens["moderator"]) as moderator, \
            session(gateway, world.tokens["author"]) as other:
        ops = [await client.subscribe(COMMENT_ADDED, variables)
               for client in (reader, moderator, other)]
        own, moderating, others = ops
        await comments_live(dynamo, post, world.admin, *ops)

        pending = await write_comment(dynamo, post, world.reader, "PENDING")
        spam = await write_comment(dynamo, post, world.reader, "SPAM")
        approved = await write_comment(dynamo, post, world.author)
        for op in (own, moderating):
            got = [await op.data("commentAdded") for _ in range(3)]
            assert [(c["content"], c["status"]) for c in got] == [
                (pending["content"], "PENDING"), (spam["content"], "SPAM"),
                (approved["content"], "APPROVED")]
        assert (await others.data("commentAdded"))["content"] == approved["content"]

        comment_id = encode("Comment", post, pending["commentId"])
        await graphql(gateway, """mutation($id: ID!) {
            moderateComment(id: $id, status: APPROVED) { status } }""",
                      {"id": comment_id}, world.tokens["moderator"])
        event = await others.data("commentAdded")
        assert (event["id"], event["status"]) == (comment_id, "APPROVED")
        # Those who saw it hidden get it no second time: the next thing is a later comment.
        last = await write_comment(dynamo, post, world.author)
        for op in ops:
            assert (await op.data("commentAdded"))["content"] == last["content"]


# ---------------------------------------------------------------- postPublished


async def test_publishing_a_draft_reaches_post_published_subscribers(
        gateway: str, dynamo: Dynamo, settings: Settings, world: Any) -> None:
    """A draft published with the publishPost mutation arrives, as does a post another
    service puts into the table already PUBLISHED (the probes)."""
    async def probe() -> str:
        title = lc.mark()
        _, items = lc.post_items(world.author, "PUBLISHED", settings.feed_shards, title)
        await lc.put(dynamo, *items)
        return title

    draft, items = lc.post_items(world.author, "DRAFT", settings.feed_shards, "Going live")
    await lc.put(dynamo, *items)
    async with session(gateway) as anonymous, \
            session(gateway, world.tokens["reader"]) as reader:
        ops = [await anonymous.subscribe(POST_PUBLISHED), await reader.subscribe(POST_PUBLISHED)]
        await until_live(ops, probe, lambda p: p["data"]["postPublished"]["title"])
        await graphql(gateway, "mutation($id: ID!) { publishPost(id: $id) { status } }",
                      {"id": encode("Post", draft)}, world.tokens["author"])
        for op in ops:
            assert await op.data("postPublished") == {
                "id": encode("Post", draft), "title": "Going live", "status": "PUBLISHED"}


# ---------------------------------------------------------------- orderStatusChanged


async def test_an_order_status_change_reaches_its_customer_and_admins(
        gateway: str, dynamo: Dynamo, world: Any) -> None:
    """Status changes (boto3 UpdateItem, and the admin's updateOrderStatus) reach the
    customer and an admin."""
    token, customer = await sign_up(gateway)
    order = lc.order_item(customer)
    await lc.put(dynamo, order)
    order_id = encode("Order", customer, order["orderId"])
    flips = iter(["PROCESSING", "PENDING"] * lc.PROBES)

    async def probe() -> str:
        text, status = lc.mark(), next(flips)
        await lc.update(dynamo, {"PK": order["PK"], "SK": order["SK"]},
                        "SET #s = :s, GSI2PK = :pk, shippingAddress = :a ADD version :one",
                        {":s": status, ":pk": f"ORDERSTATUS#{status}", ":a": text, ":one": 1},
                        {"#s": "status"})
        return text

    async with session(gateway, token) as own, \
            session(gateway, world.tokens["admin"]) as admin:
        ops = [await own.subscribe(ORDER_STATUS, {"order": order_id}),
               await admin.subscribe(ORDER_STATUS, {"order": order_id})]
        await until_live(ops, probe, lambda p: p["data"]["orderStatusChanged"]["shippingAddress"])
        await graphql(gateway, "mutation($id: ID!) { updateOrderStatus(id: $id, status: SHIPPED)"
                      " { status } }", {"id": order_id}, world.tokens["admin"])
        for op in ops:
            event = await op.data("orderStatusChanged")
            assert (event["id"], event["status"]) == (order_id, "SHIPPED")


async def test_order_subscriptions_are_refused_to_others(gateway: str, world: Any) -> None:
    """Another customer's order is FORBIDDEN, anonymous is UNAUTHENTICATED, a missing
    order NOT_FOUND: each an `error` message at subscribe time."""
    reader_order = encode("Order", world.reader, world.reader_orders[0])
    missing = encode("Order", world.reader, lc.order_item(world.reader)["orderId"])
    async with session(gateway) as anonymous, \
            session(gateway, world.tokens["author"]) as author, \
            session(gateway, world.tokens["reader"]) as reader:
        refused = await anonymous.subscribe(ORDER_STATUS, {"order": reader_order})
        assert await refused.error_codes() == ["UNAUTHENTICATED"]
        refused = await author.subscribe(ORDER_STATUS, {"order": reader_order})
        assert await refused.error_codes() == ["FORBIDDEN"]
        refused = await reader.subscribe(ORDER_STATUS, {"order": missing})
        assert await refused.error_codes() == ["NOT_FOUND"]


async def test_refusals_at_subscribe_time_carry_codes(gateway: str, world: Any) -> None:
    """A malformed ID is BAD_USER_INPUT; a post the viewer cannot see (someone else's
    draft, or none at all) is NOT_FOUND."""
    draft = encode("Post", world.drafts[0])
    async with session(gateway, world.tokens["reader"]) as reader:
        for post_id, code in (("not-an-id", "BAD_USER_INPUT"),
                              (encode("Post", "not-a-ulid"), "BAD_USER_INPUT"),
                              (draft, "NOT_FOUND"),
                              (encode("Post", lc.order_item(world.reader)["orderId"]),
                               "NOT_FOUND")):
            refused = await reader.subscribe(COMMENT_ADDED, {"post": post_id})
            assert await refused.error_codes() == [code], post_id
        refused = await reader.subscribe(ORDER_STATUS, {"order": "not-an-id"})
        assert await refused.error_codes() == ["BAD_USER_INPUT"]


# ---------------------------------------------------------------- the session ends


async def test_signing_out_ends_the_subscription(gateway: str, dynamo: Dynamo, world: Any,
                                                 post: str) -> None:
    """signOut ends a subscription of that session: a last `next` with UNAUTHENTICATED,
    then `complete`; the connection is anonymous from then on."""
    token, _ = await sign_up(gateway)
    async with session(gateway, token) as client:
        op = await client.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        await comments_live(dynamo, post, world.moderator, op)
        await graphql(gateway, "mutation { signOut }", token=token)
        last = await op.next()
        assert last["data"] is None
        assert [e["extensions"]["code"] for e in last["errors"]] == ["UNAUTHENTICATED"]
        assert (await op.message()) == {"type": "complete", "id": op.id}
        viewer = await client.subscribe(VIEWER)
        assert (await viewer.next())["data"] == {"viewer": None}


async def expiring_session(dynamo: Dynamo, user_id: str, seconds: float) -> str:
    """Another session of `user_id`, put with boto3, ending in `seconds`: its token."""
    token = f"{user_id}.{secrets.token_urlsafe(32)}"
    ends = datetime.now(UTC) + timedelta(seconds=seconds)
    await world_module.write(dynamo, [world_module.session_item(user_id, token, 90, ends)])
    return token


async def test_a_session_that_expires_ends_its_subscription(
        gateway: str, dynamo: Dynamo, world: Any, post: str) -> None:
    """When the session expires, its subscription gets UNAUTHENTICATED, then `complete`."""
    _, user_id = await sign_up(gateway)
    # Long enough to sign the connection in on a busy machine, short enough to wait for.
    token = await expiring_session(dynamo, user_id, 3)
    async with session(gateway, token) as client:
        op = await client.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        last = await op.next()
        assert [e["extensions"]["code"] for e in last["errors"]] == ["UNAUTHENTICATED"]
        assert (await op.message()) == {"type": "complete", "id": op.id}


@pytest.mark.parametrize("ending", ["signOut", "expiry"])
async def test_a_connection_whose_session_ended_acts_anonymously(
        gateway: str, dynamo: Dynamo, world: Any, ending: str) -> None:
    """Once the session is signed out or has expired, operations over a connection opened
    with it run anonymously, as a request with that token would over HTTP, though no
    subscription of the connection saw the session end."""
    token, user_id = await sign_up(gateway)
    if ending == "expiry":
        token = await expiring_session(dynamo, user_id, 3600)
    async with session(gateway, token) as client:
        op = await client.subscribe(VIEWER)
        assert await op.data("viewer") == {"id": encode("User", user_id)}
        if ending == "signOut":
            await graphql(gateway, "mutation { signOut }", token=token)
        else:  # its expiry moved into the past, as time would move it
            past = lc.stamp(datetime.now(UTC) - timedelta(minutes=1))
            await lc.update(dynamo, {"PK": f"SESSION#{token_hash(token)}", "SK": "SESSION"},
                            "SET expiresAt = :past", {":past": past})
        op = await client.subscribe(VIEWER)
        assert await op.data("viewer") is None
        op = await client.subscribe("mutation { signOut }")
        assert [e["extensions"]["code"] for e in (await op.next())["errors"]] == [
            "UNAUTHENTICATED"]


async def test_a_role_change_applies_to_the_next_event_and_a_suspension_ends_it(
        gateway: str, dynamo: Dynamo, world: Any, post: str) -> None:
    """A user promoted to MODERATOR (with boto3) starts receiving hidden comments on the
    subscription they had open; suspended, their subscription ends with UNAUTHENTICATED."""
    token, user_id = await sign_up(gateway)
    user_key = {"PK": f"USER#{user_id}", "SK": "USER"}
    async with session(gateway, token) as client:
        op = await client.subscribe(COMMENT_ADDED, {"post": encode("Post", post)})
        await comments_live(dynamo, post, world.moderator, op)
        await write_comment(dynamo, post, world.author, "PENDING")
        later = await write_comment(dynamo, post, world.author)
        assert (await op.data("commentAdded"))["content"] == later["content"]

        await lc.update(dynamo, user_key, "SET #role = :role ADD version :one",
                        {":role": "MODERATOR", ":one": 1}, {"#role": "role"})

        async def hidden_probe() -> str:
            return str((await write_comment(dynamo, post, world.author, "PENDING"))["content"])

        # The promotion and the comments travel separately: hidden ones arrive from some
        # point on, and every one written after that point.
        await until_live([op], hidden_probe, comment_content)

        await lc.update(dynamo, user_key, "SET #status = :status ADD version :one",
                        {":status": "SUSPENDED", ":one": 1}, {"#status": "status"})
        last = await op.next()
        assert [e["extensions"]["code"] for e in last["errors"]] == ["UNAUTHENTICATED"]
        assert (await op.message()) == {"type": "complete", "id": op.id}


# ---------------------------------------------------------------- a gateway with tight limits

QUEUE = 4
LIMIT = 2
BIG = 285_000  # random bytes in a comment: 380 KB as base64 text, near DynamoDB's item limit


@pytest.fixture(scope="module")
async def tight(settings: Settings, world: Any) -> AsyncIterator[str]:
    """`tablegate serve` with a queue of QUEUE events per subscriber and LIMIT operations
    per connection."""
    async with serving(settings, TABLEGATE_SUBSCRIBER_QUEUE=str(QUEUE),
                       TABLEGATE_MAX_SUBSCRIPTIONS_PER_CONNECTION=str(LIMIT), **LIVE) as url:
        yield url


def writes_to_stall_a_reader() -> int:
    """How many BIG comments certainly overflow a subscriber that reads nothing: enough to
    fill the server's socket buffer (at most tcp_wmem's maximum), what the client and the
    server's transport hold (measured: under 2 MB), the one being sent, and QUEUE more."""
    try:
        kernel = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        kernel = 4 * 2**20
    size = len(base64.b64encode(bytes(BIG)))
    return math.ceil((kernel + 2 * 2**20) / size) + 1 + QUEUE + 1


async def test_a_slow_subscriber_is_closed_and_others_get_everything(
        tight: str, dynamo: Dynamo, world: Any, post: str) -> None:
    """A client that stops reading while big comments keep coming is closed with 4008,
    its reason saying it was too slow, after the comments it was sent in order; a reading
    client on the same post gets every one."""
    variables = {"post": encode("Post", post)}
    _, writer = await sign_up(tight)  # big comments of their own: no shared user's list grows
    # A small receive window, no compression, a queue of one frame: the client's TCP
    # window closes soon after it stops reading, and the server's writes back up.
    async with session(tight, receive_buffer=4096, max_queue=1, compress=False) as slow, \
            session(tight) as fast:
        lagging = await slow.subscribe(COMMENT_ADDED, variables)
        reading = await fast.subscribe(COMMENT_ADDED, variables)
        await comments_live(dynamo, post, world.moderator, lagging, reading)
        slow.pause_reading()
        written: list[str] = []
        for _ in range(writes_to_stall_a_reader()):
            content = base64.b64encode(os.urandom(BIG)).decode()
            await write_comment(dynamo, post, writer, content=content)
            written.append(content)
            # One at a time: the reading client's own queue never holds more than one.
            assert (await reading.data("commentAdded"))["content"] == content

        slow.resume_reading()
        received: list[str] = []
        with pytest.raises(lc.Disconnected) as closed:
            while len(received) <= len(written):
                received.append((await lagging.data("commentAdded", timeout=5))["content"])
        assert (closed.value.code, closed.value.reason) == (
            4008, f"too slow: more than {QUEUE} events waited")
        assert received == written[:len(received)] and len(received) < len(written)


async def test_a_connection_may_hold_only_so_many_operations(
        tight: str, dynamo: Dynamo, world: Any, post: str) -> None:
    """Past TABLEGATE_MAX_SUBSCRIPTIONS_PER_CONNECTION, a subscribe gets an `error` coded
    RATE_LIMITED; once one completes, another is taken, and another connection was never
    limited."""
    variables = {"post": encode("Post", post)}
    async with session(tight, world.tokens["reader"]) as client, session(tight) as other:
        first = await client.subscribe(COMMENT_ADDED, variables)
        second = await client.subscribe(COMMENT_ADDED, variables)
        elsewhere = await other.subscribe(COMMENT_ADDED, variables)
        await comments_live(dynamo, post, world.moderator, first, second, elsewhere)
        refused = await client.subscribe(COMMENT_ADDED, variables)
        message = await refused.message()
        assert message["type"] == "error", message
        assert [e["extensions"] for e in message["payload"]] == [
            {"code": "RATE_LIMITED", "limit": LIMIT}]

        await first.complete()
        third = await client.subscribe(COMMENT_ADDED, variables)
        await comments_live(dynamo, post, world.moderator, second, third, elsewhere)


# ---------------------------------------------------------------- the engine restarts


async def test_events_resume_after_dynamodb_restarts(tmp_path: Path, world: Any) -> None:
    """DynamoDB Local killed and started again on its port and data folder: the gateway,
    never restarted, delivers comments written afterwards to the subscription it kept."""
    port = free_port()
    data_dir = tmp_path / "dynamodb"
    engine = await asyncio.to_thread(LocalDynamo(data_dir=data_dir, port=port).start)
    restarted: LocalDynamo | None = None
    own = load_settings({"DYNAMODB_ENDPOINT": engine.endpoint, "AWS_REGION": "us-east-1",
                         "DYNAMODB_TABLE_NAME": "tablegate-restart", **LIVE})
    dynamo = Dynamo(own)
    try:
        await create_table(dynamo)
        post, items = lc.post_items(world.author, "PUBLISHED", own.feed_shards)
        await lc.put(dynamo, *items)
        async with serving(own, **LIVE) as url, session(url) as client:
            op = await client.subscribe(COMMENT_IDS, {"post": encode("Post", post)})
            await comments_live(dynamo, post, world.moderator, op)

            assert engine.process is not None
            engine.process.kill()
            await asyncio.to_thread(engine.process.wait)
            engine.stop()
            restarted = await asyncio.to_thread(
                LocalDynamo(data_dir=data_dir, port=port).start)
            await until_live([op], comment_probe(dynamo, post, world.moderator),
                             comment_content, probes=RESUME_PROBES)
            written = await write_comment(dynamo, post, world.author)
            assert (await op.data("commentAdded"))["content"] == written["content"]
    finally:
        await dynamo.close()
        engine.stop()
        if restarted is not None:
            restarted.stop()


async def test_a_burst_of_changes_does_not_close_a_subscriber_that_reads_them(
        tight: str, dynamo: Dynamo, world: Any, post: str) -> None:
    """A subscriber that reads every event at once is not "too slow" because more than
    QUEUE comments were written in one burst: delivery waits for it to take some."""
    async with session(tight) as client:
        op = await client.subscribe(COMMENT_IDS, {"post": encode("Post", post)})
        await comments_live(dynamo, post, world.moderator, op)
        items = [lc.comment_item(post, world.author, lc.mark()) for _ in range(25)]
        await asyncio.to_thread(lambda: dynamo.client.batch_write_item(RequestItems={
            dynamo.table: [{"PutRequest": {"Item": to_wire(item)}} for item in items]}))
        # However the 25 are split between polls, one part holds more than QUEUE.
        got: set[str] = set()
        for _ in items:
            message = await op.message()  # today: `complete`, or the close (4008)
            assert message["type"] == "next", message
            got.add(message["payload"]["data"]["commentAdded"]["content"])
        assert got == {item["content"] for item in items}
