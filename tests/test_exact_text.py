"""Text a user wrote comes back exactly as sent; only one-line fields (names, titles)
are trimmed, and blanks alone are empty everywhere."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from data.client import Dynamo, from_wire
from data.keys import post as post_key
from resolvers.ids import decode
from tests.conftest import codes

CREATE_POST = """
mutation($input: CreatePostInput!) { createPost(input: $input) { id title content excerpt } }"""
UPDATE_POST = """
mutation($input: UpdatePostInput!) { updatePost(input: $input) { id content excerpt } }"""
POST = "query($id: ID!) { post(id: $id) { title content excerpt } }"
ADD_COMMENT = """
mutation($input: AddCommentInput!) { addComment(input: $input) { id content } }"""
UPDATE_COMMENT = """
mutation($id: ID!, $c: String!) { updateComment(id: $id, content: $c) { content } }"""
COMMENTS = """
query($id: ID!) { post(id: $id) { comments(first: 10) { nodes { id content } } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Comment { content } } }"

# Markdown and more: indentation, tabs, Windows line ends, a trailing hard break,
# combining marks, a no-break space, a line separator, emoji beyond the BMP.
PIECE = (
    "    indented code\tand a tab\r\n"
    "a line with a hard break  \n"
    "ünïcödé e\u0301 日本語 Ελληνικά עברית\u00a0nbsp\u2028"
    "🎉 👍🏽 🏳️‍🌈\r\n\t\n"
)


def long_content(length: int) -> str:
    """`length` characters that start with blanks and end with a space."""
    text = "  \t " + PIECE * (length // len(PIECE) + 1)
    return text[: length - 1] + " "


def title() -> str:
    return f"Exact {uuid.uuid4().hex[:8]}"


def data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


async def stored(dynamo: Dynamo, post_id: str) -> dict[str, Any]:
    """The post's item as the table holds it, read with boto3."""
    key = post_key(decode(post_id)[1][0])
    raw = await asyncio.to_thread(
        dynamo.client.get_item, TableName=dynamo.table,
        Key={"PK": {"S": key["PK"]}, "SK": {"S": key["SK"]}}, ConsistentRead=True,
    )
    return from_wire(raw["Item"])


async def test_post_content_and_excerpt_round_trip_exactly(
    gql: Any, dynamo: Dynamo, moderator: str
) -> None:
    content = long_content(10_000)
    assert len(content) == 10_000 and content.endswith(" ") and content.startswith("  \t")
    excerpt = "  An excerpt, as given.  "
    given = {"title": title(), "content": content, "excerpt": excerpt, "status": "PUBLISHED"}
    created = data(await gql(CREATE_POST, {"input": given}, moderator), "createPost")
    assert (created["content"], created["excerpt"]) == (content, excerpt)
    read = data(await gql(POST, {"id": created["id"]}), "post")
    assert (read["content"], read["excerpt"]) == (content, excerpt)
    item = await stored(dynamo, created["id"])
    assert (item["content"], item["excerpt"]) == (content, excerpt)

    edited = content[::-1]  # now it starts with a space and ends with blanks
    changed = {"id": created["id"], "content": edited, "excerpt": "\tindented"}
    assert data(await gql(UPDATE_POST, {"input": changed}, moderator), "updatePost")[
        "content"
    ] == edited
    read = data(await gql(POST, {"id": created["id"]}), "post")
    assert (read["content"], read["excerpt"]) == (edited, "\tindented")


async def test_comment_content_round_trips_exactly(gql: Any, moderator: str) -> None:
    post = data(await gql(CREATE_POST, {"input": {
        "title": title(), "content": "Body", "status": "PUBLISHED"}}, moderator), "createPost")
    content = "Two trailing spaces make a break  \n  and this line is indented   "
    added = data(await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": content}},
                           moderator), "addComment")
    assert added["content"] == content
    listed = data(await gql(COMMENTS, {"id": post["id"]}), "post")["comments"]["nodes"]
    assert listed == [{"id": added["id"], "content": content}]
    assert data(await gql(NODE, {"id": added["id"]}), "node") == {"content": content}
    edited = " " + content[::-1]
    assert data(await gql(UPDATE_COMMENT, {"id": added["id"], "c": edited}, moderator),
                "updateComment") == {"content": edited}

    # The limit counts what is stored, spaces included: 5,000 characters.
    fits = "x" * 4_998 + "  "
    assert data(await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": fits}},
                          moderator), "addComment")["content"] == fits
    over = await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": fits + " "}},
                     moderator)
    assert codes(over) == ["BAD_USER_INPUT"]
    assert over["errors"][0]["extensions"]["field"] == "content"


async def test_a_title_is_trimmed_because_that_is_its_rule(gql: Any, moderator: str) -> None:
    name = title()
    created = data(await gql(CREATE_POST, {"input": {
        "title": f"  {name}\t ", "content": " kept "}}, moderator), "createPost")
    assert (created["title"], created["content"]) == (name, " kept ")


async def test_blank_content_is_empty(gql: Any, moderator: str) -> None:
    blank = " \t\r\n \u00a0 "
    refused = await gql(CREATE_POST, {"input": {"title": title(), "content": blank}}, moderator)
    assert codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["extensions"]["field"] == "content"
    post = data(await gql(CREATE_POST, {"input": {
        "title": title(), "content": "Body", "status": "PUBLISHED"}}, moderator), "createPost")
    refused = await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": blank}},
                        moderator)
    assert codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["extensions"]["field"] == "content"
