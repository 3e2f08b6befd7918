"""A small data set written straight into the table with boto3, as data-model.md lays
it out: what another service would write. The gateway must serve it correctly."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from data.client import Dynamo, to_wire
from data.posts import feed_shard
from data.ulid import new_ulid

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def stamp(minutes: int) -> str:
    moment = T0 + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ulid_at(minutes: int) -> str:
    return new_ulid(int((T0 + timedelta(minutes=minutes)).timestamp() * 1000))


@dataclass
class World:
    """IDs (raw ULIDs) and tokens of what was written."""

    author: str = ""
    reader: str = ""
    moderator: str = ""
    admin: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    category: str = ""
    tag: str = ""
    post_with_comments: str = ""
    approved: list[str] = field(default_factory=list)
    spam: str = ""
    reader_orders: list[str] = field(default_factory=list)
    product_category: str = ""
    products: list[str] = field(default_factory=list)
    expired_token: str = ""


def _user(uid: str, email: str, role: str, first: str, last: str, minute: int) -> dict[str, Any]:
    return {
        "PK": f"USER#{uid}",
        "SK": "USER",
        "entityType": "USER",
        "userId": uid,
        "email": email,
        "passwordHash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        "firstName": first,
        "lastName": last,
        "role": role,
        "status": "ACTIVE",
        "emailVerified": True,
        "loginCount": 0,
        "createdAt": stamp(minute),
        "updatedAt": stamp(minute),
        "version": 1,
    }


def session_item(uid: str, token: str, minute: int, expires: datetime) -> dict[str, Any]:
    sid = ulid_at(minute)
    return {
        "PK": f"SESSION#{hashlib.sha256(token.encode()).hexdigest()}",
        "SK": "SESSION",
        "GSI1PK": f"USER#{uid}",
        "GSI1SK": f"SESSION#{sid}",
        "entityType": "SESSION",
        "sessionId": sid,
        "userId": uid,
        "userAgent": "pytest",
        "createdAt": stamp(minute),
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "ttl": int(expires.timestamp()),
        "version": 1,
    }


def build(shards: int, posts_by_author: int = 7) -> tuple[World, list[dict[str, Any]]]:
    """The world and its items. The author has `posts_by_author` published posts and 2 drafts."""
    world = World()
    items: list[dict[str, Any]] = []
    names = {
        "author": ("Ada", "Author", "USER"),
        "reader": ("", "", "USER"),
        "moderator": ("Mo", "Derator", "MODERATOR"),
        "admin": ("Ad", "Min", "ADMIN"),
    }
    live = datetime.now(UTC) + timedelta(days=1)
    for minute, (name, (first, last, role)) in enumerate(names.items()):
        uid = ulid_at(minute)
        setattr(world, name, uid)
        email = f"{name}-{uid.lower()}@world.test"
        items.append(_user(uid, email, role, first, last, minute))
        items.append(
            {"PK": f"EMAIL#{email}", "SK": "EMAIL", "entityType": "EMAIL_LOCK", "userId": uid}
        )
        items.append(
            {
                "PK": f"USER#{uid}",
                "SK": "PROFILE",
                "entityType": "PROFILE",
                "userId": uid,
                "bio": f"{name} bio",
                "website": "https://example.com",
                "socialLinks": [{"name": "web", "url": "https://example.com"}],
                "createdAt": stamp(minute),
                "updatedAt": stamp(minute),
            }
        )
        token = secrets.token_urlsafe(32)
        world.tokens[name] = token
        items.append(session_item(uid, token, 10 + minute, live))
    world.expired_token = secrets.token_urlsafe(32)
    items.append(
        session_item(
            world.reader, world.expired_token, 20, datetime.now(UTC) - timedelta(minutes=5)
        )
    )

    world.category = ulid_at(30)
    items.append(
        {
            "PK": f"CATEGORY#{world.category}",
            "SK": "CATEGORY",
            "entityType": "CATEGORY",
            "GSI1PK": "CATPARENT#ROOT",
            "GSI1SK": f"000500#{world.category}",
            "categoryId": world.category,
            "name": "World",
            "slug": f"world-{world.category.lower()}",
            "sortOrder": 500,
            "createdAt": stamp(30),
            "updatedAt": stamp(30),
            "version": 1,
        }
    )
    world.tag = ulid_at(31)
    items.append(
        {
            "PK": f"TAG#{world.tag}",
            "SK": "TAG",
            "entityType": "TAG",
            "GSI1PK": "TAGS",
            "GSI1SK": f"zz-world#{world.tag}",
            "tagId": world.tag,
            "name": "zz-world",
            "slug": f"zz-world-{world.tag.lower()}",
            "postCount": posts_by_author,
            "createdAt": stamp(31),
            "updatedAt": stamp(31),
            "version": 1,
        }
    )

    for n in range(posts_by_author + 2):
        minute = 100 + n
        pid = ulid_at(minute)
        published = n < posts_by_author
        status = "PUBLISHED" if published else "DRAFT"
        post: dict[str, Any] = {
            "PK": f"POST#{pid}",
            "SK": "POST",
            "entityType": "POST",
            "postId": pid,
            "authorId": world.author,
            "categoryId": world.category,
            "tagIds": [world.tag],
            "title": f"World post {n}",
            "slug": f"world-post-{pid.lower()}",
            "content": "Body",
            "status": status,
            "viewCount": 0,
            "likeCount": 0,
            "commentCount": 0,
            "GSI1PK": f"USER#{world.author}",
            "GSI1SK": f"POST#{pid}",
            "GSI3PK": f"FEED#{status}#{feed_shard(pid, shards)}",
            "GSI3SK": f"{stamp(minute)}#{pid}",
            "createdAt": stamp(minute),
            "updatedAt": stamp(minute),
            "version": 1,
        }
        link: dict[str, Any] = {
            "PK": f"POST#{pid}",
            "SK": f"TAG#{world.tag}",
            "entityType": "POST_TAG",
            "postId": pid,
            "tagId": world.tag,
        }
        if published:
            post["publishedAt"] = stamp(minute)
            post["GSI2PK"] = f"CATEGORY#{world.category}"
            post["GSI2SK"] = f"POST#{stamp(minute)}#{pid}"
            link["GSI1PK"] = f"TAG#{world.tag}"
            link["GSI1SK"] = f"POST#{stamp(minute)}#{pid}"
            world.published.append(pid)
        else:
            world.drafts.append(pid)
        items += [
            post,
            link,
            {"PK": f"SLUG#{post['slug']}", "SK": "POST", "entityType": "SLUG_LOCK", "postId": pid},
        ]

    target = world.published[0]
    world.post_with_comments = target
    approved = 0
    for n, status in enumerate(["APPROVED", "APPROVED", "SPAM", "APPROVED", "APPROVED"]):
        cid = ulid_at(200 + n)
        author = world.reader if status == "SPAM" else world.moderator
        items.append(
            {
                "PK": f"POST#{target}",
                "SK": f"COMMENT#{cid}",
                "entityType": "COMMENT",
                "GSI1PK": f"USER#{author}",
                "GSI1SK": f"COMMENT#{cid}",
                "commentId": cid,
                "postId": target,
                "authorId": author,
                "content": f"comment {n}",
                "status": status,
                "likeCount": 0,
                "replyCount": 0,
                "createdAt": stamp(200 + n),
                "updatedAt": stamp(200 + n),
                "version": 1,
            }
        )
        if status == "SPAM":
            world.spam = cid
        else:
            world.approved.append(cid)
            approved += 1
    for item in items:
        if item.get("postId") == target and item["SK"] == "POST":
            item["commentCount"] = approved

    world.product_category = f"world {world.category.lower()[-8:]}"
    for n, price in enumerate(["5.00", "12.50", "12.50", "30.00", "99.99"]):
        prid = ulid_at(300 + n)
        cents = int(Decimal(price) * 100)
        items.append(
            {
                "PK": f"PRODUCT#{prid}",
                "SK": "PRODUCT",
                "entityType": "PRODUCT",
                "GSI1PK": f"PRODUCTS#{world.product_category}",
                "GSI1SK": f"{cents:012d}#{prid}",
                "productId": prid,
                "name": f"Thing {n}",
                "category": world.product_category,
                "price": Decimal(price),
                "stock": 5,
                "active": True,
                "createdAt": stamp(300 + n),
                "updatedAt": stamp(300 + n),
                "version": 1,
            }
        )
        world.products.append(prid)

    for n in range(3):
        oid = ulid_at(400 + n * 60 * 24)
        items.append(
            {
                "PK": f"USER#{world.reader}",
                "SK": f"ORDER#{oid}",
                "entityType": "ORDER",
                "GSI2PK": "ORDERSTATUS#PENDING",
                "GSI2SK": oid,
                "orderId": oid,
                "userId": world.reader,
                "status": "PENDING",
                "total": Decimal("17.50"),
                "shippingAddress": "1 Test Street",
                "lineCount": 2,
                "createdAt": stamp(400 + n * 60 * 24),
                "updatedAt": stamp(400 + n * 60 * 24),
                "version": 1,
            }
        )
        for line, (prid, price, qty) in enumerate(
            [(world.products[0], "5.00", 1), (world.products[1], "12.50", 1)], start=1
        ):
            items.append(
                {
                    "PK": f"ORDER#{oid}",
                    "SK": f"ITEM#{line:03d}",
                    "entityType": "ORDER_ITEM",
                    "orderId": oid,
                    "line": line,
                    "productId": prid,
                    "productName": f"Thing {line - 1}",
                    "unitPrice": Decimal(price),
                    "quantity": qty,
                }
            )
        world.reader_orders.append(oid)
    return world, items


async def write(dynamo: Dynamo, items: list[dict[str, Any]]) -> None:
    """Put every item with plain boto3 PutItem calls, as a foreign writer would."""
    client = dynamo.client

    def put_all() -> None:
        for item in items:
            client.put_item(TableName=dynamo.table, Item=to_wire(item))

    await asyncio.to_thread(put_all)
