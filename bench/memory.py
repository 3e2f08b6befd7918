"""Resident memory of a process tree, from Linux's /proc: what a gateway holds.

A tree is its root plus the processes below it (uvicorn's workers with `--workers N`),
as `bench.cpu` finds them. VmRSS counts the pages a process has in memory now; pages
shared between a parent and its forked workers are counted in each, as `ps` does.
"""

from __future__ import annotations

from bench.cpu import PROC, descendants


def rss_kib(pid: int) -> int:
    """VmRSS of one process in KiB; 0 if it is gone (or a zombie, which has none)."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kib(root: int) -> int:
    """VmRSS of `root` and every live process below it, in KiB."""
    return sum(rss_kib(pid) for pid in [root, *descendants(root)])
