"""Pages of named reads: Relay connections over key-condition Queries, exact both ways.

A `ListRead`, named by an aggregate's module (`data.posts.feed`, ...), says what
to read; `read_page` reads one page of it through a `Runner` (the request's
loaders, which coalesce and deduplicate Queries), and returns the records with
their cursors.

A page asks DynamoDB for one item more than it shows, so `hasNextPage`
(forward) or `hasPreviousPage` (backward) is exact. The flag on the other side
is exact too: when a cursor is given, a one-item probe in the opposite
direction runs concurrently with the page, in the same round trip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from data.cursors import CursorSigner
from data.errors import InvalidInput
from data.layout import Item
from data.queries import QuerySpec, SortCondition

DEFAULT_PAGE = 20
MAX_PAGE = 100
T = TypeVar("T")


@dataclass(frozen=True)
class PageArgs:
    """Validated Relay arguments: a size, a direction, and the cursor, if any."""

    size: int
    backward: bool
    cursor: str | None

    @property
    def cursor_field(self) -> str:
        return "before" if self.backward else "after"


def page_args(
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> PageArgs:
    """Check first/after/last/before: defaults 20, at most 100, never negative."""
    if first is not None and last is not None:
        raise InvalidInput("last", "pass first/after or last/before, not both")
    if (after is not None and (last is not None or before is not None)) or (
        before is not None and first is not None
    ):
        raise InvalidInput(
            "before" if before is not None else "after", "pass first/after or last/before, not both"
        )
    backward = last is not None or before is not None
    name, size = ("last", last) if backward else ("first", first)
    if size is None:
        size = DEFAULT_PAGE
    if size < 0:
        raise InvalidInput(name, f"{name} must not be negative")
    if size > MAX_PAGE:
        raise InvalidInput(name, f"{name} must be at most {MAX_PAGE}")
    return PageArgs(size=size, backward=backward, cursor=before if backward else after)


@dataclass
class Page(Generic[T]):
    """Records of one page, their cursors, and whether there is more either way."""

    nodes: list[T]
    # Signed when read (`CursorSigner.lazy`): a page shown without cursors signs none.
    cursors: Sequence[str]
    has_next: bool
    has_previous: bool


    @classmethod
    def empty(cls) -> Page[T]:
        return cls([], [], False, False)


class Runner(Protocol):
    """What runs a Query: the request's loaders."""

    async def query(self, spec: QuerySpec) -> list[Item]: ...


@dataclass(frozen=True)
class ListRead(Generic[T]):
    """A named read of a list: one Query, or the shards of one (read at once and merged
    by sort key), and how an item becomes a record."""

    shards: tuple[QuerySpec, ...]
    convert: Callable[[Item], T]
    # What a merged read's cursors are bound to; a single Query binds its own spec.
    binding: str = ""

    @classmethod
    def one(cls, spec: QuerySpec, convert: Callable[[Item], T]) -> ListRead[T]:
        return cls((spec,), convert)


async def read_page(
    runner: Runner, cursors: CursorSigner, read: ListRead[T], args: PageArgs
) -> Page[T]:
    """One page of `read` in the connection's natural order (or backward)."""
    if len(read.shards) == 1:
        return await _query_page(runner, cursors, read.shards[0], args, read.convert)
    return await _merged_page(runner, cursors, read.binding, read.shards, args, read.convert)


async def read_all(runner: Runner, read: ListRead[T]) -> list[T]:
    """Every record of a short, bounded list (a category's children, an order's lines)."""
    return [read.convert(item) for item in await runner.query(read.shards[0])]


