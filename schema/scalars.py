"""The contract's scalars: DateTime (ISO-8601 UTC) and Decimal (money, two places)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal as PyDecimal
from decimal import InvalidOperation
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from data.clock import iso, parse_iso

# The form `iso` writes, which is how this gateway stores every timestamp.
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return value  # already canonical: skip the parse and format
    return iso(value if isinstance(value, datetime) else parse_iso(str(value)))


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string")
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO-8601 date-time") from exc


def _serialize_decimal(value: Any) -> str:
    return f"{PyDecimal(value).quantize(PyDecimal('0.01'))}"


def _parse_decimal(value: Any) -> PyDecimal:
    # Floats are refused: they cannot hold money exactly.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('Decimal must be a string such as "19.99"')
    try:
        number = PyDecimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a decimal number") from exc
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a decimal number")
    return number


# Resolvers annotate fields with these types; SCALARS tells Strawberry how they
# cross the wire (passed as the schema's scalar_map).
DateTime = NewType("DateTime", datetime)
Decimal = NewType("Decimal", PyDecimal)

SCALARS: dict[object, ScalarDefinition] = {
    DateTime: strawberry.scalar(
        name="DateTime",
        description="ISO-8601 date-time in UTC, e.g. 2026-11-21T10:00:00.000Z.",
        serialize=_serialize_datetime,
        parse_value=_parse_datetime,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='Money: an exact decimal string with two places, e.g. "19.99".',
        serialize=_serialize_decimal,
        parse_value=_parse_decimal,
    ),
}
