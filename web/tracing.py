"""Tracing: the W3C `traceparent` a request arrives with, and OpenTelemetry spans.

The trace id of a valid `traceparent` is logged beside the request id, whether or
not spans are exported. When OTEL_EXPORTER_OTLP_ENDPOINT is set (and the `otel`
extra is installed), each /graphql request over HTTP gets a server span, the
child of the caller's span, and each of its DynamoDB calls a client span under
it (data/telemetry.py), exported over OTLP/HTTP in batches by a background
thread. Unset, nothing of OpenTelemetry is imported.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from starlette.types import Scope

from config import ObservabilitySettings
from data import telemetry
from web.request_state import RequestState

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

log = logging.getLogger("tablegate.tracing")

# version-traceid-parentid-flags; a later version may add fields after a dash.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


class TraceParent(NamedTuple):
    trace_id: str
    span_id: str
    flags: int


def parse_traceparent(value: str | None) -> TraceParent | None:
    """The caller's span from a W3C `traceparent` header; None when absent or invalid."""
    if not value:
        return None
    match = _TRACEPARENT.fullmatch(value.strip())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if (version == "ff" or (version == "00" and rest) or trace_id == _ZERO_TRACE
            or span_id == _ZERO_SPAN):
        return None
    return TraceParent(trace_id, span_id, int(flags, 16))


class Tracing:
    """This process's span exporter, and the server span of each request."""

    def __init__(self, provider: TracerProvider, tracer: Tracer) -> None:
        self.provider = provider
        self.tracer = tracer
        from opentelemetry import context, trace

        self._context = context
        self._trace = trace

    @classmethod
    def start(cls, settings: ObservabilitySettings) -> Tracing | None:
        """Spans exported to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads the OTEL_*
        variables itself); None when it is unset or OpenTelemetry is not installed."""
        if settings.otlp_endpoint is None:
            return None
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import SERVICE_NAME, Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not "
                        "installed: no spans (pip install 'tablegate[otel]')")
            return None
        # A provider of our own, not the global one: each app has its own exporter.
        provider = TracerProvider(
            resource=Resource.create({SERVICE_NAME: settings.otel_service_name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        tracer = provider.get_tracer("tablegate")
        telemetry.trace_with(tracer)
        log.info("exporting spans to %s", settings.otlp_endpoint)
        return cls(provider, tracer)

    def begin(self, scope: Scope, parent: TraceParent | None) -> tuple[Span, object]:
        """The request's server span, made current (its DynamoDB calls' parent), and
        the token that `end` detaches it with."""
        trace = self._trace
        context = None
        if parent is not None:
            remote = trace.SpanContext(int(parent.trace_id, 16), int(parent.span_id, 16),
                                       is_remote=True, trace_flags=trace.TraceFlags(parent.flags))
            context = trace.set_span_in_context(trace.NonRecordingSpan(remote))
        span = self.tracer.start_span(f"{scope['method']} {scope['path']}", context=context,
                                      kind=trace.SpanKind.SERVER, attributes={
                                          "http.request.method": scope["method"],
                                          "url.path": scope["path"]})
        return span, self._context.attach(trace.set_span_in_context(span))

    def end(self, span: Span, token: Any, status: int, state: RequestState) -> None:
        """The request ended with `status`: its span gets what it did, and ends."""
        self._context.detach(token)
        span.set_attribute("http.response.status_code", status)
        span.set_attribute("graphql.operation.name", ",".join(state.operations))
        codes = sorted({code for codes in state.codes or () for code in codes})
        if codes:
            span.set_attribute("tablegate.error_codes", codes)
        if status >= 500:
            span.set_status(self._trace.StatusCode.ERROR, f"HTTP {status}")
        span.end()

    def trace_id(self, span: Span) -> str:
        """The span's trace id, as `traceparent` writes it."""
        return f"{span.get_span_context().trace_id:032x}"

    async def stop(self) -> None:
        """Export what is left, off the loop (the exporter's calls block)."""
        telemetry.trace_with(None)
        await asyncio.to_thread(self.provider.shutdown)
