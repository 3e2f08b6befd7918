"""The benchmark's GraphQL documents: copies of the contract's operations, kept here so
the project runs on its own."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent / "operations"
READS = ("home_feed", "author_page", "catalog_page", "my_orders", "node_batch", "post_page")
WRITES = ("place_order", "add_comment")


def load(name: str) -> str:
    """The text of `operations/<name>.graphql`."""
    return (FOLDER / f"{name}.graphql").read_text()
