"""Key-condition Queries as hashable values, and the call that runs one page.

Every read of a list in the contract is one of these specs: a partition of the
table or of an index, an optional sort-key condition, a direction and an
optional filter. Specs are frozen so the query loader can run identical ones
once per request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from data.client import Dynamo, Item, from_wire

# Filtered pages read ahead: a filter may drop items after DynamoDB's Limit.
_FILTER_READ_AHEAD = 25


@dataclass(frozen=True)
class SortCondition:
    """`begins_with`, `between`, `=`, `<`, `>`, `<=` or `>=` on the sort key."""

    op: str
    value: str
    upper: str | None = None


@dataclass(frozen=True)
class Filter:
    """A FilterExpression over plain attribute names, with its values.

    `names` maps placeholders (`#status`) to attribute names; `values` maps
    placeholders (`:approved`) to string values.
    """

    expression: str
    names: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, Any], ...] = ()
    # What a cursor is bound to besides the expression; values that change per
    # request (the current time) stay out so cursors remain valid.
    binding: str = ""


@dataclass(frozen=True)
class QuerySpec:
    index: str | None
    partition: str
    sort: SortCondition | None = None
    forward: bool = True
    limit: int = 20
    start: tuple[tuple[str, str], ...] | None = None
    filter: Filter | None = None
    # The attributes to read (ProjectionExpression); None reads whole items.
    attributes: tuple[str, ...] | None = None

    @property
    def key_names(self) -> tuple[str, str]:
        prefix = self.index or ""
        return f"{prefix}PK", f"{prefix}SK"

    def binding(self) -> str:
        """What a cursor of this query's connection is bound to (not page or direction)."""
        sort = f"{self.sort.op}:{self.sort.value}:{self.sort.upper}" if self.sort else ""
        where = f"{self.filter.expression}:{self.filter.binding}" if self.filter else ""
        return f"{self.index}|{self.partition}|{sort}|{where}"

    def position_of(self, item: Item) -> dict[str, str]:
        """The ExclusiveStartKey that resumes this query right after `item`."""
        names = {"PK", "SK", *self.key_names}
        return {name: str(item[name]) for name in sorted(names)}

    def starting_after(self, position: dict[str, str] | None) -> QuerySpec:
        return replace(self, start=tuple(sorted(position.items())) if position else None)


def _params(spec: QuerySpec, limit: int, start: dict[str, str] | None) -> dict[str, Any]:
    pk_name, sk_name = spec.key_names
    names = {"#pk": pk_name}
    values: dict[str, Any] = {":pk": {"S": spec.partition}}
    condition = "#pk = :pk"
    if spec.sort is not None:
        names["#sk"] = sk_name
        values[":sk"] = {"S": spec.sort.value}
        op = spec.sort.op
        if op == "begins_with":
            condition += " AND begins_with(#sk, :sk)"
        elif op == "between":
            values[":sk2"] = {"S": spec.sort.upper or ""}
            condition += " AND #sk BETWEEN :sk AND :sk2"
        elif op in ("=", "<", ">", "<=", ">="):
            condition += f" AND #sk {op} :sk"
        else:
            raise ValueError(f"unknown sort condition {op}")
    params: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "ScanIndexForward": spec.forward,
        "Limit": limit,
    }
    if spec.index:
        params["IndexName"] = spec.index
    if spec.filter is not None:
        params["FilterExpression"] = spec.filter.expression
        names.update(dict(spec.filter.names))
        for placeholder, value in spec.filter.values:
            values[placeholder] = {"S": value} if isinstance(value, str) else {"N": str(value)}
    if spec.attributes:
        projected = {f"#p{i}": name for i, name in enumerate(spec.attributes)}
        names.update(projected)
        params["ProjectionExpression"] = ", ".join(projected)
    params["ExpressionAttributeNames"] = names
    params["ExpressionAttributeValues"] = values
    if start:
        params["ExclusiveStartKey"] = {name: {"S": value} for name, value in start.items()}
    return params


async def run_query(dynamo: Dynamo, spec: QuerySpec, consistent: bool = False) -> list[Item]:
    """Up to `spec.limit` items of the query, reading on while a filter thins pages.

    `limit` 0 reads everything (used for short, bounded lists like children).
    `consistent` applies to the table only: GSIs have no strongly consistent reads.
    """
    items: list[Item] = []
    start = dict(spec.start) if spec.start else None
    while True:
        wanted = spec.limit - len(items) if spec.limit else 1000
        read = wanted + _FILTER_READ_AHEAD if spec.filter is not None else wanted
        params = _params(spec, read, start)
        if consistent and spec.index is None:
            params["ConsistentRead"] = True
        response = await dynamo.call("query", TableName=dynamo.table, **params)
        items.extend(from_wire(raw) for raw in response.get("Items", []))
        last = response.get("LastEvaluatedKey")
        if last is None or (spec.limit and len(items) >= spec.limit):
            return items[: spec.limit] if spec.limit else items
        start = {name: value["S"] for name, value in last.items()}
