"""What every object type shares: the Node interface, `Info`, and objects built from records.

Fields that are the record's attributes are plain fields, copied when the
object is built (`from_record`): graphql-core reads them as attributes, with
no resolver, Info or awaitable. Fields that need a rule or another lookup
delegate to `resolvers/`, which go through the request's loaders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from resolvers import ids
from resolvers.context import RequestContext

Info = strawberry.Info[RequestContext, None]
T = TypeVar("T")


_COPIED: dict[type, tuple[str, ...]] = {}


def _copied(cls: type) -> tuple[str, ...]:
    """The fields of `cls` that hold a record attribute of the same name (worked out once)."""
    known = _COPIED.get(cls)
    if known is None:
        definition: Any = getattr(cls, "__strawberry_definition__")  # noqa: B009  (not typed)
        known = _COPIED[cls] = tuple(
            f.python_name
            for f in definition.fields
            if f.base_resolver is None and f.python_name not in ("id", "rec")
        )
    return known


def from_record(cls: type[T], rec: Any, **computed: Any) -> T:
    """An object of `cls` over `rec`: each plain field from the record's attribute of the
    same name, unless `computed` gives it; a Node's `id` is its record's global ID."""
    values = {name: getattr(rec, name) for name in _copied(cls) if name not in computed}
    if issubclass(cls, Node):
        values["id"] = strawberry.ID(ids.global_id(rec))
    build: Callable[..., T] = cls
    return build(rec=rec, **values, **computed)


@strawberry.interface
class Node:
    id: strawberry.ID



def as_node(info: Info, record: object) -> Node | None:
    """The GraphQL object for any node's record (None stays None): of the type its
    kind names in the registry (`resolvers.ids`)."""
    if record is None:
        return None
    definition: Any = info.schema.get_type_by_name(ids.kind_of(record).type_name)
    node: Node = definition.origin.of(record)
    return node
