"""Input checks run before any write: each failure is BAD_USER_INPUT naming its field."""

from __future__ import annotations

import re
from decimal import Decimal

from data import keys
from data.errors import InvalidInput

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_COLOR = re.compile(r"^#[0-9a-fA-F]{3,8}$")


def text(field: str, value: str, *, maximum: int, minimum: int = 1) -> str:
    """Trimmed text of `minimum`..`maximum` characters."""
    trimmed = value.strip()
    if len(trimmed) < minimum:
        raise InvalidInput(
            field,
            f"{field} must not be empty"
            if minimum == 1
            else f"{field} must be at least {minimum} characters",
        )
    if len(trimmed) > maximum:
        raise InvalidInput(field, f"{field} must be at most {maximum} characters")
    return trimmed


def optional_text(field: str, value: str | None, *, maximum: int) -> str | None:
    """Trimmed text, or None when absent or blank."""
    if value is None or not value.strip():
        return None
    return text(field, value, maximum=maximum)


def url(field: str, value: str | None) -> str | None:
    """An http(s) URL of at most 2048 characters, or None."""
    if value is None or not value.strip():
        return None
    candidate = value.strip()
    if len(candidate) > 2048 or not _URL.match(candidate):
        raise InvalidInput(field, f"{field} must be an http or https URL")
    return candidate


def color(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not _COLOR.match(value.strip()):
        raise InvalidInput(field, f"{field} must be a hex colour such as #3366ff")
    return value.strip()


def whole(field: str, value: int, *, minimum: int, maximum: int) -> int:
    if not minimum <= value <= maximum:
        raise InvalidInput(field, f"{field} must be between {minimum} and {maximum}")
    return value


def money(field: str, value: Decimal) -> Decimal:
    """A non-negative amount with at most two decimal places, as exactly two places."""
    keys.price_cents(value, field)
    return value.quantize(Decimal("0.01"))
