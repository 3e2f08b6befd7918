"""The demo data set: its counters agree with the items beside them, its locks point at
their owners, its logins work, and its IDs come from the seed, not from the clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from data import keys
from data.client import Dynamo, Item, from_wire
from data.passwords import verify_password
from data.queries import QuerySpec, run_query
from data.ulid import ulid_int
from dev.seed import PASSWORD, build, seeded_scale
from tests.conftest import GraphQLClient

ENTITY_TYPES = {
    "USER",
    "EMAIL_LOCK",
    "PROFILE",
    "SESSION",
    "POST",
    "SLUG_LOCK",
    "POST_TAG",
    "LIKE",
    "COMMENT",
    "CATEGORY",
    "CATEGORY_SLUG_LOCK",
    "TAG",
    "TAG_SLUG_LOCK",
    "PRODUCT",
    "ORDER",
    "ORDER_ITEM",
    "REVIEW",
    "PURCHASE",
}
# Written by the gateway's own requests, never by the seed (other tests may have left some).
REQUEST_ENTITY_TYPES = {"IDEMPOTENCY", "RATE_WINDOW"}
# The attribute holding each entity's own ULID, whose time part must be its createdAt.
ID_ATTRIBUTE = {
    "USER": "userId",
    "POST": "postId",
    "COMMENT": "commentId",
    "CATEGORY": "categoryId",
    "TAG": "tagId",
    "PRODUCT": "productId",
    "ORDER": "orderId",
    "REVIEW": "reviewId",
}


async def _partition(dynamo: Dynamo, partition: str, index: str | None = None) -> list[Item]:
    return await run_query(dynamo, QuerySpec(index, partition, limit=0))


async def test_post_counters_match_their_comments_and_likes(
    dynamo: Dynamo, seeded: dict[str, Any]
) -> None:
    checked = Counter[str]()
    for seeded_post in seeded["posts"]:
        items = await _partition(dynamo, keys.post_pk(seeded_post["postId"]))
        post = next((i for i in items if i["SK"] == "POST"), None)
        if post is None:  # another test deleted it
            continue
        comments = [i for i in items if i["entityType"] == "COMMENT"]
        approved = [c for c in comments if c["status"] == "APPROVED"]
        likes = [i for i in items if i["entityType"] == "LIKE"]
        assert post["commentCount"] == len(approved), post["slug"]
        assert post["likeCount"] == len(likes), post["slug"]
        for top in (c for c in comments if not c.get("parentId")):
            replies = [c for c in approved if c.get("parentId") == top["commentId"]]
            assert top["replyCount"] == len(replies), top["commentId"]
        checked.update(c["status"] for c in comments)
        checked["replies"] += sum(1 for c in comments if c.get("parentId"))
    # The data exercises visibility: replies and every moderation status are present.
    assert {"APPROVED", "PENDING", "SPAM", "REJECTED", "replies"} <= set(checked)


async def test_tag_post_counts_match_the_published_links(
    dynamo: Dynamo, seeded: dict[str, Any]
) -> None:
    assert len(seeded["tags"]) == 10
    for seeded_tag in seeded["tags"]:
        tag = await dynamo.get_item(keys.tag(seeded_tag["tagId"]))
        assert tag is not None
        links = await _partition(dynamo, keys.tag_pk(seeded_tag["tagId"]), "GSI1")
        assert tag["postCount"] == len(links), tag["slug"]
        posts = await dynamo.get_items([keys.post(link["postId"]) for link in links])
        for post in posts:
            assert post is not None
            assert post["status"] == "PUBLISHED"
            assert seeded_tag["tagId"] in post["tagIds"]


async def test_rating_counters_match_the_published_reviews(
    dynamo: Dynamo, seeded: dict[str, Any]
) -> None:
    reviews = seeded["reviews"]
    assert {r["status"] for r in reviews} == {"PUBLISHED", "HIDDEN"}
    products = await dynamo.get_items(
        [keys.product(p["productId"]) for p in seeded["products"]], consistent=True
    )
    for seeded_product, product in zip(seeded["products"], products, strict=True):
        assert product is not None
        listed = await _partition(dynamo, keys.reviews_pk(seeded_product["productId"]), "GSI2")
        ratings = [r["rating"] for r in listed]
        assert all(r["status"] == "PUBLISHED" for r in listed)
        assert product.get("ratingCount", 0) == len(ratings)
        assert product.get("ratingSum", 0) == sum(ratings)
        for stars in range(1, 6):
            assert product.get(f"rating{stars}", 0) == ratings.count(stars)
    assert sum(p.get("ratingCount", 0) for p in products if p) == sum(
        r["status"] == "PUBLISHED" for r in reviews
    )


def test_purchases_count_the_orders_that_are_not_cancelled() -> None:
    items = _items(datetime(2026, 5, 1, tzinfo=UTC))
    orders = {i["orderId"]: i for i in items if i["entityType"] == "ORDER"}
    bought = Counter(
        (orders[i["orderId"]]["userId"], i["productId"])
        for i in items
        if i["entityType"] == "ORDER_ITEM" and orders[i["orderId"]]["status"] != "CANCELLED"
    )
    purchases = {
        (i["userId"], i["productId"]): i["orders"] for i in items if i["entityType"] == "PURCHASE"
    }
    assert purchases == dict(bought)
    for review in (i for i in items if i["entityType"] == "REVIEW"):
        assert purchases[(review["userId"], review["productId"])] > 0


async def test_emails_and_slugs_are_locked_to_their_owners(
    dynamo: Dynamo, seeded: dict[str, Any]
) -> None:
    users = seeded["users"]
    locks = await dynamo.get_items([keys.email_lock(u["email"]) for u in users])
    assert [lock["userId"] if lock else None for lock in locks] == [u["userId"] for u in users]
    slugs = await dynamo.get_items([keys.slug_lock(p["slug"]) for p in seeded["posts"]])
    assert [lock["postId"] if lock else None for lock in slugs] == [
        p["postId"] for p in seeded["posts"]
    ]
    admin = await dynamo.get_item(keys.user(users[0]["userId"]))
    assert admin is not None and admin["email"] == "admin@example.com"
    assert admin["passwordHash"].startswith("$argon2id$")
    assert await verify_password(admin["passwordHash"], PASSWORD)


async def test_every_item_has_a_known_entity_type(dynamo: Dynamo, seeded: dict[str, Any]) -> None:
    # A Scan is fine in a test: no request path issues one.
    seen: Counter[str] = Counter()
    start: dict[str, Any] | None = None
    while True:
        page = await dynamo.call(
            "scan", TableName=dynamo.table, **({"ExclusiveStartKey": start} if start else {})
        )
        for raw in page.get("Items", []):
            item = from_wire(raw)
            assert item.get("entityType") in ENTITY_TYPES | REQUEST_ENTITY_TYPES, item
            seen[item["entityType"]] += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert set(seen) - REQUEST_ENTITY_TYPES == ENTITY_TYPES


async def test_demo_tokens_sign_in_as_their_users(
    gql: GraphQLClient, seeded: dict[str, Any]
) -> None:
    for user in seeded["users"]:
        body = await gql("{ viewer { email role } }", token=user["token"])
        assert body.get("errors") is None, body
        assert body["data"]["viewer"] == {"email": user["email"], "role": user["role"]}


HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def _items(moment: datetime) -> list[Item]:
    demo = build(1, moment, 8, 3600)
    return demo.items + demo.user_items([HASH] * len(demo.users))


def test_ids_come_from_the_seed_and_match_created_at() -> None:
    first = _items(datetime(2026, 5, 1, tzinfo=UTC))
    again = _items(datetime(2026, 6, 1, tzinfo=UTC))
    assert [i for i in first if i["entityType"] != "SESSION"] == [
        i for i in again if i["entityType"] != "SESSION"
    ]
    for item in first:
        attribute = ID_ATTRIBUTE.get(item["entityType"])
        if attribute is None:
            continue
        created = datetime.fromisoformat(item["createdAt"].replace("Z", "+00:00"))
        assert ulid_int(item[attribute]) >> 80 == int(created.timestamp() * 1000), item


def test_the_shape_exercises_the_contract() -> None:
    by_type: dict[str, list[Item]] = {}
    for item in _items(datetime(2026, 5, 1, tzinfo=UTC)):
        by_type.setdefault(item["entityType"], []).append(item)
    roles = [u["role"] for u in by_type["USER"]]
    assert roles[:2] == ["ADMIN", "MODERATOR"] and set(roles[2:]) == {"USER"}
    assert Counter(p["status"] for p in by_type["POST"]) == {
        "PUBLISHED": 30,
        "DRAFT": 5,
        "ARCHIVED": 5,
    }
    published_by = Counter(p["authorId"] for p in by_type["POST"] if p["status"] == "PUBLISHED")
    assert published_by.most_common(1)[0][1] > 10  # an author page has a next page
    assert max(Counter(o["userId"] for o in by_type["ORDER"]).values()) >= 4
    inactive = [p for p in by_type["PRODUCT"] if not p["active"]]
    assert len(inactive) == 3 and all("GSI1PK" not in p for p in inactive)
    top = [c for c in by_type["CATEGORY"] if "parentId" not in c]
    assert sorted(c["sortOrder"] for c in top) == [10, 20, 30]
    assert len(by_type["CATEGORY"]) == 6
    for order in by_type["ORDER"]:
        lines = [i for i in by_type["ORDER_ITEM"] if i["orderId"] == order["orderId"]]
        assert order["lineCount"] == len(lines)
        assert order["total"] == sum(i["unitPrice"] * i["quantity"] for i in lines)


def test_the_scale_of_a_seeded_table_is_read_from_its_admin() -> None:
    # A restart prints the logins of the scale the table was seeded at, whatever --scale says.
    for scale in (1, 2, 7):
        admin = build(scale, datetime(2026, 5, 1, tzinfo=UTC), 8, 3600).users[0].record
        assert admin.email == "admin@example.com"
        assert seeded_scale(admin.user_id) == scale
    assert seeded_scale("01KE6P4YM0000000000000000") is None
