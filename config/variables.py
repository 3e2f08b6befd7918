"""Reading one environment variable, and the error that names it when it is wrong."""

from __future__ import annotations

from collections.abc import Mapping


class ConfigurationError(Exception):
    """The environment does not describe a configuration that can run."""


def whole_number(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
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


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """The positive number of seconds in `env[name]` (`default` when unset; `0.5` is
    fine); ConfigurationError naming the variable otherwise."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not value > 0 or value == float("inf"):
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """The yes/no in `env[name]` (`default` when unset); ConfigurationError otherwise."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")
