"""The per-request set of loaders, with typed lookups for the resolvers.

`items` coalesces every GetItem asked for in one wave into BatchGetItem
(100 keys a call, duplicates removed, missing items None). `queries` runs
key-condition Queries: identical specs once, independent ones concurrently.

`watch` puts items in the first wave with a callback that sees them before
any result of the request reaches a resolver: the context resolves the bearer
token that way, in the same round trip as the query's first lookups, and no
resolver can read the viewer before it is known.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from data import keys
from data.accounts import ProfileRecord, SessionRecord, UserRecord
from data.catalog import CategoryRecord, TagRecord
from data.client import Dynamo, Item, Key, key_tuple
from data.comments import CommentRecord
from data.layout import Entity
from data.posts import PostRecord
from data.queries import QuerySpec, run_query
from data.shop import OrderRecord, ProductRecord
from loaders.dispatch import WaveDispatcher, WaveLoader

E = TypeVar("E", bound=Entity)


class LoaderSet:
    """Built fresh for every request: its caches never outlive the request."""

    def __init__(self, dynamo: Dynamo) -> None:
        self.dynamo = dynamo
        # Set for mutations: their responses must show their own writes.
        self.consistent = False
        self.dispatcher = WaveDispatcher()
        self.items: WaveLoader[Key, Item | None] = WaveLoader(
            self.dispatcher, self._get_items, get_cache_key=lambda k: (k["PK"], k["SK"])
        )
        self.queries: WaveLoader[QuerySpec, list[Item]] = WaveLoader(
            self.dispatcher, self._run_queries
        )
        # Set by `watch`: the watched keys, their callback, and the gate that holds
        # every batch's results until the callback has run.
        self._watched: list[tuple[str, str]] = []
        self._settle: Callable[[list[Item | None]], None] | None = None
        self.gate: asyncio.Future[None] | None = None

    def watch(self, batch: Sequence[Key], settle: Callable[[list[Item | None]], None]) -> None:
        """Load `batch` with the first wave; `settle` gets its items (None where missing)
        before any result reaches a resolver. `gate` is done once it has run, and fails
        with the lookup's error if the batch failed."""
        self._watched = [key_tuple(key) for key in batch]
        self._settle = settle
        self.gate = asyncio.get_running_loop().create_future()
        self.gate.add_done_callback(_retrieved)
        for key in batch:
            # Only the batch matters here: the results travel through `settle`.
            self.items.load(key).add_done_callback(_retrieved)

    async def _after_gate(self) -> None:
        if self.gate is not None and not self.gate.done():
            await asyncio.shield(self.gate)

    async def _get_items(self, batch: list[Key]) -> list[Item | None]:
        # The watched keys were queued first: they are in the first wave's batch.
        settle, gate = self._settle, self.gate
        self._settle = None
        try:
            found = await self.dynamo.get_items(batch, self.consistent)
            if settle is not None and gate is not None:
                by_key = {key_tuple(k): item for k, item in zip(batch, found, strict=True)}
                settle([by_key.get(key) for key in self._watched])
                gate.set_result(None)
        except Exception as exc:
            if settle is not None and gate is not None and not gate.done():
                gate.set_exception(exc)
            raise
        await self._after_gate()
        return found

    async def _run_queries(self, specs: list[QuerySpec]) -> list[list[Item]]:
        found = list(
            await asyncio.gather(*(run_query(self.dynamo, s, self.consistent) for s in specs))
        )
        await self._after_gate()
        return found

    def read_your_writes(self) -> None:
        """From now on read strongly consistent (table reads; GSIs cannot), so that a
        mutation's response reflects its own writes."""
        self.consistent = True

    def wrote(self, item: Item | None) -> None:
        """A mutation wrote `item`: the request's cached copy, read before, becomes it."""
        if item is not None:
            key = {"PK": str(item["PK"]), "SK": str(item["SK"])}
            self.items.clear(key).prime(key, item)

    # ------------------------------------------------------------ typed lookups

    async def item(self, key: Key) -> Item | None:
        return await self.items.load(key)

    async def many(self, batch: Sequence[Key]) -> list[Item | None]:
        return list(await self.items.load_many(list(batch)))

    async def query(self, spec: QuerySpec) -> list[Item]:
        return await self.queries.load(spec)

    async def record(self, kind: type[E], key: Key) -> E | None:
        """The record of `kind` at `key`, or None: any entity, through the batch loader."""
        item = await self.item(key)
        return kind.from_item(item) if item else None

    async def user(self, uid: str) -> UserRecord | None:
        item = await self.item(keys.user(uid))
        return UserRecord.from_item(item) if item else None

    async def profile(self, uid: str) -> ProfileRecord | None:
        item = await self.item(keys.profile(uid))
        return ProfileRecord.from_item(item) if item else None

    async def post(self, pid: str) -> PostRecord | None:
        item = await self.item(keys.post(pid))
        return PostRecord.from_item(item) if item else None

    async def comment(
        self, pid: str, cid: str, parent_id: str | None = None
    ) -> CommentRecord | None:
        item = await self.item(keys.comment(pid, cid, parent_id))
        return CommentRecord.from_item(item) if item else None

    async def category(self, cid: str) -> CategoryRecord | None:
        item = await self.item(keys.category(cid))
        return CategoryRecord.from_item(item) if item else None

    async def tag(self, tid: str) -> TagRecord | None:
        item = await self.item(keys.tag(tid))
        return TagRecord.from_item(item) if item else None

    async def tags(self, tids: Sequence[str]) -> list[TagRecord]:
        found = await self.many([keys.tag(t) for t in tids])
        return [TagRecord.from_item(item) for item in found if item]

    async def posts(self, pids: Sequence[str]) -> list[PostRecord | None]:
        found = await self.many([keys.post(p) for p in pids])
        return [PostRecord.from_item(item) if item else None for item in found]

    async def product(self, prid: str) -> ProductRecord | None:
        item = await self.item(keys.product(prid))
        return ProductRecord.from_item(item) if item else None

    async def order(self, uid: str, oid: str) -> OrderRecord | None:
        item = await self.item(keys.order(uid, oid))
        return OrderRecord.from_item(item) if item else None

    async def session(self, token_hash: str) -> SessionRecord | None:
        item = await self.item(keys.session(token_hash))
        return SessionRecord.from_item(item) if item else None

    async def owner_of(self, lock: Key, attribute: str) -> str | None:
        """The owner ID a lock item (email, slug) points to."""
        item = await self.item(lock)
        value: Any = item.get(attribute) if item else None
        return str(value) if value else None

    async def liked(self, pid: str, uid: str) -> bool:
        return await self.item(keys.like(pid, uid)) is not None


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a watched load's failure as seen: the gate carries it to the resolvers."""
    if not future.cancelled():
        future.exception()
