"""DynamoDB's typed JSON values ↔ plain Python values.

What boto3's TypeSerializer/TypeDeserializer do, for the JSON the HTTP API
speaks (binary as base64 text), written as direct dispatch on the type tag:
the gateway converts thousands of attributes a request, and the generic
classes cost more than the rest of the read path.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Item = dict[str, Any]


def _list(values: list[dict[str, Any]]) -> list[Any]:
    return [value_from_wire(value) for value in values]


def _map(values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {name: value_from_wire(value) for name, value in values.items()}


_READERS: dict[str, Callable[[Any], Any]] = {
    "S": str,
    "N": Decimal,
    "BOOL": bool,
    "NULL": lambda _: None,
    "M": _map,
    "L": _list,
    "SS": set,
    "NS": lambda values: {Decimal(v) for v in values},
    "B": base64.b64decode,
    "BS": lambda values: {base64.b64decode(v) for v in values},
}


def value_from_wire(value: Mapping[str, Any]) -> Any:
    """One typed value (`{"S": "x"}`) as Python: numbers become Decimal, sets stay sets."""
    for tag, raw in value.items():
        return _READERS[tag](raw)
    raise ValueError("an empty typed value")


def from_wire(item: Mapping[str, Mapping[str, Any]]) -> Item:
    """An item in DynamoDB's typed JSON as plain Python values."""
    out: Item = {}
    for name, value in item.items():
        # The common tags inline: this loop runs for every attribute of every item read.
        if "S" in value:
            out[name] = value["S"]
        elif "N" in value:
            out[name] = Decimal(value["N"])
        else:
            out[name] = value_from_wire(value)
    return out


def _number(value: int | Decimal) -> str:
    if isinstance(value, Decimal) and not value.is_finite():
        raise TypeError(f"DynamoDB numbers are finite, got {value}")
    return str(value)


def value_to_wire(value: Any) -> dict[str, Any]:
    """One Python value as DynamoDB's typed JSON; floats are refused, as boto3 does."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": _number(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        return {"M": {str(k): value_to_wire(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [value_to_wire(v) for v in value]}
    if isinstance(value, bytes | bytearray):
        return {"B": base64.b64encode(value).decode()}
    if isinstance(value, set | frozenset):
        return _set_to_wire(value)
    raise TypeError(f"no DynamoDB type for {type(value).__name__}: {value!r}")


def _set_to_wire(values: set[Any] | frozenset[Any]) -> dict[str, Any]:
    if not values:
        raise TypeError("DynamoDB sets cannot be empty")
    if all(isinstance(v, str) for v in values):
        return {"SS": sorted(values)}
    if all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values):
        return {"NS": [_number(v) for v in values]}
    if all(isinstance(v, bytes | bytearray) for v in values):
        return {"BS": [base64.b64encode(v).decode() for v in values]}
    raise TypeError("a DynamoDB set holds strings, numbers or binary values of one kind")


def to_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain Python values (an item, a key, expression values) as DynamoDB's typed JSON."""
    return {name: value_to_wire(value) for name, value in item.items()}
