"""`python -m bench [--scale N] [--requests N] [--concurrent-requests N] ...`"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from bench import report, workload
from bench.client import Gateway, ResponseError
from bench.environment import world
from bench.runner import Operation, measure


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="demo data scale (default 1)")
    parser.add_argument(
        "--requests",
        type=int,
        default=40,
        help="requests per operation at concurrency 1 (default 40)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="the concurrent run's workers (default 16)"
    )
    parser.add_argument(
        "--concurrent-requests",
        type=int,
        default=160,
        help="requests per operation at that concurrency (default 160)",
    )
    parser.add_argument(
        "--warmup", type=int, default=5, help="unmeasured requests per operation first (default 5)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=10.0,
        help="seconds after which a run stops sending requests (default 10)",
    )
    parser.add_argument(
        "--only", default="", help="comma-separated operation names to run (default: all)"
    )
    args = parser.parse_args(argv)
    if args.scale < 1 or min(args.requests, args.concurrency, args.concurrent_requests) < 1:
        parser.error("--scale, --requests, --concurrency and --concurrent-requests must be >= 1")
    if args.warmup < 0 or args.budget <= 0:
        parser.error("--warmup must be >= 0 and --budget > 0")
    return args


async def run(args: argparse.Namespace) -> None:
    """Seed, discover, then measure every operation at concurrency 1 and the high level."""
    started = time.perf_counter()
    async with world(args.scale) as bench:
        catalog = await workload.discover(bench.gateway, bench.summary)
        operations = workload.reads(catalog)
        written, notes = await workload.writes(bench.gateway, catalog)
        operations += written
        wanted = {name for name in args.only.split(",") if name}
        operations = [op for op in operations if not wanted or op.name in wanted]
        for note in notes:
            print(f"note: {note}")
        print(report.header())
        for operation in operations:
            await _measure(bench.gateway, operation, args)
    print(f"total {time.perf_counter() - started:.1f}s")


async def _measure(gateway: Gateway, operation: Operation, args: argparse.Namespace) -> None:
    # Request indexes never repeat, so writes never reuse variables (comments, orders).
    await measure(gateway, operation, args.warmup, 1)
    first = args.warmup
    for concurrency, requests in ((1, args.requests), (args.concurrency, args.concurrent_requests)):
        result = await measure(gateway, operation, requests, concurrency, first, args.budget)
        first += requests
        print(report.row(result), flush=True)


def main(argv: list[str]) -> int:
    try:
        asyncio.run(run(options(argv)))
    except ResponseError as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
