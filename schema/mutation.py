"""The Mutation root: each aggregate's mutation class, merged into one type."""

from __future__ import annotations

from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from schema.accounts import AccountMutations
from schema.applied import Applied
from schema.catalog import CatalogMutations
from schema.comments import CommentMutations
from schema.posts import PostMutations
from schema.reviews import ReviewMutations
from schema.shop import ShopMutations

Mutation = merge_types(
    "Mutation",
    (
        AccountMutations,
        PostMutations,
        CommentMutations,
        CatalogMutations,
        ShopMutations,
        ReviewMutations,
    ),
)

# Every mutation field records its call and its applied write (schema/applied.py).
for _field in get_object_definition(Mutation, strict=True).fields:
    _field.extensions.append(Applied())
