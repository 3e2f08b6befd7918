"""Session tokens: `<userId>.<random>`; only their SHA-256 is ever stored.

The user ID in front lets the gateway fetch the session and its user in one
BatchGetItem instead of two round trips; the session must still name that user.
"""

from __future__ import annotations

import hashlib
import re
import secrets

_USER_PREFIX = re.compile(r"^([0-7][0-9A-HJKMNP-TV-Z]{25})\.")


def token_hash(token: str) -> str:
    """The hex SHA-256 of `token`: the part of a session's key that stands for the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user_id: str) -> str:
    """A fresh bearer token for `user_id`: 256 random bits behind the user's ID."""
    return f"{user_id}.{secrets.token_urlsafe(32)}"


def claimed_user(token: str) -> str | None:
    """The user ID a token names in front, if it has one (tokens by other writers may not)."""
    match = _USER_PREFIX.match(token)
    return match.group(1) if match else None
