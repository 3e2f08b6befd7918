"""One gateway's whole bench: start it, find its workload, warm up, measure every
operation, stop it."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from bench import client, report, workload
from bench.chains import Proxy
from bench.environment import World
from bench.runner import Measurement, Operation, Target, measure
from bench.services import start_gateway

Results = dict[str, list[Measurement]]
# Most requests one operation's warm-up pass may send (its time budget stops it first).
WARMUP_PASS_CAP = 100_000


@dataclass
class Indexes:
    """Hands out request indexes, never the same twice in a bench (both gateways share
    one), so writes never reuse variables (comments, orders)."""

    next: int = 0

    def block(self, size: int) -> int:
        """The first of `size` fresh indexes."""
        first, self.next = self.next, self.next + size
        return first


async def bench_gateway(
    source: Path, world: World, args: argparse.Namespace, title: str, indexes: Indexes
) -> Results:
    """Serve the tree at `source` on the world's table, print a table of its operations,
    and return each operation's measurements at concurrency 1 and the concurrent level."""
    child, url = start_gateway(source, world.table, args.workers)
    try:
        async with client.session(args.concurrency + 2) as http:
            gateway = client.Gateway(http, url)
            target = Target(gateway, child.pid, Proxy(http, world.proxy))
            # Per gateway: IDs, cursors and the schema's mutations are that gateway's own.
            catalog = await workload.discover(gateway, world.summary)
            operations = workload.reads(catalog)
            written, notes = await workload.writes(gateway, catalog)
            operations += written
            wanted = {name for name in args.only.split(",") if name}
            operations = [op for op in operations if not wanted or op.name in wanted]
            await _warm_up(target, operations, args, indexes)
            print(report.header(title))
            for note in notes:
                print(f"note: {note}")
            results: Results = {}
            for operation in operations:
                results[operation.name] = await _measure(target, operation, args, indexes)
            return results
    finally:
        child.stop()


async def _warm_up(
    target: Target, operations: list[Operation], args: argparse.Namespace, indexes: Indexes
) -> None:
    # DynamoDB Local is a JVM: its first thousands of calls run slower while the JIT
    # compiles. Unwarmed, whichever gateway goes first (the baseline) would pay for that.
    # Every gateway gets the same pass, so the Python side is warmed alike too.
    if args.warmup_seconds <= 0:
        return
    started = time.perf_counter()
    sent = 0
    for operation in operations:
        run = await measure(
            target,
            operation,
            WARMUP_PASS_CAP,
            args.concurrency,
            indexes.block(WARMUP_PASS_CAP),
            args.warmup_seconds,
        )
        sent += len(run.latencies)
    print(
        f"\nwarm-up: {sent} requests at concurrency {args.concurrency} "
        f"in {time.perf_counter() - started:.1f}s (not measured)",
        flush=True,
    )


async def _measure(
    target: Target, operation: Operation, args: argparse.Namespace, indexes: Indexes
) -> list[Measurement]:
    if args.warmup:
        await measure(target, operation, args.warmup, 1, indexes.block(args.warmup))
    runs = []
    for concurrency, requests in ((1, args.requests), (args.concurrency, args.concurrent_requests)):
        result = await measure(
            target, operation, requests, concurrency, indexes.block(requests), args.budget
        )
        print(report.row(result), flush=True)
        runs.append(result)
    return runs
