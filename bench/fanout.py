"""The subscription bench's two phases on an open fleet of subscribers: delivery latency
one comment at a time, then a writer as fast as it can go.

A comment is written with the `addComment` mutation over HTTP, selecting only its ID,
so the mutation answers as soon as the write is done; its moment is when the response
arrived. A delivery's latency runs from there to the subscriber's receipt (both
time.monotonic() in the bench process). The stream is polled, so a delivery can in
principle beat the mutation's response by a few ms: such a latency is negative and kept.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.client import Gateway
from bench.meter import Meter, Usage
from bench.subscribers import Fleet

ADD_COMMENT = """
mutation AddComment($input: AddCommentInput!) { addComment(input: $input) { id } }"""
COMMENT_ADDED = """
subscription CommentAdded($postId: ID!) {
  commentAdded(postId: $postId) { id content author { displayName } }
}"""


@dataclass
class Writer:
    """Adds comments to one post, as one signed-in user, through one gateway."""

    gateway: Gateway
    post_id: str
    token: str
    written: int = 0
    # Seconds from sending each addComment to its response, in the order written.
    durations: list[float] = field(default_factory=list)

    async def write(self) -> tuple[str, float]:
        """Add a comment; its global ID and the moment its response arrived."""
        self.written += 1
        sent = time.monotonic()
        reply = await self.gateway.execute(
            ADD_COMMENT,
            {"input": {"postId": self.post_id, "content": f"Live bench comment {self.written}"}},
            self.token,
            "addComment",
        )
        arrived = time.monotonic()
        self.durations.append(arrived - sent)
        return reply.data["addComment"]["id"], arrived


@dataclass(frozen=True)
class Latency:
    """Comments written one at a time, each awaited by every subscriber."""

    writes: int
    latencies: list[float]  # seconds, one per delivery
    expected: int  # writes times subscribers
    usage: Usage

    @property
    def missing(self) -> int:
        """Deliveries that never came within the timeout."""
        return self.expected - len(self.latencies)


@dataclass(frozen=True)
class Sustained:
    """A writer going as fast as it could for a while, and what reached the subscribers."""

    writes: int
    write_seconds: float
    # Seconds each addComment took: the writes share the gateways' event loops with
    # the deliveries.
    write_durations: list[float]
    deliveries: int
    expected: int
    # Per subscriber: events received / the span from its first to its last receipt.
    rates: list[float]
    # Deliveries / the span from the first to the last receipt of the phase, all
    # subscribers together.
    total_rate: float
    complete: int  # subscribers that received every comment
    lags: list[float]  # seconds from each write to each delivery of it
    drained: bool  # every live subscriber had every comment before the drain timeout
    usage: Usage

    @property
    def write_rate(self) -> float:
        """Comments written per second."""
        return self.writes / self.write_seconds if self.write_seconds else 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of `values` (NaN when there are none)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def latency(fleet: Fleet, writer: Writer, gateway_pids: Sequence[int], writes: int,
                  gap: float, timeout: float) -> Latency:
    """Write `writes` comments one at a time, each once every subscriber has the last
    one, after a random pause of up to `gap` s: the writes land at random points of the
    stream's poll cycle rather than in step with it. Stops at the first comment some
    subscriber does not get within `timeout` s."""
    meter = Meter(gateway_pids)
    written: dict[str, float] = {}
    for _ in range(writes):
        comment_id, at = await writer.write()
        written[comment_id] = at
        if not await fleet.delivered([comment_id], timeout):
            break
        await asyncio.sleep(random.uniform(0, gap))
    usage = meter.stop()
    latencies = [arrived - written[comment_id]
                 for subscriber in fleet.subscribers
                 for comment_id, arrived in subscriber.receipts if comment_id in written]
    return Latency(len(written), latencies, len(written) * len(fleet.subscribers), usage)


async def sustained(fleet: Fleet, writer: Writer, gateway_pids: Sequence[int], seconds: float,
                    writers: int, drain: float) -> Sustained:
    """`writers` concurrent loops of `writer` for `seconds`, then up to `drain` seconds
    for every subscriber to catch up."""
    meter = Meter(gateway_pids)
    written: dict[str, float] = {}
    before = len(writer.durations)
    started = time.monotonic()
    deadline = started + seconds

    async def loop() -> None:
        while time.monotonic() < deadline:
            comment_id, at = await writer.write()
            written[comment_id] = at

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(writers):
                group.create_task(loop())
    except ExceptionGroup as failure:
        # The group cancelled the other writers; report the failure that stopped it.
        raise failure.exceptions[0] from None
    write_seconds = time.monotonic() - started
    drained = await fleet.delivered(written, drain)
    usage = meter.stop()
    rates: list[float] = []
    lags: list[float] = []
    arrivals: list[float] = []
    complete = 0
    for subscriber in fleet.subscribers:
        mine = [(c, at) for c, at in subscriber.receipts if c in written]
        complete += len({c for c, _ in mine}) == len(written)
        times = [at for _, at in mine]
        if len(times) > 1 and times[-1] > times[0]:
            rates.append((len(times) - 1) / (times[-1] - times[0]))
        lags += [at - written[c] for c, at in mine]
        arrivals += times
    span = max(arrivals) - min(arrivals) if arrivals else 0.0
    return Sustained(
        writes=len(written),
        write_seconds=write_seconds,
        write_durations=writer.durations[before:],
        deliveries=len(lags),
        expected=len(written) * len(fleet.subscribers),
        rates=rates,
        total_rate=(len(arrivals) - 1) / span if span else 0.0,
        complete=complete,
        lags=lags,
        drained=drained,
        usage=usage,
    )