async def _query_page(
    runner: Runner,
    cursors: CursorSigner,
    spec: QuerySpec,
    args: PageArgs,
    convert: Callable[[Item], T],
) -> Page[T]:
    """One page of `spec` (its `forward` is the connection's natural order)."""
    binding = spec.binding()
    position = cursors.decode(binding, args.cursor, args.cursor_field) if args.cursor else None
    main = replace(spec, forward=spec.forward != args.backward, limit=args.size + 1)
    main = main.starting_after(position)
    behind = False
    if position is None:
        items = await runner.query(main)
    else:
        probe = replace(main, forward=not main.forward, limit=1)
        items, before = await asyncio.gather(runner.query(main), runner.query(probe))
        behind = bool(before)
    beyond = len(items) > args.size
    shown = items[: args.size]
    if args.backward:
        shown.reverse()
    return Page(
        nodes=[convert(item) for item in shown],
        cursors=cursors.lazy(binding, shown, spec.position_of),
        has_next=behind if args.backward else beyond,
        has_previous=beyond if args.backward else behind,
    )


def shard_share(wanted: int, shards: int) -> int:
    """Items to ask each of `shards` for, to fill `wanted` from all of them in one round
    trip unless they are skewed: twice the even share, and two more."""
    return min(wanted, -(-2 * wanted // shards) + 2)


async def _merged_page(
    runner: Runner,
    cursors: CursorSigner,
    binding: str,
    shards: Sequence[QuerySpec],
    args: PageArgs,
    convert: Callable[[Item], T],
) -> Page[T]:
    """One page over several partitions read in parallel and merged by sort key.

    Each shard spec reads in the connection's natural order; the cursor is the
    sort key of the last item shown, applied as a key condition on every shard.
    A shard is asked for its fair share of the page with a margin (`shard_share`),
    not for the whole page: items spread evenly over the shards, so one rarely
    holds more. A shard that filled its share with items that would still be on
    the page is read on from where it stopped, in one more round trip.
    """
    sort_name = shards[0].key_names[1]
    natural_forward = shards[0].forward
    position = cursors.decode(binding, args.cursor, args.cursor_field) if args.cursor else None
    mark = position.get("s") if position else None
    forward = natural_forward != args.backward
    wanted = args.size + 1  # one more than shown: hasNextPage (or hasPreviousPage) is exact
    share = shard_share(wanted, len(shards))

    def bounded(spec: QuerySpec, reading_forward: bool, limit: int) -> QuerySpec:
        sort = SortCondition(">" if reading_forward else "<", mark) if mark else None
        return replace(spec, forward=reading_forward, limit=limit, sort=sort)

    def key(item: Item) -> str:
        return str(item[sort_name])

    def inside(item: Item, cut: Item) -> bool:
        """`item` comes before `cut` in reading order."""
        return key(item) < key(cut) if forward else key(item) > key(cut)

    reads = {i: bounded(s, forward, share) for i, s in enumerate(shards)}
    probes = [runner.query(bounded(s, not forward, 1)) for s in shards] if mark else []
    read: list[list[Item]] = [[] for _ in shards]
    merged: list[Item] = []
    behind = False
    while reads:
        results = await asyncio.gather(*(runner.query(s) for s in reads.values()), *probes)
        if probes:
            behind = any(results[len(reads) :])
            probes = []
        full = []
        for (i, spec), items in zip(reads.items(), results, strict=False):
            read[i] += items
            if len(items) == spec.limit:
                full.append((i, spec))
        merged = sorted((item for items in read for item in items), key=key, reverse=not forward)
        cut = merged[wanted - 1] if len(merged) >= wanted else None
        reads = {
            i: replace(spec, limit=wanted).starting_after(spec.position_of(read[i][-1]))
            for i, spec in full
            if cut is None or inside(read[i][-1], cut)
        }
    beyond = len(merged) > args.size
    shown = merged[: args.size]
    if args.backward:
        shown.reverse()
    return Page(
        nodes=[convert(item) for item in shown],
        cursors=cursors.lazy(binding, shown, lambda item: {"s": str(item[sort_name])}),
        has_next=behind if args.backward else beyond,
        has_previous=beyond if args.backward else behind,
    )
