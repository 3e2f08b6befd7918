"""Item layouts declared once: a record's fields are its attributes, and both
directions of the mapping are derived from them.

A record is a keyword-only dataclass. Each field is the camelCase attribute of
the same name (`first_name` ↔ `firstName`) holding the field's type: `str`,
`int`, `bool`, `Decimal`, a list of those, a nested `Attributes` class, or any
of them `| None`. The field's default is what an item another writer left it
out of reads as; a field without a default is required. `attr()` declares the
exceptions: another attribute name, a fallback attribute (`updatedAt` falls
back to `createdAt`), or a value read from the key instead of an attribute.

An `Entity` adds its `entity_type` and `keys()`, the table and index keys of
the item as data-model.md lays them out (built with `data.keys`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, Self

Item = dict[str, Any]
_MISSING = dataclasses.MISSING


def attr(
    name: str | None = None,
    *,
    default: Any = _MISSING,
    fallback: str | None = None,
    read: Callable[[Item], Any] | None = None,
) -> Any:
    """A field whose attribute is not simply its camelCase name.

    `name` is the attribute's name; `fallback` an attribute read when this one
    is absent; `read` computes the value from the whole item, and the field is
    then not written as an attribute (it lives in the key).
    """
    meta = {"name": name, "fallback": fallback, "read": read}
    if isinstance(default, list):
        return dataclasses.field(default_factory=list, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclasses.dataclass(frozen=True)
class _Field:
    python: str
    attribute: str
    convert: Callable[[Any], Any]
    to_attribute: Callable[[Any], Any]
    required: bool
    optional: bool
    fallback: str | None
    read: Callable[[Item], Any] | None


def _scalar(kind: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """(item value → field value, field value → item value) for one type."""
    if kind is bool:
        return bool, _same
    if kind is int:
        return int, _same
    if kind is Decimal:
        return Decimal, _same
    if kind is str:
        return str, _same
    if isinstance(kind, type) and issubclass(kind, Attributes):
        return lambda value: kind.from_item(value if isinstance(value, dict) else {}), _nested
    raise TypeError(f"no item mapping for {kind!r}")


def _same(value: Any) -> Any:
    return value


def _nested(value: Attributes) -> Item:
    return value.attributes()


def _converters(hint: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any], bool]:
    """(read, write, optional) for a field's type hint."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in args:
        inner = next(a for a in args if a is not type(None))
        read, write, _ = _converters(inner)
        return read, write, True
    if typing.get_origin(hint) is list:
        read_one, write_one = _scalar(args[0])
        return (
            lambda value: [read_one(v) for v in value or []],
            lambda value: [write_one(v) for v in value],
            False,
        )
    read, write = _scalar(hint)
    return read, write, False


_FIELDS: dict[type, tuple[_Field, ...]] = {}


def _fields(cls: type[Attributes]) -> tuple[_Field, ...]:
    """The mapped fields of `cls`, worked out once per class."""
    known = _FIELDS.get(cls)
    if known is None:
        known = _FIELDS[cls] = _mapped(cls)
    return known


def _mapped(cls: type[Attributes]) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    found = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]  # Attributes are dataclasses
        meta = f.metadata
        read, write, optional = _converters(hints[f.name])
        found.append(
            _Field(
                python=f.name,
                attribute=meta.get("name") or camel(f.name),
                convert=read,
                to_attribute=write,
                required=f.default is _MISSING and f.default_factory is _MISSING,
                optional=optional,
                fallback=meta.get("fallback"),
                read=meta.get("read"),
            )
        )
    return tuple(found)


class Attributes:
    """A keyword-only dataclass whose fields map to an item's attributes."""

    @classmethod
    def from_item(cls, item: Item) -> Self:
        """The record of `item`; absent attributes take the declared defaults."""
        values: dict[str, Any] = {}
        for f in _fields(cls):
            if f.read is not None:
                values[f.python] = f.read(item)
                continue
            raw = item.get(f.attribute)
            if raw is None and f.fallback is not None:
                raw = item.get(f.fallback)
            if raw is not None:
                values[f.python] = f.convert(raw)
            elif f.required and not f.optional:
                raise KeyError(f.attribute)
            elif f.required:
                values[f.python] = None
        return cls(**values)

    def attributes(self) -> Item:
        """The record's attributes, without keys; None values are left out."""
        item: Item = {}
        for f in _fields(type(self)):
            value = getattr(self, f.python)
            if f.read is None and value is not None:
                item[f.attribute] = f.to_attribute(value)
        return item

    @classmethod
    def attribute_names(cls, *leaving_out: str) -> tuple[str, ...]:
        """The names of the attributes the record reads, but those of `leaving_out` fields."""
        return tuple(
            f.attribute for f in _fields(cls) if f.read is None and f.python not in leaving_out
        )


class Entity(Attributes, ABC):
    """A record stored as an item of its own: attributes, `entityType` and keys."""

    entity_type: ClassVar[str]

    @abstractmethod
    def keys(self, **layout: Any) -> Item:
        """The item's table key, and its index keys where it is in an index now.

        `layout` carries the table's configured shape where a key depends on it
        (a post's feed shard count)."""

    def to_item(self, **layout: Any) -> Item:
        """The whole item, as data-model.md lays it out."""
        return {**self.keys(**layout), "entityType": self.entity_type, **self.attributes()}
