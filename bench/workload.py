"""Realistic variables for every operation, found by asking the gateway itself.

IDs are the opaque global IDs the gateway hands out; the seed's summary only
supplies what a client cannot look up (the demo tokens).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import documents
from bench.client import Gateway
from bench.runner import Operation

CATALOG_CATEGORY = "books"
PRODUCT_CATEGORIES = ("books", "games", "garden")
NODE_BATCH_SIZE = 50
# The newest posts: the home feed's page, and the posts of node_batch's mix.
NEWEST = 20
# Users asked for their ID and orders; enough to find a customer with a full history.
USERS_PROBED = 20

_POSTS = """
query Posts($after: String) {
  posts(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id slug commentCount author { id } }
  }
}"""
_PRODUCTS = """
query Products($category: String!) {
  products(category: $category, first: 100) { nodes { id } }
}"""
_VIEWER = "{ viewer { id role orders(first: 100) { nodes { id } } } }"
_MUTATIONS = "{ __schema { mutationType { fields { name } } } }"
_SIGN_UP = """
mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }"""


@dataclass(frozen=True)
class Catalog:
    """What the gateway says exists: published posts, active products, demo viewers."""

    posts: list[dict[str, Any]]
    products: list[str]
    # (global ID, role, token, number of orders) of the probed demo users.
    viewers: list[tuple[str, str, str, int]]
    # Comments per post slug as seeded: unlike the live counts, the bench's own
    # add_comment runs (of an earlier gateway) do not move them.
    seeded_comments: dict[str, int]


async def discover(gateway: Gateway, summary: dict[str, Any]) -> Catalog:
    """Published posts (newest first), active products and the probed users."""
    posts: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = (await gateway.execute(_POSTS, {"after": after}, label="discover posts")).data[
            "posts"
        ]
        posts += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    products: list[str] = []
    for category in PRODUCT_CATEGORIES:
        reply = await gateway.execute(_PRODUCTS, {"category": category}, label="discover products")
        products += [node["id"] for node in reply.data["products"]["nodes"]]
    viewers = []
    for user in summary["users"][:USERS_PROBED]:
        viewer = (
            await gateway.execute(_VIEWER, token=user["token"], label="discover viewer")
        ).data["viewer"]
        viewers.append(
            (viewer["id"], viewer["role"], user["token"], len(viewer["orders"]["nodes"]))
        )
    seeded = {post["slug"]: int(post["commentCount"]) for post in summary["posts"]}
    return Catalog(posts, products, viewers, seeded)


def _prolific(catalog: Catalog) -> str:
    """The author with the most posts: author_page's user."""
    authors = Counter(post["author"]["id"] for post in catalog.posts)
    prolific: str = authors.most_common(1)[0][0]
    return prolific


def _discussed(catalog: Catalog) -> dict[str, Any]:
    """The post seeded with the most comments: post_page's post."""
    return max(catalog.posts, key=lambda post: catalog.seeded_comments.get(post["slug"], 0))


def _unread_posts(catalog: Catalog) -> list[str]:
    """IDs of the posts no read operation shows (all posts if there are none), so the
    comments add_comment writes do not change what later reads cost: with --compare the
    baseline's writes come before the current gateway's reads."""
    shown = {post["id"] for post in catalog.posts[:NEWEST]} | {_discussed(catalog)["id"]}
    prolific = _prolific(catalog)
    unread = [
        post["id"]
        for post in catalog.posts
        if post["id"] not in shown and post["author"]["id"] != prolific
    ]
    return unread or [post["id"] for post in catalog.posts]


def reads(catalog: Catalog) -> list[Operation]:
    """The read operations, each with the variables a real client would send."""
    prolific = _prolific(catalog)
    discussed = _discussed(catalog)
    reader = next(
        token
        for gid, role, token, _ in catalog.viewers
        if role == "USER" and gid != discussed["author"]["id"]
    )
    customer = max(catalog.viewers, key=lambda viewer: viewer[3])[2]
    users = [gid for gid, *_ in catalog.viewers]
    mix = users + [p["id"] for p in catalog.posts[:NEWEST]] + catalog.products
    batch = mix[:NODE_BATCH_SIZE]

    def fixed(variables: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
        return lambda index: variables

    return [
        Operation("home_feed", documents.load("home_feed"), fixed({"first": NEWEST})),
        Operation("author_page", documents.load("author_page"), fixed({"id": prolific})),
        Operation(
            "catalog_page",
            documents.load("catalog_page"),
            fixed({"category": CATALOG_CATEGORY, "min": "5.00", "max": "60.00"}),
        ),
        Operation("my_orders", documents.load("my_orders"), fixed({"first": 10}), customer),
        Operation("node_batch", documents.load("node_batch"), fixed({"ids": batch})),
        Operation(
            "post_page", documents.load("post_page"), fixed({"slug": discussed["slug"]}), reader
        ),
    ]


async def writes(gateway: Gateway, catalog: Catalog) -> tuple[list[Operation], list[str]]:
    """The write operations the served schema has, and a note for each one it lacks."""
    mutation_type = (await gateway.execute(_MUTATIONS, label="introspect")).data["__schema"][
        "mutationType"
    ]
    if mutation_type is None:
        return [], ["the served schema has no Mutation type: place_order and add_comment skipped"]
    fields = {field["name"] for field in mutation_type["fields"]}
    token = await _customer_token(gateway, catalog, fields)
    operations: list[Operation] = []
    notes: list[str] = []
    if "placeOrder" in fields:
        products = catalog.products
        # One line per order, rotating through the products: concurrent orders touch
        # different items, so they do not contend for one product's stock.
        operations.append(
            Operation(
                "place_order",
                documents.load("place_order"),
                lambda index: {
                    "input": {
                        "lines": [{"productId": products[index % len(products)], "quantity": 1}],
                        "shippingAddress": f"{index} Bench Street, Springfield",
                    }
                },
                token,
            )
        )
    else:
        notes.append("Mutation has no placeOrder: place_order skipped")
    if "addComment" in fields:
        posts = _unread_posts(catalog)
        operations.append(
            Operation(
                "add_comment",
                documents.load("add_comment"),
                lambda index: {
                    "input": {
                        "postId": posts[index % len(posts)],
                        "content": f"Benchmark comment {index}",
                    }
                },
                token,
            )
        )
    else:
        notes.append("Mutation has no addComment: add_comment skipped")
    return operations, notes


async def _customer_token(gateway: Gateway, catalog: Catalog, fields: set[str]) -> str:
    """A fresh customer when signUp exists (orders pile up there), else a demo user."""
    if "signUp" not in fields:
        return next(token for _, role, token, _ in catalog.viewers if role == "USER")
    reply = await gateway.execute(
        _SIGN_UP,
        {
            "input": {
                "email": f"bench-{uuid.uuid4().hex[:12]}@example.com",
                "password": "bench-password",
                "firstName": "Bench",
                "lastName": "Customer",
            }
        },
        label="signUp",
    )
    token: str = reply.data["signUp"]["token"]
    return token
