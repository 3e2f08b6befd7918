"""The async DynamoDB access layer: boto3's client driven from a thread pool.

boto3 is synchronous, so every call runs in a dedicated pool sized to the
gateway's concurrency (and botocore's connection pool to match); the event loop
only awaits. Every call is recorded in the current request's call log.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from data.calls import current_log
from data.errors import ConditionFailed, Unavailable
from data.settings import Settings

Item = dict[str, Any]
Key = dict[str, str]

BATCH_GET_MAX = 100
BATCH_WRITE_MAX = 25
_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}
_CAPACITY_OPERATIONS = {
    "get_item",
    "batch_get_item",
    "query",
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "transact_get_items",
}

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_wire(item: Item) -> dict[str, Any]:
    """Plain Python values to DynamoDB's typed JSON."""
    return {name: _serializer.serialize(value) for name, value in item.items()}


def from_wire(item: dict[str, Any]) -> Item:
    """DynamoDB's typed JSON to plain Python values (numbers become Decimal)."""
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def key_tuple(key: Key) -> tuple[str, str]:
    return (key["PK"], key["SK"])


class Dynamo:
    """One DynamoDB client, its thread pool, and the table it serves."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.table = settings.table_name
        session = boto3.session.Session()
        local = settings.endpoint is not None and session.get_credentials() is None
        # DynamoDB Local accepts any credentials; a bare machine has none.
        self._client = session.client(
            "dynamodb",
            endpoint_url=settings.endpoint,
            region_name=settings.region,
            aws_access_key_id="local" if local else None,
            aws_secret_access_key="local" if local else None,
            config=Config(
                max_pool_connections=settings.max_concurrency,
                retries={"mode": "standard", "max_attempts": 4},
                connect_timeout=3,
                read_timeout=10,
            ),
        )
        self._pool = ThreadPoolExecutor(
            max_workers=settings.max_concurrency, thread_name_prefix="dynamodb"
        )

    @property
    def client(self) -> Any:
        """The boto3 client, for code that runs off the event loop (seeding, tests)."""
        return self._client

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run one DynamoDB operation in the pool; throttling past retries -> Unavailable."""
        if operation in _CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        log = current_log()
        record = log.start(operation) if log is not None else None
        loop = asyncio.get_running_loop()
        try:
            response: dict[str, Any] = await loop.run_in_executor(
                self._pool, partial(getattr(self._client, operation), **params)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _THROTTLED:
                raise Unavailable(f"DynamoDB {operation} throttled") from exc
            raise
        except BotoCoreError as exc:
            raise Unavailable(f"DynamoDB {operation} failed: {exc}") from exc
        finally:
            if record is not None:
                record.ended = time.perf_counter()
        if record is not None:
            record.capacity = _capacity(response.get("ConsumedCapacity"))
        return response

    # ------------------------------------------------------------ reads

    async def get_items(self, keys: Sequence[Key], consistent: bool = False) -> list[Item | None]:
        """BatchGetItem for `keys` (any number), in their order; None where missing."""
        unique: dict[tuple[str, str], Key] = {}
        for key in keys:
            unique.setdefault(key_tuple(key), key)
        chunks = [
            list(unique.values())[i : i + BATCH_GET_MAX]
            for i in range(0, len(unique), BATCH_GET_MAX)
        ]
        found: dict[tuple[str, str], Item] = {}
        for result in await asyncio.gather(
            *(self._batch_get(chunk, consistent) for chunk in chunks)
        ):
            found.update(result)
        return [found.get(key_tuple(key)) for key in keys]

    async def _batch_get(self, chunk: list[Key], consistent: bool) -> dict[tuple[str, str], Item]:
        found: dict[tuple[str, str], Item] = {}
        request: dict[str, Any] = {
            self.table: {"Keys": [to_wire(k) for k in chunk], "ConsistentRead": consistent}
        }
        for attempt in range(8):
            response = await self.call("batch_get_item", RequestItems=request)
            for raw in response.get("Responses", {}).get(self.table, []):
                item = from_wire(raw)
                found[(item["PK"], item["SK"])] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            await asyncio.sleep(backoff(attempt))
        raise Unavailable("DynamoDB kept leaving keys unprocessed")

    async def get_item(self, key: Key, consistent: bool = False) -> Item | None:
        response = await self.call(
            "get_item", TableName=self.table, Key=to_wire(key), ConsistentRead=consistent
        )
        raw = response.get("Item")
        return from_wire(raw) if raw else None

    # ------------------------------------------------------------ writes

    async def update_item(
        self,
        key: Key,
        expression: str,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        returns: str = "ALL_NEW",
    ) -> Item:
        """UpdateItem; the attributes `returns` asks for, or ConditionFailed with the old item."""
        params: dict[str, Any] = {
            "TableName": self.table, "Key": to_wire(key), "UpdateExpression": expression,
            "ReturnValues": returns, "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if condition:
            params["ConditionExpression"] = condition
        if names:
            params["ExpressionAttributeNames"] = names
        if values:
            params["ExpressionAttributeValues"] = to_wire(values)
        try:
            response = await self.call("update_item", **params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # ReturnValuesOnConditionCheckFailure puts the item as it was here.
            old: Any = exc.response.get("Item")
            raise ConditionFailed(from_wire(old) if old else None) from exc
        return from_wire(response.get("Attributes") or {})

    async def batch_write(self, items: Sequence[Item]) -> None:
        """Put `items` with BatchWriteItem, 25 a call, UnprocessedItems retried."""
        for start in range(0, len(items), BATCH_WRITE_MAX):
            request: dict[str, Any] = {
                self.table: [
                    {"PutRequest": {"Item": to_wire(item)}}
                    for item in items[start : start + BATCH_WRITE_MAX]
                ]
            }
            for attempt in range(8):
                response = await self.call("batch_write_item", RequestItems=request)
                request = response.get("UnprocessedItems") or {}
                if not request:
                    break
                await asyncio.sleep(backoff(attempt))
            else:
                raise Unavailable("DynamoDB kept leaving items unprocessed")


def backoff(attempt: int) -> float:
    """Full-jitter exponential backoff, capped at about a second."""
    return random.uniform(0, min(1.0, 0.025 * 2**attempt))


def _capacity(consumed: Any) -> float:
    if isinstance(consumed, list):
        return sum(float(entry.get("CapacityUnits", 0)) for entry in consumed)
    if isinstance(consumed, dict):
        return float(consumed.get("CapacityUnits", 0))
    return 0.0
