"""A lease item: which process holds a role (reading the stream), taken over when its
holder stops renewing it, the way the Kinesis Client Library leases shards.

Holding is decided without trusting clocks across machines: the holder bumps the
lease's `counter` on every renewal; another process that sees the same counter
for a whole lease period on its own clock takes the lease over, on condition
that the counter is still the one it saw. The holder also keeps its progress
there (`checkpoints`), so a successor resumes where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import orjson

from data import keys
from data.client import Dynamo, Item, to_wire
from data.clock import now_iso
from data.errors import DynamoError
from data.layout import Entity
from data.writes import read_record

ABANDONED_SECONDS = 86_400  # a lease nobody renews leaves the table (TTL) a day later


@dataclass(kw_only=True)
class LeaseRecord(Entity):
    entity_type = "LEASE"

    name: str
    owner: str
    counter: int = 0
    # JSON: shard ID → the sequence number read up to.
    checkpoints: str = "{}"
    updated_at: str
    ttl: int = 0

    def keys(self, **layout: Any) -> Item:
        return keys.lease(self.name)

    @property
    def positions(self) -> dict[str, str]:
        """The checkpoints, as shard ID → sequence number."""
        found: dict[str, str] = orjson.loads(self.checkpoints)
        return found


async def read_lease(dynamo: Dynamo, name: str) -> LeaseRecord | None:
    """The lease as it is now (strongly consistent), or None when nobody holds it."""
    return await read_record(dynamo, LeaseRecord, keys.lease(name))


async def claim(dynamo: Dynamo, name: str, owner: str,
                seen: LeaseRecord | None) -> LeaseRecord | None:
    """Take the lease for `owner`: a new one when `seen` is None, else the one seen,
    only if nobody renewed it since. None when another process was quicker."""
    lease = LeaseRecord(name=name, owner=owner, counter=(seen.counter + 1) if seen else 0,
                        checkpoints=seen.checkpoints if seen else "{}",
                        updated_at=now_iso(), ttl=_expiry())
    if seen is None:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
    else:
        condition = {"ConditionExpression": "#counter = :seen",
                     "ExpressionAttributeNames": {"#counter": "counter"},
                     "ExpressionAttributeValues": to_wire({":seen": seen.counter})}
    return lease if await _put(dynamo, lease, condition) else None


async def renew(dynamo: Dynamo, lease: LeaseRecord,
                checkpoints: dict[str, str]) -> LeaseRecord | None:
    """Renew a lease this process holds, saving its checkpoints; None when it was lost."""
    renewed = replace(lease, counter=lease.counter + 1, updated_at=now_iso(), ttl=_expiry(),
                      checkpoints=orjson.dumps({**lease.positions, **checkpoints}).decode())
    condition = {"ConditionExpression": "#owner = :me AND #counter = :held",
                 "ExpressionAttributeNames": {"#owner": "owner", "#counter": "counter"},
                 "ExpressionAttributeValues": to_wire({":me": lease.owner,
                                                       ":held": lease.counter})}
    return renewed if await _put(dynamo, renewed, condition) else None


async def release(dynamo: Dynamo, lease: LeaseRecord) -> None:
    """Give the lease up, so that another process takes it at once (if still ours)."""
    try:
        await dynamo.call("delete_item", TableName=dynamo.table, Key=to_wire(lease.keys()),
                          ConditionExpression="#owner = :me",
                          ExpressionAttributeNames={"#owner": "owner"},
                          ExpressionAttributeValues=to_wire({":me": lease.owner}))
    except DynamoError as exc:
        if exc.code != "ConditionalCheckFailedException":
            raise


async def _put(dynamo: Dynamo, lease: LeaseRecord, condition: dict[str, Any]) -> bool:
    try:
        await dynamo.call("put_item", TableName=dynamo.table, Item=to_wire(lease.to_item()),
                          **condition)
    except DynamoError as exc:
        if exc.code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _expiry() -> int:
    return int(time.time()) + ABANDONED_SECONDS
