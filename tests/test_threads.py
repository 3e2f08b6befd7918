"""The thread rule: a reply shows only to those who can see it and its parent, on every
path, and commentCount counts what an anonymous reader can reach by walking the post.

Every test signs up its own users and writes its own post through the GraphQL API.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from data.client import Dynamo
from resolvers.ids import decode
from tests import live_client as lc
from tests.conftest import codes
from tests.live_client import session, until_live

SIGN_UP = """
mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }"""
CREATE_POST = "mutation($input: CreatePostInput!) { createPost(input: $input) { id } }"
ADD = """
mutation($input: AddCommentInput!) { addComment(input: $input) { id post { commentCount } } }"""
MODERATE = """
mutation($id: ID!, $s: CommentStatus!) { moderateComment(id: $id, status: $s) { id status } }"""
UPDATE = "mutation($id: ID!, $c: String!) { updateComment(id: $id, content: $c) { id } }"
DELETE = "mutation($id: ID!) { deleteComment(id: $id) }"
NODE = """
query($id: ID!) { node(id: $id) { id ... on Comment { status parent { id status } } } }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
USER_COMMENTS = """
query($id: ID!, $first: Int) {
  user(id: $id) { comments(first: $first) { nodes { id } pageInfo { hasNextPage } } }
}"""
WALK = """
query($id: ID!) {
  post(id: $id) {
    commentCount
    comments(first: 100) { nodes { id replyCount replies(first: 100) { nodes { id } } } }
  }
}"""


@dataclass
class User:
    token: str
    id: str


async def sign_up(gql: Any) -> User:
    email = f"thread-{uuid.uuid4().hex[:12]}@example.com"
    body = await gql(SIGN_UP, {"input": {"email": email, "password": "correct horse battery"}})
    assert "errors" not in body, body
    return User(body["data"]["signUp"]["token"], body["data"]["signUp"]["user"]["id"])


def data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


async def published_post(gql: Any, token: str) -> str:
    given = {"title": f"Thread {uuid.uuid4().hex[:8]}", "content": "Body", "status": "PUBLISHED"}
    post_id: str = data(await gql(CREATE_POST, {"input": given}, token), "createPost")["id"]
    return post_id


async def add(gql: Any, token: str, post: str, parent: str | None = None) -> str:
    given = {"postId": post, "content": "words", **({"parentId": parent} if parent else {})}
    comment_id: str = data(await gql(ADD, {"input": given}, token), "addComment")["id"]
    return comment_id


async def moderate(gql: Any, moderator: str, comment: str, status: str) -> None:
    assert data(await gql(MODERATE, {"id": comment, "s": status}, moderator),
                "moderateComment")["status"] == status


async def walk(gql: Any, post: str) -> tuple[int, int]:
    """(commentCount, the comments and replies an anonymous reader finds by walking)."""
    seen = data(await gql(WALK, {"id": post}), "post")
    found = sum(1 + len(c["replies"]["nodes"]) for c in seen["comments"]["nodes"])
    return seen["commentCount"], found


async def count_as_moderator(gql: Any, moderator: str, post: str, comment: str) -> int:
    """The replyCount of `comment` (moderators see it whatever its status)."""
    seen = data(await gql(WALK, {"id": post}, moderator), "post")
    [found] = [c for c in seen["comments"]["nodes"] if c["id"] == comment]
    count: int = found["replyCount"]
    return count


@dataclass
class Thread:
    post: str
    parent: str
    reply: str
    # Who wrote what: the post, the top-level comment, the reply; and a bystander.
    writer: User
    commenter: User
    replier: User
    outsider: User


@pytest.fixture
async def spam_thread(gql: Any, moderator: str) -> Thread:
    """An APPROVED reply under a top-level comment a moderator then marked SPAM."""
    writer, commenter, replier, outsider = await asyncio.gather(*(sign_up(gql) for _ in range(4)))
    post = await published_post(gql, writer.token)
    parent = await add(gql, commenter.token, post)
    reply = await add(gql, replier.token, post, parent)
    await moderate(gql, moderator, parent, "SPAM")
    return Thread(post, parent, reply, writer, commenter, replier, outsider)


async def user_comments(gql: Any, user: User, token: str | None, first: int = 20) -> list[str]:
    seen = data(await gql(USER_COMMENTS, {"id": user.id, "first": first}, token), "user")
    return [n["id"] for n in seen["comments"]["nodes"]]


