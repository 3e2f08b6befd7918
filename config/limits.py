"""The rate limits: sign-in and sign-up attempts, each viewer's request budget, and
which proxies may say who the client is."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from config.variables import ConfigurationError, flag, whole_number

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limit:
    """At most `count` in any `window_seconds`."""

    count: int
    window_seconds: int


@dataclass(frozen=True)
class LimitSettings:
    # Off (TABLEGATE_RATE_LIMITS=off): nothing is counted and nothing is refused.
    enabled: bool
    sign_in_per_email: Limit
    sign_in_per_address: Limit
    sign_up_per_address: Limit
    # /graphql requests over HTTP per viewer: its bearer token, else its address.
    request_budget: Limit
    # Peers whose X-Forwarded-For names the client; nobody's by default.
    trusted_proxies: tuple[Network, ...]


def _networks(raw: str) -> tuple[Network, ...]:
    networks = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ConfigurationError(
                f"TABLEGATE_TRUSTED_PROXIES: {entry!r} is not an IP address or a CIDR "
                "block (e.g. 10.0.0.0/8)") from exc
    return tuple(networks)


def load_limit_settings(env: Mapping[str, str] | None = None) -> LimitSettings:
    """Read the rate limits from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    sign_in_window = whole_number(env, "TABLEGATE_SIGN_IN_WINDOW_SECONDS", 60)
    sign_up_window = whole_number(env, "TABLEGATE_SIGN_UP_WINDOW_SECONDS", 600)
    return LimitSettings(
        enabled=flag(env, "TABLEGATE_RATE_LIMITS", True),
        sign_in_per_email=Limit(whole_number(env, "TABLEGATE_SIGN_IN_PER_EMAIL", 10),
                                sign_in_window),
        sign_in_per_address=Limit(whole_number(env, "TABLEGATE_SIGN_IN_PER_ADDRESS", 30),
                                  sign_in_window),
        sign_up_per_address=Limit(whole_number(env, "TABLEGATE_SIGN_UP_PER_ADDRESS", 10),
                                  sign_up_window),
        request_budget=Limit(whole_number(env, "TABLEGATE_REQUEST_BUDGET", 600),
                             whole_number(env, "TABLEGATE_REQUEST_BUDGET_WINDOW_SECONDS", 60)),
        trusted_proxies=_networks(env.get("TABLEGATE_TRUSTED_PROXIES", "")),
    )
