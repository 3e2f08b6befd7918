"""Relay connections, generic over the node type (PostConnection, PostEdge, ...)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from data.pages import Page

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    nodes: list[T]
    page: strawberry.Private[Page[Any]]

    # Edges and page info are built only when selected: each cursor is an HMAC.
    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        return [Edge(cursor=c, node=n) for c, n in zip(self.page.cursors, self.nodes, strict=True)]

    @strawberry.field
    def page_info(self) -> PageInfo:
        cursors = self.page.cursors
        return PageInfo(
            has_next_page=self.page.has_next,
            has_previous_page=self.page.has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


def connection(page: Page[Any], wrap: Callable[[Any], T]) -> Connection[T]:
    """A Connection of `wrap(record)` for every record of `page`."""
    return Connection(nodes=[wrap(record) for record in page.nodes], page=page)


def _fields(selections: Sequence[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, fragments flattened."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def nodes_select(info: strawberry.Info[Any, Any], name: str) -> bool:
    """Whether the connection being resolved selects `name` on its nodes, through
    `nodes` or `edges { node }`, in any fragment (under @skip or @include too)."""
    for connection_field in info.selected_fields:
        for part in _fields(connection_field.selections):
            if part.name == "edges":
                nodes = [n for n in _fields(part.selections) if n.name == "node"]
            elif part.name == "nodes":
                nodes = [part]
            else:
                continue
            if any(f.name == name for node in nodes for f in _fields(node.selections)):
                return True
    return False
