"""The served schema: its snapshot, and the contract it must not break."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes

from schema.build import make_schema

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract" / "schema.graphql"


def test_served_schema_matches_the_snapshot() -> None:
    snapshot = (ROOT / "schema.graphql").read_text()
    served = make_schema().as_str() + "\n"
    assert served == snapshot, "schema drifted: run `make schema` and review the diff"


def test_served_schema_does_not_break_the_contract() -> None:
    if not CONTRACT.exists():
        pytest.skip(f"the contract is not beside this checkout ({CONTRACT})")
    contract = build_schema(CONTRACT.read_text())
    served = make_schema()._schema
    breaking = [c.description for c in find_breaking_changes(contract, served)]
    # Subscriptions come with their own issue; nothing else may be missing.
    assert [b for b in breaking if not b.startswith("Subscription")] == []
