"""Items written by another service, following data-model.md, are served correctly."""

from __future__ import annotations

from typing import Any

from data.client import to_wire
from data.ulid import new_ulid
from resolvers.ids import encode

AUTHOR = """
query($id: ID!) {
  user(id: $id) {
    displayName
    profile { bio website socialLinks { name url } }
    posts(first: 1) { nodes { title category { name } tags { name postCount } } }
  }
}"""


async def test_a_foreign_writers_user_profile_and_posts(gql: Any, world: Any) -> None:
    body = await gql(AUTHOR, {"id": encode("User", world.author)})
    user = body["data"]["user"]
    assert user["displayName"] == "Ada Author"
    assert user["profile"]["socialLinks"] == [{"name": "web", "url": "https://example.com"}]
    post = user["posts"]["nodes"][0]
    assert post["title"] == "World post 6"
    assert post["category"]["name"] == "World"
    assert post["tags"] == [{"name": "zz-world", "postCount": 7}]


async def test_category_and_tag_listings(gql: Any, world: Any) -> None:
    query = """
    query($c: ID!, $t: ID!) {
      category(id: $c) { posts(first: 100) { nodes { id } } }
      tag(id: $t) { posts(first: 3) { nodes { id } pageInfo { hasNextPage } } }
      categories { id sortOrder }
    }"""
    body = await gql(
        query, {"c": encode("Category", world.category), "t": encode("Tag", world.tag)}
    )
    data = body["data"]
    expected = [encode("Post", p) for p in reversed(world.published)]
    assert [n["id"] for n in data["category"]["posts"]["nodes"]] == expected
    assert [n["id"] for n in data["tag"]["posts"]["nodes"]] == expected[:3]
    assert data["tag"]["posts"]["pageInfo"]["hasNextPage"] is True
    orders = [c["sortOrder"] for c in data["categories"]]
    assert orders == sorted(orders)
    assert encode("Category", world.category) in [c["id"] for c in data["categories"]]


async def test_products_by_price_range_both_orders(gql: Any, world: Any) -> None:
    query = """
    query($c: String!, $min: Decimal, $max: Decimal, $order: PriceOrder) {
      products(category: $c, minPrice: $min, maxPrice: $max, order: $order) {
        nodes { name price }
      }
    }"""
    cat = world.product_category
    body = await gql(query, {"c": cat, "min": "12.50", "max": "30.00"})
    assert [n["price"] for n in body["data"]["products"]["nodes"]] == ["12.50", "12.50", "30.00"]
    body = await gql(query, {"c": cat, "order": "HIGHEST_FIRST"})
    assert [n["price"] for n in body["data"]["products"]["nodes"]] == [
        "99.99",
        "30.00",
        "12.50",
        "12.50",
        "5.00",
    ]
    body = await gql(query, {"c": cat, "max": "5"})
    assert [n["name"] for n in body["data"]["products"]["nodes"]] == ["Thing 0"]


async def test_order_items_and_date_range(gql: Any, world: Any) -> None:
    query = """
    query($id: ID!, $from: DateTime, $to: DateTime) {
      user(id: $id) {
        orders(from: $from, to: $to, order: OLDEST_FIRST) {
          nodes { id createdAt items { productName quantity unitPrice subtotal product { name } } }
        }
      }
    }"""
    uid = encode("User", world.reader)
    body = await gql(query, {"id": uid}, world.tokens["reader"])
    nodes = body["data"]["user"]["orders"]["nodes"]
    assert [n["id"] for n in nodes] == [
        encode("Order", world.reader, o) for o in world.reader_orders
    ]
    assert nodes[0]["items"][1] == {
        "productName": "Thing 1",
        "quantity": 1,
        "unitPrice": "12.50",
        "subtotal": "12.50",
        "product": {"name": "Thing 1"},
    }
    # Orders are a day apart: a window around the second one finds only it.
    second = nodes[1]["createdAt"]
    window = await gql(query, {"id": uid, "from": second, "to": second}, world.tokens["reader"])
    assert [n["id"] for n in window["data"]["user"]["orders"]["nodes"]] == [nodes[1]["id"]]


async def test_post_by_slug_goes_through_the_lock(gql: Any, world: Any) -> None:
    slug = f"world-post-{world.published[2].lower()}"
    body = await gql("query($s: String!) { postBySlug(slug: $s) { id } }", {"s": slug})
    assert body["data"]["postBySlug"]["id"] == encode("Post", world.published[2])
    missing = await gql("query($s: String!) { postBySlug(slug: $s) { id } }", {"s": "no-such-post"})
    assert missing["data"]["postBySlug"] is None


async def test_items_written_without_a_version_can_still_be_edited(
    gql: Any, world: Any, dynamo: Any
) -> None:
    # The moderator's own post: the author's posts are counted by the pagination tests.
    pid = new_ulid()
    item = {
        "PK": f"POST#{pid}", "SK": "POST", "entityType": "POST", "postId": pid,
        "authorId": world.moderator, "title": "No version", "slug": f"no-version-{pid.lower()}",
        "content": "x", "status": "DRAFT", "createdAt": "2026-01-01T00:00:00.000Z",
        "GSI1PK": f"USER#{world.moderator}", "GSI1SK": f"POST#{pid}",
    }
    await dynamo.call("put_item", TableName=dynamo.table, Item=to_wire(item))
    edit = "mutation($input: UpdatePostInput!) { updatePost(input: $input) { title version } }"
    body = await gql(edit, {"input": {"id": encode("Post", pid), "title": "Versioned"}},
                     world.tokens["moderator"])
    assert body["data"]["updatePost"] == {"title": "Versioned", "version": 2}, body
