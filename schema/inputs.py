"""How optional input fields read: left out (UNSET), null, or given."""

from __future__ import annotations

from typing import Any, TypeVar

from strawberry import UNSET

from data.writes import KEEP

T = TypeVar("T")


def or_none(value: T | None) -> T | None:
    """A left-out optional input field reads as None."""
    return None if value is UNSET else value


def or_keep(value: Any) -> Any:
    """A left-out field of an update reads as KEEP; an explicit null stays None."""
    return KEEP if value is UNSET else value
