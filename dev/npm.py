"""Fetching pinned npm packages with `npm pack`: how DynamoDB Local and GraphiQL's
browser files arrive. Callers check the files they take out against their own sha256."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_NPM = (
    "Install Node.js and npm (Debian: apt-get install -y nodejs npm; `make install` does this)"
)


class NpmError(Exception):
    """npm is missing or `npm pack` failed; the message says how to fix it."""


def find_npm(fetching: str) -> str:
    """The npm executable; NpmError naming `fetching` (what it would fetch) when there is
    none."""
    npm = shutil.which("npm")
    if npm is None:
        raise NpmError(f"npm is not installed, and it fetches {fetching}. {INSTALL_NPM}.")
    return npm


def pack(npm: str, spec: str, scratch: Path) -> Path:
    """The tarball of the npm package `spec` (name@version), fetched into a new folder
    under `scratch`; npm checks it against the registry's integrity hash."""
    destination = Path(tempfile.mkdtemp(dir=scratch))
    result = subprocess.run(
        [npm, "pack", spec, "--silent", "--pack-destination", str(destination)],
        capture_output=True, text=True, check=False,
    )
    tarballs = list(destination.glob("*.tgz"))
    if result.returncode != 0 or not tarballs:
        raise NpmError(
            f"`npm pack {spec}` failed: {result.stderr.strip()[-500:]}. "
            "Check that the npm registry is reachable."
        )
    return tarballs[0]
