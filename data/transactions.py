"""TransactWriteItems with its failures decoded, action by action.

Each action carries the error to raise when its own condition fails; a
cancelled transaction is read through CancellationReasons, so the caller gets
CONFLICT / OUT_OF_STOCK / NOT_FOUND for the action that failed, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from data.client import Dynamo, Item, Key, backoff, to_wire
from data.deadline import pause
from data.errors import Conflict, DataError, DynamoError, Unavailable
from data.idempotency import AlreadyApplied, current_claim, token

MAX_ACTIONS = 100
CONFLICT_RETRIES = 6
_RETRYABLE = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


@dataclass
class Action:
    """One write of a transaction and the error its failed condition means."""

    kind: str  # Put | Update | Delete | ConditionCheck
    body: dict[str, Any]
    failure: DataError = field(default_factory=lambda: Conflict("the item changed; try again"))
    # The key of the item the mutation answers with, when this action writes it:
    # an idempotency item records it for the mutation's retries.
    answer: Key | None = None


def update_expression(
    set_: Mapping[str, Any] | None = None,
    remove: Iterable[str] = (),
    add: Mapping[str, int] | None = None,
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An UpdateExpression from plain attribute names, with generated placeholders.

    The placeholders are `#s<n>`, `#r<n>`, `#a<n>`, `:s<n>` and `:a<n>`; a
    condition used beside it must name its own placeholders otherwise.
    """
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses = []
    if set_:
        parts = []
        for i, (name, value) in enumerate(set_.items()):
            names[f"#s{i}"], values[f":s{i}"] = name, value
            parts.append(f"#s{i} = :s{i}")
        clauses.append("SET " + ", ".join(parts))
    removed = list(remove)
    if removed:
        for i, name in enumerate(removed):
            names[f"#r{i}"] = name
        clauses.append("REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed))))
    if add:
        parts = []
        for i, (name, delta) in enumerate(add.items()):
            names[f"#a{i}"], values[f":a{i}"] = name, delta
            parts.append(f"#a{i} :a{i}")
        clauses.append("ADD " + ", ".join(parts))
    return " ".join(clauses), names, values


def at_version(version: int) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Condition: the item still exists and is at `version`.

    Items other services wrote without a `version` read as version 1, so at
    version 1 a missing attribute matches too; but not a missing item: an
    update would bring a deleted one back as a stub, and a delete racing
    another would move its counters twice.
    """
    names, values = {"#ver": "version"}, {":ver": version}
    if version == 1:
        return "attribute_exists(PK) AND (attribute_not_exists(#ver) OR #ver = :ver)", names, values
    return "#ver = :ver", names, values


def _values(values: dict[str, Any] | None) -> dict[str, Any]:
    return to_wire(values) if values else {}


def put(
    item: Item,
    condition: str | None = None,
    failure: DataError | None = None,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    answer: bool = False,
) -> Action:
    """A Put; `answer`: the mutation answers with this item."""
    body: dict[str, Any] = {"Item": to_wire(item)}
    _condition(body, condition, names, values)
    return Action("Put", body, failure or Conflict("that already exists"),
                  {"PK": item["PK"], "SK": item["SK"]} if answer else None)


def update(
    key: Key,
    expression: str,
    condition: str | None = None,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    failure: DataError | None = None,
    answer: bool = False,
) -> Action:
    """An Update; `answer`: the mutation answers with this item."""
    body: dict[str, Any] = {"Key": to_wire(key), "UpdateExpression": expression}
    _condition(body, condition, names, values)
    return Action("Update", body, failure or Conflict("the item changed; try again"),
                  key if answer else None)


def delete(
    key: Key,
    condition: str | None = None,
    failure: DataError | None = None,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Action:
    body: dict[str, Any] = {"Key": to_wire(key)}
    _condition(body, condition, names, values)
    return Action("Delete", body, failure or Conflict("the item changed; try again"))


def check(
    key: Key,
    condition: str,
    failure: DataError,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Action:
    body: dict[str, Any] = {"Key": to_wire(key)}
    _condition(body, condition, names, values)
    return Action("ConditionCheck", body, failure)


def _condition(
    body: dict[str, Any],
    condition: str | None,
    names: dict[str, str] | None,
    values: dict[str, Any] | None,
) -> None:
    if condition:
        body["ConditionExpression"] = condition
    if names:
        body["ExpressionAttributeNames"] = names
    if values:
        body["ExpressionAttributeValues"] = _values(values)


async def transact(dynamo: Dynamo, actions: list[Action]) -> None:
    """Run `actions` all or nothing; raise the failing action's error if cancelled.

    Under an idempotency claim (`data.idempotency.claiming`) the transaction also
    puts the claim's idempotency item, and raises AlreadyApplied when it exists.
    Every call carries a ClientRequestToken, so a transaction the transport resends
    after losing its answer applies once.
    """
    if not actions:
        return
    claim = current_claim()
    if claim is not None:
        answer = next((a.answer for a in actions if a.answer is not None), None)
        actions = [put(claim.record(answer).to_item(), "attribute_not_exists(PK)",
                       failure=AlreadyApplied()), *actions]
    if len(actions) > MAX_ACTIONS:
        raise ValueError(f"a transaction holds at most {MAX_ACTIONS} actions")
    items = [{a.kind: {"TableName": dynamo.table, **a.body}} for a in actions]
    body = orjson.dumps(items)
    params: dict[str, Any] = {"TransactItems": items}
    for attempt in range(CONFLICT_RETRIES):
        # A new token for each attempt: a cancelled attempt must not answer for the next.
        params["ClientRequestToken"] = token(claim, body, attempt)
        try:
            await dynamo.call("transact_write_items", **params)
            if claim is not None:
                claim.applied = True
            return
        except DynamoError as exc:
            if exc.code != "TransactionCanceledException":
                raise
            reasons = exc.body.get("CancellationReasons") or _reasons_from(exc.message)
            # The idempotency item comes first: when it exists, nothing else matters.
            for action, reason in zip(actions, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise action.failure from exc
            codes = {reason.get("Code") for reason in reasons}
            if not codes & _RETRYABLE:
                raise Unavailable(f"transaction cancelled: {exc.message}") from exc
            if attempt == CONFLICT_RETRIES - 1:
                raise Conflict("concurrent writes kept touching the same items; try again") from exc
            # Nothing was written: a cancelled transaction is safe to run again.
            await pause(backoff(attempt))


def _reasons_from(message: str) -> list[dict[str, str]]:
    """Parse `[None, ConditionalCheckFailed, ...]` from the message, for servers that
    put the reasons only there."""
    start, end = message.find("["), message.rfind("]")
    if start < 0 or end < start:
        return []
    return [{"Code": part.strip()} for part in message[start + 1 : end].split(",")]
