"""The ASGI app: /graphql, /healthz, /readyz, /metrics (and, in development, the IDE it
is given).

The runtime never imports the development tools (dev/): whoever builds the app (the
command line, the tests) passes GraphiQL in as `ide`.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Scope

from config import (
    ConfigurationError,
    HttpSettings,
    LimitSettings,
    LiveSettings,
    ObservabilitySettings,
    Settings,
    load_http_settings,
    load_limit_settings,
    load_live_settings,
    load_observability_settings,
    load_settings,
)
from data.accounts import ensure_admin
from data.client import Dynamo
from data.cursors import CursorSigner
from data.errors import InvalidInput
from data.rate_counters import Counters, DynamoCounters, RedisCounters
from data.table import describe_table
from live import Hub
from resolvers.context import (
    RequestContext,
    build_context,
    connection_context,
    viewer_of,
)
from resolvers.limits import Attempts
from schema.build import make_schema
from web import (
    AccessLog,
    Cors,
    Deadline,
    Documents,
    GraphQLEndpoint,
    LastResort,
    LiveConnection,
    LiveEndpoint,
    QueryStore,
    RequestBudget,
    Shedding,
    TrustedDocuments,
    address_of,
    failures,
)
from web.metrics import MetricsEndpoint, MetricsPort, RequestMetrics, worker_started, worker_stopped
from web.request_state import request_state
from web.tracing import Tracing

log = logging.getLogger("tablegate")


class Ide(Protocol):
    """A browser IDE for /graphql, such as the module dev.graphiql."""

    def page(self, request: Request) -> Response:
        """What a browser opening /graphql gets."""

    def routes(self) -> list[BaseRoute]:
        """The routes of the files the page loads."""


async def bootstrap_admin(dynamo: Dynamo, email: str, password: str | None) -> None:
    """Make sure BOOTSTRAP_ADMIN_EMAIL is an ADMIN, created with BOOTSTRAP_ADMIN_PASSWORD
    if it has no account yet; every gateway process runs this at startup."""
    try:
        admin = await ensure_admin(dynamo, email, password)
    except InvalidInput as exc:
        variable = "BOOTSTRAP_ADMIN_EMAIL" if exc.field == "email" else "BOOTSTRAP_ADMIN_PASSWORD"
        raise ConfigurationError(f"{variable}: {exc.message}") from exc
    log.info("bootstrap admin ready (user %s)", admin.user_id)


def create_app(settings: Settings | None = None, dynamo: Dynamo | None = None,
               http: HttpSettings | None = None, ide: Ide | None = None,
               live: LiveSettings | None = None,
               limits: LimitSettings | None = None,
               observability: ObservabilitySettings | None = None) -> Starlette:
    """The gateway. Pass `dynamo` to share a client (tests); else one is opened at startup.

    `ide` is served in development only: production never serves an IDE, whoever asks.
    """
    settings = settings or load_settings()
    if settings.production:
        ide = None
    http = http or load_http_settings(settings.production)
    live = live or load_live_settings()
    limits = limits or load_limit_settings()
    observability = observability or load_observability_settings(settings.production)
    owned = dynamo is None
    client = dynamo or Dynamo(settings)
    cursors = CursorSigner(settings.secret)
    trusted = TrustedDocuments.load(http.trusted_documents) if http.trusted_documents else None

    counters = rate_counters(settings, live, client) if limits.enabled else None
    attempts = None if counters is None else Attempts(limits, counters)

    async def make_context(request_id: str, headers: Mapping[str, str],
                           scope: Scope) -> RequestContext:
        address = None if attempts is None else address_of(scope, limits.trusted_proxies)
        return await build_context(settings, client, cursors, request_id,
                                   headers.get("authorization"), headers.get("user-agent"),
                                   headers.get("idempotency-key"), address, attempts)

    def operation_context(connection: LiveConnection, request_id: str) -> RequestContext:
        return connection_context(settings, client, cursors, request_id, connection,
                                  connection.viewer, connection.headers.get("user-agent"))

    async def identify(authorization: str) -> object:
        return await viewer_of(client, authorization)

    schema = make_schema(introspection=settings.introspection, max_cost=settings.max_cost,
                         suggestions=settings.introspection)
    hub = Hub(settings, live, client)
    graphql = GraphQLEndpoint(
        schema,
        http,
        Documents(QueryStore(http.apq_cache_bytes), trusted),
        make_context,
        ide=None if ide is None else ide.page,
    )

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        # A fixed reason: what DynamoDB said (endpoints, exception text) is for the log.
        try:
            table = await describe_table(client)
        except Exception as exc:  # any failure means not ready
            log.warning("not ready: DynamoDB unavailable: %s", exc)
            return JSONResponse({"ready": False, "reason": "dynamodb unavailable"},
                                status_code=503)
        if table is None:
            log.warning("not ready: table %s does not exist", settings.table_name)
            return JSONResponse({"ready": False, "reason": "table missing",
                                 "table": settings.table_name}, status_code=503)
        status = table.get("TableStatus")
        ready = status == "ACTIVE"
        return JSONResponse({"ready": ready, "table": settings.table_name, "status": status,
                             "stream": hub.status},
                            status_code=200 if ready else 503)

    graphql_route: ASGIApp = Shedding(Deadline(graphql, http.request_deadline),
                                      http.max_inflight)
    budget = None
    if counters is not None:
        graphql_route = budget = RequestBudget(graphql_route, limits.request_budget, counters,
                                               limits.trusted_proxies)
    tracing = Tracing.start(observability)
    metrics_port = None if observability.metrics_port is None else MetricsPort(observability)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        worker_started(observability)
        try:
            if metrics_port is not None:
                await metrics_port.start()
            if settings.bootstrap_admin_email:
                await bootstrap_admin(client, settings.bootstrap_admin_email,
                                      settings.bootstrap_admin_password)
            await hub.start()
            if budget is not None:
                await budget.start()
            # What startup made (modules, the schema, clients) lives as long as the
            # process: frozen, full collections stop walking it on every pass (about
            # a sixth of a big query's CPU).
            gc.collect()
            gc.freeze()
            yield
        finally:
            if budget is not None:
                await budget.stop()
            if counters is not None:
                await counters.close()
            await hub.stop()
            if metrics_port is not None:
                await metrics_port.stop()
            if tracing is not None:
                await tracing.stop()
            if owned:
                await client.close()
            worker_stopped(observability)

    routes: list[BaseRoute] = [
        Route("/graphql", graphql_route),
        WebSocketRoute("/graphql", LiveEndpoint(schema, hub, http, live, identify,
                                                operation_context)),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if observability.metrics_on_main_port:
        routes.append(Route("/metrics", MetricsEndpoint(observability), methods=["GET"]))
    if ide is not None:
        routes += ide.routes()
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(Cors, settings=http),
            Middleware(AccessLog, as_json=settings.production,
                       metrics=RequestMetrics(observability.metrics_max_operations),
                       tracing=tracing),
            Middleware(LastResort),
        ],
        # Exception: only a bug in the two middlewares above LastResort gets there.
        exception_handlers={HTTPException: http_error, Exception: internal_error},
    )


def rate_counters(settings: Settings, live: LiveSettings, dynamo: Dynamo) -> Counters:
    """The rate limits' shared counters: in Redis when there is one (the broadcast's),
    else in the table."""
    if live.broadcast_url is not None:
        return RedisCounters(live.broadcast_url, settings.table_name, settings.secret)
    return DynamoCounters(dynamo, settings.secret)


async def internal_error(request: Request, exc: Exception) -> Response:
    """Starlette's answer to an exception out of the middlewares: JSON, as LastResort's."""
    return failures.internal_error(request.scope, request_state(request.scope).request_id)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (an unknown path, say) as JSON with a code."""
    assert isinstance(exc, HTTPException)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "BAD_REQUEST")
    return JSONResponse({"errors": [{"message": exc.detail, "extensions": {"code": code}}]},
                        status_code=exc.status_code, headers=exc.headers)
