"""Parsed documents kept across requests: clients send the same few operations.

Strawberry's own ParserCache raises a syntax error from inside its hook, where
the error escapes the result and loses `extensions.code`; here a document that
does not parse is left to Strawberry's parse, which reports it as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from functools import lru_cache

from graphql import GraphQLError
from graphql.language import parse
from strawberry.extensions import SchemaExtension

# Distinct documents kept; a bound keeps unique junk from growing memory.
MAX_DOCUMENTS = 1000

_parse = lru_cache(maxsize=MAX_DOCUMENTS)(parse)


class ParseCache(SchemaExtension):
    """Serves a repeated document's parse from an LRU cache shared by all requests."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            # A document that fails is left to Strawberry's parse, which reports it.
            with suppress(GraphQLError):
                context.graphql_document = _parse(context.query, **context.parse_options)
        yield
