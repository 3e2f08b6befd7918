"""The subscription settings: queues, limits, the stream's poll and the broadcast."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from config.variables import ConfigurationError, whole_number


@dataclass(frozen=True)
class LiveSettings:
    # Events one subscriber may have waiting; one more and its connection is closed.
    subscriber_queue: int
    max_subscriptions_per_connection: int
    # How long a stream shard with nothing new waits before asking again.
    stream_poll_ms: int
    # redis://host:port/db: one process reads the stream and publishes to the others.
    broadcast_url: str | None
    # A lease not renewed for this long is taken over by another process.
    lease_seconds: int


def load_live_settings(env: Mapping[str, str] | None = None) -> LiveSettings:
    """Read the subscription settings from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    broadcast = env.get("TABLEGATE_BROADCAST_URL", "").strip() or None
    if broadcast is not None and urlparse(broadcast).scheme not in ("redis", "rediss", "unix"):
        raise ConfigurationError(
            f"TABLEGATE_BROADCAST_URL must be a Redis URL (redis://host:port/db), "
            f"got {broadcast!r}"
        )
    return LiveSettings(
        subscriber_queue=whole_number(env, "TABLEGATE_SUBSCRIBER_QUEUE", 256),
        max_subscriptions_per_connection=whole_number(
            env, "TABLEGATE_MAX_SUBSCRIPTIONS_PER_CONNECTION", 500),
        stream_poll_ms=whole_number(env, "TABLEGATE_STREAM_POLL_MS", 200, 10),
        broadcast_url=broadcast,
        lease_seconds=whole_number(env, "TABLEGATE_STREAM_LEASE_SECONDS", 10, 2),
    )
