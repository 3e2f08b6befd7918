"""The HTTP layer: GraphQL over HTTP and over WebSocket, persisted documents, CORS, the
access log, and the bounds on a request (its deadline, load shedding, the request budget,
the last resort)."""

from web import failures
from web.access_log import AccessLog
from web.budget import RequestBudget
from web.client_address import address_of
from web.cors import Cors
from web.deadline import Deadline
from web.endpoint import GraphQLEndpoint
from web.last_resort import LastResort
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
from web.shedding import Shedding

__all__ = [
    "AccessLog",
    "Cors",
    "Deadline",
    "Documents",
    "GraphQLEndpoint",
    "LastResort",
    "LiveConnection",
    "LiveEndpoint",
    "QueryStore",
    "RequestBudget",
    "RequestError",
    "Shedding",
    "TrustedDocuments",
    "address_of",
    "document_hash",
    "failures",
    "manifest",
    "manifest_of",
]
