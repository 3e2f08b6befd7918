"""Errors of the resolver layer; the schema turns them into `extensions.code`."""

from __future__ import annotations

from typing import Any

from resolvers import ids


class Unauthenticated(Exception):
    """The operation needs a signed-in viewer."""

    def __init__(self, message: str = "sign in to do this") -> None:
        super().__init__(message)


class Forbidden(Exception):
    """The viewer is signed in but may not do this."""

    def __init__(self, message: str = "you are not allowed to do this") -> None:
        super().__init__(message)


class MissingReference(Exception):
    """An item names another that is not in the table: another writer's half-finished
    work, neither the client's mistake nor ours. Kinds are GraphQL type names; IDs are
    global IDs."""

    def __init__(self, referrer_kind: str, referrer_id: str, field: str, missing_kind: str,
                 missing_id: str) -> None:
        super().__init__(f"{referrer_kind.lower()} {referrer_id}: its {field}, "
                         f"{missing_kind.lower()} {missing_id}, is missing")
        self.referrer_kind, self.referrer_id, self.field = referrer_kind, referrer_id, field
        self.missing_kind, self.missing_id = missing_kind, missing_id


def missing(record: Any, field: str, kind: str, *parts: str) -> MissingReference:
    """The error for `record`'s `field`, which names the `kind` object of `parts`, a
    record the table does not hold."""
    referrer = ids.kind_of(record)
    return MissingReference(referrer.type_name, referrer.of(record), field, kind,
                            ids.encode(kind, *parts))


class RateLimited(Exception):
    """Too many attempts: try again in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
