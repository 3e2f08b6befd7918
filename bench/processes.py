"""Child processes the bench starts (proxy, gateway, seeding): start, wait ready, stop.

Every child gets its own session, so a Ctrl-C in the terminal reaches only the bench,
which then stops its children in order; on Linux a child is also SIGTERMed by the kernel
if the bench dies without that chance.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from bench import cpu
from dev.engine import die_with_parent

# No HTTP(S)_PROXY from the environment: the children listen on 127.0.0.1.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ProcessError(Exception):
    """A child did not start, did not become ready, or failed; the message has its log."""


class Child:
    """A started process whose output goes to a log file, read back when it fails."""

    def __init__(
        self, name: str, command: Sequence[str], cwd: Path, env: dict[str, str]
    ) -> None:
        self.name = name
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            prefix=f"tablegate-bench-{name}-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        """The end of what the child printed so far."""
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace")
        return text[-chars:].strip()

    def wait_http(self, url: str, timeout: float) -> None:
        """Return once GET `url` answers 200; ProcessError if the child exits or is slow."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ProcessError(
                    f"{self.name} exited with {self.process.returncode} at start:\n"
                    f"{self.log_tail()}"
                )
            try:
                with _DIRECT.open(url, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise ProcessError(
            f"{self.name} did not answer 200 on {url} within {timeout:.0f}s:\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` s (its descendants too); idempotent."""
        if self.process.poll() is None:
            # Known before the parent goes: uvicorn's workers, if the KILL is needed.
            family = cpu.descendants(self.pid)
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                for pid in [self.pid, *family]:
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        if not self._log.closed:
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)


def run_to_end(
    name: str, command: Sequence[str], cwd: Path, env: dict[str, str], timeout: float
) -> str:
    """Run a child to completion and return its stdout; ProcessError with stderr if it fails."""
    try:
        done = subprocess.run(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=die_with_parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProcessError(f"{name} did not finish within {timeout:.0f}s") from exc
    if done.returncode != 0:
        raise ProcessError(f"{name} failed ({done.returncode}):\n{done.stderr.strip()[-3000:]}")
    return done.stdout
