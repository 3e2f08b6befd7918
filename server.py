"""The ASGI app (/graphql, /healthz, /readyz) and the `tablegate` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL

import graphiql
from data.accounts import ensure_admin
from data.calls import recording
from data.client import Dynamo
from data.cursors import CursorSigner
from data.errors import InvalidInput
from data.settings import ConfigurationError, Settings, load_settings
from data.table import create_table, describe_table
from resolvers.context import RequestContext, build_context
from schema.build import make_schema

log = logging.getLogger("tablegate")


class GraphQLApp(GraphQL[RequestContext, None]):
    """Strawberry's ASGI app with our per-request context and our self-hosted GraphiQL."""

    def __init__(self, settings: Settings, dynamo: Dynamo) -> None:
        super().__init__(
            make_schema(introspection=settings.introspection),
            graphql_ide=None if settings.production else "graphiql",
        )
        self.settings = settings
        self.dynamo = dynamo
        self.cursors = CursorSigner(settings.secret)

    def encode_json(self, data: object) -> bytes:
        # The response body of every request: orjson is several times faster than json.
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's own page pulls React and GraphiQL from CDNs; ours is served locally.
        return graphiql.page(request)

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        request_id = uuid.uuid4().hex
        if response is not None:
            response.headers["x-request-id"] = request_id
        return await build_context(
            self.settings, self.dynamo, self.cursors, request_id,
            request.headers.get("authorization"), request.headers.get("user-agent"),
        )


class RecordCalls:
    """Opens a DynamoDB call log around each HTTP request (read by `extensions.cost`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with recording():
            await self.app(scope, receive, send)


async def bootstrap_admin(dynamo: Dynamo, email: str, password: str | None) -> None:
    """Make sure BOOTSTRAP_ADMIN_EMAIL is an ADMIN, created with BOOTSTRAP_ADMIN_PASSWORD
    if it has no account yet; every gateway process runs this at startup."""
    try:
        admin = await ensure_admin(dynamo, email, password)
    except InvalidInput as exc:
        variable = "BOOTSTRAP_ADMIN_EMAIL" if exc.field == "email" else "BOOTSTRAP_ADMIN_PASSWORD"
        raise ConfigurationError(f"{variable}: {exc.message}") from exc
    log.info("bootstrap admin ready (user %s)", admin.user_id)


def create_app(settings: Settings | None = None, dynamo: Dynamo | None = None) -> Starlette:
    """The gateway. Pass `dynamo` to share a client (tests); else one is opened at startup."""
    settings = settings or load_settings()
    owned = dynamo is None
    client = dynamo or Dynamo(settings)
    graphql = GraphQLApp(settings, client)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        try:
            table = await describe_table(client)
        except Exception as exc:  # any failure means not ready
            return JSONResponse({"ready": False, "reason": str(exc)}, status_code=503)
        status = (table or {}).get("TableStatus")
        ready = status == "ACTIVE"
        return JSONResponse({"ready": ready, "table": settings.table_name, "status": status},
                            status_code=200 if ready else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            if settings.bootstrap_admin_email:
                await bootstrap_admin(client, settings.bootstrap_admin_email,
                                      settings.bootstrap_admin_password)
            yield
        finally:
            if owned:
                await client.close()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if not settings.production:
        routes += graphiql.routes()
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(RecordCalls)
    return app


# ---------------------------------------------------------------- command line


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
