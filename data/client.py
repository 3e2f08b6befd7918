"""The async DynamoDB access layer: every call on the event loop, recorded per request.

`Dynamo.call` takes boto3's operation names and parameters in DynamoDB's typed
JSON and sends them through `data.transport` (signed HTTP, no threads). Every
call lands in the current request's call log, and the command line's admin calls
(create-table, seed) go the same way. boto3's own client stays only for tests
that write as another service would, off the loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.config import Config

from config import Settings
from data.calls import consumed_units, current_log
from data.deadline import pause
from data.errors import ConditionFailed, DynamoError, Unavailable
from data.transport import Transport, backoff
from data.wire import Item, from_wire, to_wire

__all__ = ["BATCH_GET_MAX", "BATCH_WRITE_MAX", "Dynamo", "Item", "Key", "backoff",
           "boto_client", "from_wire", "key_tuple", "to_wire"]

Key = dict[str, str]

BATCH_GET_MAX = 100
BATCH_WRITE_MAX = 25
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


def key_tuple(key: Key) -> tuple[str, str]:
    return (key["PK"], key["SK"])


def boto_client(settings: Settings, service: str, **config: Any) -> Any:
    """A boto3 client of `service` ("dynamodb", "dynamodbstreams") for the configured
    endpoint; a local engine with no credentials configured gets placeholder ones.
    Its calls block: run them off the event loop."""
    session = boto3.session.Session()
    local = settings.endpoint is not None and session.get_credentials() is None
    make: Any = session.client  # typed per service name; `service` is any of them
    return make(
        service,
        endpoint_url=settings.endpoint,
        region_name=settings.region,
        aws_access_key_id="local" if local else None,
        aws_secret_access_key="local" if local else None,
        config=Config(retries={"mode": "standard", "max_attempts": 4}, **config),
    )


class Dynamo:
    """The table the gateway serves and the one connection pool it is reached through."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.table = settings.table_name
        self._transport = Transport(settings)
        self._boto: Any = None

    @property
    def client(self) -> Any:
        """boto3's client, for tests that write off the event loop as another service would."""
        if self._boto is None:
            self._boto = boto_client(self.settings, "dynamodb")
        return self._boto

    async def close(self) -> None:
        """Close the connection pool (and boto3's client, if it was used)."""
        await self._transport.close()
        if self._boto is not None:
            self._boto.close()
            self._boto = None

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run one DynamoDB operation (boto3's name, typed-JSON parameters).

        DynamoError when DynamoDB refuses it; Unavailable when throttling, 5xx or
        the network outlast the retries.
        """
        if operation in _CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        log = current_log()
        record = log.start(operation) if log is not None else None
        try:
            response = await self._transport.send(operation, params)
        finally:
            if record is not None:
                record.ended = time.perf_counter()
        if record is not None:
            record.capacity = consumed_units(response.get("ConsumedCapacity"))
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
        if len(chunks) == 1:
            found = await self._batch_get(chunks[0], consistent)
        else:
            found = {}
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
            await pause(backoff(attempt))
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
        except DynamoError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise
            # ReturnValuesOnConditionCheckFailure puts the item as it was here.
            old: Any = exc.body.get("Item")
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
                await pause(backoff(attempt))
            else:
                raise Unavailable("DynamoDB kept leaving items unprocessed")

