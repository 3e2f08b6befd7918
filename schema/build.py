"""The Schema, with its limits and extensions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from config import DEFAULT_MAX_COST
from schema.consistency import ReadYourWrites
from schema.cost import Cost
from schema.errors import ErrorCodes
from schema.executor import GatewayExecutor
from schema.identity import MutationsKnowTheirViewer
from schema.mutation import Mutation
from schema.names import CachedNames
from schema.parse_cache import MAX_DOCUMENTS, ParseCache
from schema.query import Query
from schema.scalars import SCALARS
from schema.subscription import Subscription

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 5000

# Built once: the validation cache is keyed by the rule classes, and Strawberry's
# limiter extensions would make new classes for every request.
_LIMITS = (depth_rule(MAX_DEPTH, None, None), aliases_rule(MAX_ALIASES))
_CLOSED = (*_LIMITS, NoSchemaIntrospectionCustomRule)


class GatewaySchema(strawberry.Schema):
    """Strawberry's schema, minus its error log: Strawberry logs every error at ERROR with
    a traceback before ErrorCodes has classified it; ErrorCodes logs them instead."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        return


def make_schema(introspection: bool = True, max_cost: int = DEFAULT_MAX_COST,
                suggestions: bool = True) -> strawberry.Schema:
    """The gateway's schema: the contract's roots, limits, error codes and cost.

    Without `introspection`, `__schema` and `__type` are refused at validation;
    without `suggestions`, no error says "Did you mean ...?" (it would spell out the
    schema that closed introspection keeps to itself). An operation whose estimated
    cost is over `max_cost` is refused before it runs.
    """
    rules = list(_LIMITS if introspection else _CLOSED)
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: ErrorCodes(suggestions),
            ReadYourWrites,
            MutationsKnowTheirViewer,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: AddValidationRules(rules),
            ParseCache,
            lambda: ValidationCache(maxsize=MAX_DOCUMENTS),
            # After ValidationCache: it estimates validated documents only.
            lambda: Cost(max_cost),
        ],
        config=StrawberryConfig(scalar_map=SCALARS, name_converter=CachedNames()),
        execution_context_class=GatewayExecutor,
    )
