"""CPU time of a process tree, from Linux's /proc: what the gateway spent serving a run.

A tree is its root plus the processes found below it through their parent IDs
(uvicorn's workers with `--workers N`). Two readings of each process:

- `/proc/<pid>/task/<tid>/schedstat`: nanoseconds on CPU, per live thread. Precise, which
  matters for a short run at concurrency 1 (a few ms a request), but a thread that ends
  takes its time with it.
- `/proc/<pid>/stat` utime + stime: every thread, ended ones too, but in clock ticks
  (10 ms), too coarse for a short run.

A run's CPU is the precise delta, unless the coarse one is larger by more than its own
rounding (threads ended during the run): then the coarse one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK = 1 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """CPU seconds of a tree at one moment, read both ways."""

    precise: float
    coarse: float

    def __sub__(self, before: Usage) -> float:
        """CPU seconds spent between `before` and this reading."""
        precise = self.precise - before.precise
        coarse = self.coarse - before.coarse
        # Each coarse reading is floored to a tick: the delta is off by up to two.
        return coarse if coarse > precise + 2 * TICK else precise


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may hold spaces or ')': split after the last one.
    return text[text.rindex(")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """The IDs of every live process below `root` (not `root` itself)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            # fields[1] is ppid (field 4 of stat; state is fields[0]).
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    frontier = [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        found += below
        frontier += below
    return found


def _threads_ns(pid: int) -> int:
    """Nanoseconds on CPU of the live threads of `pid` (first field of schedstat)."""
    total = 0
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return 0
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread ended meanwhile
    return total


def usage(root: int) -> Usage:
    """The CPU `root` and its live descendants have used so far."""
    ns = 0
    ticks = 0
    for pid in [root, *descendants(root)]:
        fields = _stat_fields(pid)
        if fields is not None:
            # utime and stime: fields 14 and 15 of stat, 11 and 12 after the name.
            ticks += int(fields[11]) + int(fields[12])
            ns += _threads_ns(pid)
    return Usage(ns / 1e9, ticks * TICK)
