"""The served schema: its snapshot, and the contract it must not break."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes

from schema.build import make_schema

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract" / "schema.graphql"
# An extension of the contract (`extend type ...`): the contract is both files together.
REVIEWS = CONTRACT.with_name("reviews.graphql")


def test_served_schema_matches_the_snapshot() -> None:
    snapshot = (ROOT / "schema.graphql").read_text()
    served = make_schema().as_str() + "\n"
    assert served == snapshot, "schema drifted: run `make schema` and review the diff"


def test_served_schema_does_not_break_the_contract() -> None:
    if not (CONTRACT.exists() and REVIEWS.exists()):
        pytest.skip(f"the contract is not beside this checkout ({CONTRACT.parent})")
    contract = build_schema(CONTRACT.read_text() + "\n" + REVIEWS.read_text())
    served = make_schema()._schema
    breaking = [c.description for c in find_breaking_changes(contract, served)]
    assert breaking == []
