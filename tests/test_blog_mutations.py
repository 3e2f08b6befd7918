"""Posts, likes, views, comments, categories and tags, written through the GraphQL API.

Every test makes its own categories, tags and posts (names made unique with
uuid), so the seeded data other tests read stays as it was.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from data.client import Dynamo, from_wire
from data.clock import now_iso
from data.comments import CommentRecord
from data.ulid import new_ulid
from resolvers.ids import decode, encode
from tests.conftest import codes

POST_FIELDS = """
  id title slug status version publishedAt likeCount likedByViewer commentCount viewCount
  excerpt category { id } tags { id postCount }
"""
CREATE_POST = (
    f"mutation($input: CreatePostInput!) {{ createPost(input: $input) {{ {POST_FIELDS} }} }}"
)
UPDATE_POST = (
    f"mutation($input: UpdatePostInput!) {{ updatePost(input: $input) {{ {POST_FIELDS} }} }}"
)
PUBLISH = f"mutation($id: ID!) {{ publishPost(id: $id) {{ {POST_FIELDS} }} }}"
ARCHIVE = f"mutation($id: ID!) {{ archivePost(id: $id) {{ {POST_FIELDS} }} }}"
DELETE_POST = "mutation($id: ID!) { deletePost(id: $id) }"
LIKE = "mutation($id: ID!) { likePost(id: $id) { likeCount likedByViewer } }"
UNLIKE = "mutation($id: ID!) { unlikePost(id: $id) { likeCount likedByViewer } }"
VIEW = "mutation($id: ID!) { recordPostView(id: $id) }"
POST = f"query($id: ID!) {{ post(id: $id) {{ {POST_FIELDS} }} }}"
BY_SLUG = "query($s: String!) { postBySlug(slug: $s) { id } }"
LISTS = """
query($tag: ID!, $cat: ID!) {
  posts(first: 10) { nodes { id } }
  tag(id: $tag) { postCount posts(first: 10) { nodes { id } } }
  category(id: $cat) { posts(first: 10) { nodes { id } } }
}"""
CREATE_TAG = """
mutation($input: CreateTagInput!) { createTag(input: $input) { id name slug postCount color } }"""
CREATE_CATEGORY = """
mutation($input: CreateCategoryInput!) {
  createCategory(input: $input) { id name slug sortOrder color parent { id } }
}"""
ADD_COMMENT = """
mutation($input: AddCommentInput!) {
  addComment(input: $input) { id content status replyCount parent { id } post { id commentCount } }
}"""
UPDATE_COMMENT = """
mutation($id: ID!, $c: String!) { updateComment(id: $id, content: $c) { id content updatedAt } }"""
MODERATE = """
mutation($id: ID!, $s: CommentStatus!) { moderateComment(id: $id, status: $s) { id status } }"""
DELETE_COMMENT = "mutation($id: ID!) { deleteComment(id: $id) }"
COMMENTS = """
query($id: ID!) {
  post(id: $id) {
    commentCount
    comments(first: 50) {
      nodes { id status replyCount replies(first: 50) { nodes { id status } } }
    }
  }
}"""


@pytest.fixture(scope="module")
def author(seeded: dict[str, Any]) -> str:
    token: str = seeded["users"][2]["token"]
    return token


@pytest.fixture(scope="module")
def reader(seeded: dict[str, Any]) -> str:
    token: str = seeded["users"][3]["token"]
    return token


def unique(word: str = "Post") -> str:
    return f"{word} {uuid.uuid4().hex[:10]}"


def data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


async def make_tag(gql: Any, moderator: str) -> dict[str, Any]:
    tag: dict[str, Any] = data(
        await gql(CREATE_TAG, {"input": {"name": unique("Tag")}}, moderator), "createTag"
    )
    return tag


async def make_category(gql: Any, admin: str) -> dict[str, Any]:
    category: dict[str, Any] = data(
        await gql(CREATE_CATEGORY, {"input": {"name": unique("Category")}}, admin),
        "createCategory",
    )
    return category


async def make_post(gql: Any, token: str, **fields: Any) -> dict[str, Any]:
    post: dict[str, Any] = data(
        await gql(
            CREATE_POST,
            {
                "input": {
                    "title": unique(),
                    "content": "Body text.",
                    **fields,
                }
            },
            token,
        ),
        "createPost",
    )
    return post


async def table_items(dynamo: Dynamo) -> list[dict[str, Any]]:
    """Every item but sessions (TTL may reap expired ones at any moment), sorted by key."""

    def scan() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"TableName": dynamo.table}
        while True:
            page = dynamo.client.scan(**params)
            items += [from_wire(raw) for raw in page["Items"]]
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(
            (i for i in items if i.get("entityType") != "SESSION"), key=lambda i: (i["PK"], i["SK"])
        )

    return await asyncio.to_thread(scan)


async def partition(dynamo: Dynamo, pk: str) -> list[dict[str, Any]]:
    def query() -> list[dict[str, Any]]:
        page = dynamo.client.query(
            TableName=dynamo.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )
        return [from_wire(raw) for raw in page["Items"]]

    return await asyncio.to_thread(query)


def raw_id(global_id: str) -> str:
    """The ULID at the end of a global ID (tests only; clients never do this)."""
    return decode(global_id)[1][-1]


# ---------------------------------------------------------------- posts


async def test_a_post_goes_from_draft_to_published_to_archived(
    gql: Any, admin: str, moderator: str, author: str, reader: str
) -> None:
    tags = [await make_tag(gql, moderator) for _ in range(2)]
    category = await make_category(gql, admin)
    post = await make_post(gql, author, categoryId=category["id"], tagIds=[t["id"] for t in tags])
    assert (post["status"], post["version"], post["publishedAt"]) == ("DRAFT", 1, None)
    assert [t["id"] for t in post["tags"]] == [t["id"] for t in tags]
    lists = {"tag": tags[0]["id"], "cat": category["id"]}

    # A draft: only its author (and moderators) see it; it is on no public list.
    assert data(await gql(POST, {"id": post["id"]}), "post") is None
    assert data(await gql(POST, {"id": post["id"]}, reader), "post") is None
    assert data(await gql(POST, {"id": post["id"]}, author), "post")["status"] == "DRAFT"
    before = (await gql(LISTS, lists))["data"]
    assert post["id"] not in {n["id"] for n in before["posts"]["nodes"]}
    assert before["tag"] == {"postCount": 0, "posts": {"nodes": []}}
    assert before["category"]["posts"]["nodes"] == []

    published = data(await gql(PUBLISH, {"id": post["id"]}, author), "publishPost")
    assert (published["status"], published["version"]) == ("PUBLISHED", 2)
    assert published["publishedAt"] is not None
    assert {t["postCount"] for t in published["tags"]} == {1}
    after = (await gql(LISTS, lists))["data"]
    assert after["posts"]["nodes"][0]["id"] == post["id"]
    assert after["tag"] == {"postCount": 1, "posts": {"nodes": [{"id": post["id"]}]}}
    assert after["category"]["posts"]["nodes"] == [{"id": post["id"]}]
    assert data(await gql(POST, {"id": post["id"]}, reader), "post")["status"] == "PUBLISHED"

    # Publishing again changes nothing: no second count, no new version.
    again = data(await gql(PUBLISH, {"id": post["id"]}, author), "publishPost")
    assert (again["version"], {t["postCount"] for t in again["tags"]}) == (2, {1})

    archived = data(await gql(ARCHIVE, {"id": post["id"]}, author), "archivePost")
    assert (archived["status"], archived["version"]) == ("ARCHIVED", 3)
    gone = (await gql(LISTS, lists))["data"]
    assert post["id"] not in {n["id"] for n in gone["posts"]["nodes"]}
    assert gone["tag"] == {"postCount": 0, "posts": {"nodes": []}}
    assert gone["category"]["posts"]["nodes"] == []
    assert data(await gql(POST, {"id": post["id"]}), "post") is None

    # Published again, it keeps the date it was first published.
    back = data(await gql(PUBLISH, {"id": post["id"]}, moderator), "publishPost")
    assert back["publishedAt"] == published["publishedAt"]
    assert {t["postCount"] for t in back["tags"]} == {1}


async def test_a_taken_slug_gets_a_numbered_suffix(gql: Any, author: str, reader: str) -> None:
    title = unique("Same Title")
    base = title.lower().replace(" ", "-")
    first = await make_post(gql, author, title=title)
    second = await make_post(gql, reader, title=title)
    third = await make_post(gql, author, title=f"  {title}!  ")
    assert [first["slug"], second["slug"], third["slug"]] == [base, f"{base}-2", f"{base}-3"]
    assert data(await gql(BY_SLUG, {"s": f"{base}-2"}, reader), "postBySlug") == {
        "id": second["id"]
    }

    # A title that gives the same slug keeps it; a new title moves it and frees the old one.
    same = data(
        await gql(UPDATE_POST, {"input": {"id": second["id"], "title": f"{title}?"}}, reader),
        "updatePost",
    )
    assert same["slug"] == f"{base}-2"
    renamed = data(
        await gql(UPDATE_POST, {"input": {"id": first["id"], "title": f"{title} renamed"}}, author),
        "updatePost",
    )
    assert renamed["slug"] == f"{base}-renamed"
    assert data(await gql(BY_SLUG, {"s": f"{base}-renamed"}, author), "postBySlug") == {
        "id": first["id"]
    }
    assert data(await gql(BY_SLUG, {"s": base}, author), "postBySlug") is None
    fourth = await make_post(gql, author, title=title)
    assert fourth["slug"] == base


async def test_update_post_checks_the_expected_version(gql: Any, author: str) -> None:
    post = await make_post(gql, author)
    updated = data(
        await gql(
            UPDATE_POST,
            {
                "input": {
                    "id": post["id"],
                    "expectedVersion": 1,
                    "excerpt": "Short.",
                }
            },
            author,
        ),
        "updatePost",
    )
    assert (updated["version"], updated["excerpt"]) == (2, "Short.")

    stale = await gql(
        UPDATE_POST, {"input": {"id": post["id"], "expectedVersion": 1, "title": "Lost"}}, author
    )
    assert codes(stale) == ["CONFLICT"]

    # Two edits from version 2 at once: exactly one wins.
    racing = await asyncio.gather(
        *(
            gql(
                UPDATE_POST,
                {"input": {"id": post["id"], "expectedVersion": 2, "excerpt": f"Edit {n}"}},
                author,
            )
            for n in range(2)
        )
    )
    assert sorted(str(codes(body)) for body in racing) == ["['CONFLICT']", "[]"]
    winner = next(body for body in racing if not codes(body))["data"]["updatePost"]
    final = data(await gql(POST, {"id": post["id"]}, author), "post")
    assert (final["version"], final["excerpt"]) == (3, winner["excerpt"])

    # An explicit null clears an optional field.
    cleared = data(
        await gql(UPDATE_POST, {"input": {"id": post["id"], "excerpt": None}}, author), "updatePost"
    )
    assert (cleared["excerpt"], cleared["version"]) == (None, 4)


async def test_concurrent_edits_without_a_version_are_all_kept(
    gql: Any, moderator: str, author: str
) -> None:
    tags = [await make_tag(gql, moderator) for _ in range(3)]
    post = await make_post(gql, author, status="PUBLISHED")
    # Each edit replaces the tag list; whichever lands last decides it, and the
    # tags' counts agree with the links that are left.
    await asyncio.gather(
        *(
            gql(UPDATE_POST, {"input": {"id": post["id"], "tagIds": [tag["id"]]}}, author)
            for tag in tags
        )
    )
    final = data(await gql(POST, {"id": post["id"]}, author), "post")
    assert final["version"] == 4
    assert [t["postCount"] for t in final["tags"]] == [1]
    counts = [
        data(await gql("query($id: ID!) { tag(id: $id) { postCount } }", {"id": tag["id"]}), "tag")[
            "postCount"
        ]
        for tag in tags
    ]
    assert sorted(counts) == [0, 0, 1]


async def test_editing_tags_and_category_of_a_published_post(
    gql: Any, admin: str, moderator: str, author: str
) -> None:
    old_tag, new_tag = await make_tag(gql, moderator), await make_tag(gql, moderator)
    old_cat, new_cat = await make_category(gql, admin), await make_category(gql, admin)
    post = await make_post(
        gql, author, status="PUBLISHED", categoryId=old_cat["id"], tagIds=[old_tag["id"]]
    )
    assert post["publishedAt"] is not None
    assert post["tags"] == [{"id": old_tag["id"], "postCount": 1}]

    edited = data(
        await gql(
            UPDATE_POST,
            {
                "input": {
                    "id": post["id"],
                    "categoryId": new_cat["id"],
                    "tagIds": [new_tag["id"]],
                }
            },
            author,
        ),
        "updatePost",
    )
    assert edited["tags"] == [{"id": new_tag["id"], "postCount": 1}]
    lists = (await gql(LISTS, {"tag": old_tag["id"], "cat": old_cat["id"]}))["data"]
    assert lists["tag"] == {"postCount": 0, "posts": {"nodes": []}}
    assert lists["category"]["posts"]["nodes"] == []
    lists = (await gql(LISTS, {"tag": new_tag["id"], "cat": new_cat["id"]}))["data"]
    assert lists["tag"]["posts"]["nodes"] == [{"id": post["id"]}]
    assert lists["category"]["posts"]["nodes"] == [{"id": post["id"]}]


async def test_who_may_write_posts(gql: Any, moderator: str, author: str, reader: str) -> None:
    draft = await make_post(gql, author)
    live = await make_post(gql, author, status="PUBLISHED")
    anonymous = await gql(CREATE_POST, {"input": {"title": "x", "content": "y"}})
    assert codes(anonymous) == ["UNAUTHENTICATED"]
    assert codes(await gql(PUBLISH, {"id": draft["id"]})) == ["UNAUTHENTICATED"]
    assert codes(await gql(LIKE, {"id": live["id"]})) == ["UNAUTHENTICATED"]

    # Someone else's published post: visible, so FORBIDDEN; their draft: NOT_FOUND.
    for mutation, variables in (
        (UPDATE_POST, {"input": {"id": live["id"], "title": "Hijacked"}}),
        (ARCHIVE, {"id": live["id"]}),
        (DELETE_POST, {"id": live["id"]}),
    ):
        assert codes(await gql(mutation, variables, reader)) == ["FORBIDDEN"]
    assert codes(await gql(PUBLISH, {"id": draft["id"]}, reader)) == ["NOT_FOUND"]
    assert codes(await gql(LIKE, {"id": draft["id"]}, reader)) == ["NOT_FOUND"]
    assert data(await gql(POST, {"id": live["id"]}), "post")["title"] == live["title"]

    # Moderators may edit anyone's post.
    edited = data(
        await gql(UPDATE_POST, {"input": {"id": live["id"], "title": "Moderated"}}, moderator),
        "updatePost",
    )
    assert edited["title"] == "Moderated"


async def test_invalid_input_is_refused_before_anything_is_written(
    gql: Any, dynamo: Dynamo, moderator: str, author: str
) -> None:
    tag = await make_tag(gql, moderator)
    post = await make_post(gql, author, status="PUBLISHED", tagIds=[tag["id"]])
    comment = data(
        await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": "Hi"}}, author),
        "addComment",
    )
    reply = data(
        await gql(
            ADD_COMMENT,
            {"input": {"postId": post["id"], "parentId": comment["id"], "content": "Hello"}},
            author,
        ),
        "addComment",
    )
    unknown_tag = encode("Tag", new_ulid())
    cases: list[tuple[str, dict[str, Any], str]] = [
        (CREATE_POST, {"input": {"title": "   ", "content": "x"}}, "title"),
        (CREATE_POST, {"input": {"title": "t", "content": ""}}, "content"),
        (
            CREATE_POST,
            {"input": {"title": "t", "content": "x", "tagIds": [tag["id"], unknown_tag]}},
            "tagIds",
        ),
        (CREATE_POST, {"input": {"title": "t", "content": "x", "tagIds": ["not-an-id"]}}, "tagIds"),
        (
            CREATE_POST,
            {"input": {"title": "t", "content": "x", "categoryId": encode("Category", new_ulid())}},
            "categoryId",
        ),
        (
            CREATE_POST,
            {"input": {"title": "t", "content": "x", "categoryId": tag["id"]}},
            "categoryId",
        ),
        (
            CREATE_POST,
            {"input": {"title": "t", "content": "x", "featuredImage": "ftp://x"}},
            "featuredImage",
        ),
        (
            CREATE_POST,
            {
                "input": {
                    "title": "t",
                    "content": "x",
                    "tagIds": [encode("Tag", new_ulid()) for _ in range(11)],
                }
            },
            "tagIds",
        ),
        (UPDATE_POST, {"input": {"id": "bm9wZQ", "title": "t"}}, "id"),
        (UPDATE_POST, {"input": {"id": post["id"], "title": ""}}, "title"),
        (UPDATE_POST, {"input": {"id": post["id"], "tagIds": [unknown_tag]}}, "tagIds"),
        (
            UPDATE_POST,
            {"input": {"id": post["id"], "title": "New", "content": "x" * 50_001}},
            "content",
        ),
        (LIKE, {"id": comment["id"]}, "id"),
        (ADD_COMMENT, {"input": {"postId": post["id"], "content": "x" * 5001}}, "content"),
        (
            ADD_COMMENT,
            {"input": {"postId": post["id"], "parentId": reply["id"], "content": "x"}},
            "parentId",
        ),
        (ADD_COMMENT, {"input": {"postId": "bad", "content": "x"}}, "postId"),
        (UPDATE_COMMENT, {"id": comment["id"], "c": " "}, "content"),
    ]
    before = await table_items(dynamo)
    for mutation, variables, field in cases:
        body = await gql(mutation, variables, author)
        assert codes(body) == ["BAD_USER_INPUT"], (variables, body)
        assert body["errors"][0]["extensions"]["field"] == field, (variables, body)
    assert await table_items(dynamo) == before


# ---------------------------------------------------------------- likes and views


async def test_likes_are_counted_once_per_user(gql: Any, author: str, reader: str) -> None:
    post = await make_post(gql, author, status="PUBLISHED")
    results = await asyncio.gather(*(gql(LIKE, {"id": post["id"]}, reader) for _ in range(20)))
    assert all(not codes(body) for body in results), [codes(b) for b in results]
    assert data(await gql(POST, {"id": post["id"]}, reader), "post")["likeCount"] == 1
    assert data(await gql(POST, {"id": post["id"]}, reader), "post")["likedByViewer"] is True
    assert data(await gql(POST, {"id": post["id"]}, author), "post")["likedByViewer"] is False

    assert data(await gql(LIKE, {"id": post["id"]}, author), "likePost") == {
        "likeCount": 2,
        "likedByViewer": True,
    }
    assert data(await gql(UNLIKE, {"id": post["id"]}, reader), "unlikePost") == {
        "likeCount": 1,
        "likedByViewer": False,
    }
    assert data(await gql(UNLIKE, {"id": post["id"]}, reader), "unlikePost") == {
        "likeCount": 1,
        "likedByViewer": False,
    }


async def test_views_are_counted_on_visible_posts(gql: Any, author: str) -> None:
    post = await make_post(gql, author, status="PUBLISHED")
    counts = await asyncio.gather(*(gql(VIEW, {"id": post["id"]}) for _ in range(5)))
    assert sorted(data(body, "recordPostView") for body in counts) == [1, 2, 3, 4, 5]
    assert data(await gql(POST, {"id": post["id"]}), "post")["viewCount"] == 5
    draft = await make_post(gql, author)
    assert codes(await gql(VIEW, {"id": draft["id"]})) == ["NOT_FOUND"]
    assert data(await gql(VIEW, {"id": draft["id"]}, author), "recordPostView") == 1


# ---------------------------------------------------------------- comments


async def test_comments_replies_and_moderation_keep_the_counts(
    gql: Any, moderator: str, admin: str, author: str, reader: str
) -> None:
    post = await make_post(gql, author, status="PUBLISHED")
    comment = data(
        await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": "  First!  "}}, reader),
        "addComment",
    )
    assert (comment["content"], comment["status"]) == ("  First!  ", "APPROVED")  # kept exactly
    assert comment["post"]["commentCount"] == 1
    reply = data(
        await gql(
            ADD_COMMENT,
            {"input": {"postId": post["id"], "parentId": comment["id"], "content": "Welcome"}},
            author,
        ),
        "addComment",
    )
    assert reply["parent"] == {"id": comment["id"]}
    assert reply["post"]["commentCount"] == 2
    seen = data(await gql(COMMENTS, {"id": post["id"]}), "post")
    assert seen["comments"]["nodes"] == [
        {
            "id": comment["id"],
            "status": "APPROVED",
            "replyCount": 1,
            "replies": {"nodes": [{"id": reply["id"], "status": "APPROVED"}]},
        }
    ]

    # Two moderators mark the reply SPAM at once: it is uncounted once.
    marked = await asyncio.gather(
        gql(MODERATE, {"id": reply["id"], "s": "SPAM"}, moderator),
        gql(MODERATE, {"id": reply["id"], "s": "SPAM"}, admin),
    )
    assert [data(body, "moderateComment")["status"] for body in marked] == ["SPAM", "SPAM"]
    for token in (None, reader):
        hidden = data(await gql(COMMENTS, {"id": post["id"]}, token), "post")
        assert hidden["commentCount"] == 1
        assert hidden["comments"]["nodes"][0]["replyCount"] == 0
        assert hidden["comments"]["nodes"][0]["replies"]["nodes"] == []
        assert (
            data(
                await gql("query($id: ID!) { node(id: $id) { id } }", {"id": reply["id"]}, token),
                "node",
            )
            is None
        )
    for token in (author, moderator):
        shown = data(await gql(COMMENTS, {"id": post["id"]}, token), "post")
        assert shown["comments"]["nodes"][0]["replies"]["nodes"] == [
            {"id": reply["id"], "status": "SPAM"}
        ]

    back = data(
        await gql(MODERATE, {"id": reply["id"], "s": "APPROVED"}, moderator), "moderateComment"
    )
    assert back["status"] == "APPROVED"
    assert data(await gql(COMMENTS, {"id": post["id"]}), "post")["commentCount"] == 2

    edited = data(
        await gql(UPDATE_COMMENT, {"id": comment["id"], "c": "Edited"}, reader), "updateComment"
    )
    assert edited["content"] == "Edited"
    assert codes(await gql(UPDATE_COMMENT, {"id": comment["id"], "c": "No"}, author)) == [
        "FORBIDDEN"
    ]
    assert codes(await gql(MODERATE, {"id": comment["id"], "s": "SPAM"}, reader)) == ["FORBIDDEN"]
    assert codes(await gql(DELETE_COMMENT, {"id": comment["id"]}, author)) == ["FORBIDDEN"]

    # Deleting a top-level comment takes its replies (and their counts) with it.
    assert data(await gql(DELETE_COMMENT, {"id": comment["id"]}, reader), "deleteComment")
    after = data(await gql(COMMENTS, {"id": post["id"]}, moderator), "post")
    assert after == {"commentCount": 0, "comments": {"nodes": []}}
    assert codes(await gql(DELETE_COMMENT, {"id": reply["id"]}, author)) == ["NOT_FOUND"]


async def test_deleting_a_reply_uncounts_it(gql: Any, author: str, reader: str) -> None:
    post = await make_post(gql, author, status="PUBLISHED")
    comment = data(
        await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": "A"}}, author),
        "addComment",
    )
    reply = data(
        await gql(
            ADD_COMMENT,
            {"input": {"postId": post["id"], "parentId": comment["id"], "content": "B"}},
            reader,
        ),
        "addComment",
    )
    assert data(await gql(DELETE_COMMENT, {"id": reply["id"]}, reader), "deleteComment")
    seen = data(await gql(COMMENTS, {"id": post["id"]}), "post")
    assert seen["commentCount"] == 1
    assert seen["comments"]["nodes"][0]["replyCount"] == 0


async def test_comments_only_on_published_posts(gql: Any, author: str, reader: str) -> None:
    draft = await make_post(gql, author)
    add = {"input": {"postId": draft["id"], "content": "Hello"}}
    assert codes(await gql(ADD_COMMENT, add)) == ["UNAUTHENTICATED"]
    assert codes(await gql(ADD_COMMENT, add, reader)) == ["NOT_FOUND"]
    assert codes(await gql(ADD_COMMENT, add, author)) == ["FORBIDDEN"]
    missing = {"input": {"postId": encode("Post", new_ulid()), "content": "Hello"}}
    assert codes(await gql(ADD_COMMENT, missing, reader)) == ["NOT_FOUND"]


# ---------------------------------------------------------------- delete


async def test_delete_post_removes_its_whole_collection(
    gql: Any, dynamo: Dynamo, seeded: dict[str, Any], moderator: str, author: str, reader: str
) -> None:
    tag = await make_tag(gql, moderator)
    post = await make_post(gql, author, status="PUBLISHED", tagIds=[tag["id"]])
    await gql(LIKE, {"id": post["id"]}, reader)
    comment = data(
        await gql(ADD_COMMENT, {"input": {"postId": post["id"], "content": "A"}}, reader),
        "addComment",
    )
    await gql(
        ADD_COMMENT,
        {"input": {"postId": post["id"], "parentId": comment["id"], "content": "B"}},
        author,
    )
    pid = raw_id(post["id"])
    # More comments than one batch deletes, written as another service would.
    moment = now_iso()
    await dynamo.batch_write(
        [
            CommentRecord(
                comment_id=new_ulid(),
                post_id=pid,
                author_id=seeded["users"][3]["userId"],
                content=f"Bulk {n}",
                created_at=moment,
                updated_at=moment,
            ).to_item()
            for n in range(40)
        ]
    )
    assert len(await partition(dynamo, f"POST#{pid}")) == 45
    assert codes(await gql(DELETE_POST, {"id": post["id"]}, reader)) == ["FORBIDDEN"]

    assert data(await gql(DELETE_POST, {"id": post["id"]}, author), "deletePost") is True
    assert await partition(dynamo, f"POST#{pid}") == []
    assert await partition(dynamo, f"SLUG#{post['slug']}") == []
    assert data(await gql(POST, {"id": post["id"]}, author), "post") is None
    assert data(
        await gql("query($id: ID!) { tag(id: $id) { postCount } }", {"id": tag["id"]}), "tag"
    ) == {"postCount": 0}
    assert codes(await gql(DELETE_POST, {"id": post["id"]}, author)) == ["NOT_FOUND"]
    # The slug is free again.
    assert (await make_post(gql, author, title=post["title"]))["slug"] == post["slug"]


# ---------------------------------------------------------------- categories and tags


async def test_categories_and_tags(gql: Any, admin: str, moderator: str, reader: str) -> None:
    name = unique("Parent")
    parent = data(
        await gql(CREATE_CATEGORY, {"input": {"name": name, "color": "#123abc"}}, admin),
        "createCategory",
    )
    assert (parent["slug"], parent["sortOrder"], parent["parent"]) == (
        name.lower().replace(" ", "-"),
        0,
        None,
    )
    child = data(
        await gql(
            CREATE_CATEGORY,
            {
                "input": {
                    "name": "Child",
                    "slug": f"{parent['slug']}-child",
                    "parentId": parent["id"],
                    "sortOrder": 5,
                }
            },
            admin,
        ),
        "createCategory",
    )
    assert (child["parent"], child["sortOrder"]) == ({"id": parent["id"]}, 5)
    children = await gql(
        "query($id: ID!) { category(id: $id) { children { id } } }", {"id": parent["id"]}
    )
    assert data(children, "category") == {"children": [{"id": child["id"]}]}

    taken = await gql(CREATE_CATEGORY, {"input": {"name": name}}, admin)
    assert codes(taken) == ["CONFLICT"]
    assert codes(await gql(CREATE_CATEGORY, {"input": {"name": unique()}}, moderator)) == [
        "FORBIDDEN"
    ]
    for variables, field in (
        ({"name": "x", "sortOrder": 1_000_000}, "sortOrder"),
        ({"name": "x", "color": "blue"}, "color"),
        ({"name": "x", "slug": "Not A Slug"}, "slug"),
        ({"name": "x", "parentId": encode("Category", new_ulid())}, "parentId"),
    ):
        body = await gql(CREATE_CATEGORY, {"input": variables}, admin)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}

    tag_name = unique("Tag")
    tag = data(
        await gql(CREATE_TAG, {"input": {"name": tag_name, "color": "#abc"}}, moderator),
        "createTag",
    )
    assert (tag["slug"], tag["postCount"], tag["color"]) == (
        tag_name.lower().replace(" ", "-"),
        0,
        "#abc",
    )
    assert codes(await gql(CREATE_TAG, {"input": {"name": tag_name}}, admin)) == ["CONFLICT"]
    assert codes(await gql(CREATE_TAG, {"input": {"name": unique()}}, reader)) == ["FORBIDDEN"]
    assert codes(await gql(CREATE_TAG, {"input": {"name": unique()}})) == ["UNAUTHENTICATED"]
