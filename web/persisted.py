"""Persisted documents: Apollo's automatic persisted queries, and trusted documents.

APQ: a client sends `extensions.persistedQuery.sha256Hash` alone; on a miss it is
told PERSISTED_QUERY_NOT_FOUND and sends the hash with the query, which is kept
(in a store bounded by bytes, least recently used out first) once it has parsed
and validated. Apollo's PersistedQueryLink speaks exactly this, over GET or POST.

Trusted documents: with a manifest (Apollo's persisted-query manifest, or the
`{hash: document}` map of GraphQL Code Generator's client preset), only its
documents run: by `documentId`, by APQ hash, or as full text whose SHA-256 is
listed. Nothing new is learnt from clients.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse

from config import ConfigurationError
from web.protocol import OperationRequest, RequestError, bad_request

APOLLO_FORMAT = "apollo-persisted-query-manifest"


def document_hash(query: str) -> str:
    """The SHA-256 of a document's text, hex: APQ's and the manifests' ID."""
    return hashlib.sha256(query.encode()).hexdigest()


class QueryStore:
    """APQ documents by hash, at most `max_bytes` of query text, least recently used out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def get(self, digest: str) -> str | None:
        query = self._documents.get(digest)
        if query is not None:
            self._documents.move_to_end(digest)
        return query

    def put(self, digest: str, query: str) -> None:
        size = len(query.encode())
        if digest in self._documents or size > self.max_bytes:
            return
        self._documents[digest] = query
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, dropped = self._documents.popitem(last=False)
            self._bytes -= len(dropped.encode())


class TrustedDocuments:
    """The documents of a manifest, by their ID and by their text's SHA-256."""

    def __init__(self, documents: Mapping[str, str]) -> None:
        self._by_id = {**{document_hash(q): q for q in documents.values()}, **documents}

    @classmethod
    def load(cls, path: Path) -> TrustedDocuments:
        """Read an Apollo manifest or a `{id: document}` map; ConfigurationError if neither."""
        try:
            manifest = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ConfigurationError(
                f"TABLEGATE_TRUSTED_DOCUMENTS: cannot read {path}: {exc}"
            ) from exc
        if isinstance(manifest, dict) and manifest.get("format") == APOLLO_FORMAT:
            entries = {op.get("id"): op.get("body") for op in manifest.get("operations", [])
                       if isinstance(op, dict)}
        else:
            entries = manifest if isinstance(manifest, dict) else {}
        documents = {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)}
        if not documents:
            raise ConfigurationError(
                f"TABLEGATE_TRUSTED_DOCUMENTS: {path} holds no documents (expected Apollo's "
                "persisted-query manifest or a JSON object of id to document)"
            )
        return cls(documents)

    def get(self, document_id: str) -> str | None:
        return self._by_id.get(document_id)

    def trusts(self, query: str) -> bool:
        return document_hash(query) in self._by_id


def _apq_hash(extensions: Mapping[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise bad_request("extensions.persistedQuery must be {version: 1, sha256Hash: ...}")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise bad_request("extensions.persistedQuery.sha256Hash must be 64 hex digits")
    return digest.lower()


class Documents:
    """Finds the text of each operation: sent, persisted by APQ, or trusted."""

    def __init__(self, store: QueryStore, trusted: TrustedDocuments | None) -> None:
        self.store = store
        self.trusted = trusted

    def resolve(self, operation: OperationRequest) -> tuple[str, str | None]:
        """The document to run, and the APQ hash to remember it by once it validated."""
        digest = _apq_hash(operation.extensions)
        if self.trusted is not None:
            return self._trusted(self.trusted, operation, digest), None
        if operation.document_id is not None:
            raise bad_request("documentId needs a trusted-documents manifest, which is not set; "
                              "send the query, or extensions.persistedQuery")
        if operation.query is not None:
            if digest is not None and document_hash(operation.query) != digest:
                raise bad_request("provided sha does not match query")
            return operation.query, digest
        if digest is None:
            raise bad_request("no GraphQL query in the request (send `query`, "
                              "or extensions.persistedQuery)")
        query = self.store.get(digest)
        if query is None:
            # 200, not 400: Apollo's link turns persisted queries off for good on a 400.
            raise RequestError(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound",
                               {"Cache-Control": "private, no-store"})
        return query, None

    def remember(self, digest: str, query: str) -> None:
        self.store.put(digest, query)

    @staticmethod
    def _trusted(trusted: TrustedDocuments, operation: OperationRequest,
                 digest: str | None) -> str:
        if operation.query is not None:
            if trusted.trusts(operation.query):
                return operation.query
            raise RequestError(400, "OPERATION_NOT_TRUSTED",
                               "only the documents of the trusted-documents manifest run here")
        wanted = operation.document_id or digest
        if wanted is None:
            raise bad_request("no GraphQL document in the request (send documentId)")
        query = trusted.get(wanted)
        if query is None:
            raise RequestError(400, "PERSISTED_QUERY_NOT_IN_LIST",
                               f"document {wanted!r} is not in the trusted-documents manifest")
        return query


def manifest_of(folders: Iterable[Path]) -> dict[str, Any]:
    """Apollo's manifest of every operation in the `.graphql` files of `folders`, each
    file's text as it is (a client that sends that text is recognised by its hash)."""
    documents = []
    for folder in folders:
        for path in sorted(folder.glob("*.graphql")):
            body = path.read_text()
            try:
                document = parse(body)
            except GraphQLError as exc:
                raise ConfigurationError(f"{path}: {exc.message}") from exc
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    name = definition.name.value if definition.name else path.stem
                    documents.append((name, definition.operation.value, body))
    return manifest(documents)


def manifest(documents: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
    """Apollo's persisted-query manifest of (name, operation type, document) triples."""
    return {
        "format": APOLLO_FORMAT,
        "version": 1,
        "operations": [
            {"id": document_hash(body), "name": name, "type": kind, "body": body}
            for name, kind, body in documents
        ],
    }
