"""The HTTP layer: GraphQL over HTTP and over WebSocket, persisted documents, CORS and
the access log."""

from web.access_log import AccessLog
from web.cors import Cors
from web.endpoint import GraphQLEndpoint
from web.live import LiveConnection, LiveEndpoint
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
    "LiveConnection",
    "LiveEndpoint",
    "QueryStore",
    "RequestError",
    "TrustedDocuments",
    "document_hash",
    "manifest",
    "manifest_of",
]
