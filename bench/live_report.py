"""The subscription bench's printout: what was run, then three tables (latency, sustained
events, memory), one row per setup and subscriber count, and notes."""

from __future__ import annotations

import argparse
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.fanout import Latency, Sustained, percentile
from bench.meter import Usage

KIB_PER_MIB = 1024

LEGEND = """\
Subscriptions: every subscriber is one WebSocket (graphql-transport-ws, anonymous) from
this process with one `commentAdded(postId)` of the same published post, selecting
`id content author {{ displayName }}`; subscribers {deflate} permessage-deflate. Comments are
written with `addComment` over HTTP by one signed-in user, through the first gateway.
Machine: {cores} cores, shared by this client, the gateways, the proxy and DynamoDB Local.
The gateways poll the stream every {poll} ms (TABLEGATE_STREAM_POLL_MS); the proxy adds
{latency:g} ms to every DynamoDB call, stream reads too.
Setups, each subscriber count on freshly started gateways:
  1 gw        one gateway process{workers}, reading the stream itself
  2 gw+Redis  two gateway processes with TABLEGATE_BROADCAST_URL on one Redis: one reads
              the stream under the lease; subscribers split evenly, writes through the first
Latency ({events} comments, one at a time, each awaited by every subscriber):
  open s       seconds to open every subscriber, {batch} handshakes at a time
  p50/p99/max  ms from addComment's response to a subscriber's receipt, over all deliveries
               (nearest rank: under 100 deliveries, p99 is the max)
Sustained ({writers} writer(s) as fast as they go for {sustain:g} s, then the subscribers catch up):
  write p50/99 ms of each addComment: the writes share the first gateway's event loop
  ev/s/sub     per subscriber, events received / its first-to-last receipt span: mean, min
  deliv/s      all deliveries / the span of all receipts
  got all      subscribers that received every comment of the phase
  lag p50/p99  ms from each comment's write to each delivery of it, under that load
  us/deliv     the gateways' CPU microseconds per delivery; writes and stream polls are
               included, so it means something only with many subscribers
Memory: the gateways' VmRSS in MiB, all their processes together:
  before       fresh gateways, warmed by one subscriber each that got a comment and left
  opened       once a comment reached every subscriber; KiB/sub = (opened - before) / subs,
               noise at small counts (the allocator grows in steps and reuses freed memory)
  events       after both phases, the subscriptions still open; KiB/deliv = (events -
               opened) / the deliveries of both phases: what the process kept per event
  closed       1 s after closing the subscribers (CPython seldom returns freed memory)
CPU, as shares of one core over the phase: the gateways' processes (gw), this client process
(client; one thread, so near 100% means the client may be the limit) and the whole machine
(all {cores} cores = 100%)."""


@dataclass(frozen=True)
class Row:
    """One setup at one subscriber count: everything measured."""

    setup: str
    subscribers: int
    open_seconds: float
    rss_before: int  # KiB, every gateway process together
    rss_opened: int
    rss_events: int
    rss_closed: int
    latency: Latency
    sustained: Sustained
    endings: Counter[str]  # why subscribers ended before the bench closed them
    streams: list[str]  # each gateway's /readyz `stream` at the end

    @property
    def deliveries(self) -> int:
        """Events delivered in both phases (between the `opened` and `events` readings)."""
        return len(self.latency.latencies) + self.sustained.deliveries


def legend(args: argparse.Namespace) -> str:
    """What was run (the subscription options of `python -m bench`), what the columns mean."""
    return LEGEND.format(
        cores=os.cpu_count(), poll=args.poll_ms, latency=args.latency, events=args.events,
        batch=args.open_batch, writers=args.writers, sustain=args.sustain,
        workers=f" (--workers {args.workers})" if args.workers > 1 else "",
        deflate="offer" if args.deflate else "do not offer",
    )


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{1000 * seconds:.0f}"


def _mib(kib: int) -> str:
    return f"{kib / KIB_PER_MIB:.1f}"


