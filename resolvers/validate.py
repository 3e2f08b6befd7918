"""Input checks run before any write: each failure is BAD_USER_INPUT naming its field.

Which text is trimmed: only fields whose rule makes surrounding whitespace
meaningless, the one-line ones (`text`, `optional_text`): names (first and last
name, product, category and tag names, a social link's label), titles, a
location, an icon, a shipping address; and, with their own checks, URLs and
colours (`url`, `color`), slugs and emails (`data.keys`). What a user writes at
length (`body`, `optional_body`: post content and excerpt, comment content, a
review's body, a bio, descriptions) is stored and returned exactly as sent:
trailing spaces are Markdown's line breaks, and leading ones its indentation.
Lengths are counted on the value stored; whether a value is empty, on the
value without its surrounding whitespace (blanks alone are empty everywhere).
"""

from __future__ import annotations

import re
from decimal import Decimal

from data import keys
from data.errors import InvalidInput

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_COLOR = re.compile(r"^#[0-9a-fA-F]{3,8}$")


def text(field: str, value: str, *, maximum: int, minimum: int = 1) -> str:
    """One-line text (a name, a title), trimmed, of `minimum`..`maximum` characters."""
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
    """One-line text, trimmed, or None when absent or blank."""
    if value is None or not value.strip():
        return None
    return text(field, value, maximum=maximum)


def body(field: str, value: str, *, maximum: int) -> str:
    """Text a user wrote, exactly as sent: not blank, at most `maximum` characters."""
    if not value.strip():
        raise InvalidInput(field, f"{field} must not be empty")
    if len(value) > maximum:
        raise InvalidInput(field, f"{field} must be at most {maximum} characters")
    return value


def optional_body(field: str, value: str | None, *, maximum: int) -> str | None:
    """Text a user wrote, exactly as sent, or None when absent or blank."""
    if value is None or not value.strip():
        return None
    return body(field, value, maximum=maximum)


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
