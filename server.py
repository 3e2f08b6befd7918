"""The ASGI app (/graphql, /healthz, /readyz) and the `tablegate` command line."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
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
from data.table import describe_table
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
