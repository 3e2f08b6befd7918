"""Where the development tools keep what they fetch (DynamoDB Local, GraphiQL's files)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    """$TABLEGATE_CACHE, else `tablegate` under $XDG_CACHE_HOME or ~/.cache.

    Read on every call (default: the process environment), so a change to the
    variable applies at once.
    """
    env = os.environ if env is None else env
    base = env.get("TABLEGATE_CACHE") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tablegate"
    )
    return Path(base)
