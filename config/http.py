"""The HTTP settings: CORS, batches, bodies, persisted documents, caching of GETs, and
the bounds on a request: time to send its headers and body, its deadline, how many
run at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.variables import ConfigurationError, seconds, whole_number

# Any page served from this machine, on any port: a frontend's dev server.
LOCAL_ORIGINS = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$"


@dataclass(frozen=True)
class HttpSettings:
    cors_origins: tuple[str, ...]
    cors_origin_pattern: str | None
    max_batch: int
    max_body_bytes: int
    apq_cache_bytes: int
    trusted_documents: Path | None
    get_max_age: int
    header_timeout: float
    body_timeout: float
    request_deadline: float
    max_inflight: int


def _origins(raw: str, production: bool) -> tuple[str, ...]:
    origins = tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
    if "*" in origins and production:
        raise ConfigurationError(
            "TABLEGATE_CORS_ORIGINS may not be '*' in production: "
            "list the origins of your apps, e.g. https://app.example.com"
        )
    for origin in origins:
        if origin != "*" and "://" not in origin:
            raise ConfigurationError(
                f"TABLEGATE_CORS_ORIGINS: {origin!r} is not an origin "
                "(scheme://host[:port], e.g. http://localhost:5173)"
            )
    return origins


def header_timeout(env: Mapping[str, str] | None = None) -> float:
    """TABLEGATE_HEADER_TIMEOUT_SECONDS on its own: uvicorn makes the HTTP protocol that
    applies it from nothing but its own settings, in every worker process."""
    return seconds(os.environ if env is None else env, "TABLEGATE_HEADER_TIMEOUT_SECONDS", 10.0)


def load_http_settings(production: bool, env: Mapping[str, str] | None = None) -> HttpSettings:
    """Read the HTTP settings from `env` (default: the process environment).

    CORS: the listed origins when TABLEGATE_CORS_ORIGINS is set; otherwise any
    localhost origin in development and none in production.
    """
    env = dict(os.environ if env is None else env)
    origins = _origins(env.get("TABLEGATE_CORS_ORIGINS", ""), production)
    trusted = env.get("TABLEGATE_TRUSTED_DOCUMENTS", "").strip()
    if trusted and not Path(trusted).is_file():
        raise ConfigurationError(
            f"TABLEGATE_TRUSTED_DOCUMENTS: no manifest at {trusted!r} "
            "(write one with `tablegate persisted-manifest > manifest.json`)"
        )
    return HttpSettings(
        cors_origins=origins,
        cors_origin_pattern=None if origins or production else LOCAL_ORIGINS,
        max_batch=whole_number(env, "TABLEGATE_MAX_BATCH", 10, 1),
        max_body_bytes=whole_number(env, "TABLEGATE_MAX_BODY_BYTES", 1_048_576, 1024),
        apq_cache_bytes=whole_number(env, "TABLEGATE_APQ_CACHE_BYTES", 8_388_608, 0),
        trusted_documents=Path(trusted) if trusted else None,
        get_max_age=whole_number(env, "TABLEGATE_GET_MAX_AGE", 0, 0),
        header_timeout=header_timeout(env),
        body_timeout=seconds(env, "TABLEGATE_BODY_TIMEOUT_SECONDS", 10.0),
        request_deadline=seconds(env, "TABLEGATE_REQUEST_DEADLINE_SECONDS", 10.0),
        max_inflight=whole_number(env, "TABLEGATE_MAX_INFLIGHT", 256),
    )
