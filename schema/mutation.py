"""The Mutation root: the domain mutation classes merged into one type."""

from __future__ import annotations

from typing import Any

from strawberry.tools import merge_types

from schema.auth import AuthMutations
from schema.blog import BlogMutations
from schema.reviews import ReviewMutations
from schema.shop import ShopMutations

# Each domain's mutations live in their own module and are listed here.
PARTS: tuple[type[Any], ...] = (AuthMutations, BlogMutations, ShopMutations, ReviewMutations)

Mutation: type[Any] | None = merge_types("Mutation", PARTS) if PARTS else None
