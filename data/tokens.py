"""Session tokens as the table knows them: only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    """The hex SHA-256 of `token`: the part of a session's key that stands for the token."""
    return hashlib.sha256(token.encode()).hexdigest()
