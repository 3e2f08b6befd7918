"""A detached git worktree of another revision, for `--compare REV`: its gateway code."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WorktreeError(Exception):
    """git could not check out the revision."""


def _git(repository: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise WorktreeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def repository_of(path: Path) -> Path:
    """The top of the git work tree that holds `path`."""
    return Path(_git(path, "rev-parse", "--show-toplevel"))


def describe(repository: Path, revision: str) -> str:
    """`revision` with its short commit ID, e.g. 'HEAD (14ed60a)'."""
    commit = _git(repository, "rev-parse", "--short", f"{revision}^{{commit}}")
    return revision if revision == commit else f"{revision} ({commit})"


@contextmanager
def checkout(repository: Path, revision: str) -> Iterator[Path]:
    """The tree of `revision` in a temporary worktree, removed on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="tablegate-bench-baseline-"))
    try:
        _git(repository, "worktree", "add", "--detach", str(folder), revision)
    except WorktreeError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield folder
    finally:
        try:
            _git(repository, "worktree", "remove", "--force", str(folder))
        except WorktreeError:
            # Leave nothing behind either way: the folder, then git's record of it.
            shutil.rmtree(folder, ignore_errors=True)
            subprocess.run(["git", "-C", str(repository), "worktree", "prune"], check=False)
