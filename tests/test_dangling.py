"""A dangling reference (an item naming another that is not in the table, as another
service's half-finished import leaves it) costs one object, never the response.

Items are put with boto3, laid out as data-model.md says, as another writer would.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from data.client import Dynamo, to_wire
from data.posts import feed_shard
from data.ulid import new_ulid
from resolvers.ids import encode
from tests import live_client as lc
from tests import world as world_module
from tests.conftest import codes
from tests.live_client import session, until_live

HOME_FEED = (Path(__file__).resolve().parent.parent
             / "bench" / "operations" / "home_feed.graphql").read_text()
# The home feed's selection of a post, on the posts of one category.
CATEGORY_FEED = """query($id: ID!) { category(id: $id) { posts(first: 20) {
  edges { cursor node { id title author { id displayName profile { avatarUrl } }
    category { id } tags { id } comments(first: 3) { nodes { id author { id } } } } }
  nodes { id author { id } }
} } }"""
POST = """query($id: ID!) {
  post(id: $id) { id title author { id } }
  node(id: $id) { id ... on Post { author { id } } }
  nodes(ids: [$id]) { id ... on Post { author { id } } }
  categories { id }
}"""
COMMENTS = """query($id: ID!) {
  post(id: $id) { id comments(first: 10) { nodes { id content author { id } } } }
}"""
COMMENT_ADDED = """subscription($post: ID!) {
  commentAdded(postId: $post) { id content author { id } }
}"""
STAMP = lc.LONG_AGO  # posts dated long ago: last in any list other tests read


def stamp(minutes: int) -> str:
    return lc.stamp(STAMP + timedelta(minutes=minutes))


def ulid_at(minutes: int) -> str:
    """A fresh ULID of the moment `stamp(minutes)`: IDs sort as their stamps do."""
    return new_ulid(int((STAMP + timedelta(minutes=minutes)).timestamp() * 1000))


def post_item(pid: str, author: str, published_at: str, *, category: str | None = None,
              feed_shards: int | None = None) -> dict[str, Any]:
    """A PUBLISHED post of `author` (who may not exist); in the index of its category and
    of the home feed only when given them, so that other tests' lists stay as they were."""
    item: dict[str, Any] = {
        "PK": f"POST#{pid}", "SK": "POST", "entityType": "POST", "postId": pid,
        "authorId": author, "tagIds": [], "title": f"Post {pid[-6:]}",
        "slug": f"dangling-{pid.lower()}", "content": "Body", "status": "PUBLISHED",
        "viewCount": 0, "likeCount": 0, "commentCount": 0, "publishedAt": published_at,
        "createdAt": published_at, "updatedAt": published_at, "version": 1,
    }
    if category is not None:
        item |= {"categoryId": category, "GSI2PK": f"CATEGORY#{category}",
                 "GSI2SK": f"POST#{published_at}#{pid}"}
    if feed_shards is not None:
        item |= {"GSI3PK": f"FEED#PUBLISHED#{feed_shard(pid, feed_shards)}",
                 "GSI3SK": f"{published_at}#{pid}"}
    return item


def category_item(cid: str) -> dict[str, Any]:
    """A category under no parent's list (the listings of other tests stay put)."""
    return {
        "PK": f"CATEGORY#{cid}", "SK": "CATEGORY", "entityType": "CATEGORY",
        "categoryId": cid, "name": "Dangling", "slug": f"dangling-{cid.lower()}",
        "sortOrder": 900, "createdAt": stamp(0), "updatedAt": stamp(0), "version": 1,
    }


def comment_item(pid: str, author: str, minute: int) -> dict[str, Any]:
    """An APPROVED top-level comment on `pid` by `author` (who may not exist)."""
    cid = ulid_at(minute)
    return {
        "PK": f"POST#{pid}", "SK": f"COMMENT#{cid}", "entityType": "COMMENT",
        "GSI1PK": f"USER#{author}", "GSI1SK": f"COMMENT#{cid}", "commentId": cid,
        "postId": pid, "authorId": author, "content": f"comment {minute}",
        "status": "APPROVED", "likeCount": 0, "replyCount": 0, "createdAt": stamp(minute),
        "updatedAt": stamp(minute), "version": 1,
    }


def user_item(uid: str) -> dict[str, Any]:
    return {
        "PK": f"USER#{uid}", "SK": "USER", "entityType": "USER", "userId": uid,
        "email": f"dangling-{uid.lower()}@world.test", "role": "USER", "status": "ACTIVE",
        "emailVerified": True, "createdAt": stamp(0), "updatedAt": stamp(0), "version": 1,
    }