async def test_a_reply_under_a_spam_comment_is_hidden_from_readers_on_every_path(
    gql: Any, moderator: str, spam_thread: Thread
) -> None:
    t = spam_thread
    # The reply is APPROVED, but its parent is SPAM: the reply's own author cannot see
    # the parent, so they do not see the reply either.
    for token in (None, t.outsider.token, t.replier.token, t.writer.token):
        assert data(await gql(NODE, {"id": t.reply}, token), "node") is None, token
        assert data(await gql(NODES, {"ids": [t.reply, t.parent]}, token), "nodes") == [
            None, None
        ]
        assert t.reply not in await user_comments(gql, t.replier, token)
    for token in (moderator, t.commenter.token):  # they see the SPAM comment
        seen = data(await gql(NODE, {"id": t.reply}, token), "node")
        assert seen == {"id": t.reply, "status": "APPROVED",
                        "parent": {"id": t.parent, "status": "SPAM"}}, token
        assert data(await gql(NODES, {"ids": [t.reply]}, token), "nodes") == [{"id": t.reply}]
        assert t.reply in await user_comments(gql, t.replier, token)

    await moderate(gql, moderator, t.parent, "APPROVED")
    seen = data(await gql(NODE, {"id": t.reply}), "node")
    assert seen["parent"] == {"id": t.parent, "status": "APPROVED"}
    assert t.reply in await user_comments(gql, t.replier, None)


async def test_a_reply_one_cannot_see_is_not_found_to_mutations(
    gql: Any, moderator: str, spam_thread: Thread
) -> None:
    t = spam_thread
    for token in (t.outsider.token, t.replier.token):
        assert codes(await gql(UPDATE, {"id": t.reply, "c": "edited"}, token)) == ["NOT_FOUND"]
        assert codes(await gql(DELETE, {"id": t.reply}, token)) == ["NOT_FOUND"]
        reply_again = {"input": {"postId": t.post, "parentId": t.parent, "content": "hi"}}
        assert codes(await gql(ADD, reply_again, token)) == ["NOT_FOUND"]
    # Whoever can see the thread still can: the commenter replies, a moderator edits.
    await add(gql, t.commenter.token, t.post, t.parent)
    assert "errors" not in await gql(UPDATE, {"id": t.reply, "c": "edited"}, moderator)


async def test_user_comments_reads_on_past_hidden_replies(gql: Any, moderator: str) -> None:
    writer, replier = await asyncio.gather(sign_up(gql), sign_up(gql))
    post = await published_post(gql, writer.token)
    parent = await add(gql, writer.token, post)
    shown = await add(gql, replier.token, post)
    replies = [await add(gql, replier.token, post, parent) for _ in range(2)]
    await moderate(gql, moderator, parent, "SPAM")
    # Newest first, the two replies come before the comment a reader may see.
    assert await user_comments(gql, replier, moderator) == [*reversed(replies), shown]
    for token in (None, replier.token):
        page = data(await gql(USER_COMMENTS, {"id": replier.id, "first": 1}, token), "user")
        assert page["comments"] == {"nodes": [{"id": shown}],
                                    "pageInfo": {"hasNextPage": False}}, token


async def test_comment_count_drops_with_a_hidden_comment_and_its_replies_and_comes_back(
    gql: Any, moderator: str
) -> None:
    writer, reader = await asyncio.gather(sign_up(gql), sign_up(gql))
    post = await published_post(gql, writer.token)
    parent = await add(gql, reader.token, post)
    for _ in range(2):
        await add(gql, writer.token, post, parent)
    await add(gql, writer.token, post)
    assert await walk(gql, post) == (4, 4)

    await moderate(gql, moderator, parent, "SPAM")
    assert await walk(gql, post) == (1, 1)  # 4 - (1 + 2 replies)
    assert await count_as_moderator(gql, moderator, post, parent) == 2
    await moderate(gql, moderator, parent, "REJECTED")  # hidden to hidden: nothing moves
    assert await walk(gql, post) == (1, 1)
    await moderate(gql, moderator, parent, "APPROVED")
    assert await walk(gql, post) == (4, 4)


