"""No client text reaches a key: malformed IDs, slugs, emails and categories are refused."""

from __future__ import annotations

import base64
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from data import keys
from data.errors import InvalidInput
from resolvers.ids import decode, encode
from tests.conftest import codes

ULID = "01KDVDWMC03F6CX9MPERQ63TE9"


def raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage",
        raw_id("Post"),
        raw_id(f"Post:{ULID}#X"),
        raw_id("Post:USER#01"),
        raw_id(f"Nope:{ULID}"),
        raw_id(f"Post:{ULID}:{ULID}"),
        raw_id(f"Post:{ULID.lower()}"),
    ],
)
def test_malformed_global_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        decode(bad)


def test_global_ids_round_trip() -> None:
    assert decode(encode("Order", ULID, ULID)) == ("Order", (ULID, ULID))


@pytest.mark.parametrize("slug", ["a#b", "Upper", "with space", "-lead", "x" * 101, "SLUG#x"])
def test_slugs_cannot_smuggle_delimiters(slug: str) -> None:
    with pytest.raises(InvalidInput):
        keys.slug_lock(slug)


@pytest.mark.parametrize("email", ["a#b@x.com", "no-at", "a@b", "a b@x.com"])
def test_bad_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidInput):
        keys.email_lock(email)


def test_emails_are_normalised() -> None:
    assert keys.email_lock(" Ada@Example.COM ") == {"PK": "EMAIL#ada@example.com", "SK": "EMAIL"}


@pytest.mark.parametrize("price", ["1.001", "-1", "NaN"])
def test_prices_need_two_places_and_no_sign(price: str) -> None:
    with pytest.raises(InvalidInput):
        keys.price_cents(Decimal(price))


async def test_the_gateway_answers_bad_keys_with_bad_user_input(gql: Any) -> None:
    cases = [
        ('{ post(id: "garbage") { id } }', "id"),
        (f'{{ post(id: "{raw_id("Post:USER#" + ULID)}") {{ id }} }}', "id"),
        ('{ postBySlug(slug: "a#b") { id } }', "slug"),
        ('{ products(category: "x#PRODUCTS") { nodes { id } } }', "category"),
        ('{ products(category: "books", minPrice: "1.001") { nodes { id } } }', "minPrice"),
        (f'{{ user(id: "{encode("Post", ULID)}") {{ id }} }}', "id"),
    ]
    for query, field in cases:
        body = await gql(query)
        assert codes(body) == ["BAD_USER_INPUT"], (query, body)
        assert body["errors"][0]["extensions"]["field"] == field


async def test_nodes_keeps_order_and_nulls_misses(gql: Any, world: Any) -> None:
    ids = [
        encode("User", world.author),
        encode("Post", ULID),
        "garbage",
        encode("Post", world.published[0]),
    ]
    body = await gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert body["data"]["nodes"] == [{"id": ids[0]}, None, None, {"id": ids[3]}]
    assert codes(body) == ["BAD_USER_INPUT"]  # only the malformed entry errs
    too_many = await gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids * 26})
    assert codes(too_many) == ["BAD_USER_INPUT"]


def test_no_request_path_issues_a_scan() -> None:
    root = Path(__file__).resolve().parent.parent
    for folder in ("data", "loaders", "resolvers", "schema"):
        for source in (root / folder).rglob("*.py"):
            text = source.read_text()
            assert '"scan"' not in text and ".scan(" not in text, source
