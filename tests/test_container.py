"""The image's commands, run as the container runs them but without Docker: a fresh
virtualenv made from requirements.lock alone (as the builder stage makes /opt/venv),
the code copied as the Dockerfile's COPY lines copy it, and the Dockerfile's own ENV,
ENTRYPOINT, CMD and HEALTHCHECK, against the suite's DynamoDB Local.

uv fetches the locked wheels from the package registry once and keeps them under the
cache folder (`~/.cache/tablegate/uv`); with them cached, the module takes about 10 s,
most of it the gateway's workers starting.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from config import Settings, cache_root
from data.client import boto_client
from dev.engine import free_port
from tests.dockerfile import Stage, stages
from tests.gateway import stop

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
# Our top-level packages and modules: none may be importable from the venv alone.
OURS = ("cli", "config", "data", "dev", "live", "loaders", "resolvers", "schema", "server",
        "web")
VENV = "/opt/venv"


@dataclass
class Image:
    """The image laid out in a folder: `/opt/venv` and WORKDIR mapped to folders of it."""

    root: Path
    stage: Stage

    @property
    def venv(self) -> Path:
        return self.root / "opt-venv"

    @property
    def app(self) -> Path:
        return self.root / "app"

    def local(self, text: str) -> str:
        """`text` with the image's paths replaced by this folder's."""
        return text.replace(VENV, str(self.venv)).replace(self.stage.workdir, str(self.app))

    def environment(self, **extra: str) -> dict[str, str]:
        """The Dockerfile's ENV, and `extra`: nothing of this process's environment (no
        PYTHONPATH, no AWS settings) but the PATH that `$PATH` stands for."""
        env = {name: self.local(value).replace("$PATH", os.environ["PATH"])
               for name, value in self.stage.env.items()}
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        return {**env, "HOME": str(home), **extra}

    def command(self, *arguments: str) -> list[str]:
        """ENTRYPOINT with `arguments` (CMD's when none)."""
        return [self.local(part) for part in (self.stage.exec_form("ENTRYPOINT")
                                              + list(arguments or self.stage.exec_form("CMD")))]


def _uv(*arguments: str) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert uv, "uv is missing: `make install` installs it (the dev extra)"
    # The registry's settings (index, certificates, proxy) come from this environment.
    env = {name: value for name, value in os.environ.items()
           if name not in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT")}
    subprocess.run([uv, *arguments], env=env, check=True, timeout=600)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """A virtualenv from the lock file only, and the code as the Dockerfile copies it."""
    built = Image(tmp_path_factory.mktemp("image"), stages()[-1])
    _uv("venv", "--quiet", "--python", sys.executable, str(built.venv))
    _uv("pip", "install", "--quiet", "--python", str(built.venv / "bin" / "python"),
        "--require-hashes", "--only-binary", ":all:", "--cache-dir", str(cache_root() / "uv"),
        "-r", str(LOCK))
    built.app.mkdir()
    # As COPY does: a folder's contents into the destination; files into a destination
    # that ends with `/`, or as it.
    for sources, destination in built.stage.copies:
        target = built.app / destination
        for source in sources:
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, target,
                                ignore=shutil.ignore_patterns("__pycache__"))
            elif destination.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target / source)
            else:
                shutil.copy2(ROOT / source, target)
    return built


def test_nothing_of_ours_is_in_the_virtualenv(image: Image) -> None:
    env = image.environment()
    python = shutil.which("python", path=env["PATH"])
    # The image's PATH finds the venv's python first.
    assert python == str(image.venv / "bin" / "python")
    generic = subprocess.run([python, "-c", "import data"], cwd=image.root, env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert generic.returncode == 1
    assert "No module named 'data'" in generic.stderr
    found = subprocess.run(
        [python, "-c", f"import importlib.util; print([n for n in {OURS!r} "
                       "if importlib.util.find_spec(n)])"],
        cwd=image.root, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert found.stdout.strip() == "[]"


@pytest.fixture
def table(settings: Settings) -> Iterator[str]:
    """A fresh table name on the suite's engine, dropped afterwards."""
    name = f"tablegate-image-{uuid.uuid4().hex[:8]}"
    yield name
    client = boto_client(settings, "dynamodb")
    # Absent when the test stopped before create-table made it.
    with contextlib.suppress(client.exceptions.ResourceNotFoundException):
        client.delete_table(TableName=name)
    client.close()


def _wait_ok(url: str, served: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    """The first 200 from `url`, while the gateway keeps running."""
    for _ in range(300):
        assert served.poll() is None, f"the gateway exited: {log.read_text()}"
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer 200: {log.read_text()}")


def test_the_image_creates_the_table_serves_and_passes_its_healthcheck(
    image: Image, settings: Settings, table: str
) -> None:
    port = free_port()
    env = image.environment(TABLEGATE_SECRET="container-test-secret",
                            DYNAMODB_ENDPOINT=str(settings.endpoint),
                            DYNAMODB_TABLE_NAME=table, PORT=str(port))
    created = subprocess.run(image.command("create-table"), cwd=image.app, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert created.returncode == 0, created.stderr
    assert f"table {table} created" in created.stdout

    log = image.root / "gateway.log"
    with log.open("wb") as output:
        served = subprocess.Popen(image.command(), cwd=image.app, env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    healthcheck = [image.local(part) for part in image.stage.healthcheck]
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ok(f"{url}/healthz", served, log)
        assert _wait_ok(f"{url}/readyz", served, log).json()["ready"] is True
        answer = httpx.post(f"{url}/graphql", timeout=10,
                            json={"query": "{ posts(first: 1) { nodes { id } } }"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "errors" not in body and body["data"] == {"posts": {"nodes": []}}, body
        checked = subprocess.run(healthcheck, cwd=image.app, env=env, capture_output=True,
                                 timeout=30, check=False)
        assert checked.returncode == 0, checked.stderr
    finally:
        stop(served, 30)
    # Without the gateway the same check fails: it is a check.
    stopped = subprocess.run(healthcheck, cwd=image.app, env=env, capture_output=True,
                             timeout=30, check=False)
    assert stopped.returncode == 1
