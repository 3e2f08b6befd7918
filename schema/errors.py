"""Every error leaves with `extensions.code`; unexpected ones are masked.

Known failures (bad input, auth, conflicts) keep their message and gain their
code. DynamoDB (or Redis) failing us is SERVICE_UNAVAILABLE with a fixed message:
what went wrong upstream (endpoints, exception text) goes to the log only, as a
warning. A dangling reference (an item naming one the table does not hold) is
NOT_FOUND naming both, and a warning in the log: a data fault, not our bug.
Anything else becomes INTERNAL_SERVER_ERROR carrying the request id; the details
go to the log only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import StreamExecutionResult

from data.errors import Conflict, InvalidInput, NotEntitled, NotFound, OutOfStock, Unavailable
from resolvers import ids
from resolvers.errors import Forbidden, MissingReference, RateLimited, Unauthenticated

log = logging.getLogger("tablegate.errors")

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
UNAVAILABLE_MESSAGE = "Service unavailable: try again shortly"
# Messages of Strawberry's limit rules, which report plain validation errors.
_LIMIT_MARKERS = ("exceeds maximum operation depth", "aliases found. Allowed", "more than")

_VARIABLE = re.compile(r"^Variable '\$(\w+)'")
# graphql-core's hint after an unknown field, argument, type, enum value or input field.
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")

_KNOWN: dict[type[Exception], str] = {
    InvalidInput: "BAD_USER_INPUT",
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    NotEntitled: "FORBIDDEN",
    NotFound: "NOT_FOUND",
    MissingReference: "NOT_FOUND",
    Conflict: "CONFLICT",
    OutOfStock: "OUT_OF_STOCK",
    RateLimited: "RATE_LIMITED",
}


def _with(error: GraphQLError, message: str | None = None, **extensions: Any) -> GraphQLError:
    return GraphQLError(
        message if message is not None else error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), **extensions},
    )


def _code_for_known(error: GraphQLError, cause: Exception) -> GraphQLError | None:
    for kind, code in _KNOWN.items():
        if isinstance(cause, kind):
            extra: dict[str, Any] = {"code": code}
            if isinstance(cause, InvalidInput):
                extra["field"] = cause.field
            message = cause.message if isinstance(cause, InvalidInput) else str(cause)
            if isinstance(cause, OutOfStock):
                # Clients know products by their global ID, never by the raw key part.
                extra["productId"] = ids.encode("Product", cause.product_id)
                message = f"product {extra['productId']} does not have enough stock"
            if isinstance(cause, RateLimited):
                extra["retryAfter"] = cause.retry_after
            if isinstance(cause, MissingReference):
                extra["missingId"], extra["referrerId"] = cause.missing_id, cause.referrer_id
            return _with(error, message, **extra)
    return None


def classify(error: GraphQLError, request_id: str, pre_execution: bool) -> GraphQLError:
    """The error as the client should see it, always with `extensions.code`."""
    if (error.extensions or {}).get("code"):
        return error
    cause = error.original_error
    if isinstance(cause, Unavailable):
        log.warning("request %s: unavailable: %s", request_id, cause)
        return _with(error, UNAVAILABLE_MESSAGE, code=SERVICE_UNAVAILABLE, requestId=request_id)
    if cause is not None and not isinstance(cause, GraphQLError):
        known = _code_for_known(error, cause)
        if known is not None:
            return known
        log.error("request %s failed", request_id, exc_info=cause)
        return _with(
            error,
            f"Internal server error (request {request_id})",
            code="INTERNAL_SERVER_ERROR",
            requestId=request_id,
        )
    if any(marker in error.message for marker in _LIMIT_MARKERS):
        return _with(error, code=QUERY_TOO_COMPLEX)
    if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
        return _with(error, code="GRAPHQL_PARSE_FAILED")
    variable = _VARIABLE.match(error.message)
    if variable:
        # The document is fine; a value the client sent with it is not.
        return _with(error, code="BAD_USER_INPUT", field=variable.group(1))
    if pre_execution or error.path is None:
        return _with(error, code="GRAPHQL_VALIDATION_FAILED")
    log.error("request %s: %s at %s", request_id, error.message, error.path)
    return _with(
        error,
        f"Internal server error (request {request_id})",
        code="INTERNAL_SERVER_ERROR",
        requestId=request_id,
    )


def after_write(error: GraphQLError, applied: dict[str, str | None]) -> GraphQLError:
    """`error` marked `applied` when it was met reading the answer of a mutation whose
    write went through: the client must read again, not send the mutation again."""
    root = error.path[0] if error.path else None
    if root not in applied:
        return error
    written = applied[str(root)]
    extra: dict[str, Any] = {"applied": True}
    if written is not None:
        extra["id"] = written
    return _with(error, f"{error.message} (the mutation was applied"
                        f"{f': {written}' if written else ''}; read it instead of sending "
                        "the mutation again)", **extra)


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """`error` without graphql-core's "Did you mean ...?", which names fields, types and
    values of the schema to whoever guesses near them."""
    message = _SUGGESTION.sub("", error.message)
    return error if message == error.message else _with(error, message)


class ErrorCodes(SchemaExtension):
    """Rewrites the result's errors through `classify` (and, without `suggestions`,
    `without_suggestions`)."""

    def __init__(self, suggestions: bool = True) -> None:
        super().__init__()
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        self._classify(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # Over a WebSocket, each result of a subscription leaves before the operation ends.
        self._classify(result)
        yield

    def _classify(self, result: Any) -> None:
        context = self.execution_context
        errors = getattr(result, "errors", None)
        if not errors:
            return
        request_id = getattr(context.context, "request_id", "-")
        pre_execution = bool(context.pre_execution_errors)
        applied: dict[str, str | None] = getattr(context.context, "applied", {})
        classified = [classify(e, request_id, pre_execution) for e in errors]
        if applied:
            classified = [after_write(e, applied) for e in classified]
        if not self.suggestions:
            classified = [without_suggestions(e) for e in classified]
        result.errors = classified
        for error, given in zip(classified, errors, strict=True):
            code = (error.extensions or {}).get("code")
            if isinstance(given.original_error, MissingReference):
                # Another writer's half-finished work: for whoever looks after the data.
                log.warning("request %s: %s at %s", request_id, error.message,
                            ".".join(map(str, error.path or ())))
            elif code not in ("INTERNAL_SERVER_ERROR", SERVICE_UNAVAILABLE):  # logged above
                # A client's mistake: worth a line, not a traceback.
                log.info("request %s: %s %s at %s", request_id, code, error.message,
                         ".".join(map(str, error.path or ())) or "-")
