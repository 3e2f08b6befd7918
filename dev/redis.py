"""A Redis server of our own for the tests and the bench: Debian's redis-server on a free
port, in memory, stopped by its PID."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

from dev.engine import EngineError, die_with_parent, free_port, terminate


def find_redis() -> str:
    """The redis-server binary (`make install` puts Debian's there)."""
    found = shutil.which("redis-server")
    if found is None:
        raise EngineError("redis-server is not installed: `make install` installs it "
                          "(Debian's redis-server)")
    return found


class LocalRedis:
    """A running Redis. `with LocalRedis() as server: server.url`."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> LocalRedis:
        """Launch it and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [find_redis(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineError(f"redis-server exited at start (port {self.port})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise EngineError(f"redis-server did not answer on port {self.port} within {timeout}s")

    def stop(self) -> None:
        """Stop it (TERM, then KILL)."""
        process, self.process = self.process, None
        if process is not None:
            terminate(process)

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
