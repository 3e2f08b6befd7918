"""Every setting of the gateway and its tools, read from the environment.

A leaf: it imports nothing from the project, so any layer (and the command line,
the tests, the bench) may import it. Environment variables and their defaults
are listed in the README's Configuration section.
"""

from config.cache import cache_root
from config.gateway import DEFAULT_MAX_COST, Settings, load_settings, table_name
from config.http import HttpSettings, header_timeout, load_http_settings
from config.limits import Limit, LimitSettings, load_limit_settings
from config.live import LiveSettings, load_live_settings
from config.observability import ObservabilitySettings, load_observability_settings
from config.variables import ConfigurationError, whole_number

__all__ = [
    "DEFAULT_MAX_COST",
    "ConfigurationError",
    "HttpSettings",
    "Limit",
    "LimitSettings",
    "LiveSettings",
    "ObservabilitySettings",
    "Settings",
    "cache_root",
    "header_timeout",
    "load_http_settings",
    "load_limit_settings",
    "load_live_settings",
    "load_observability_settings",
    "load_settings",
    "table_name",
    "whole_number",
]
