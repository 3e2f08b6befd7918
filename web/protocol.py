"""GraphQL over HTTP: what a request asks for, and every way it can be malformed.

Each function here turns raw HTTP parts into `OperationRequest`s or raises a
`RequestError` that carries the HTTP status, an `extensions.code` and a message
a client developer can act on. Nothing here executes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
IDEMPOTENCY_KEY_MAX = 255


class RequestError(Exception):
    """A request (or one operation of a batch) that cannot run as sent."""

    def __init__(self, status: int, code: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def payload(self) -> dict[str, Any]:
        """The GraphQL response body: no `data`, one error with its code."""
        return {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}


def bad_request(message: str) -> RequestError:
    return RequestError(400, "BAD_REQUEST", message)


@dataclass(frozen=True)
class OperationRequest:
    """One operation as the client sent it (`query` may be absent for persisted ones)."""

    query: str | None = None
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = None
    document_id: str | None = None


def _typed(data: Mapping[str, Any], name: str, kind: type, described: str) -> Any:
    value = data.get(name)
    if value is not None and not isinstance(value, kind):
        raise bad_request(f"`{name}` must be {described} or null")
    return value


def operation_from(data: object) -> OperationRequest:
    """An operation from a decoded JSON object (a POST body or one item of a batch)."""
    if not isinstance(data, dict):
        raise bad_request("a GraphQL request is a JSON object (or an array of them, a batch)")
    return OperationRequest(
        query=_typed(data, "query", str, "a string"),
        variables=_typed(data, "variables", dict, "an object"),
        operation_name=_typed(data, "operationName", str, "a string"),
        extensions=_typed(data, "extensions", dict, "an object"),
        document_id=_typed(data, "documentId", str, "a string"),
    )


def _json_param(params: Mapping[str, str], name: str) -> object:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"the `{name}` parameter is not valid JSON: {exc}") from exc


def from_query_params(params: Mapping[str, str]) -> OperationRequest:
    """An operation from a GET's URL: query, operationName, variables, extensions, documentId."""
    return operation_from({
        "query": params.get("query") or None,
        "operationName": params.get("operationName") or None,
        "variables": _json_param(params, "variables"),
        "extensions": _json_param(params, "extensions"),
        "documentId": params.get("documentId") or None,
    })


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """The media type of a Content-Type header, lowercased, and its parameters."""
    kind, _, rest = (content_type or "").partition(";")
    parameters: dict[str, str] = {}
    for part in rest.split(";"):
        name, _, value = part.partition("=")
        if name.strip():
            parameters[name.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), parameters


def parse_body(
    content_type: str | None, body: bytes, max_batch: int
) -> OperationRequest | list[OperationRequest]:
    """The operation, or the batch of them, in a POST body."""
    kind, parameters = media_type(content_type)
    if kind != JSON:
        raise RequestError(
            415, "UNSUPPORTED_MEDIA_TYPE",
            f"send GraphQL as Content-Type: {JSON} (got {kind or 'none'!r})",
        )
    if parameters.get("charset", "utf-8") != "utf-8":
        raise RequestError(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be UTF-8")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"the body is not valid UTF-8 JSON: {exc}") from exc
    if isinstance(data, list):
        if not data:
            raise bad_request("a batch must hold at least one operation")
        if len(data) > max_batch:
            raise RequestError(
                400, "BATCH_TOO_LARGE",
                f"a batch may hold at most {max_batch} operations, this one has {len(data)}",
            )
        return [operation_from(item) for item in data]
    return operation_from(data)


def idempotency_key(value: str | None) -> str | None:
    """The `Idempotency-Key` header's key: 1 to 255 visible ASCII characters (a UUID,
    say), or None when the header is absent."""
    if value is None:
        return None
    if not 1 <= len(value) <= IDEMPOTENCY_KEY_MAX or not all("!" <= c <= "~" for c in value):
        raise bad_request(f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII "
                          "characters, such as a UUID")
    return value


def _accepted(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for entry in accept.split(","):
        kind, parameters = media_type(entry)
        try:
            weight = float(parameters.get("q", "1"))
        except ValueError:
            weight = 0.0
        if kind:
            weights[kind] = max(weight, weights.get(kind, 0.0))
    return weights


def response_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when the client prefers it (or ranks it equal),
    else `application/json`: for a missing header, for JSON, and for anything we cannot
    produce (the spec lets a server answer in its default type rather than with 406)."""
    if not accept:
        return JSON
    weights = _accepted(accept)
    preferred = weights.get(GRAPHQL_RESPONSE, 0.0)
    plain = max(weights.get(JSON, 0.0), weights.get("application/*", 0.0),
                weights.get("*/*", 0.0))
    return GRAPHQL_RESPONSE if preferred > 0 and preferred >= plain else JSON


def wants_html(accept: str | None) -> bool:
    """A browser opening the endpoint as a page (for GraphiQL)."""
    return "text/html" in (accept or "")
