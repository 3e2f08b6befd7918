"""Signed HTTP to DynamoDB on the event loop.

One aiohttp connection pool, requests signed with SigV4 (`data.sigv4`; the
credentials, region and endpoint resolve exactly as boto3 resolves them),
bodies encoded and decoded with orjson. What botocore's client gave us is kept:
retries with full-jitter backoff on throttling, 5xx and broken connections (as
many attempts as its legacy mode gives DynamoDB); the CRC32 check of every
response; connect and read timeouts. The request's deadline (`data.deadline`)
bounds them: no attempt outlasts it and no retry waits past it. Nothing here
blocks the loop: boto3's credential chain runs in a thread, at start and on refresh.

What fails is sorted for the layers above: `DynamoError` when DynamoDB refused
the request itself (its shape, or a condition on the items); `Unavailable` when
it cannot serve us now: throttling, 5xx or the network past the retries, or a
refusal about its own state (`DynamoUnavailable`: a missing table, credentials
or permissions it does not accept).
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import boto3
import orjson
from botocore.credentials import Credentials, ReadOnlyCredentials, RefreshableCredentials

from config import Settings
from data import telemetry
from data.deadline import time_left
from data.errors import DynamoError, DynamoUnavailable, Throttled, Unavailable
from data.sigv4 import sign

if TYPE_CHECKING:
    from opentelemetry.trace import Span

# botocore's legacy mode gives DynamoDB 10: at 50 % throttling a call then fails one
# time in a thousand (with 4, one in sixteen), and the deadline still bounds the wait.
MAX_ATTEMPTS = 10
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
# Refreshable credentials (roles, SSO) are re-read this often, in a thread;
# botocore itself refreshes them well before they expire.
CREDENTIALS_RECHECK = 60.0

# botocore's standard retry mode: throttling codes, which say DynamoDB is throttling us,
THROTTLING_CODES = frozenset({
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
})
# and transient error codes.
RETRYABLE_CODES = THROTTLING_CODES | {
    "TransactionInProgressException",
    "PriorRequestNotComplete",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalServerError",
    "ServiceUnavailable",
    # DynamoDB's own: the write was refused, not applied, so trying again is safe.
    "ReplicatedWriteConflictException",
    "TransactionConflictException",
}
# DynamoDB's refusals of the request itself: what it asks is malformed (our bug), or
# the items are not in the state it requires (the caller's to handle). Every other
# refusal is about DynamoDB's own state (a missing table, credentials or permissions
# it does not accept, a key it cannot use): nobody's request is at fault, and the
# client can only wait, so it is DynamoUnavailable.
REQUEST_CODES = frozenset({
    "ValidationException",
    "SerializationException",
    "ConditionalCheckFailedException",
    "TransactionCanceledException",
    "IdempotentParameterMismatchException",
    "ItemCollectionSizeLimitExceededException",
    "DuplicateItemException",
    "ResourceInUseException",
})
_TARGET_PREFIX = "DynamoDB_20120810."
_CONTENT_TYPE = "application/x-amz-json-1.0"


def backoff(attempt: int, cap: float = 1.0) -> float:
    """Full-jitter exponential backoff, capped at `cap` seconds (about a second)."""
    return random.uniform(0, min(cap, 0.025 * 2**attempt))


@cache
def target(operation: str) -> str:
    """`batch_get_item` → `DynamoDB_20120810.BatchGetItem` (boto3's names, the API's target)."""
    return _TARGET_PREFIX + telemetry.api_name(operation)


def error_code(body: dict[str, Any]) -> str:
    """The short error code of an error body (`…#ConditionalCheckFailedException`)."""
    kind = str(body.get("__type", ""))
    return kind.rsplit("#", 1)[-1]


@dataclass
class _Identity:
    """Where requests go and who signs them, resolved by boto3's own chain."""

    url: str
    host: str
    region: str
    credentials: Credentials | None


def _resolve(settings: Settings) -> _Identity:
    """boto3's credential and endpoint resolution; reads files and may call out: off the loop."""
    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None and settings.endpoint is not None:
        # DynamoDB Local accepts any credentials; a bare machine has none.
        credentials = Credentials("local", "local")
    client = session.client("dynamodb", region_name=settings.region,
                            endpoint_url=settings.endpoint)
    try:
        url = client.meta.endpoint_url
        return _Identity(url, _host(url), client.meta.region_name, credentials)
    finally:
        client.close()


def _host(url: str) -> str:
    """The Host header a client sends to `url`: its netloc, without a default port."""
    parts = urlsplit(url)
    default = {"http": ":80", "https": ":443"}.get(parts.scheme, "")
    netloc = parts.netloc
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc


