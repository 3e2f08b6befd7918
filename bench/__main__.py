"""`python -m bench [--latency MS] [--compare REV] [--workers N] [--scale N] ...`, or
`python -m bench --subscriptions [--subscribers 1,100,1000] ...`, or
`python -m bench --faults`"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import uvloop

from bench import faults, report, subscriptions, worktree
from bench.client import ResponseError
from bench.environment import world
from bench.processes import ProcessError
from bench.services import BENCH_ROOT
from bench.session import Indexes, bench_gateway
from bench.subscribers import SubscriberError
from dev.engine import EngineError

# A 1-minute load average above this means something else is busy on the machine.
BUSY_LOAD = 1.0


def options(argv: list[str]) -> argparse.Namespace:
    """The command line, validated."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="The contract's operations (or, with --subscriptions, its "
        "subscriptions) against a gateway process on a freshly seeded table, DynamoDB "
        "behind a latency-adding proxy.",
    )
    add = parser.add_argument
    add("--scale", type=int, default=1, help="demo data scale (default 1)")
    add("--requests", type=int, default=40, help="requests per operation at concurrency 1 (40)")
    add("--concurrency", type=int, default=16, help="the concurrent run's workers (default 16)")
    add("--concurrent-requests", type=int, default=160,
        help="requests per operation at that concurrency (default 160)")
    add("--warmup", type=int, default=5,
        help="unmeasured requests per operation before its runs, at concurrency 1 (5)")
    add("--warmup-seconds", type=float, default=2.0,
        help="per gateway, first every operation unmeasured at the concurrent level for "
        "this long, to warm the engine's JIT and the gateway (default 2; 0: none)")
    add("--budget", type=float, default=8.0,
        help="seconds after which a run stops sending requests (default 8)")
    add("--only", default="", help="comma-separated operation names to run (default: all)")
    add("--latency", type=float, default=5.0,
        help="ms the proxy adds to every DynamoDB call (default 5, AWS-like; 0 still proxies)")
    add("--compare", metavar="REV", default=None,
        help="also bench the gateway of git revision REV first, as the baseline")
    add("--workers", type=int, default=1, help="uvicorn worker processes per gateway (1)")
    add("--source", type=Path, default=BENCH_ROOT,
        help="the tree whose gateway is 'current' and whose code seeds (default: this repo)")
    live = parser.add_argument_group(
        "subscriptions",
        "--subscriptions runs the subscription bench instead of the operations: commentAdded "
        "subscribers over WebSockets at each count, with one gateway and with two behind a "
        "Redis of its own; delivery latency, sustained events/s and the gateways' memory per "
        "subscriber (--scale, --latency, --workers and --source apply; the options above "
        "them do not)",
    ).add_argument
    live("--subscriptions", action="store_true", help="run the subscription bench")
    live("--subscribers", default="1,100,1000",
         help="comma-separated subscriber counts (default 1,100,1000)")
    live("--events", type=int, default=30,
         help="comments written one at a time for the latency figures (default 30)")
    live("--sustain", type=float, default=3.0,
         help="seconds of writing as fast as the writers go (default 3)")
    live("--writers", type=int, default=1,
         help="concurrent addComment loops in the sustained phase (default 1)")
    live("--poll-ms", type=int, default=200,
         help="the gateways' TABLEGATE_STREAM_POLL_MS (default 200, the gateway's own)")
    live("--open-batch", type=int, default=100,
         help="WebSocket handshakes at a time while opening subscribers (default 100)")
    live("--no-deflate", dest="deflate", action="store_false",
         help="subscribers do not offer permessage-deflate (browsers do; by default so do they)")
    parser.add_argument_group(
        "faults",
        "--faults runs the fault bench instead: one gateway behind a proxy that throttles "
        "or fails its DynamoDB calls; home feeds and placeOrders (retried with their "
        "Idempotency-Key) per fault rate, and what the clients got (--scale, --latency, "
        "--workers and --source apply)",
    ).add_argument("--faults", action="store_true", help="run the fault bench")
    args = parser.parse_args(argv)
    try:
        args.subscribers = [int(count) for count in args.subscribers.split(",") if count]
    except ValueError:
        parser.error(f"--subscribers takes counts like 1,100,1000, not {args.subscribers!r}")
    if (args.subscriptions or args.faults) and args.compare:
        parser.error("--compare applies to the operations, not to --subscriptions or --faults")
    if not args.subscribers or min(args.subscribers) < 1 or min(
            args.events, args.writers, args.open_batch) < 1:
        parser.error("--subscribers, --events, --writers and --open-batch must be >= 1")
    if args.sustain <= 0 or args.poll_ms < 10:
        parser.error("--sustain must be > 0 and --poll-ms >= 10 (the gateway's minimum)")
    if args.scale < 1 or min(args.requests, args.concurrency, args.concurrent_requests) < 1:
        parser.error("--scale, --requests, --concurrency and --concurrent-requests must be >= 1")
    if args.warmup < 0 or args.budget <= 0 or args.latency < 0 or args.workers < 1:
        parser.error("--warmup and --latency must be >= 0, --budget > 0, --workers >= 1")
    args.source = args.source.resolve()
    if not (args.source / "server.py").is_file():
        parser.error(f"--source {args.source} has no server.py")
    return args


async def run(args: argparse.Namespace) -> None:
    """Seed once, then bench the baseline (if any) and the current gateway, one at a time."""
    started = time.perf_counter()
    # SIGTERM stops the bench the way Ctrl-C does: cancelled, so every `finally` stops
    # the processes it started and removes the worktree.
    main_task = asyncio.current_task()
    if main_task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    load = os.getloadavg()[0]
    if load > BUSY_LOAD:
        # Another process's CPU use lands in every latency and req/s figure.
        print(f"note: load average {load:.1f} before the bench started: other processes "
              f"share the {os.cpu_count()} cores, expect noisy figures")
    if args.subscriptions:
        await subscriptions.run(args)
        return
    if args.faults:
        await faults.run(args)
        return
    with ExitStack() as stack:
        baseline_source, baseline_title = None, ""
        if args.compare:
            repository = worktree.repository_of(BENCH_ROOT)
            baseline_title = f"baseline {worktree.describe(repository, args.compare)}"
            baseline_source = stack.enter_context(worktree.checkout(repository, args.compare))
        bench = stack.enter_context(world(args.source, args.scale, args.latency))
        print(report.legend(args.latency))
        if args.workers > 1:
            print(f"gateways run with --workers {args.workers}")
        indexes = Indexes()
        baseline = None
        if baseline_source is not None:
            baseline = await bench_gateway(baseline_source, bench, args, baseline_title, indexes)
        current = await bench_gateway(args.source, bench, args, f"current {args.source}", indexes)
        if baseline is not None:
            print(report.comparison(baseline, current, args.concurrency))
    print(f"\ntotal {time.perf_counter() - started:.1f}s")


def main(argv: list[str]) -> int:
    """Run the bench; 1 if a request or a process failed, 130 on Ctrl-C."""
    try:
        # uvloop, as the gateway has: the load generator's CPU shares the gateway's cores.
        uvloop.run(run(options(argv)))
    except (ResponseError, ProcessError, worktree.WorktreeError, SubscriberError,
            EngineError) as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
