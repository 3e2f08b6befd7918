"""The `tablegate` command line: serve, dev, create-table, seed, export-schema, installs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

import uvicorn

import graphiql
from data.client import Dynamo
from data.settings import Settings, load_settings
from data.table import create_table
from schema.build import make_schema
from server import create_app


def default_workers(settings: Settings) -> int:
    """Worker processes when `--workers` is not given: every core in production, one in
    development (where a single process keeps logs and the debugger simple)."""
    return (os.cpu_count() or 1) if settings.production else 1


def _serve(settings: Settings, workers: int) -> None:
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level="info")
        return
    # Each worker builds its app from the environment: hand it what this process
    # settled, and one cursor secret, so a cursor from one worker is valid in all.
    os.environ["TABLEGATE_SECRET"] = settings.secret.decode()
    if settings.endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = settings.endpoint
    uvicorn.run("server:create_app", factory=True, workers=workers, host=settings.host,
                port=settings.port, log_level="info")


def _create_table(settings: Settings) -> None:
    async def run() -> bool:
        dynamo = Dynamo(settings)
        try:
            return await create_table(dynamo)
        finally:
            await dynamo.close()

    created = asyncio.run(run())
    print(f"table {settings.table_name} {'created' if created else 'already exists'}")


def _seed(settings: Settings, scale: int) -> dict[str, Any]:
    from data.seed import seed

    async def run() -> dict[str, Any]:
        dynamo = Dynamo(settings)
        try:
            await create_table(dynamo)
            return await seed(dynamo, scale)
        finally:
            await dynamo.close()

    return asyncio.run(run())


def _print_seed(summary: dict[str, Any]) -> None:
    counts = ", ".join(f"{v} {k}" for k, v in summary.get("counts", {}).items())
    print(f"seeded: {counts}")
    for line in summary.get("logins", []):
        print(f"  {line}")


def _dev(settings: Settings, scale: int, data_dir: Path, workers: int) -> None:
    """Engine (unless DYNAMODB_ENDPOINT is set), table, demo data, then serve."""
    from dataclasses import replace

    from data.engine import LocalDynamo

    try:
        graphiql.install()
    except graphiql.AssetsError as exc:
        # The API works without the IDE; the page itself repeats how to install it.
        print(f"GraphiQL unavailable: {exc}", file=sys.stderr)
    engine = None
    if settings.endpoint is None:
        engine = LocalDynamo(data_dir=data_dir).start()
        settings = replace(settings, endpoint=engine.endpoint)
        print(f"DynamoDB Local on {engine.endpoint} (data in {data_dir})")
    try:
        _print_seed(_seed(settings, scale))
        print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql")
        _serve(settings, workers)
    finally:
        if engine is not None:
            engine.stop()


def _export_schema() -> None:
    print(make_schema().as_str())


def main(argv: list[str] | None = None) -> None:
    """`tablegate serve | dev | create-table | seed --scale N | export-schema | install-engine
    | install-assets`."""
    parser = argparse.ArgumentParser(prog="tablegate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve against the configured endpoint (AWS when unset)"
    )
    dev = commands.add_parser("dev", help="embedded DynamoDB Local, demo data, GraphiQL")
    for command in (serve, dev):
        command.add_argument(
            "--workers", type=int, default=None,
            help="worker processes (default: the cores in production, 1 in development)",
        )
    dev.add_argument("--scale", type=int, default=1)
    dev.add_argument("--data-dir", type=Path, default=Path(".dev-data"))
    commands.add_parser("create-table", help="create the table, indexes, TTL and stream")
    seed = commands.add_parser("seed", help="write the deterministic demo data set")
    seed.add_argument("--scale", type=int, default=1)
    commands.add_parser("export-schema", help="print the SDL the gateway serves")
    commands.add_parser("install-engine", help="download and verify DynamoDB Local")
    commands.add_parser("install-assets", help="download and verify GraphiQL's browser files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "export-schema":
        _export_schema()
        return
    if args.command == "install-engine":
        from data.engine import install

        print(install())
        return
    if args.command == "install-assets":
        print(graphiql.install())
        return
    settings = load_settings()
    workers = getattr(args, "workers", None)
    workers = default_workers(settings) if workers is None else workers
    if workers < 1:
        parser.error("--workers must be at least 1")
    if args.command == "serve":
        _serve(settings, workers)
    elif args.command == "dev":
        _dev(settings, args.scale, args.data_dir, workers)
    elif args.command == "create-table":
        _create_table(settings)
    elif args.command == "seed":
        if args.scale < 1:
            parser.error("--scale must be at least 1")
        _print_seed(_seed(settings, args.scale))


if __name__ == "__main__":
    main(sys.argv[1:])
