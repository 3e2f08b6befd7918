"""The bench's table, made by the code of the tree under test, in a process of its own.

The bench runs this file's text with `python -c` in the source tree (cwd and PYTHONPATH),
so `data` is that tree's package even when the bench itself comes from elsewhere, and the
bench process never imports the gateway. Configuration comes from the environment the
gateway reads too (DYNAMODB_ENDPOINT, DYNAMODB_TABLE_NAME, AWS_REGION, ...).

  seed SCALE   create the table, write the demo data, raise the stock of every active
               product, print the seed's summary as JSON on stdout
  drop         delete the table
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from typing import Any

# Stock of the products the bench orders: enough that place_order never runs out.
BENCH_STOCK = 1_000_000


async def _close(dynamo: Any) -> None:
    # Dynamo.close is becoming a coroutine; support both shapes.
    result = dynamo.close()
    if inspect.isawaitable(result):
        await result


def _settings() -> Any:
    """The tree's settings, from the environment, wherever that tree keeps them."""
    try:
        from config import load_settings
    except ImportError:  # a tree from before config/ (--compare)
        from data.settings import load_settings
    return load_settings()


def _boto3_client(settings: Any) -> Any:
    """A plain boto3 client: the bench's own writes do not depend on data/client.py's API."""
    import boto3

    session = boto3.session.Session()
    # DynamoDB Local accepts any credentials; a bare machine has none.
    local = session.get_credentials() is None
    return session.client(
        "dynamodb",
        endpoint_url=settings.endpoint,
        region_name=settings.region,
        aws_access_key_id="local" if local else None,
        aws_secret_access_key="local" if local else None,
    )


def _stock_up(settings: Any, product_ids: list[str]) -> None:
    """Give the active products a stock that concurrent orders cannot exhaust."""
    from data import keys

    client = _boto3_client(settings)
    for product_id in product_ids:
        key = {name: {"S": value} for name, value in keys.product(product_id).items()}
        client.update_item(
            TableName=settings.table_name,
            Key=key,
            UpdateExpression="SET #stock = :stock",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#stock": "stock"},
            ExpressionAttributeValues={":stock": {"N": str(BENCH_STOCK)}},
        )


async def seed(scale: int) -> dict[str, Any]:
    """Create the table and write the demo data set; return the seed's summary."""
    from data.client import Dynamo
    from data.table import create_table

    try:
        from dev.seed import seed as write_demo
    except ImportError:  # a tree from before dev/ (--compare)
        from data.seed import seed as write_demo

    settings = _settings()
    dynamo = Dynamo(settings)
    try:
        await create_table(dynamo)
        summary: dict[str, Any] = await write_demo(dynamo, scale)
    finally:
        await _close(dynamo)
    _stock_up(settings, [p["productId"] for p in summary["products"] if p["active"]])
    return summary


def drop() -> None:
    """Delete the table (when the engine outlives the bench)."""
    settings = _settings()
    _boto3_client(settings).delete_table(TableName=settings.table_name)


def main(argv: list[str]) -> None:
    """`seed SCALE` or `drop`."""
    if argv[:1] == ["seed"] and len(argv) == 2:
        summary = asyncio.run(seed(int(argv[1])))
        # default=str: Decimal and datetime values, should a summary ever hold them.
        print(json.dumps(summary, default=str))
    elif argv == ["drop"]:
        drop()
    else:
        sys.exit(f"usage: seeding.py seed SCALE | drop (got {argv})")


if __name__ == "__main__":
    main(sys.argv[1:])
