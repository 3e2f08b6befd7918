"""The embedded engine: AWS's DynamoDB Local, installed from npm and run as a child JVM.

The jar ships inside the npm package `amplify-dynamodb-simulator` (folder
`package/emulator`). We pin the package version, check the jar's sha256, unpack
it under a cache folder outside the repository, and start it on a free port.
The JVM is tied to this process: it is stopped on exit and, on Linux, killed by
the kernel if this process dies first.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from config import cache_root
from dev.npm import NpmError, find_npm, pack

PACKAGE = "amplify-dynamodb-simulator"
PACKAGE_VERSION = "2.9.30"
JAR_SHA256 = "454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7"
MIN_JAVA = 17
# Start-up is what a developer waits for, and most of it is the JIT and GC warming up:
# C1 alone and the serial collector reach "answers HTTP" ~40% sooner (1.5 s, was 2.5 s
# here), and a local table never runs long enough to miss C2. No perf-data mmap either.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData")


class EngineError(Exception):
    """The engine cannot be installed or started; the message says how to fix it."""


def cache_dir() -> Path:
    """Where the unpacked engine lives: under $TABLEGATE_CACHE or ~/.cache/tablegate."""
    return cache_root() / f"dynamodb-local-{PACKAGE_VERSION}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def install(verbose: bool = True) -> Path:
    """The folder holding DynamoDBLocal.jar, installing it from npm when absent."""
    target = cache_dir()
    jar = target / "DynamoDBLocal.jar"
    if jar.is_file() and _sha256(jar) == JAR_SHA256:
        return target
    spec = f"{PACKAGE}@{PACKAGE_VERSION}"
    try:
        npm = find_npm(f"DynamoDB Local (the npm package {spec})")
    except NpmError as exc:
        raise EngineError(f"{exc} Or set DYNAMODB_ENDPOINT to a running DynamoDB.") from exc
    if verbose:
        print(f"installing DynamoDB Local from {spec} ...", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            tarball = pack(npm, spec, Path(scratch))
        except NpmError as exc:
            raise EngineError(str(exc)) from exc
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/emulator/")]
            archive.extractall(unpacked, members=members, filter="data")
        emulator = unpacked / "package" / "emulator"
        if _sha256(emulator / "DynamoDBLocal.jar") != JAR_SHA256:
            raise EngineError(
                f"DynamoDBLocal.jar in {PACKAGE}@{PACKAGE_VERSION} does not match the pinned "
                f"sha256 {JAR_SHA256}; refusing to run it."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent))
        shutil.move(str(emulator), staging / "emulator")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging / "emulator", target)
        shutil.rmtree(staging, ignore_errors=True)
    return target


def find_java() -> str:
    """The path of a Java >= 17 runtime, or EngineError saying how to get one."""
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    if shutil.which("java"):
        candidates.append(shutil.which("java") or "java")
    for java in candidates:
        if not os.access(java, os.X_OK):
            continue
        version = subprocess.run(
            [java, "-version"], capture_output=True, text=True, check=False
        ).stderr
        major = _java_major(version)
        if major is not None and major >= MIN_JAVA:
            return java
    raise EngineError(
        f"DynamoDB Local needs a Java {MIN_JAVA}+ runtime and none was found on PATH or "
        "JAVA_HOME. Install one (Debian: apt-get install -y openjdk-17-jre-headless; "
        "`make install` does this), or set DYNAMODB_ENDPOINT to a running DynamoDB."
    )


def _java_major(version_output: str) -> int | None:
    for token in version_output.split('"')[1:2]:
        head = token.split(".")
        major = head[1] if head[0] == "1" and len(head) > 1 else head[0]
        if major.isdigit():
            return int(major)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def terminate(process: subprocess.Popen[bytes]) -> None:
    """Stop a child process of ours: TERM, then KILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def die_with_parent() -> None:
    """In the child: ask Linux to SIGKILL us when the parent process dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class LocalDynamo:
    """A running DynamoDB Local. `with LocalDynamo() as engine: engine.endpoint`."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> LocalDynamo:
        """Launch the JVM and wait until it answers HTTP."""
        self.launch()
        self.wait_ready(timeout)
        return self

    def launch(self) -> LocalDynamo:
        """Start the JVM without waiting for it: the caller can work meanwhile, then call
        `wait_ready`."""
        home = install()
        java = find_java()
        storage = ["-inMemory"]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.data_dir.resolve())]
        # DynamoDB Local writes a metadata file into its working directory.
        self._workdir = tempfile.TemporaryDirectory(prefix="tablegate-ddb-")
        command = [java, *JVM_FLAGS, f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
                   "-jar", str(home / "DynamoDBLocal.jar"), "-sharedDb", *storage,
                   "-port", str(self.port)]
        self.process = subprocess.Popen(
            command,
            cwd=self._workdir.name,
            env={**os.environ, "DDB_LOCAL_TELEMETRY": "0"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent,
        )
        atexit.register(self.stop)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the engine answers HTTP; EngineError if it exits or stays silent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                error = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                self.stop()
                raise EngineError(f"DynamoDB Local exited at start: {error.strip()[-800:]}")
            try:
                # Any HTTP answer, even an error, means the server is up.
                urllib.request.urlopen(self.endpoint, timeout=1).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise EngineError(f"DynamoDB Local did not answer on {self.endpoint} within {timeout}s")

    def stop(self) -> None:
        """Stop the JVM (TERM, then KILL) and remove its working directory."""
        process, self.process = self.process, None
        if process is not None:
            terminate(process)
        if process is not None and process.stderr is not None:
            process.stderr.close()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> LocalDynamo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
