"""GraphQL over WebSocket on /graphql: graphql-transport-ws, and the legacy graphql-ws.

Strawberry speaks both protocols; this module gives it what the gateway adds:
- the viewer, from `connection_init`'s payload (`{"Authorization": "Bearer …"}`,
  the key in any case) or else the upgrade request's Authorization header; a
  token that names no live session is refused rather than served anonymously,
  so a client never mistakes a dead token for a signed-in socket (close 4403
  saying why; the legacy protocol's `connection_error`, then close 1011);
- a context of its own for every operation (fresh loaders, the connection's
  current viewer), where Strawberry would share one across the connection;
- the session looked up again for every operation, as for every HTTP request:
  one signed out, revoked or expired since makes the operation anonymous;
- a cap on open operations per connection, refused with a coded error;
- the close of a connection whose subscriber fell behind (code 4008): the
  client reconnects and catches up with a query;
- the origins CORS allows, for browsers on other origins.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator, Callable
from datetime import timedelta
from typing import Any

from graphql import GraphQLError
from starlette.datastructures import Headers
from starlette.websockets import WebSocket, WebSocketState
from strawberry import Schema
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from config import HttpSettings, LiveSettings
from data.accounts import SessionRecord, UserRecord
from data.errors import Unavailable
from live import Hub
from web.cors import allows_origin
from web.metrics import RATE_LIMITED, SUBSCRIPTIONS

log = logging.getLogger("tablegate.live")

NO_PAYLOAD: UnsetType = UNSET  # connection_ack without a payload
REFUSED = 4403  # graphql-transport-ws: connection_init was refused
TOO_SLOW = 4008  # a subscriber let more changes wait than TABLEGATE_SUBSCRIBER_QUEUE
TRY_AGAIN = 1013  # the viewer could not be looked up: DynamoDB is unavailable
UNAUTHENTICATED = "Forbidden: the token names no live session; sign in again"

Viewer = tuple[SessionRecord, UserRecord]
Identify = Callable[[str], Any]  # an Authorization value → (awaitable) Viewer | None


class LiveConnection:
    """One WebSocket: who it is signed in as, and how many operations it has open."""

    def __init__(self, hub: Hub, websocket: WebSocket, limit: int, identify: Identify) -> None:
        self.hub = hub
        self.identify = identify
        self.websocket = websocket
        self.headers = Headers(scope=websocket.scope)
        self.limit = limit
        self.connection_params: dict[str, Any] | None = None  # set by Strawberry
        self.viewer: Viewer | None = None
        self.operations: set[asyncio.Task[Any]] = set()  # the tasks running them
        self._closing: asyncio.Task[None] | None = None

    def act_as(self, session: SessionRecord | None, user: UserRecord | None) -> None:
        """Operations started from now on run as `user` (None: anonymously)."""
        self.viewer = (session, user) if session is not None and user is not None else None

    def too_slow(self) -> None:
        """Close the connection: one of its subscriptions fell too far behind."""
        if self._closing is None:
            reason = f"too slow: more than {self.hub.settings.subscriber_queue} events waited"
            log.info("closing a WebSocket: %s", reason)
            self._closing = asyncio.create_task(_close(self.websocket, TOO_SLOW, reason))

    def open_operations(self) -> int:
        """Operations running and not completed: one the client completed is being
        cancelled, and no longer counts though its task has not unwound yet."""
        self.operations = {task for task in self.operations if not task.done()}
        return sum(1 for task in self.operations if not task.cancelling())

    async def recheck(self) -> None:
        """Look the connection's session up again, as HTTP does for every request: once
        it is signed out, revoked or expired, operations run anonymously (Unavailable
        if DynamoDB cannot be asked)."""
        authorization = self.authorization()
        if self.viewer is None or not authorization:
            return
        viewer: Viewer | None = await self.identify(authorization)
        self.act_as(*(viewer or (None, None)))

    def authorization(self) -> str | None:
        """The Authorization value of connection_init's payload, else of the upgrade."""
        for name, value in (self.connection_params or {}).items():
            if name.lower() == "authorization" and isinstance(value, str):
                return value
        return self.headers.get("authorization")


class _Adapter(ASGIWebSocketAdapter):
    async def close(self, code: int, reason: str) -> None:
        # The gateway may have closed the socket first (see `LiveEndpoint.on_ws_connect`);
        # a refusal says why, where Strawberry would say only "Forbidden".
        if code == REFUSED:
            reason = getattr(self.ws.state, "refusal", reason)
        await _close(self.ws, code, reason)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        await websocket.close(code, reason)


