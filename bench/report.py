"""The results tables, printed a row at a time as the runs finish, and the comparison."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bench.runner import Measurement

COLUMNS = (
    ("operation", 13),
    ("conc", 4),
    ("reqs", 5),
    ("p50 ms", 8),
    ("p99 ms", 8),
    ("req/s", 7),
    ("calls/req", 9),
    ("trips/req", 9),
    ("chain", 6),
    ("cpu ms/req", 10),
    ("RCU+WCU/req", 11),
)

LEGEND = """\
Each operation runs at concurrency 1, then at the concurrent level, against a gateway
process on 127.0.0.1; DynamoDB is reached through a proxy that adds {latency:g} ms per call.
  p50/p99 ms   latency the client saw (send to full response), nearest rank
  req/s        completed requests / wall time of the run
  calls/req    DynamoDB calls per request, as the gateway reports it (extensions.cost)
  trips/req    sequential round trips per request, as the gateway reports it
  chain        sequential round trips the proxy saw in each request's window
               (concurrency 1 only: concurrent requests' calls cannot be told apart)
  cpu ms/req   user+system CPU of the gateway's processes during the run / requests
  RCU+WCU/req  consumed capacity per request, as DynamoDB reports it"""


def legend(latency_ms: float) -> str:
    """What the columns mean."""
    return LEGEND.format(latency=latency_ms)


def _line(cells: Sequence[object], columns: Sequence[tuple[str, int]]) -> str:
    return "  ".join(
        f"{cell:>{width}}" if i else f"{cell:<{width}}"
        for i, (cell, (_, width)) in enumerate(zip(cells, columns, strict=True))
    )


def header(title: str) -> str:
    """A table's title, its column titles and a rule under them."""
    titles = _line([name for name, _ in COLUMNS], COLUMNS)
    return f"\n== {title}\n{titles}\n{'-' * len(titles)}"


def row(m: Measurement) -> str:
    """One measurement as a line of the table."""
    chain = m.chain
    cells = (
        m.operation,
        m.concurrency,
        len(m.latencies),
        f"{m.percentile(0.5):.1f}",
        f"{m.percentile(0.99):.1f}",
        f"{m.throughput:.1f}",
        f"{m.calls:.1f}",
        f"{m.round_trips:.1f}",
        "-" if chain is None else f"{chain:.1f}",
        f"{m.cpu_ms:.1f}",
        f"{m.capacity:.1f}",
    )
    return _line(cells, COLUMNS)


# (title, which run, which figure): the ratios that say whether a change paid off.
RATIOS: tuple[tuple[str, int, Callable[[Measurement], float]], ...] = (
    ("p50 c=1", 0, lambda m: m.percentile(0.5)),
    ("p50 c={n}", 1, lambda m: m.percentile(0.5)),
    ("req/s c={n}", 1, lambda m: m.throughput),
    ("cpu ms c=1", 0, lambda m: m.cpu_ms),
)


def comparison(
    baseline: dict[str, list[Measurement]],
    current: dict[str, list[Measurement]],
    concurrency: int,
) -> str:
    """current / baseline per operation present in both, for the figures of RATIOS
    (below 1 is better for latency and CPU, above 1 for req/s)."""
    columns = [("operation", 13)] + [(title.format(n=concurrency), 11) for title, _, _ in RATIOS]
    titles = _line([name for name, _ in columns], columns)
    lines = ["\n== current / baseline (latency, cpu: < 1 is better; req/s: > 1 is better)",
             titles, "-" * len(titles)]
    for name, runs in current.items():
        if name not in baseline:
            continue
        cells: list[object] = [name]
        for _, run, figure in RATIOS:
            before = figure(baseline[name][run])
            after = figure(runs[run])
            cells.append(f"{after / before:.2f}" if before else "-")
        lines.append(_line(cells, columns))
    return "\n".join(lines)
