"""/metrics: the gateway's Prometheus metrics, and the counters of its GraphQL requests.

Requests are counted by the access log (`web/access_log.py`) when they end, from
what the endpoint noted on the request's state (each operation's name and error
codes), never from the body; DynamoDB's counters are data/telemetry.py's. Under
`tablegate serve --workers N` every worker writes its counters to files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, which the
command line sets up), and /metrics, whichever worker answers it, sums them all.

Operation names are the client's: a label is learnt the first time an operation
of that name runs, up to TABLEGATE_METRICS_MAX_OPERATIONS of them; names past
that, or sent with a request refused before it ran, count as `other`, and an
operation without a name as `anonymous`. The label set cannot grow without limit.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from config import ObservabilitySettings
from web.request_state import UNNAMED, RequestState

log = logging.getLogger("tablegate.metrics")

ANONYMOUS = "anonymous"
OTHER = "other"
BATCH = "batch"
OK = "ok"

REQUESTS = Counter(
    "tablegate_requests",
    "GraphQL operations over HTTP by operation name and outcome: ok, else one count for "
    "each error code in the answer", ["operation", "outcome"])
DURATION = Histogram(
    "tablegate_request_duration_seconds",
    "Time from a /graphql request's arrival to its answer, by operation (`batch` for a "
    "batch)", ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
RATE_LIMITED = Counter(
    "tablegate_rate_limited_requests",
    "Requests refused with RATE_LIMITED (HTTP, and operations over a WebSocket)")
SUBSCRIPTIONS = Gauge(
    "tablegate_subscriptions_open",
    "GraphQL operations open on WebSockets (subscriptions, mostly)",
    multiprocess_mode="livesum")

# A request answered before the endpoint noted an outcome (shed, cut at its deadline,
# refused by a limit, a bug): its outcome is its status's code.
_STATUS_CODES = {429: "RATE_LIMITED", 500: "INTERNAL_SERVER_ERROR",
                 503: "SERVICE_UNAVAILABLE"}
# Codes of a request refused before its operation ran: its name proves nothing.
_NOT_RUN = frozenset({
    "BAD_REQUEST", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED",
    "OPERATION_RESOLUTION_FAILURE", "OPERATION_NOT_TRUSTED", "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_IN_LIST", "QUERY_TOO_COMPLEX", "RATE_LIMITED",
})
_NO_CODES: tuple[str, ...] = ()


class OperationNames:
    """The bounded set of operation names used as labels, learnt first come."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.known: dict[str, str] = {UNNAMED: ANONYMOUS}

    def label(self, name: str, codes: tuple[str, ...]) -> str:
        """The label of `name`, whose operation's answer had error `codes`: a new name is
        learnt if its operation ran and there is room."""
        known = self.known.get(name)
        if known is not None:
            return known
        if len(self.known) > self.limit or not _NOT_RUN.isdisjoint(codes):
            return OTHER
        self.known[name] = name
        return name


class RequestMetrics:
    """Counts the /graphql requests of one app as they end."""

    def __init__(self, max_operations: int) -> None:
        self.names = OperationNames(max_operations)
        # prometheus_client's children, cached: `labels()` takes a lock and builds a key.
        self._requests: dict[tuple[str, str], Any] = {}
        self._durations: dict[str, Any] = {}

    def record(self, state: RequestState, status: int, seconds: float) -> None:
        """One /graphql request ended with `status` after `seconds`."""
        operations = state.operations or [UNNAMED]
        outcomes = state.codes
        if outcomes is None:
            code = _STATUS_CODES.get(status, f"HTTP_{status}") if status >= 400 else None
            outcomes = [(code,) if code else _NO_CODES] * len(operations)
        label = ANONYMOUS
        for name, codes in zip(operations, outcomes, strict=False):
            label = self.names.label(name, codes)
            for outcome in codes or (OK,):
                self._count(label, outcome)
                if outcome == "RATE_LIMITED":
                    RATE_LIMITED.inc()
        timed = label if len(operations) == 1 else BATCH
        histogram = self._durations.get(timed)
        if histogram is None:
            histogram = self._durations[timed] = DURATION.labels(timed)
        histogram.observe(seconds)

    def _count(self, label: str, outcome: str) -> None:
        key = (label, outcome)
        child = self._requests.get(key)
        if child is None:
            child = self._requests[key] = REQUESTS.labels(label, outcome)
        child.inc()


def exposition(settings: ObservabilitySettings) -> bytes:
    """Every metric in Prometheus's text format: this process's, or in multiprocess
    mode every worker's, summed. Reads files: call it off the event loop."""
    if settings.multiprocess_dir is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, settings.multiprocess_dir)  # type: ignore[no-untyped-call]  # unannotated
    return generate_latest(registry)


def _refusal(settings: ObservabilitySettings, authorization: str | None
             ) -> tuple[int, str, str] | None:
    """Why a scrape with this Authorization is refused (status, code, message), if it is."""
    token = settings.metrics_token
    if token is None:
        return None
    scheme, _, offered = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not offered:
        return 401, "UNAUTHENTICATED", "send the metrics token as `Authorization: Bearer …`"
    if not hmac.compare_digest(offered.strip().encode(), token.encode()):
        return 403, "FORBIDDEN", "that is not the metrics token (TABLEGATE_METRICS_TOKEN)"
    return None


async def scrape(settings: ObservabilitySettings, authorization: str | None
                 ) -> tuple[int, dict[str, str], bytes]:
    """The answer to a scrape: status, headers, body."""
    refused = _refusal(settings, authorization)
    if refused is not None:
        status, code, message = refused
        headers = {"Content-Type": "application/json"}
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        body = {"errors": [{"message": message, "extensions": {"code": code}}]}
        return status, headers, orjson.dumps(body)
    return 200, {"Content-Type": CONTENT_TYPE_LATEST}, await asyncio.to_thread(
        exposition, settings)


class MetricsEndpoint:
    """The ASGI app of /metrics on the gateway's own port."""

    def __init__(self, settings: ObservabilitySettings) -> None:
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, headers, body = await scrape(
            self.settings, Headers(scope=scope).get("authorization"))
        await Response(body, status, headers)(scope, receive, send)


class MetricsPort:
    """/metrics on a port of its own (TABLEGATE_METRICS_PORT), served by this process's
    loop. Every worker listens on it (SO_REUSEPORT) and answers the same sums."""

    def __init__(self, settings: ObservabilitySettings) -> None:
        self.settings = settings
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        status, headers, body = await scrape(self.settings, request.headers.get("authorization"))
        return web.Response(status=status, headers=headers, body=body)

    async def start(self) -> None:
        port = self.settings.metrics_port
        assert port is not None
        app = web.Application()
        app.router.add_get("/metrics", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.metrics_host, port,
                          reuse_port=self.settings.multiprocess_dir is not None).start()
        log.info("metrics on http://%s:%d/metrics", self.settings.metrics_host, port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def worker_started(settings: ObservabilitySettings) -> None:
    """In multiprocess mode: forget the open subscriptions of workers that died
    without stopping (killed), whose gauges would otherwise count forever."""
    folder = settings.multiprocess_dir
    if folder is None:
        return
    for path in Path(folder).glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        if not _alive(pid):
            multiprocess.mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]  # unannotated


def worker_stopped(settings: ObservabilitySettings) -> None:
    """In multiprocess mode: this worker's open subscriptions are gone."""
    if settings.multiprocess_dir is not None:
        multiprocess.mark_process_dead(  # type: ignore[no-untyped-call]  # unannotated
            os.getpid(), settings.multiprocess_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
