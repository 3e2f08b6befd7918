"""The benchmark's world: an engine, a fresh table, the demo data, and the app over them."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx

from bench.client import Gateway
from data import keys
from data.client import Dynamo
from data.engine import LocalDynamo
from data.records import ProductRecord
from data.seed import seed
from data.settings import load_settings
from data.table import create_table, delete_table
from server import create_app

# Stock of the products the bench orders: enough that place_order never runs out.
BENCH_STOCK = 1_000_000


@dataclass
class World:
    gateway: Gateway
    dynamo: Dynamo
    summary: dict[str, Any]


@asynccontextmanager
async def world(scale: int) -> AsyncIterator[World]:
    """An engine (DYNAMODB_ENDPOINT or DynamoDB Local), a seeded table of its own, the app."""
    async with AsyncExitStack() as stack:
        endpoint = os.environ.get("DYNAMODB_ENDPOINT") or None
        if endpoint is None:
            engine = LocalDynamo().start()
            stack.callback(engine.stop)
            endpoint = engine.endpoint
        settings = replace(
            load_settings(), endpoint=endpoint, table_name=f"tablegate-bench-{uuid.uuid4().hex[:8]}"
        )
        dynamo = Dynamo(settings)
        stack.callback(dynamo.close)
        await create_table(dynamo)
        stack.push_async_callback(delete_table, dynamo)
        started = time.perf_counter()
        summary = await seed(dynamo, scale)
        counts = ", ".join(f"{n} {kind}" for kind, n in summary["counts"].items())
        print(f"engine {endpoint}, table {settings.table_name}")
        print(f"seeded scale {scale} in {time.perf_counter() - started:.1f}s: {counts}", flush=True)
        await stock_up(dynamo, [p["productId"] for p in summary["products"] if p["active"]])
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(settings, dynamo)),
                base_url="http://tablegate.bench",
                timeout=60,
            )
        )
        yield World(Gateway(http), dynamo, summary)


async def stock_up(dynamo: Dynamo, product_ids: list[str]) -> None:
    """Give the bench's own products a stock that concurrent orders cannot exhaust."""
    found = await dynamo.get_items([keys.product(pid) for pid in product_ids])
    records = [ProductRecord.from_item(item) for item in found if item]
    await dynamo.batch_write([replace(r, stock=BENCH_STOCK).to_item() for r in records])