def _share(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def _per_delivery(row: Row) -> float:
    """KiB the gateways kept per event delivered with the subscriptions open."""
    return (row.rss_events - row.rss_opened) / row.deliveries if row.deliveries else 0.0


def _table(title: str, columns: Sequence[tuple[str, int]], rows: list[list[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{c:>{w}}" if i else f"{c:<{w}}"
                         for i, (c, (_, w)) in enumerate(zip(cells, columns, strict=True)))

    titles = line([name for name, _ in columns])
    return "\n".join([f"\n== {title}", titles, "-" * len(titles), *map(line, rows)])


LATENCY_COLUMNS = (("setup", 10), ("subs", 5), ("open s", 6), ("events", 6), ("deliv", 6),
                   ("p50 ms", 6), ("p99 ms", 6), ("max ms", 6), ("gw cpu", 6), ("client", 6))
MEMORY_COLUMNS = (("setup", 10), ("subs", 5), ("before", 6), ("opened", 6), ("KiB/sub", 7),
                  ("deliveries", 10), ("events", 6), ("KiB/deliv", 9), ("closed", 6))
# A gateway that keeps more than this per delivered event, over at least
# NOTED_DELIVERIES of them, gets a note: its memory grows with traffic.
NOTED_KIB_PER_DELIVERY = 0.5
NOTED_DELIVERIES = 10_000
SUSTAINED_COLUMNS = (("setup", 10), ("subs", 5), ("writes", 6), ("writes/s", 8),
                     ("write p50", 9), ("p99", 5), ("ev/s/sub", 8), ("min", 4), ("deliv/s", 7),
                     ("got all", 9), ("lag p50", 7), ("lag p99", 7), ("gw cpu", 6),
                     ("us/deliv", 8), ("client", 6), ("machine", 7))


def latency_table(rows: Sequence[Row]) -> str:
    """Delivery latency one comment at a time, and the gateways' memory."""
    lines = []
    for row in rows:
        lat = row.latency
        lines.append([
            row.setup, str(row.subscribers), f"{row.open_seconds:.1f}", str(lat.writes),
            str(len(lat.latencies)), _ms(percentile(lat.latencies, 0.5)),
            _ms(percentile(lat.latencies, 0.99)), _ms(max(lat.latencies, default=math.nan)),
            _share(lat.usage.gateways), _share(lat.usage.client),
        ])
    return _table("delivery latency (one comment at a time)", LATENCY_COLUMNS, lines)


def memory_table(rows: Sequence[Row]) -> str:
    """The gateways' memory per subscriber, and per delivered event."""
    lines = []
    for row in rows:
        lines.append([
            row.setup, str(row.subscribers), _mib(row.rss_before), _mib(row.rss_opened),
            f"{(row.rss_opened - row.rss_before) / row.subscribers:.0f}",
            str(row.deliveries), _mib(row.rss_events), f"{_per_delivery(row):.2f}",
            _mib(row.rss_closed),
        ])
    return _table("gateway memory", MEMORY_COLUMNS, lines)


def sustained_table(rows: Sequence[Row]) -> str:
    """Events per second under a writer as fast as it goes."""
    lines = []
    for row in rows:
        sus = row.sustained
        mean = sum(sus.rates) / len(sus.rates) if sus.rates else 0.0
        per_delivery = 1e6 * sus.usage.gateway_seconds / sus.deliveries if sus.deliveries else 0
        lines.append([
            row.setup, str(row.subscribers), str(sus.writes), f"{sus.write_rate:.1f}",
            _ms(percentile(sus.write_durations, 0.5)),
            _ms(percentile(sus.write_durations, 0.99)), f"{mean:.1f}",
            f"{min(sus.rates, default=0.0):.0f}", f"{sus.total_rate:.0f}",
            f"{sus.complete}/{row.subscribers}", _ms(percentile(sus.lags, 0.5)),
            _ms(percentile(sus.lags, 0.99)), _share(sus.usage.gateways), f"{per_delivery:.0f}",
            _share(sus.usage.client), _share(sus.usage.machine),
        ])
    return _table("sustained events (writer as fast as it goes)", SUSTAINED_COLUMNS, lines)


def notes(rows: Sequence[Row]) -> list[str]:
    """What the tables cannot show: lost events, subscribers that ended, a busy client."""
    found = []
    for row in rows:
        where = f"{row.setup}, {row.subscribers} subscribers"
        if row.latency.missing:
            found.append(f"{where}: {row.latency.missing} of {row.latency.expected} "
                         "latency deliveries never came (the phase stopped at the first)")
        sus = row.sustained
        if sus.deliveries < sus.expected or not sus.drained:
            found.append(f"{where}: sustained phase delivered {sus.deliveries} of "
                         f"{sus.expected} events before the drain timeout")
        if row.deliveries >= NOTED_DELIVERIES and _per_delivery(row) > NOTED_KIB_PER_DELIVERY:
            found.append(f"{where}: the gateways' RSS grew by "
                         f"{_mib(row.rss_events - row.rss_opened)} MiB over {row.deliveries} "
                         f"deliveries ({_per_delivery(row):.1f} KiB each) with the "
                         "subscriptions open: memory that grows with traffic")
        for why, count in row.endings.items():
            found.append(f"{where}: {count} subscriber(s) ended early: {why}")
        for phase, usage in (("latency", row.latency.usage), ("sustained", sus.usage)):
            if usage.client_saturated:
                found.append(f"{where}: the client used {_share(usage.client)} of a core in "
                             f"the {phase} phase: it may be what limits these figures")
    streams = {(row.setup, ", ".join(row.streams)) for row in rows if len(row.streams) > 1}
    for setup, states in sorted(streams):
        found.append(f"{setup}: /readyz stream per gateway at the end (the first takes the "
                     f"writes): {states}")
    return found


def client_summary(rows: Sequence[Row]) -> str:
    """The client's CPU over the measured phases, and whether it ever neared a core."""
    usages: list[Usage] = [u for r in rows for u in (r.latency.usage, r.sustained.usage)]
    busiest = max(usages, key=lambda u: u.client)
    verdict = ("it may have limited that phase" if busiest.client_saturated
               else "it was not the limit")
    return (f"client (this process) CPU: {sum(u.client_seconds for u in usages):.1f}s over "
            f"{sum(u.wall for u in usages):.1f}s of measured phases, at most "
            f"{_share(busiest.client)} of a core in one phase: {verdict}")
