"""What DynamoDB calls tell an operator: Prometheus counters of calls by operation and
result, of retries and of the capacity consumed; and, when tracing is on, a client
span per call under the request's span.

The counters are prometheus_client's, in its default registry (web/metrics.py
serves them); a call costs a couple of increments on children cached here.
Tracing costs nothing when off: `tracer` stays None, and nothing of
OpenTelemetry is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

from data.calls import consumed_units
from data.errors import DynamoError, DynamoUnavailable, Throttled

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

OK = "ok"
REFUSED = "refused"  # DynamoDB answered: the request's condition or shape was refused
THROTTLED = "throttled"  # still throttled when the retries or the deadline ran out
FAILED = "failed"  # anything else: 5xx, the network, DynamoDB's own state

CALLS = Counter("tablegate_dynamodb_calls", "DynamoDB calls by operation and final result "
                "(ok, refused, throttled, failed); retries are not calls",
                ["operation", "result"])
RETRIES = Counter("tablegate_dynamodb_retries", "DynamoDB attempts retried, by operation and "
                  "what the failed attempt met (throttled, error)", ["operation", "reason"])
CAPACITY = Counter("tablegate_dynamodb_consumed_capacity", "Capacity units DynamoDB reported "
                   "consumed, by operation", ["operation"])

# boto3's operation names → the API's (`batch_get_item` → BatchGetItem), and the
# counters' children per label set: both bounded by the operations data/ calls.
_api: dict[str, str] = {}
_children: dict[tuple[Counter, str, str], Any] = {}

# OpenTelemetry's tracer once web/tracing.py turns tracing on, and its trace module.
tracer: Tracer | None = None
_trace: Any = None


def api_name(operation: str) -> str:
    """`batch_get_item` → `BatchGetItem`."""
    name = _api.get(operation)
    if name is None:
        name = _api[operation] = "".join(part.capitalize() for part in operation.split("_"))
    return name


def _child(counter: Counter, operation: str, label: str = "") -> Any:
    key = (counter, operation, label)
    child = _children.get(key)
    if child is None:
        labels = (api_name(operation), label) if label else (api_name(operation),)
        child = _children[key] = counter.labels(*labels)
    return child


def result_of(failure: BaseException) -> str:
    """The result label of a call that ended in `failure`."""
    if isinstance(failure, Throttled):
        return THROTTLED
    if isinstance(failure, DynamoError) and not isinstance(failure, DynamoUnavailable):
        return REFUSED
    return FAILED


def retried(operation: str, throttled: bool) -> None:
    """An attempt of `operation` failed and is being tried again."""
    _child(RETRIES, operation, "throttled" if throttled else "error").inc()


def finished(operation: str, result: str, response: dict[str, Any] | None,
             span: Span | None) -> None:
    """`operation` ended with `result`; `response` is its answer when it succeeded."""
    _child(CALLS, operation, result).inc()
    units = consumed_units(response.get("ConsumedCapacity")) if response else 0.0
    if units:
        _child(CAPACITY, operation).inc(units)
    if span is not None:
        span.set_attribute("tablegate.dynamodb.result", result)
        span.set_attribute("tablegate.dynamodb.consumed_capacity", units)
        if result != OK:
            span.set_status(_trace.StatusCode.ERROR, result)
        span.end()


def trace_with(new_tracer: Tracer | None) -> None:
    """Give every DynamoDB call a span from `new_tracer` (None: no spans)."""
    global tracer, _trace
    if new_tracer is not None:
        from opentelemetry import trace

        _trace = trace
    tracer = new_tracer


def call_span(operation: str) -> Span | None:
    """A client span for one call of `operation`, child of the current span; None
    outside a traced request (the stream reader's, the lease's calls)."""
    if tracer is None or not _trace.get_current_span().get_span_context().is_valid:
        return None
    name = api_name(operation)
    return tracer.start_span(f"DynamoDB {name}", kind=_trace.SpanKind.CLIENT, attributes={
        "db.system.name": "aws.dynamodb", "db.operation.name": name,
        "rpc.system": "aws-api", "rpc.service": "DynamoDB", "rpc.method": name})

