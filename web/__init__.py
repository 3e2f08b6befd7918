"""The HTTP layer: GraphQL over HTTP, persisted documents, CORS and the access log."""

from web.access_log import AccessLog
from web.cors import Cors
from web.endpoint import GraphQLEndpoint
from web.persisted import (
    Documents,
    QueryStore,
    TrustedDocuments,
    document_hash,
    manifest,
    manifest_of,
)
from web.protocol import RequestError

__all__ = [
    "AccessLog",
    "Cors",
    "Documents",
    "GraphQLEndpoint",
    "QueryStore",
    "RequestError",
    "TrustedDocuments",
    "document_hash",
    "manifest",
    "manifest_of",
]
