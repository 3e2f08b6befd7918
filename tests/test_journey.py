"""The whole journey a frontend makes, through GraphQL alone."""

from __future__ import annotations

import uuid
from typing import Any


async def test_sign_up_write_publish_comment_like_buy_cancel_sign_out(
    gql: Any, seeded: dict[str, Any]
) -> None:
    async def ok(
        query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> Any:
        body = await gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    email = f"Journey-{uuid.uuid4().hex[:8]}@Example.com"
    signed = await ok(
        "mutation($i: SignUpInput!) { signUp(input: $i) { token user { id email displayName } } }",
        {"i": {"email": email, "password": "correct horse battery", "firstName": "Jo"}},
    )
    token, me = signed["signUp"]["token"], signed["signUp"]["user"]
    assert me["email"] == email.lower() and me["displayName"] == "Jo"
    assert (await ok("{ viewer { id } }", token=token))["viewer"]["id"] == me["id"]

    draft = await ok(
        "mutation($i: CreatePostInput!) { createPost(input: $i) { id slug status } }",
        {"i": {"title": f"My first post {uuid.uuid4().hex[:6]}", "content": "Hello."}},
        token,
    )
    post = draft["createPost"]
    assert post["status"] == "DRAFT"
    assert (await ok("query($id: ID!) { post(id: $id) { id } }", {"id": post["id"]}))[
        "post"
    ] is None
    await ok("mutation($id: ID!) { publishPost(id: $id) { status } }", {"id": post["id"]}, token)
    public = await ok(
        "query($s: String!) { postBySlug(slug: $s) { id status } }", {"s": post["slug"]}
    )
    assert public["postBySlug"] == {"id": post["id"], "status": "PUBLISHED"}

    reader = seeded["users"][2]["token"]
    await ok(
        "mutation($i: AddCommentInput!) { addComment(input: $i) { id } }",
        {"i": {"postId": post["id"], "content": "Nice one"}},
        reader,
    )
    liked = await ok(
        "mutation($id: ID!) { likePost(id: $id) { likeCount likedByViewer } }",
        {"id": post["id"]},
        reader,
    )
    assert liked["likePost"] == {"likeCount": 1, "likedByViewer": True}
    counts = await ok(
        "query($id: ID!) { post(id: $id) { commentCount likeCount } }", {"id": post["id"]}
    )
    assert counts["post"] == {"commentCount": 1, "likeCount": 1}

    admin = seeded["users"][0]["token"]
    product = (
        await ok(
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
            {
                "i": {
                    "name": "Journey mug",
                    "category": f"journey {uuid.uuid4().hex[:6]}",
                    "price": "9.50",
                    "stock": 3,
                }
            },
            admin,
        )
    )["createProduct"]["id"]
    order = (
        await ok(
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status total } }",
            {"i": {"lines": [{"productId": product, "quantity": 2}], "shippingAddress": "1 Road"}},
            token,
        )
    )["placeOrder"]
    assert (order["status"], order["total"]) == ("PENDING", "19.00")
    stock = "query($id: ID!) { product(id: $id) { stock } }"
    assert (await ok(stock, {"id": product}))["product"]["stock"] == 1
    cancelled = await ok(
        "mutation($id: ID!) { cancelOrder(id: $id) { status } }", {"id": order["id"]}, token
    )
    assert cancelled["cancelOrder"]["status"] == "CANCELLED"
    assert (await ok(stock, {"id": product}))["product"]["stock"] == 3

    assert (await ok("mutation { signOut }", token=token))["signOut"] is True
    assert (await ok("{ viewer { id } }", token=token))["viewer"] is None