class Transport:
    """Sends one DynamoDB operation and returns its decoded response body."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._identity: _Identity | None = None
        self._frozen: ReadOnlyCredentials | None = None
        self._checked = 0.0
        self._refreshing: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._opening = asyncio.Lock()

    async def _open(self) -> aiohttp.ClientSession:
        async with self._opening:
            if self._http is None:
                self._identity = await asyncio.to_thread(_resolve, self._settings)
                await self._freeze()
                self._http = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(
                        limit=self._settings.max_concurrency, ttl_dns_cache=300
                    ),
                    timeout=aiohttp.ClientTimeout(
                        total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT
                    ),
                    auto_decompress=False,
                    skip_auto_headers=("User-Agent", "Accept-Encoding"),
                )
        return self._http

    async def _freeze(self) -> None:
        credentials = self._identity.credentials if self._identity else None
        self._frozen = (
            await asyncio.to_thread(credentials.get_frozen_credentials) if credentials else None
        )
        self._checked = time.monotonic()

    def _credentials(self) -> ReadOnlyCredentials:
        identity = self._identity
        if self._frozen is None or identity is None:
            raise Unavailable("no AWS credentials found (environment, profile or role)")
        refreshable = isinstance(identity.credentials, RefreshableCredentials)
        stale = time.monotonic() - self._checked > CREDENTIALS_RECHECK
        if refreshable and stale and (self._refreshing is None or self._refreshing.done()):
            # Signing goes on with the current keys while the thread refreshes them.
            self._refreshing = asyncio.create_task(self._freeze())
        return self._frozen

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _signed(self, operation: str, body: bytes) -> dict[str, str]:
        assert self._identity is not None
        credentials = self._credentials()
        headers = sign(
            access_key=credentials.access_key or "",
            secret_key=credentials.secret_key or "",
            token=credentials.token,
            region=self._identity.region,
            host=self._identity.host,
            headers={"content-type": _CONTENT_TYPE, "x-amz-target": target(operation)},
            body=body,
        )
        # Unsigned, so the CRC32 DynamoDB sends is over the bytes we read.
        headers["accept-encoding"] = "identity"
        headers["user-agent"] = "tablegate"
        return headers

    async def send(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The response to `operation`; DynamoError when DynamoDB refuses the request,
        Unavailable when it cannot serve it now (throttling, 5xx or the network past
        the retries or the deadline, or a refusal about its own state)."""
        span = None if telemetry.tracer is None else telemetry.call_span(operation)
        try:
            response = await self._attempts(operation, params, span)
        except BaseException as exc:
            telemetry.finished(operation, telemetry.result_of(exc), None, span)
            raise
        telemetry.finished(operation, telemetry.OK, response, span)
        return response

    async def _attempts(self, operation: str, params: dict[str, Any],
                        span: Span | None) -> dict[str, Any]:
        http = self._http or await self._open()
        assert self._identity is not None
        body = orjson.dumps(params)
        failure = ""
        throttled = False
        for attempt in range(MAX_ATTEMPTS):
            left = time_left()
            if attempt:
                wait = backoff(attempt)
                if left is not None and wait >= left:
                    raise (Throttled if throttled else Unavailable)(
                        f"DynamoDB {operation} stopped at the request's deadline "
                        f"after {attempt} attempts: {failure}")
                telemetry.retried(operation, throttled)
                await asyncio.sleep(wait)
                left = time_left()
            elif left is not None and left <= 0:
                raise Unavailable(f"DynamoDB {operation}: the request's deadline had passed")
            if span is not None:
                span.set_attribute("tablegate.dynamodb.attempts", attempt + 1)
            throttled = False
            headers = self._signed(operation, body)
            try:
                async with asyncio.timeout(left), http.post(
                    self._identity.url, data=body, headers=headers
                ) as reply:
                    raw = await reply.read()
                    status = reply.status
                    crc = reply.headers.get("x-amz-crc32")
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure = f"{type(exc).__name__}: {exc}"
                continue
            if crc is not None and (not crc.isdigit() or int(crc) != zlib.crc32(raw)):
                failure = "the response failed its CRC32 check"
                continue
            try:
                decoded = orjson.loads(raw) if raw else {}
            except orjson.JSONDecodeError:
                decoded = None
            if not isinstance(decoded, dict):
                failure = f"HTTP {status} with a body that is not a JSON object"
                if status >= 500:
                    continue
                raise Unavailable(f"DynamoDB {operation}: {failure}")
            if status < 300:
                return decoded
            code = error_code(decoded)
            if code in RETRYABLE_CODES or status >= 500:
                failure = code or f"HTTP {status}"
                throttled = code in THROTTLING_CODES
                continue
            message = str(decoded.get("message") or decoded.get("Message") or "")
            if code in REQUEST_CODES:
                raise DynamoError(code, message, decoded)
            raise DynamoUnavailable(code or f"HTTP {status}", message, decoded)
        raise (Throttled if throttled else Unavailable)(
            f"DynamoDB {operation} failed after {MAX_ATTEMPTS} attempts: {failure}")
