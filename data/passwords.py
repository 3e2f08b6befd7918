"""argon2id password hashing, always off the event loop (it takes tens of ms of CPU)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# argon2-cffi releases the GIL while hashing, so threads use every core.
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="argon2")
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("tablegate-timing-equaliser")


async def hash_password(password: str) -> str:
    """The PHC string (`$argon2id$v=19$...`) of `password`."""
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """True if `password` matches `stored`; None (unknown user) costs the same and fails."""
    return await asyncio.get_running_loop().run_in_executor(_pool, _verify, stored, password)


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
