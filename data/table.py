"""The table's definition and an idempotent create: keys, GSI1-3, TTL, stream.

`table_definition` and `TTL_ATTRIBUTE` are the one description of the table:
`create_table` makes it from them, and data/table_template.py renders them as
CloudFormation and Terraform.
"""

from __future__ import annotations

import asyncio
from typing import Any

from data.client import Dynamo
from data.errors import DynamoError

INDEXES = ("GSI1", "GSI2", "GSI3")
# The attribute holding the epoch second at which an item expires (sessions, claims,
# idempotency records, the stream lease).
TTL_ATTRIBUTE = "ttl"


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable parameters: on-demand, three ALL-projection GSIs, NEW_AND_OLD stream."""
    attributes = ["PK", "SK"] + [f"{index}{part}" for index in INDEXES for part in ("PK", "SK")]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": f"{index}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{index}SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in INDEXES
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


async def describe_table(dynamo: Dynamo) -> dict[str, Any] | None:
    """The table's description, or None when it does not exist."""
    try:
        response = await dynamo.call("describe_table", TableName=dynamo.table)
    except DynamoError as exc:
        if exc.code == "ResourceNotFoundException":
            return None
        raise
    table: dict[str, Any] = response["Table"]
    return table


async def create_table(dynamo: Dynamo, timeout: float = 60.0) -> bool:
    """Create the table if missing, wait until ACTIVE, enable TTL and point-in-time
    recovery. True if it was created."""
    created = False
    if await describe_table(dynamo) is None:
        try:
            await dynamo.call("create_table", **table_definition(dynamo.table))
            created = True
        except DynamoError as exc:
            # Another process created it between our describe and create.
            if exc.code != "ResourceInUseException":
                raise
    await _wait_active(dynamo, timeout)
    ttl = await dynamo.call("describe_time_to_live", TableName=dynamo.table)
    if ttl.get("TimeToLiveDescription", {}).get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        await dynamo.call(
            "update_time_to_live",
            TableName=dynamo.table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    await _recover_to_any_point(dynamo)
    return created


async def _recover_to_any_point(dynamo: Dynamo) -> None:
    """Point-in-time recovery on, as the templates have it (idempotent)."""
    try:
        await dynamo.call(
            "update_continuous_backups",
            TableName=dynamo.table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    except DynamoError as exc:
        # DynamoDB Local keeps no backups and does not know the operation.
        if exc.code != "UnknownOperationException":
            raise


async def _wait_active(dynamo: Dynamo, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        table = await describe_table(dynamo)
        indexes = (table or {}).get("GlobalSecondaryIndexes", [])
        if (
            table
            and table.get("TableStatus") == "ACTIVE"
            and all(index.get("IndexStatus", "ACTIVE") == "ACTIVE" for index in indexes)
        ):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"table {dynamo.table} did not become ACTIVE in {timeout}s")
        await asyncio.sleep(0.2)


async def delete_table(dynamo: Dynamo) -> None:
    """Drop the table if it exists (tests start from a clean table)."""
    try:
        await dynamo.call("delete_table", TableName=dynamo.table)
    except DynamoError as exc:
        if exc.code != "ResourceNotFoundException":
            raise
