"""The /graphql endpoint: GraphQL over HTTP, batches and persisted documents.

Follows the GraphQL-over-HTTP spec: GET (queries only) and POST with
`application/json`; answers `application/graphql-response+json` to clients that
accept it (a request error is then HTTP 400) and `application/json` otherwise
(HTTP 200 for every well-formed request). Whatever a client gets wrong comes
back as a GraphQL error with `extensions.code`, never as plain text.

A batch (a JSON array) runs its operations at once over one set of loaders, so
their lookups coalesce into the same BatchGetItems; a mutation in a batch gets
loaders of its own, so that it reads its own writes and nothing the batch's
queries cached before them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType as StrawberryOperation

from config import HttpSettings
from data.calls import current_log
from web.failures import RETRY_AFTER, only_unavailable
from web.persisted import Documents
from web.protocol import (
    GRAPHQL_RESPONSE,
    OperationRequest,
    RequestError,
    bad_request,
    from_query_params,
    idempotency_key,
    parse_body,
    response_media_type,
    wants_html,
)
from web.request_state import UNNAMED, request_state

log = logging.getLogger("tablegate.http")

_QUERIES = {StrawberryOperation.QUERY}
_READS_AND_WRITES = {StrawberryOperation.QUERY, StrawberryOperation.MUTATION}
ALLOWED_METHODS = "GET, POST"


# (request id, headers, the ASGI scope: where the client's address is read) → context.
ContextFactory = Callable[[str, Mapping[str, str], Scope], Awaitable[Any]]
Page = Callable[[Request], Response]


@functools.lru_cache(maxsize=256)
def _is_mutation(query: str, operation_name: str | None) -> bool:
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return False  # execution reports the syntax error
    return operation is not None and operation.operation == OperationType.MUTATION


class Outcome:
    """One operation's response body and the HTTP status it asks for; `request_error`
    when its document or variables were refused before execution."""

    __slots__ = ("body", "headers", "request_error", "status")

    def __init__(self, body: dict[str, Any], status: int = 200, request_error: bool = False,
                 headers: Mapping[str, str] | None = None) -> None:
        self.body = body
        self.status = status
        self.request_error = request_error
        self.headers = dict(headers or {})

    @classmethod
    def refused(cls, error: RequestError) -> Outcome:
        # Its status is the one it names (PERSISTED_QUERY_NOT_FOUND's is 200 on purpose).
        return cls(error.payload(), error.status, headers=error.headers)


class GraphQLEndpoint:
    """The ASGI app behind /graphql."""

    def __init__(self, schema: Schema, settings: HttpSettings, documents: Documents,
                 make_context: ContextFactory, ide: Page | None) -> None:
        self.schema = schema
        self.settings = settings
        self.documents = documents
        self.make_context = make_context
        self.ide = ide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        """The HTTP response to one request to /graphql."""
        media = response_media_type(request.headers.get("accept"))
        method = request.method
        try:
            if method == "GET" and self._opens_ide(request):
                if self.ide is None:
                    raise RequestError(404, "NOT_FOUND",
                                       "GraphiQL is not served in production; send a query")
                return self.ide(request)
            if method not in ("GET", "POST"):
                raise RequestError(405, "METHOD_NOT_ALLOWED",
                                   f"send GraphQL with GET or POST, not {method}",
                                   {"Allow": ALLOWED_METHODS})
            key = idempotency_key(request.headers.get("idempotency-key"))
            operations = (from_query_params(request.query_params) if method == "GET"
                          else parse_body(request.headers.get("content-type"),
                                          await self._body(request), self.settings.max_batch))
        except RequestError as error:
            request_state(request.scope).codes = [(error.code,)]
            return self._encode(error.payload(), error.status, media, error.headers)
        state = request_state(request.scope)
        context = await self.make_context(state.request_id, request.headers, request.scope)
        if isinstance(operations, list):
            state.operations.extend(op.operation_name or UNNAMED for op in operations)
            outcomes = await self._batch(operations, method, context, key)
            bodies = [o.body for o in outcomes]
            state.codes = [error_codes(body) for body in bodies]
            if all(only_unavailable(body) for body in bodies):
                return self._encode(bodies, 503, media, RETRY_AFTER)
            return self._encode(bodies, 200, media, {})
        state.operations.append(operations.operation_name or UNNAMED)
        outcome = await self._run(operations, method, context)
        state.codes = [error_codes(outcome.body)]
        # The spec's status for a request error under its own media type.
        status = 400 if media == GRAPHQL_RESPONSE and outcome.request_error else outcome.status
        headers = outcome.headers
        if method == "GET":
            headers = {**self._cache_headers(request, outcome), **headers}
        if only_unavailable(outcome.body):
            status, headers = 503, {**headers, **RETRY_AFTER}
        return self._encode(outcome.body, status, media, headers)

    def _opens_ide(self, request: Request) -> bool:
        params = request.query_params
        return wants_html(request.headers.get("accept")) and not any(
            name in params for name in ("query", "extensions", "documentId"))

    async def _body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(limit)
                    chunks.append(chunk)
        except TimeoutError:
            raise _too_slow(self.settings.body_timeout) from None
        except ClientDisconnect:
            raise bad_request("the connection closed before the body arrived") from None
        return b"".join(chunks)

    async def _batch(self, operations: list[OperationRequest], method: str,
                     context: Any, key: str | None) -> list[Outcome]:
        async def one(index: int, operation: OperationRequest) -> Outcome:
            own = context
            if operation.query is not None and _is_mutation(operation.query,
                                                             operation.operation_name):
                # Each operation of the batch is its own request under the one key.
                own = await context.fork(None if key is None else f"{key}/{index}")
            return await self._run(operation, method, own)

        outcomes = await asyncio.gather(*(one(i, op) for i, op in enumerate(operations)))
        calls = current_log()
        if calls is not None:
            # The batch's lookups are shared: each operation reports the whole batch's cost.
            # Each keeps its own estimate.
            for outcome in outcomes:
                extensions = outcome.body.setdefault("extensions", {})
                extensions["cost"] = {**extensions.get("cost", {}), **calls.summary(),
                                      "batchOperations": len(operations)}
        return list(outcomes)

    async def _run(self, operation: OperationRequest, method: str, context: Any) -> Outcome:
        try:
            query, digest = self.documents.resolve(operation)
        except RequestError as error:
            return Outcome.refused(error)
        try:
            result = await self.schema.execute(
                query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=_QUERIES if method == "GET" else _READS_AND_WRITES,
                operation_extensions=operation.extensions,
            )
        except InvalidOperationTypeError as error:
            return Outcome.refused(RequestError(
                405, "METHOD_NOT_ALLOWED",
                f"{error.operation_type.value}s are sent with POST, not GET",
                {"Allow": "POST"}))
        except CannotGetOperationTypeError as error:
            return Outcome.refused(RequestError(400, "OPERATION_RESOLUTION_FAILURE",
                                                error.as_http_error_reason()))
        outcome = _outcome(result)
        if digest is not None and not outcome.request_error:
            self.documents.remember(digest, query)
        return outcome

    def _cache_headers(self, request: Request, outcome: Outcome) -> dict[str, str]:
        # A CDN may keep an anonymous answer for TABLEGATE_GET_MAX_AGE seconds (its URL
        # is all it varies by); never a signed-in one, and never an error.
        private = "errors" in outcome.body or "authorization" in request.headers
        return {
            "Vary": "Accept, Authorization",
            "Cache-Control": "private, no-store" if private
            else f"public, max-age={self.settings.get_max_age}",
        }

    @staticmethod
    def _encode(body: Any, status: int, media: str, headers: Mapping[str, str]) -> Response:
        return Response(orjson.dumps(body), status_code=status, headers=dict(headers),
                        media_type=f"{media}; charset=utf-8")


def error_codes(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The distinct `extensions.code`s of a response body's errors, in order."""
    errors = body.get("errors")
    if not errors:
        return ()
    return tuple(dict.fromkeys(
        str((error.get("extensions") or {}).get("code", "INTERNAL_SERVER_ERROR"))
        for error in errors))


def _too_large(limit: int) -> RequestError:
    # The rest of the body is read and dropped (a close would reset the connection under
    # a client still sending, and lose this answer).
    return RequestError(413, "PAYLOAD_TOO_LARGE",
                        f"the body is larger than {limit} bytes (TABLEGATE_MAX_BODY_BYTES)")


def _too_slow(seconds: float) -> RequestError:
    # BAD_REQUEST, as for a truncated body: the request did not arrive whole; 408 says
    # why. The connection closes: the rest of the body may never come.
    return RequestError(408, "BAD_REQUEST",
                        f"the body did not arrive within {seconds:g} s "
                        "(TABLEGATE_BODY_TIMEOUT_SECONDS)", {"Connection": "close"})


def _outcome(result: ExecutionResult) -> Outcome:
    errors = result.errors or []
    # No data and no error located in the result: the document or its variables were
    # refused before execution, a "request error" in the spec's words.
    request_error = result.data is None and bool(errors) and all(e.path is None for e in errors)
    body: dict[str, Any] = {} if request_error else {"data": result.data}
    if errors:
        body["errors"] = [error.formatted for error in errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return Outcome(body, request_error=request_error)
