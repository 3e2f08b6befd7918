"""Settings read from the environment, once, into an immutable value."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass


class ConfigurationError(Exception):
    """The environment does not describe a configuration that can run."""


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

    @property
    def production(self) -> bool:
        return self.environment == "production"


def whole_number(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    """The whole number in `env[name]` (`default` when unset), at least `minimum`;
    ConfigurationError naming the variable otherwise."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def load_settings(env: dict[str, str] | None = None) -> Settings:
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
        table_name=env.get("DYNAMODB_TABLE_NAME") or "tablegate",
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
        introspection=_flag(env, "TABLEGATE_INTROSPECTION", environment != "production"),
    )
