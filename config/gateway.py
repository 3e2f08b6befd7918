"""The gateway's settings: DynamoDB, GraphQL, accounts and where to listen."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from config.variables import ConfigurationError, flag, whole_number

# About three times the costliest contract operation with its default variables
# (MyOrders 322, HomeFeed 321): the same operations with larger pages still fit
# (HomeFeed up to 62 posts, MyOrders up to 30 orders, each counted at its most
# lines), while 100 x 100 x 100 objects (a million) are refused.
DEFAULT_MAX_COST = 1000


@dataclass(frozen=True)
class Settings:
    endpoint: str | None
    table_name: str
    region: str
    secret: bytes
    session_ttl_seconds: int
    feed_shards: int
    environment: str
    host: str
    port: int
    bootstrap_admin_email: str | None
    bootstrap_admin_password: str | None
    max_concurrency: int
    introspection: bool
    idempotency_ttl_seconds: int
    max_cost: int

    @property
    def production(self) -> bool:
        return self.environment == "production"


def table_name(env: Mapping[str, str] | None = None) -> str:
    """DYNAMODB_TABLE_NAME, default `tablegate`: on its own, for a message that names the
    table without loading (and checking) every other setting."""
    env = os.environ if env is None else env
    return env.get("DYNAMODB_TABLE_NAME") or "tablegate"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    environment = env.get("TABLEGATE_ENV", "development")
    if environment not in ("development", "production"):
        raise ConfigurationError(
            f"TABLEGATE_ENV must be 'development' or 'production', got {environment!r}"
        )
    raw_secret = env.get("TABLEGATE_SECRET", "")
    if not raw_secret:
        if environment == "production":
            raise ConfigurationError(
                "TABLEGATE_SECRET is required in production: set it to a long random value, "
                "e.g. `openssl rand -hex 32`"
            )
        # Cursors from a previous dev process stop validating; that is acceptable in dev.
        raw_secret = secrets.token_hex(32)
    return Settings(
        endpoint=env.get("DYNAMODB_ENDPOINT") or None,
        table_name=table_name(env),
        region=env.get("AWS_REGION") or "us-east-1",
        secret=raw_secret.encode(),
        session_ttl_seconds=whole_number(env, "SESSION_TTL_SECONDS", 1_209_600),
        feed_shards=whole_number(env, "FEED_SHARDS", 8),
        environment=environment,
        host=env.get("HOST") or "127.0.0.1",
        port=whole_number(env, "PORT", 8000),
        bootstrap_admin_email=env.get("BOOTSTRAP_ADMIN_EMAIL") or None,
        bootstrap_admin_password=env.get("BOOTSTRAP_ADMIN_PASSWORD") or None,
        max_concurrency=whole_number(env, "TABLEGATE_MAX_CONCURRENCY", 64),
        introspection=flag(env, "TABLEGATE_INTROSPECTION", environment != "production"),
        idempotency_ttl_seconds=whole_number(env, "TABLEGATE_IDEMPOTENCY_TTL_SECONDS", 86_400, 60),
        max_cost=whole_number(env, "TABLEGATE_MAX_COST", DEFAULT_MAX_COST),
    )
