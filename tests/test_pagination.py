"""Connections: full, honest pages in both directions, and cursors that can't be forged."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.ids import encode
from tests.conftest import codes

AUTHOR_POSTS = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  user(id: $id) {
    posts(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id title } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""


async def walk(
    gql: Any, variables: dict[str, Any], token: str | None, backward: bool
) -> list[dict[str, Any]]:
    """Every page of the author's posts, following endCursor (or startCursor backwards)."""
    pages = []
    cursor = None
    while True:
        page_vars = dict(variables)
        if backward:
            page_vars.update(last=3, before=cursor)
        else:
            page_vars.update(first=3, after=cursor)
        body = await gql(AUTHOR_POSTS, page_vars, token)
        assert "errors" not in body, body
        connection = body["data"]["user"]["posts"]
        pages.append(connection)
        info = connection["pageInfo"]
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            return pages
        cursor = info["startCursor"] if backward else info["endCursor"]
        assert len(pages) < 10, "pagination does not end"


async def test_forward_walk_sees_every_item_once_with_exact_flags(gql: Any, world: Any) -> None:
    pages = await walk(gql, {"id": encode("User", world.author)}, None, backward=False)
    sizes = [len(p["edges"]) for p in pages]
    assert sizes == [3, 3, 1]  # seven published posts, no empty last page
    titles = [e["node"]["title"] for p in pages for e in p["edges"]]
    assert titles == [f"World post {n}" for n in range(6, -1, -1)]  # newest first, drafts hidden
    flags = [(p["pageInfo"]["hasNextPage"], p["pageInfo"]["hasPreviousPage"]) for p in pages]
    assert flags == [(True, False), (True, True), (False, True)]


async def test_backward_walk_mirrors_the_forward_walk(gql: Any, world: Any) -> None:
    pages = await walk(gql, {"id": encode("User", world.author)}, None, backward=True)
    assert [len(p["edges"]) for p in pages] == [3, 3, 1]
    titles = [e["node"]["title"] for p in reversed(pages) for e in p["edges"]]
    assert titles == [f"World post {n}" for n in range(6, -1, -1)]
    flags = [(p["pageInfo"]["hasNextPage"], p["pageInfo"]["hasPreviousPage"]) for p in pages]
    assert flags == [(False, True), (True, True), (True, False)]


async def test_the_author_pages_through_drafts_too(gql: Any, world: Any) -> None:
    pages = await walk(gql, {"id": encode("User", world.author)}, world.tokens["author"], False)
    assert sum(len(p["edges"]) for p in pages) == 9


async def test_exactly_one_page_has_no_next_page(gql: Any, world: Any) -> None:
    body = await gql(AUTHOR_POSTS, {"id": encode("User", world.author), "first": 7})
    info = body["data"]["user"]["posts"]["pageInfo"]
    assert len(body["data"]["user"]["posts"]["edges"]) == 7
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (False, False)


async def test_first_zero_is_an_empty_page(gql: Any, world: Any) -> None:
    body = await gql(AUTHOR_POSTS, {"id": encode("User", world.author), "first": 0})
    connection = body["data"]["user"]["posts"]
    assert connection["edges"] == []
    assert connection["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    "variables, field",
    [
        ({"first": -1}, "first"),
        ({"first": 101}, "first"),
        ({"last": 101}, "last"),
        ({"first": 2, "last": 2}, "last"),
    ],
)
async def test_bad_page_sizes_are_bad_user_input(
    gql: Any, world: Any, variables: dict[str, Any], field: str
) -> None:
    body = await gql(AUTHOR_POSTS, {"id": encode("User", world.author), **variables})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_tampered_and_foreign_cursors_are_rejected(gql: Any, world: Any) -> None:
    first = await gql(AUTHOR_POSTS, {"id": encode("User", world.author), "first": 2})
    cursor = first["data"]["user"]["posts"]["pageInfo"]["endCursor"]
    payload, mac = cursor.split(".")
    forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + mac
    for bad in (forged, "not-a-cursor", cursor + "x"):
        body = await gql(
            AUTHOR_POSTS, {"id": encode("User", world.author), "first": 2, "after": bad}
        )
        assert codes(body) == ["BAD_USER_INPUT"], bad
        assert body["errors"][0]["extensions"]["field"] == "after"
    # A real cursor, but of another connection (another user's posts).
    foreign = await gql(
        AUTHOR_POSTS, {"id": encode("User", world.reader), "first": 2, "after": cursor}
    )
    assert codes(foreign) == ["BAD_USER_INPUT"]


FEED = """
query($first: Int, $after: String, $last: Int, $before: String) {
  posts(first: $first, after: $after, last: $last, before: $before) {
    edges { node { id publishedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_the_sharded_feed_walks_both_ways_newest_first(gql: Any, world: Any) -> None:
    forward: list[str] = []
    after = None
    while True:
        body = await gql(FEED, {"first": 7, "after": after})
        assert "errors" not in body, body
        connection = body["data"]["posts"]
        assert connection["edges"], "no empty pages"
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        forward += [e["node"]["id"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(forward) == len(set(forward))
    assert {encode("Post", p) for p in world.published} <= set(forward)

    backward: list[str] = []
    before = None
    while True:
        body = await gql(FEED, {"last": 7, "before": before})
        connection = body["data"]["posts"]
        backward = [e["node"]["id"] for e in connection["edges"]] + backward
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]
    assert backward == forward
