"""Metrics and tracing: where /metrics is served and who may read it, how many
operation names it tells apart, and whether spans are exported."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from config.variables import ConfigurationError, whole_number


@dataclass(frozen=True)
class ObservabilitySettings:
    metrics_token: str | None
    metrics_port: int | None
    metrics_host: str
    # Whether /metrics is served on the gateway's own port.
    metrics_on_main_port: bool
    metrics_max_operations: int
    # prometheus_client's multiprocess mode: where every worker writes its counters.
    multiprocess_dir: str | None
    otlp_endpoint: str | None
    otel_service_name: str


def load_observability_settings(production: bool, env: Mapping[str, str] | None = None
                                ) -> ObservabilitySettings:
    """Read the settings from `env` (default: the process environment).

    /metrics is served on TABLEGATE_METRICS_PORT when it is set, and then only
    there; else on the gateway's port, in production only when
    TABLEGATE_METRICS_TOKEN guards it (unguarded counters would tell anyone the
    traffic and the operations of the API).
    """
    env = dict(os.environ if env is None else env)
    token = env.get("TABLEGATE_METRICS_TOKEN", "").strip() or None
    if token is not None and len(token) < 16:
        raise ConfigurationError("TABLEGATE_METRICS_TOKEN must be at least 16 characters "
                                 "(e.g. `openssl rand -hex 32`)")
    port = (whole_number(env, "TABLEGATE_METRICS_PORT", 0)
            if env.get("TABLEGATE_METRICS_PORT", "").strip() else None)
    if port is not None and port > 65535:
        raise ConfigurationError(f"TABLEGATE_METRICS_PORT must be at most 65535, got {port}")
    return ObservabilitySettings(
        metrics_token=token,
        metrics_port=port,
        metrics_host=env.get("TABLEGATE_METRICS_HOST", "").strip() or "127.0.0.1",
        metrics_on_main_port=port is None and (token is not None or not production),
        metrics_max_operations=whole_number(env, "TABLEGATE_METRICS_MAX_OPERATIONS", 200),
        multiprocess_dir=env.get("PROMETHEUS_MULTIPROC_DIR", "").strip() or None,
        otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip() or None,
        otel_service_name=env.get("OTEL_SERVICE_NAME", "").strip() or "tablegate",
    )
