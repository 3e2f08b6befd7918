"""Domain errors raised by the data layer; the schema maps them to error codes."""

from __future__ import annotations

from typing import Any


class DataError(Exception):
    """Base of every error the data layer raises on purpose."""


class InvalidInput(DataError):
    """A client-supplied value cannot be used (bad ID, slug, email, number...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(DataError):
    """The thing a write was aimed at does not exist."""


class NotEntitled(DataError):
    """The table holds nothing that entitles the caller to this write (a review of a
    product they have no order of)."""


class Conflict(DataError):
    """A condition failed: stale version, taken slug or email, wrong state."""


class OutOfStock(DataError):
    """A product has less stock than asked for."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"product {product_id} does not have enough stock")
        self.product_id = product_id


class ConditionFailed(DataError):
    """A single-item write's condition did not hold; `item` is the item as it was."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("the item is not in the state the write expected")
        self.item = item


class Unavailable(DataError):
    """DynamoDB throttled or failed past the retries."""


class DynamoError(Exception):
    """DynamoDB refused a request (not retryable): its error code, message and body.

    The body carries what some errors add: the old `Item` of a failed condition,
    the `CancellationReasons` of a cancelled transaction.
    """

    def __init__(self, code: str, message: str, body: dict[str, Any]) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.body = body


class DynamoUnavailable(DynamoError, Unavailable):
    """DynamoDB refused a request for its own state, not the request's: a missing table,
    credentials or permissions it does not accept, a key it cannot use. Unavailable to
    whoever serves a client (the client can only wait); a DynamoError still, for the
    code the command line and the table's setup look at."""


class Throttled(Unavailable):
    """DynamoDB was still throttling the call when its retries or its deadline ran out."""