async def test_a_reply_under_a_hidden_comment_does_not_move_comment_count(
    gql: Any, moderator: str
) -> None:
    writer, reader = await asyncio.gather(sign_up(gql), sign_up(gql))
    post = await published_post(gql, writer.token)
    parent = await add(gql, reader.token, post)
    await moderate(gql, moderator, parent, "PENDING")
    assert await walk(gql, post) == (0, 0)
    reply = await add(gql, reader.token, post, parent)  # its author still sees it
    assert await walk(gql, post) == (0, 0)
    assert await count_as_moderator(gql, moderator, post, parent) == 1
    # Moderating the hidden reply moves its parent's replyCount only.
    await moderate(gql, moderator, reply, "SPAM")
    assert await walk(gql, post) == (0, 0)
    assert await count_as_moderator(gql, moderator, post, parent) == 0
    await moderate(gql, moderator, reply, "APPROVED")
    await moderate(gql, moderator, parent, "APPROVED")
    assert await walk(gql, post) == (2, 2)


async def test_deleting_comments_with_replies_leaves_the_count_a_reader_walks(
    gql: Any, moderator: str
) -> None:
    writer, reader = await asyncio.gather(sign_up(gql), sign_up(gql))
    post = await published_post(gql, writer.token)
    shown, hidden, kept = [await add(gql, reader.token, post) for _ in range(3)]
    for parent, replies in ((shown, 3), (hidden, 2), (kept, 1)):
        for _ in range(replies):
            await add(gql, writer.token, post, parent)
    spam_reply = await add(gql, writer.token, post, shown)
    await moderate(gql, moderator, spam_reply, "SPAM")
    await moderate(gql, moderator, hidden, "SPAM")
    assert await walk(gql, post) == (6, 6)  # shown + 3, kept + 1

    assert data(await gql(DELETE, {"id": hidden}, reader.token), "deleteComment")
    assert await walk(gql, post) == (6, 6)
    assert data(await gql(DELETE, {"id": shown}, reader.token), "deleteComment")
    assert await walk(gql, post) == (2, 2)
    assert data(await gql(NODE, {"id": spam_reply}, moderator), "node") is None


async def test_replies_racing_their_parents_moderation_are_counted_exactly(
    gql: Any, moderator: str
) -> None:
    writer, reader = await asyncio.gather(sign_up(gql), sign_up(gql))
    post = await published_post(gql, writer.token)
    parent = await add(gql, reader.token, post)
    # Four status changes: a reply add re-reads its parent at most four times, within
    # its five attempts. A moderation may lose more races and be asked to retry.
    flips = ["SPAM", "APPROVED"] * 2
    results = await asyncio.gather(
        *(add(gql, reader.token, post, parent) for _ in range(8)),
        *(gql(MODERATE, {"id": parent, "s": status}, moderator) for status in flips),
    )
    assert all(codes(body) in ([], ["CONFLICT"]) for body in results[8:]), results[8:]
    await moderate(gql, moderator, parent, "APPROVED")
    assert await walk(gql, post) == (9, 9)
    assert await count_as_moderator(gql, moderator, post, parent) == 8


# ---------------------------------------------------------------- commentAdded


COMMENT_ADDED = "subscription($post: ID!) { commentAdded(postId: $post) { id content } }"


async def test_a_reply_under_a_hidden_comment_reaches_only_who_sees_the_comment(
    gateway: str, dynamo: Dynamo, gql: Any, moderator: str, spam_thread: Thread
) -> None:
    t = spam_thread
    post_id = t.post
    raw_post, raw_writer = decode(post_id)[1][0], decode(t.writer.id)[1][0]
    async with session(gateway, t.commenter.token) as commenter, \
            session(gateway, moderator) as moderating, \
            session(gateway, t.outsider.token) as outsider, \
            session(gateway) as anonymous:
        clients = (commenter, moderating, outsider, anonymous)
        ops = [await client.subscribe(COMMENT_ADDED, {"post": post_id}) for client in clients]

        async def probe() -> str:
            text = lc.mark()
            await lc.put(dynamo, lc.comment_item(raw_post, raw_writer, text))
            return text

        await until_live(ops, probe, lambda p: str(p["data"]["commentAdded"]["content"]))
        reply = data(await gql(ADD, {"input": {"postId": post_id, "parentId": t.parent,
                                               "content": "under spam"}}, t.commenter.token),
                     "addComment")["id"]
        later = await probe()
        for op in ops[:2]:
            assert (await op.data("commentAdded"))["id"] == reply
        for op in ops:
            assert (await op.data("commentAdded"))["content"] == later
