"""The table's change stream, read with boto3's dynamodbstreams client off the event loop.

One reader per stream: DynamoDB Streams throttles a shard read by more than two
readers, so a process reads it only when it is the one that should (see live/).
The reader keeps an iterator per open shard, starting at LATEST (or after a
checkpoint another reader left), and asks each shard again at once when it
answered with records, else after `poll_seconds`. A shard that closes hands
over to its children, read from their start; an expired iterator is renewed
after the last record delivered. Throttling and an unreachable engine are
retried with backoff and logged once, never raised: `run` ends only when it is
cancelled.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from config import Settings
from data.changes import Change
from data.client import backoff, boto_client

log = logging.getLogger("tablegate.stream")

Deliver = Callable[[list[Change]], Awaitable[None]]
T = TypeVar("T")

# New shards appear without any reader's record closing a parent (a stream turned
# on again, a split): the shard list is looked at again this often.
REDISCOVER_SECONDS = 10.0
RECORDS_PER_CALL = 1000


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    last: str | None  # the sequence number of the last record delivered


@dataclass(frozen=True)
class _Batch:
    changes: list[Change]
    last: str | None
    next_iterator: str | None


class StreamReader:
    """Reads the configured table's stream and hands each batch of changes to `deliver`.

    `checkpoints` (shard ID → sequence number) resumes where another reader stopped;
    `checkpoints` on the reader says where this one is. `ready` is set once every
    open shard has an iterator: a write that succeeds after that is delivered.
    """

    def __init__(self, settings: Settings, deliver: Deliver, poll_seconds: float = 0.2,
                 checkpoints: Mapping[str, str] | None = None) -> None:
        self._table = settings.table_name
        self._deliver = deliver
        self._poll = poll_seconds
        self._resume = dict(checkpoints or {})
        self._tables = boto_client(settings, "dynamodb", connect_timeout=2, read_timeout=10)
        self._streams = boto_client(settings, "dynamodbstreams", connect_timeout=2,
                                    read_timeout=10)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tablegate-stream")
        self._arn: str | None = None
        self._shards: dict[str, _Shard] = {}
        self._finished: set[str] = set()
        self._discovered = 0.0
        self._trouble: str | None = None
        self.ready = asyncio.Event()

    @property
    def checkpoints(self) -> dict[str, str]:
        """Where each shard was read up to: resume another reader here."""
        return {s.shard_id: s.last for s in self._shards.values() if s.last is not None}

    async def run(self) -> None:
        """Read until cancelled."""
        attempt = 0
        try:
            while True:
                try:
                    if self._arn is None or self._due():
                        await self._discover()
                    read = await self._poll_shards()
                    self._recovered()
                    attempt = 0
                except (BotoCoreError, ClientError, StreamMissing) as exc:
                    self._failed(exc)
                    attempt += 1
                    await asyncio.sleep(backoff(attempt, cap=5.0))
                    continue
                if not read:
                    await asyncio.sleep(self._poll)
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._tables.close()
            self._streams.close()

    def _due(self) -> bool:
        return time.monotonic() - self._discovered > REDISCOVER_SECONDS

    async def _discover(self) -> None:
        table = (await self._blocking(self._tables.describe_table, TableName=self._table))["Table"]
        arn = table.get("LatestStreamArn")
        if not arn or not table.get("StreamSpecification", {}).get("StreamEnabled"):
            raise StreamMissing(f"table {self._table} has no stream: create it with "
                                "`tablegate create-table`, which turns one on")
        first = self._arn is None
        if arn != self._arn and not first:
            # The table was made again: everything on its new stream is new.
            self._shards.clear()
            self._finished.clear()
        self._arn = arn
        for shard in await self._blocking(self._describe_shards, arn):
            shard_id = shard["ShardId"]
            if shard_id in self._shards or shard_id in self._finished:
                continue
            if shard.get("ParentShardId") in self._shards:
                continue  # a parent is read to its end before its children
            closed = "EndingSequenceNumber" in shard["SequenceNumberRange"]
            resume = self._resume.pop(shard_id, None)
            if resume is not None:
                position: dict[str, str] = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                                            "SequenceNumber": resume}
            elif first and closed:
                self._finished.add(shard_id)  # history from before this reader
                continue
            else:
                position = {"ShardIteratorType": "LATEST" if first else "TRIM_HORIZON"}
            iterator = await self._iterator(shard_id, position)
            self._shards[shard_id] = _Shard(shard_id, iterator, resume)
        self._discovered = time.monotonic()
        self.ready.set()

    def _describe_shards(self, arn: str) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        params: dict[str, Any] = {"StreamArn": arn}
        while True:
            description = self._streams.describe_stream(**params)["StreamDescription"]
            shards += description.get("Shards", [])
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            params["ExclusiveStartShardId"] = last

    async def _iterator(self, shard_id: str, position: dict[str, str]) -> str | None:
        response = await self._blocking(self._streams.get_shard_iterator, StreamArn=self._arn,
                                        ShardId=shard_id, **position)
        iterator: str | None = response.get("ShardIterator")
        return iterator

    async def _poll_shards(self) -> int:
        counts = await asyncio.gather(*(self._read(s) for s in list(self._shards.values())))
        return sum(counts)

    async def _read(self, shard: _Shard) -> int:
        if shard.iterator is None:
            self._finish(shard)
            return 0
        try:
            batch = await self._blocking(self._get_records, shard.iterator)
        except ClientError as exc:
            code = _code(exc)
            if code not in ("ExpiredIteratorException", "TrimmedDataAccessException",
                            "ResourceNotFoundException"):
                raise
            await self._renew(shard, code)
            return 0
        if batch.changes:
            await self._deliver(batch.changes)
            shard.last = batch.last
        shard.iterator = batch.next_iterator
        if shard.iterator is None:
            self._finish(shard)
        return len(batch.changes)

    async def _renew(self, shard: _Shard, code: str) -> None:
        if code == "TrimmedDataAccessException":
            position = {"ShardIteratorType": "TRIM_HORIZON"}  # what we had is gone: go on
        elif shard.last is not None:
            position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                        "SequenceNumber": shard.last}
        else:
            position = {"ShardIteratorType": "LATEST"}
        try:
            shard.iterator = await self._iterator(shard.shard_id, position)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            # The stream itself is gone (the table was deleted): start over on its next one.
            self._arn = None
            self._shards.clear()
            self._finished.clear()

    def _finish(self, shard: _Shard) -> None:
        self._shards.pop(shard.shard_id, None)
        self._finished.add(shard.shard_id)
        self._discovered = 0.0  # its children are due now

    def _get_records(self, iterator: str) -> _Batch:
        # In the reader's thread: the call, and turning its records into changes.
        response = self._streams.get_records(ShardIterator=iterator, Limit=RECORDS_PER_CALL)
        records = response.get("Records", [])
        return _Batch(
            [_change(record) for record in records],
            records[-1]["dynamodb"]["SequenceNumber"] if records else None,
            response.get("NextShardIterator"),
        )

    async def _blocking(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(call, *args, **kwargs))

    def _failed(self, exc: Exception) -> None:
        what = _describe(exc)
        if self._trouble is None:
            log.warning("stream reader: %s; retrying with backoff", what)
        self._trouble = what

    def _recovered(self) -> None:
        if self._trouble is not None:
            log.warning("stream reader: reading again after: %s", self._trouble)
            self._trouble = None


class StreamMissing(Exception):
    """The table is missing or has no stream."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def _change(record: dict[str, Any]) -> Change:
    images = record.get("dynamodb", {})
    return Change(
        record["eventID"],
        record["eventName"],
        _typed_json(images["NewImage"]) if "NewImage" in images else None,
        _typed_json(images["OldImage"]) if "OldImage" in images else None,
    )


def _typed_json(image: dict[str, Any]) -> dict[str, Any]:
    """boto3's image as the HTTP API's typed JSON: binary back to base64 text."""
    return {name: _typed_value(value) for name, value in image.items()}


def _typed_value(value: dict[str, Any]) -> dict[str, Any]:
    tag, raw = next(iter(value.items()))
    if tag == "B":
        return {"B": base64.b64encode(raw).decode()}
    if tag == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in raw]}
    if tag == "M":
        return {"M": _typed_json(raw)}
    if tag == "L":
        return {"L": [_typed_value(v) for v in raw]}
    return value
