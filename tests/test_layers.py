"""The layers' boundaries, read from the source: imports point down the layers, the
runtime never imports the development tools or the command line, and config/ is a leaf."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ("server.py", "web", "schema", "resolvers", "loaders", "live", "data")
# What only the command line, the tests and the bench may import.
TOOLING = {"dev", "cli"}


def sources(*names: str) -> Iterator[Path]:
    """Every .py file among `names` (files, or folders searched through)."""
    for name in names:
        path = ROOT / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def imported(path: Path) -> set[str]:
    """The top-level names of the modules `path` imports, anywhere in it (functions and
    TYPE_CHECKING blocks too); relative imports stay in their package and are skipped."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def project_modules() -> set[str]:
    """The packages and modules pyproject.toml declares."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(setup["packages"]) | set(setup["py-modules"])


def test_the_runtime_never_imports_the_tooling() -> None:
    files = list(sources(*RUNTIME))
    assert len(files) > 40, "the runtime's files were not found"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported(path) & TOOLING) for path in files
    }
    assert {path: names for path, names in offenders.items() if names} == {}


# Each layer, and the layers above it: nothing imports from a layer above its own.
ABOVE = {
    "data": {"live", "loaders", "resolvers", "schema", "web", "server"},
    "live": {"loaders", "resolvers", "schema", "web", "server"},
    "loaders": {"live", "resolvers", "schema", "web", "server"},
    "resolvers": {"schema", "web", "server"},
    "schema": {"web", "server"},
    "web": {"server"},
}


def test_imports_point_down_the_layers() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported(path) & above)
        for layer, above in ABOVE.items() for path in sources(layer)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_config_imports_nothing_of_the_project() -> None:
    others = project_modules() - {"config"}
    assert {"data", "dev", "web", "server"} <= others
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported(path) & others)
        for path in sources("config")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


# `# type: ignore[code]  # why`: a silenced check says which and why, on its line.
_IGNORE = re.compile(r"type: ignore(?!\[[a-z-]+(?:, [a-z-]+)*\]  # \S)")


def test_every_silenced_type_check_says_why() -> None:
    assert _IGNORE.search("x = 1  # type: ignore")
    assert _IGNORE.search("x = 1  # type: ignore[misc]")
    assert not _IGNORE.search("x = 1  # type: ignore[misc]  # graphql-core awaits it")
    unexplained = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources(*RUNTIME, "config", "dev")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if _IGNORE.search(line)
    ]
    assert unexplained == []
