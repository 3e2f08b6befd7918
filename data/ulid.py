"""ULIDs: 48-bit millisecond time + 80 random bits, Crockford base32, 26 characters."""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from functools import lru_cache

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PATTERN = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
_VALUES = {c: i for i, c in enumerate(ALPHABET)}


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_ulid(timestamp_ms: int | None = None, randomness: bytes | None = None) -> str:
    """A fresh ULID; `timestamp_ms` and `randomness` make it deterministic (seeding)."""
    ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    rand = os.urandom(10) if randomness is None else randomness
    return _encode(ms, 10) + _encode(int.from_bytes(rand[:10], "big"), 16)


def is_ulid(value: object) -> bool:
    """True for a well-formed, upper-case ULID."""
    return isinstance(value, str) and _well_formed(value)


@lru_cache(maxsize=65536)
def _well_formed(value: str) -> bool:
    # Keys are built for the same few hundred IDs over and over: remember the answer.
    return _PATTERN.match(value) is not None


def ulid_int(value: str) -> int:
    """The 128-bit number a ULID spells."""
    number = 0
    for char in value:
        number = number * 32 + _VALUES[char]
    return number


def ulid_time_bound(moment: datetime, upper: bool) -> str:
    """The smallest (or largest) ULID minted in the millisecond of `moment`."""
    ms = max(0, min(int(moment.timestamp() * 1000), (1 << 48) - 1))
    return _encode(ms, 10) + ("Z" * 16 if upper else "0" * 16)