async def delete(dynamo: Dynamo, *items: dict[str, Any]) -> None:
    """Delete the items with boto3, off the event loop."""
    def delete_all() -> None:
        for item in items:
            key = {"PK": item["PK"], "SK": item["SK"]}
            dynamo.client.delete_item(TableName=dynamo.table, Key=to_wire(key))

    await asyncio.to_thread(delete_all)


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert codes(body) == ["NOT_FOUND"], body
    error: dict[str, Any] = body["errors"][0]
    return error


def names_both(error: dict[str, Any], kind: str, referrer: str, role: str,
               missing_kind: str, missing: str) -> None:
    """The error names the object that refers and the missing one, by global ID."""
    message = f"{kind} {referrer}: its {role}, {missing_kind} {missing}, is missing"
    assert error["message"] == message
    assert error["extensions"]["missingId"] == missing
    assert error["extensions"]["referrerId"] == referrer


async def test_a_post_whose_author_is_missing_is_dropped_from_its_feed(
        gql: Any, dynamo: Dynamo, world: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Four posts in a category, the third newest by a user that does not exist: the
    category's edges and nodes list the other three, in order; each list has its
    NOT_FOUND error naming the post and its author, with a path into the list, and
    each error is logged once, as a warning."""
    category, ghost = new_ulid(), new_ulid()
    pids = [new_ulid() for _ in range(4)]
    posts = [post_item(pid, ghost if n == 1 else world.author, stamp(n), category=category)
             for n, pid in enumerate(pids)]
    await world_module.write(dynamo, [category_item(category), *posts])

    caplog.set_level(logging.INFO, logger="tablegate.errors")
    body = await gql(CATEGORY_FEED, {"id": encode("Category", category)})

    feed = body["data"]["category"]["posts"]
    newest_first = [encode("Post", pid) for pid in reversed(pids)]
    dangling = encode("Post", pids[1])
    expected = [gid for gid in newest_first if gid != dangling]
    assert [edge["node"]["id"] for edge in feed["edges"]] == expected
    assert [node["id"] for node in feed["nodes"]] == expected
    assert {edge["node"]["author"]["id"] for edge in feed["edges"]} == {
        encode("User", world.author)}
    assert codes(body) == ["NOT_FOUND", "NOT_FOUND"], body
    edge_error, node_error = sorted(body["errors"], key=lambda e: e["path"][2])
    for error, field in ((edge_error, "edges"), (node_error, "nodes")):
        names_both(error, "post", dangling, "author", "user", encode("User", ghost))
        assert error["path"][:4] == ["category", "posts", field, 2]
        assert error["path"][-1] == "author"
    warnings = [r.getMessage() for r in caplog.records
                if r.name == "tablegate.errors" and r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all(dangling in w and encode("User", ghost) in w
                                      for w in warnings), warnings
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_home_feed_survives_a_post_whose_author_is_missing(
        gql: Any, dynamo: Dynamo, settings: Settings) -> None:
    """The home feed's query, with the newest post of all by a missing user: the page
    is the one before it was written, one shorter, with one error at the post's edge."""
    before = await gql(HOME_FEED)
    assert "errors" not in before, before
    pid, ghost = new_ulid(), new_ulid()
    post = post_item(pid, ghost, "2999-01-01T00:00:00.000Z", feed_shards=settings.feed_shards)
    await world_module.write(dynamo, [post])
    try:
        body = await gql(HOME_FEED)
    finally:
        await delete(dynamo, post)
    edges = before["data"]["posts"]["edges"]
    assert len(edges) == 20
    got = body["data"]["posts"]["edges"]
    assert [e["node"]["id"] for e in got] == [e["node"]["id"] for e in edges[:19]]
    error = only_error(body)
    names_both(error, "post", encode("Post", pid), "author", "user", encode("User", ghost))
    assert error["path"] == ["posts", "edges", 0, "node", "author"]


async def test_a_post_whose_author_is_missing_is_null_with_the_error(
        gql: Any, dynamo: Dynamo) -> None:
    """post(id:), node(id:) and its entry in nodes(ids:) are null (all are nullable),
    each with the error; the response's other fields are there."""
    categories = (await gql("{ categories { id } }"))["data"]["categories"]
    pid, ghost = new_ulid(), new_ulid()
    await world_module.write(dynamo, [post_item(pid, ghost, stamp(5))])
    body = await gql(POST, {"id": encode("Post", pid)})
    assert body["data"] == {"post": None, "node": None, "nodes": [None],
                            "categories": categories}
    assert codes(body) == ["NOT_FOUND"] * 3, body
    for error in body["errors"]:
        names_both(error, "post", encode("Post", pid), "author", "user", encode("User", ghost))
    assert sorted(e["path"][0] for e in body["errors"]) == ["node", "nodes", "post"]


async def test_a_comment_whose_author_is_missing_is_dropped_from_its_post(
        gql: Any, dynamo: Dynamo, world: Any) -> None:
    """Three comments, the middle one by a missing user: the post and the other two
    comments are served, with one error naming the comment."""
    pid, ghost, writer = new_ulid(), new_ulid(), new_ulid()
    comments = [comment_item(pid, ghost if n == 1 else writer, n) for n in range(3)]
    await world_module.write(dynamo, [
        user_item(writer), post_item(pid, world.author, stamp(6)), *comments])
    body = await gql(COMMENTS, {"id": encode("Post", pid)})
    served = body["data"]["post"]["comments"]["nodes"]
    assert [c["content"] for c in served] == ["comment 0", "comment 2"]
    error = only_error(body)
    names_both(error, "comment", encode("Comment", pid, comments[1]["commentId"]), "author",
               "user", encode("User", ghost))
    assert error["path"] == ["post", "comments", "nodes", 1, "author"]


async def test_a_comment_on_a_missing_post_is_dropped_from_its_authors_comments(
        gql: Any, dynamo: Dynamo, world: Any) -> None:
    """User.comments of a user with a comment on a post that is not in the table: the
    other comment is served, the error names the comment and the post."""
    uid, gone, kept = new_ulid(), new_ulid(), new_ulid()
    on_gone, on_kept = comment_item(gone, uid, 1), comment_item(kept, uid, 2)
    await world_module.write(dynamo, [
        user_item(uid), post_item(kept, world.author, stamp(8)),
        on_gone, on_kept])
    body = await gql("""query($id: ID!) { user(id: $id) {
        comments { nodes { id post { id } } } } }""", {"id": encode("User", uid)})
    assert body["data"]["user"]["comments"]["nodes"] == [
        {"id": encode("Comment", kept, on_kept["commentId"]), "post": {"id": encode("Post", kept)}}]
    error = only_error(body)
    names_both(error, "comment", encode("Comment", gone, on_gone["commentId"]), "post", "post",
               encode("Post", gone))


async def test_other_failures_in_a_list_propagate_as_graphql_says(
        gql: Any, dynamo: Dynamo, world: Any) -> None:
    """Only a dangling reference drops an item: a comment whose post the viewer may not
    see (it was archived) still fails its non-null post, and the list's parent, with
    FORBIDDEN."""
    uid, pid = new_ulid(), new_ulid()
    archived = post_item(pid, world.author, stamp(10)) | {"status": "ARCHIVED"}
    await world_module.write(dynamo, [user_item(uid), archived, comment_item(pid, uid, 11)])
    body = await gql("""query($id: ID!) { user(id: $id) {
        comments { nodes { id post { id } } } } }""", {"id": encode("User", uid)})
    assert body["data"] == {"user": None}
    assert codes(body) == ["FORBIDDEN"]


async def test_an_order_whose_customer_is_missing_is_null_with_the_error(
        gql: Any, dynamo: Dynamo, admin: str) -> None:
    """An order in the partition of a user whose item is missing: order(id:) is null
    for an admin, with the error naming the order and its customer."""
    ghost = new_ulid()
    order = lc.order_item(ghost, "DELIVERED")
    del order["GSI2PK"], order["GSI2SK"]  # out of ordersByStatus, which other tests read
    await world_module.write(dynamo, [order])
    gid = encode("Order", ghost, order["orderId"])
    body = await gql("query($id: ID!) { order(id: $id) { id customer { id } } }",
                     {"id": gid}, admin)
    assert body["data"] == {"order": None}
    names_both(only_error(body), "order", gid, "customer", "user", encode("User", ghost))


# ---------------------------------------------------------------- a subscription


async def test_a_comment_whose_author_is_missing_does_not_end_a_subscription(
        gateway: str, dynamo: Dynamo, world: Any) -> None:
    """commentAdded: the event of a comment by a missing user is an error naming it
    (its non-null root makes the event's data null), and the next comment arrives."""
    pid, ghost, writer = new_ulid(), new_ulid(), new_ulid()
    await lc.put(dynamo, user_item(writer), post_item(pid, world.author, stamp(9)))

    async def probe() -> str:
        text = lc.mark()
        await lc.put(dynamo, lc.comment_item(pid, writer, text))
        return text

    async with session(gateway) as client:
        op = await client.subscribe(COMMENT_ADDED, {"post": encode("Post", pid)})
        await until_live([op], probe, lambda p: p["data"]["commentAdded"]["content"])
        dangling = lc.comment_item(pid, ghost, "by nobody")
        await lc.put(dynamo, dangling)
        event = await op.next()
        assert event["data"] is None
        names_both(only_error(event), "comment",
                   encode("Comment", pid, dangling["commentId"]), "author", "user",
                   encode("User", ghost))
        after = await probe()
        assert (await op.data("commentAdded"))["content"] == after
