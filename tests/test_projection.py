"""Lists of posts leave `content` behind unless a client selects it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from data.posts import POST_WITHOUT_CONTENT, PostRecord

FEED = """
query($first: Int) {
  posts(first: $first) { edges { node { slug ...Body } } }
}
fragment Body on Post { content }
"""
AUTHOR = """
query($id: ID!) {
  node(id: $id) { ... on User { posts(first: 5) { nodes { slug title content } } } }
}
"""
BY_SLUG = "query($slug: String!) { postBySlug(slug: $slug) { content } }"


def test_a_post_read_without_content_is_the_same_record_but_for_it() -> None:
    record = PostRecord(
        post_id="01JA0000000000000000000000", author_id="01JA0000000000000000000001",
        category_id="01JA0000000000000000000002", tag_ids=["t1"], title="T", slug="t",
        excerpt="e", content="the body", featured_image="https://example.com/i.jpg",
        status="PUBLISHED", published_at="2026-01-01T00:00:00.000Z", view_count=4,
        like_count=2, comment_count=1, created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-02T00:00:00.000Z", version=3,
    )
    item = record.to_item(shards=8)
    projected = {k: v for k, v in item.items() if k in POST_WITHOUT_CONTENT}
    # Every attribute but content survives the projection.
    assert set(item) - set(projected) == {"content", "entityType"}
    assert PostRecord.from_item(projected) == replace(record, content="")


async def test_content_selected_through_a_fragment_is_served(gql: Any) -> None:
    edges = (await gql(FEED, {"first": 5}))["data"]["posts"]["edges"]
    assert len(edges) == 5
    for edge in edges:
        full = await gql(BY_SLUG, {"slug": edge["node"]["slug"]})
        assert edge["node"]["content"] == full["data"]["postBySlug"]["content"] != ""


async def test_content_on_an_authors_posts_is_served(gql: Any) -> None:
    feed = await gql("{ posts(first: 1) { nodes { author { id } } } }")
    author = feed["data"]["posts"]["nodes"][0]["author"]["id"]
    nodes = (await gql(AUTHOR, {"id": author}))["data"]["node"]["posts"]["nodes"]
    assert nodes and all(node["content"] for node in nodes)
