"""The container's files agree with each other and with the code: the Dockerfile copies
every module (a missing COPY breaks the image only when it starts), installs only the
lock file, which pins every dependency pyproject declares, and compose.yaml runs
commands the CLI has with settings config/ reads. Cheap checks of the files, no network."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import cli
from tests.dockerfile import stages

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# What the image must run with: the dependencies and the extra it is built with.
IMAGE_EXTRAS = ("otel",)


def test_the_dockerfile_copies_every_package_and_module() -> None:
    setup = PYPROJECT["tool"]["setuptools"]
    copied = {source.rstrip("/") for sources, _ in stages()[-1].copies for source in sources}
    assert set(setup["packages"]) <= copied
    assert {f"{module}.py" for module in setup["py-modules"]} <= copied


def test_the_build_context_keeps_what_the_dockerfile_copies() -> None:
    patterns = [line.strip().removeprefix("**/") for line in
                (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    copied = [source for stage in stages() for sources, _ in stage.copies for source in sources]
    assert LOCK.name in copied
    assert not [(source, pattern) for source in copied for pattern in patterns
                if fnmatch(source, pattern)]
    assert ".venv" in patterns  # a developer's virtualenv is no part of the image


def test_the_image_installs_the_hashed_lock_and_none_of_our_code() -> None:
    builder, final = stages()[0], stages()[-1]
    installs = [run for run in builder.arguments("RUN") if "pip install" in run]
    assert len(installs) == 1
    words = installs[0].split()
    assert {"--no-deps", "--require-hashes"} <= set(words)
    assert Path(words[words.index("-r") + 1]).name == LOCK.name
    assert [sources for sources, _ in builder.copies] == [[LOCK.name]]
    # The venv is all the final stage takes from the builder; no stage installs `.`.
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final.instructions
    assert final.env["PATH"].startswith("/opt/venv/bin:")
    assert not [run for stage in stages() for run in stage.arguments("RUN")
                if re.search(r"pip install .*(\s\.|-e)(\s|$)", run)]


def test_the_image_runs_as_a_fixed_non_root_user_with_production_defaults() -> None:
    final = stages()[-1]
    user = final.arguments("USER")[-1]
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), user
    assert final.env["TABLEGATE_ENV"] == "production"
    assert final.env["HOST"] == "0.0.0.0"
    assert final.arguments("EXPOSE") == [final.env["PORT"]]
    assert "TABLEGATE_SECRET" not in final.env
    assert "/healthz" in " ".join(final.healthcheck)
    # `python -m cli` from WORKDIR, or `python /app/cli.py`: either runs cli.main.
    entrypoint = final.exec_form("ENTRYPOINT")
    assert entrypoint in (["python", "-m", "cli"], ["python", f"{final.workdir}/cli.py"])


def locked() -> dict[str, dict[str, Any]]:
    """The lock's entries by canonical name: version, hashes, and what they are via."""
    entries: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in LOCK.read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
        if pin:
            current = {"version": pin.group(2), "hashes": [], "via": []}
            entries[canonicalize_name(pin.group(1))] = current
        elif current is not None and "--hash=sha256:" in line:
            current["hashes"].append(line.split("--hash=sha256:")[1].rstrip(" \\"))
        elif current is not None and re.match(r"^\s+#\s+(via\s+)?\S", line):
            current["via"].append(re.sub(r"^\s+#\s+(via\s+)?", "", line).strip())
    return entries


def image_requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    declared = list(project["dependencies"])
    for extra in IMAGE_EXTRAS:
        declared += project["optional-dependencies"][extra]
    return [Requirement(text) for text in declared]


def test_the_lock_pins_every_dependency_of_pyproject_with_hashes() -> None:
    entries = locked()
    for requirement in image_requirements():
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{requirement} is not in {LOCK.name}: run `make lock`"
        version = entries[name]["version"]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{LOCK.name} pins {name}=={version}, outside pyproject's {requirement}: "
            "run `make lock`")
    assert all(entry["hashes"] for entry in entries.values())


def test_the_lock_holds_no_dependency_pyproject_dropped() -> None:
    declared = {canonicalize_name(r.name) for r in image_requirements()}
    direct = {name for name, entry in locked().items()
              if "tablegate (pyproject.toml)" in entry["via"]}
    assert direct == declared, "pyproject and the lock disagree: run `make lock`"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def variables_config_reads() -> set[str]:
    """Every quoted UPPER_CASE name in config/: the variables it reads."""
    names: set[str] = set()
    for path in (ROOT / "config").glob("*.py"):
        names |= set(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    return names


def test_compose_runs_commands_the_cli_has_with_settings_config_reads() -> None:
    services = compose()["services"]
    image = stages()[-1]
    for name in ("create-table", "gateway"):
        service = services[name]
        assert service["build"] == "."
        # A command argparse does not know exits; one it knows parses.
        cli._parser().parse_args(service["command"])
        assert set(service["environment"]) <= variables_config_reads(), name
    assert services["create-table"]["command"] == ["create-table"]
    assert services["gateway"]["command"] == image.exec_form("CMD")
    assert set(image.env) - {"PATH", "PYTHONDONTWRITEBYTECODE",
                             "PYTHONUNBUFFERED"} <= variables_config_reads()


def test_compose_wires_the_gateway_to_its_services() -> None:
    services = compose()["services"]
    gateway = services["gateway"]
    environment = gateway["environment"]
    assert environment["TABLEGATE_SECRET"].startswith("${TABLEGATE_SECRET:?")
    assert services["create-table"]["environment"] == {
        name: value for name, value in environment.items() if name != "TABLEGATE_BROADCAST_URL"}
    dynamodb = urlparse(environment["DYNAMODB_ENDPOINT"])
    assert services[dynamodb.hostname]["image"].startswith("amazon/dynamodb-local:")
    assert dynamodb.port == 8000  # DynamoDB Local's port
    redis = urlparse(environment["TABLEGATE_BROADCAST_URL"])
    assert services[redis.hostname]["image"].startswith("redis:")
    published = [mapping.split(":")[-1] for mapping in gateway["ports"]]
    assert published == [stages()[-1].env["PORT"]]
    assert gateway["depends_on"] == {
        "create-table": {"condition": "service_completed_successfully"},
        redis.hostname: {"condition": "service_healthy"},
    }
    assert services["create-table"]["depends_on"] == {
        dynamodb.hostname: {"condition": "service_healthy"}}
    for name in (dynamodb.hostname, redis.hostname):
        assert services[name]["healthcheck"]["test"][0] == "CMD"

