"""The limits on sign-in and sign-up attempts, counted where every copy of the gateway
sees them (data/rate_counters.py).

Every attempt counts, whether it succeeds or not, and is counted before the
password is hashed: argon2 is the work the limits protect. A sign-in counts
against its email and its client's address at once (one round trip); over
either limit, it is refused with RATE_LIMITED and `retryAfter`, and changes nothing.
"""

from __future__ import annotations

import time

from config import Limit, LimitSettings
from data.rate_counters import Counters, Hit
from resolvers.errors import RateLimited

SIGN_IN_EMAIL = "sign-in-email"
SIGN_IN_ADDRESS = "sign-in-address"
SIGN_UP_ADDRESS = "sign-up-address"


class Attempts:
    """Counts sign-ins and sign-ups, and refuses those over their limits."""

    def __init__(self, settings: LimitSettings, counters: Counters) -> None:
        self._settings = settings
        self._counters = counters

    async def sign_in(self, email: str, address: str | None) -> None:
        """Count a sign-in for `email` (normalised) from `address` (None: unknown);
        RateLimited when either is over its limit."""
        limits = [(SIGN_IN_EMAIL, email, self._settings.sign_in_per_email)]
        if address is not None:
            limits.append((SIGN_IN_ADDRESS, address, self._settings.sign_in_per_address))
        await self._count(limits, "too many sign-in attempts")

    async def sign_up(self, address: str | None) -> None:
        """Count a sign-up from `address`; RateLimited when it is over its limit."""
        if address is not None:
            await self._count([(SIGN_UP_ADDRESS, address, self._settings.sign_up_per_address)],
                              "too many sign-ups from this address")

    async def _count(self, limits: list[tuple[str, str, Limit]], message: str) -> None:
        at = time.time()
        counts = await self._counters.add([Hit(scope, key, limit.window_seconds, at)
                                           for scope, key, limit in limits])
        waits = [count.retry_after(limit.count)
                 for count, (_, _, limit) in zip(counts, limits, strict=True)
                 if count.over(limit.count)]
        if waits:
            wait = max(waits)
            raise RateLimited(f"{message}: try again in {wait} s", wait)
