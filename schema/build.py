"""The Schema, with its limits and extensions."""

from __future__ import annotations

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from schema.consistency import ReadYourWrites
from schema.cost import CostReport
from schema.errors import ErrorCodes
from schema.mutation import Mutation
from schema.query import Query
from schema.scalars import SCALARS

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 5000


def make_schema(introspection: bool = True) -> strawberry.Schema:
    """The gateway's schema: the contract's roots, limits, error codes and cost report.

    Without `introspection`, `__schema` and `__type` are refused at validation.
    """
    closed = [lambda: AddValidationRules([NoSchemaIntrospectionCustomRule])]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            ErrorCodes,
            CostReport,
            ReadYourWrites,
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            *([] if introspection else closed),
        ],
        config=StrawberryConfig(scalar_map=SCALARS),
    )
