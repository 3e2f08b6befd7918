"""Who sees what, on every path: fields, lookups, connections and node(id)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from resolvers.ids import encode
from tests import world as world_module
from tests.conftest import codes

POST = "query($id: ID!) { post(id: $id) { id status } node(id: $id) { id } }"


async def test_drafts_show_only_to_their_author_and_moderators(gql: Any, world: Any) -> None:
    draft = encode("Post", world.drafts[0])
    for token in (None, world.tokens["reader"]):
        body = await gql(POST, {"id": draft}, token)
        assert body["data"] == {"post": None, "node": None}
    for who in ("author", "moderator", "admin"):
        body = await gql(POST, {"id": draft}, world.tokens[who])
        assert body["data"]["post"]["status"] == "DRAFT", who
        assert body["data"]["node"]["id"] == draft


async def test_drafts_never_reach_the_public_feed(gql: Any, world: Any) -> None:
    body = await gql("{ posts(first: 100) { nodes { id } } }")
    ids = {n["id"] for n in body["data"]["posts"]["nodes"]}
    assert not ids & {encode("Post", d) for d in world.drafts}
    drafts = await gql("{ posts(status: DRAFT) { nodes { id } } }")
    assert codes(drafts) == ["UNAUTHENTICATED"]
    drafts = await gql("{ posts(status: DRAFT) { nodes { id } } }", token=world.tokens["reader"])
    assert codes(drafts) == ["FORBIDDEN"]
    drafts = await gql(
        "{ posts(status: DRAFT, first: 100) { nodes { id } } }", token=world.tokens["moderator"]
    )
    assert {encode("Post", d) for d in world.drafts} <= {
        n["id"] for n in drafts["data"]["posts"]["nodes"]
    }


COMMENTS = """
query($id: ID!) {
  post(id: $id) { commentCount comments(first: 50) { nodes { id status content } } }
}"""


async def test_spam_is_hidden_except_from_its_author_and_moderators(gql: Any, world: Any) -> None:
    post = encode("Post", world.post_with_comments)
    spam = encode("Comment", world.post_with_comments, world.spam)
    anonymous = await gql(COMMENTS, {"id": post})
    shown = [n["id"] for n in anonymous["data"]["post"]["comments"]["nodes"]]
    assert spam not in shown and len(shown) == len(world.approved)
    assert anonymous["data"]["post"]["commentCount"] == len(world.approved)
    for who in ("reader", "moderator"):  # the reader wrote the spam
        body = await gql(COMMENTS, {"id": post}, world.tokens[who])
        assert spam in [n["id"] for n in body["data"]["post"]["comments"]["nodes"]], who
    node = "query($id: ID!) { node(id: $id) { id ... on Comment { status } } }"
    assert (await gql(node, {"id": spam}))["data"]["node"] is None
    assert (await gql(node, {"id": spam}, world.tokens["author"]))["data"]["node"] is None
    assert (await gql(node, {"id": spam}, world.tokens["reader"]))["data"]["node"][
        "status"
    ] == "SPAM"


EMAIL = "query($id: ID!) { user(id: $id) { email displayName } }"


async def test_email_only_for_the_user_and_admins(gql: Any, world: Any) -> None:
    reader = encode("User", world.reader)
    assert (await gql(EMAIL, {"id": reader}))["data"]["user"]["email"] is None
    assert (await gql(EMAIL, {"id": reader}, world.tokens["author"]))["data"]["user"][
        "email"
    ] is None
    own = await gql(EMAIL, {"id": reader}, world.tokens["reader"])
    assert own["data"]["user"]["email"].endswith("@world.test")
    assert (await gql(EMAIL, {"id": reader}, world.tokens["admin"]))["data"]["user"]["email"]
    # Both names empty: "user-" and the last six characters of the ULID.
    assert own["data"]["user"]["displayName"] == f"user-{world.reader[-6:].lower()}"


ORDERS = "query($id: ID!) { user(id: $id) { orders { nodes { id total } } } }"


async def test_orders_belong_to_their_customer_and_admins(gql: Any, world: Any) -> None:
    reader = encode("User", world.reader)
    assert codes(await gql(ORDERS, {"id": reader})) == ["UNAUTHENTICATED"]
    assert codes(await gql(ORDERS, {"id": reader}, world.tokens["author"])) == ["FORBIDDEN"]
    own = await gql(ORDERS, {"id": reader}, world.tokens["reader"])
    assert [n["total"] for n in own["data"]["user"]["orders"]["nodes"]] == ["17.50"] * 3
    assert (
        len(
            (await gql(ORDERS, {"id": reader}, world.tokens["admin"]))["data"]["user"]["orders"][
                "nodes"
            ]
        )
        == 3
    )
    order = encode("Order", world.reader, world.reader_orders[0])
    lookup = "query($id: ID!) { order(id: $id) { id } node(id: $id) { id } }"
    assert (await gql(lookup, {"id": order}, world.tokens["author"]))["data"] == {
        "order": None,
        "node": None,
    }
    assert (await gql(lookup, {"id": order}, world.tokens["reader"]))["data"]["order"][
        "id"
    ] == order
    by_status = "{ ordersByStatus(status: PENDING) { nodes { id } } }"
    assert codes(await gql(by_status, token=world.tokens["reader"])) == ["FORBIDDEN"]
    assert "errors" not in await gql(by_status, token=world.tokens["admin"])


async def test_sessions_are_private_and_expired_tokens_are_anonymous(gql: Any, world: Any) -> None:
    sessions = "query($id: ID!) { user(id: $id) { sessions { nodes { id current userAgent } } } }"
    reader = encode("User", world.reader)
    assert codes(await gql(sessions, {"id": reader}, world.tokens["admin"])) == ["FORBIDDEN"]
    own = await gql(sessions, {"id": reader}, world.tokens["reader"])
    nodes = own["data"]["user"]["sessions"]["nodes"]
    assert [n["current"] for n in nodes] == [True]  # the expired one is left out
    viewer = "{ viewer { id } }"
    assert (await gql(viewer, token=world.tokens["reader"]))["data"]["viewer"]["id"] == reader
    assert (await gql(viewer, token=world.expired_token))["data"]["viewer"] is None
    assert (await gql(viewer, token="garbage-token-that-is-long-enough"))["data"]["viewer"] is None


async def test_admin_only_lookup_by_email(gql: Any, world: Any) -> None:
    query = "query($e: String!) { userByEmail(email: $e) { id } }"
    email = f"reader-{world.reader.lower()}@world.test"
    assert codes(await gql(query, {"e": email}, world.tokens["reader"])) == ["FORBIDDEN"]
    found = await gql(query, {"e": email.upper()}, world.tokens["admin"])
    assert found["data"]["userByEmail"]["id"] == encode("User", world.reader)


async def test_a_token_must_name_the_user_its_session_belongs_to(
    gql: Any, world: Any, dynamo: Any
) -> None:
    # A session of the reader stored under a token that claims to be the admin's.
    forged = f"{world.admin}.{secrets.token_urlsafe(32)}"
    session = world_module.session_item(
        world.reader, forged, 50, datetime.now(UTC) + timedelta(days=1)
    )
    await world_module.write(dynamo, [session])
    assert (await gql("{ viewer { id } }", token=forged))["data"]["viewer"] is None
    honest = f"{world.reader}.{secrets.token_urlsafe(32)}"
    session = world_module.session_item(
        world.reader, honest, 51, datetime.now(UTC) + timedelta(days=1)
    )
    await world_module.write(dynamo, [session])
    viewer = (await gql("{ viewer { id } }", token=honest))["data"]["viewer"]
    assert viewer == {"id": encode("User", world.reader)}
