"""The stream reader's lease, against DynamoDB Local: one holder at a time, renewals
that carry checkpoints, a takeover only of a lease nobody renewed, a clean release."""

from __future__ import annotations

import uuid

from data.client import Dynamo
from data.lease import claim, read_lease, release, renew


async def test_one_holder_at_a_time_and_a_takeover_only_of_what_it_saw(dynamo: Dynamo) -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    held = await claim(dynamo, name, "a", None)
    assert held is not None and held.owner == "a"
    assert await claim(dynamo, name, "b", None) is None  # it exists: b must wait

    renewed = await renew(dynamo, held, {"shard-1": "0042"})
    assert renewed is not None and renewed.counter == held.counter + 1
    stored = await read_lease(dynamo, name)
    assert stored is not None and stored.positions == {"shard-1": "0042"}

    # b saw the lease before a renewed it: too late, a renewed since.
    assert await claim(dynamo, name, "b", held) is None
    # b saw it as it is now, and a renews no more: b takes it, checkpoints and all.
    taken = await claim(dynamo, name, "b", stored)
    assert taken is not None and taken.owner == "b" and taken.positions == {"shard-1": "0042"}
    assert await renew(dynamo, renewed, {"shard-1": "0050"}) is None  # a lost it

    await release(dynamo, renewed)  # not a's any more: nothing happens
    assert (await read_lease(dynamo, name)) is not None
    await release(dynamo, taken)
    assert await read_lease(dynamo, name) is None