class _PerOperation:
    """The schema as Strawberry's WebSocket handlers call it, giving each operation a
    context of its own made from the connection, and counting the connection's
    open operations against its limit."""

    def __init__(self, schema: Schema, operation_context: Callable[[LiveConnection], Any]):
        self.schema = schema
        self.operation_context = operation_context

    async def stream(self, query: str | None, variable_values: dict[str, Any] | None = None,
                     context_value: Any = None, root_value: Any = None,
                     operation_name: str | None = None,
                     **options: Any) -> AsyncGenerator[Any, None]:
        connection: LiveConnection = context_value
        if connection.open_operations() >= connection.limit:
            return _refused(connection.limit)
        # Strawberry runs each operation in a task of its own, and cancels it on `complete`.
        task = asyncio.current_task()
        assert task is not None
        connection.operations.add(task)
        try:
            await connection.recheck()
            results = await self.schema.stream(
                query, variable_values=variable_values,
                context_value=self.operation_context(connection), root_value=root_value,
                operation_name=operation_name, **options)
        except Unavailable as exc:
            connection.operations.discard(task)
            log.warning("a WebSocket operation could not look its session up: %s", exc)
            return _unavailable()
        except BaseException:
            connection.operations.discard(task)
            raise
        return _counted(results, connection, task)

    async def subscribe(self, query: str | None, variable_values: dict[str, Any] | None = None,
                        context_value: Any = None, root_value: Any = None,
                        operation_name: str | None = None,
                        **options: Any) -> AsyncGenerator[Any, None]:
        # The legacy protocol's entry; Strawberry's own `subscribe` wraps `stream` too.
        return await self.stream(query, variable_values, context_value, root_value,
                                 operation_name,
                                 allowed_operation_types=(OperationType.SUBSCRIPTION,), **options)


async def _counted(results: AsyncGenerator[Any, None], connection: LiveConnection,
                   task: asyncio.Task[Any]) -> AsyncGenerator[Any, None]:
    SUBSCRIPTIONS.inc()
    try:
        async for result in results:
            yield result
    finally:
        SUBSCRIPTIONS.dec()
        connection.operations.discard(task)
        await results.aclose()


async def _refused(limit: int) -> AsyncGenerator[Any, None]:
    RATE_LIMITED.inc()
    yield PreExecutionError(data=None, errors=[GraphQLError(
        f"this connection has {limit} operations open, the most it may "
        "(TABLEGATE_MAX_SUBSCRIPTIONS_PER_CONNECTION): complete one first",
        extensions={"code": "RATE_LIMITED", "limit": limit})])


async def _unavailable() -> AsyncGenerator[Any, None]:
    yield PreExecutionError(data=None, errors=[GraphQLError(
        "DynamoDB is unavailable: the session could not be looked up; try again",
        extensions={"code": "SERVICE_UNAVAILABLE"})])


class LiveEndpoint(GraphQL[Any, None]):
    """The ASGI app for WebSocket upgrades of /graphql."""

    websocket_adapter_class = _Adapter

    def __init__(self, schema: Schema, hub: Hub, http: HttpSettings, live: LiveSettings,
                 identify: Identify, operation_context: Callable[[LiveConnection, str], Any]):
        super().__init__(
            _PerOperation(schema, self._context_of),  # type: ignore[arg-type]  # duck-typed
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=None,  # counted by _PerOperation, with a code
        )
        self.hub = hub
        self.http = http
        self.live = live
        self.identify = identify
        self.operation_context = operation_context

    def _context_of(self, connection: LiveConnection) -> Any:
        return self.operation_context(connection, uuid.uuid4().hex)

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        return allows_origin(self.http, origin)

    async def get_context(self, request: Any, response: Any) -> LiveConnection:
        return LiveConnection(self.hub, response, self.live.max_subscriptions_per_connection,
                              self.identify)

    async def on_ws_connect(self, context: Any) -> UnsetType | dict[str, object] | None:
        connection: LiveConnection = context
        authorization = connection.authorization()
        if not authorization:
            return NO_PAYLOAD
        try:
            viewer: Viewer | None = await self.identify(authorization)
        except Unavailable as exc:
            log.warning("a WebSocket could not sign in: %s", exc)
            await _close(connection.websocket, TRY_AGAIN, "DynamoDB is unavailable; try again")
            raise ConnectionRejectionError() from exc
        if viewer is None:
            connection.websocket.state.refusal = UNAUTHENTICATED
            raise ConnectionRejectionError({"message": UNAUTHENTICATED,
                                            "extensions": {"code": "UNAUTHENTICATED"}})
        connection.act_as(*viewer)
        return NO_PAYLOAD

