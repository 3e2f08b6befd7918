"""Mutations read their own writes: their responses are read strongly consistent."""

from __future__ import annotations

from typing import Any

from data import keys
from data.calls import recording
from data.cursors import CursorSigner
from data.queries import QuerySpec, SortCondition, run_query
from resolvers.context import build_context
from resolvers.ids import encode
from schema.build import make_schema


async def test_consistent_reads_reach_dynamodb(dynamo: Any, world: Any) -> None:
    # DynamoDB bills a strongly consistent read twice an eventually consistent one.
    item_keys = [keys.user(world.author), keys.product(world.products[0])]
    with recording() as eventual:
        await dynamo.get_items(item_keys)
    with recording() as consistent:
        await dynamo.get_items(item_keys, consistent=True)
    assert consistent.capacity == 2 * eventual.capacity > 0

    spec = QuerySpec(None, keys.order_pk(world.reader_orders[0]),
                     SortCondition("begins_with", "ITEM#"), limit=0)
    with recording() as eventual:
        await run_query(dynamo, spec)
    with recording() as consistent:
        await run_query(dynamo, spec, consistent=True)
    assert consistent.capacity == 2 * eventual.capacity > 0


async def test_only_mutations_switch_their_loaders_to_consistent_reads(
    dynamo: Any, settings: Any, world: Any
) -> None:
    schema = make_schema()
    signer = CursorSigner(settings.secret)
    token = f"Bearer {world.tokens['reader']}"
    for document, consistent in (
        ("{ viewer { id } }", False),
        ("mutation($id: ID!) { recordPostView(id: $id) }", True),
    ):
        context = await build_context(settings, dynamo, signer, "test", token)
        result = await schema.execute(
            document, variable_values={"id": encode("Post", world.published[1])},
            context_value=context,
        )
        assert result.errors is None, result.errors
        assert context.loaders.consistent is consistent, document
