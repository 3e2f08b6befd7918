"""Global IDs: opaque to clients, and carrying whatever makes `node(id)` one GetItem.

An ID is base64url of `Type:part[:part...]`; every part is a ULID, checked on
the way in, so an ID can never put client text into a key.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from data.client import Key
from data.errors import InvalidInput
from data.keys import valid_ulid
from data.layout import Entity

if TYPE_CHECKING:
    from resolvers.context import RequestContext


# How `node` finds a kind's record from a global ID's parts.
Load = Callable[["RequestContext", tuple[str, ...]], Awaitable[Any]]
# Whether the viewer may see a record (the rule of the fields that serve it).
Shown = Callable[["RequestContext", Any], bool]


@dataclass(frozen=True)
class Kind:
    """One kind of node: its global ID, its GraphQL type and how `node` loads it."""

    # The global ID's prefix.
    name: str
    # The GraphQL object type its records are served as.
    type_name: str
    record: type
    # The record fields a global ID carries, in order: enough for one GetItem.
    parts: tuple[str, ...]
    # The record behind the parts, or None if missing or hidden from the viewer.
    load: Load

    def of(self, record: Any) -> str:
        """The global ID of `record`."""
        return encode(self.name, *(getattr(record, part) for part in self.parts))


# The registry: every kind by its ID prefix, filled by the resolver module of each
# entity as it is imported (`register`).
KINDS: dict[str, Kind] = {}


def register(
    name: str,
    record: type[Entity],
    parts: tuple[str, ...],
    *,
    key: Callable[..., Key] | None = None,
    shown: Shown | None = None,
    load: Load | None = None,
    type_name: str | None = None,
) -> Kind:
    """Make `name` a kind of node: IDs of it decode, and `node` loads it.

    `node` loads the record at `key(*parts)` through the batch loader, and
    serves it where `shown(ctx, record)` allows (the rule of its fields); a kind
    found another way gives its own `load` instead. A record type may have
    several kinds (a comment or a reply): a record is of the first kind
    registered whose parts it all has."""
    if load is None:
        if key is None:
            raise TypeError("a kind needs a key or a load")
        load = _by_key(record, key, shown)
    kind = Kind(name, type_name or name, record, parts, load)
    KINDS[name] = kind
    return kind


def _by_key(record: type[Entity], key: Callable[..., Key], shown: Shown | None) -> Load:
    async def load(ctx: RequestContext, parts: tuple[str, ...]) -> Any:
        found = await ctx.loaders.record(record, key(*parts))
        return found if found is not None and (shown is None or shown(ctx, found)) else None

    return load


async def fetch(
    ctx: RequestContext, global_id: str, kinds: tuple[str, ...] | None = None, field: str = "id"
) -> Any:
    """The record behind `global_id` (of one of `kinds`, when given), or None if missing
    or hidden from the viewer; BAD_USER_INPUT naming `field` if the ID is malformed."""
    kind, parts = decode_as(global_id, kinds, field) if kinds else decode(global_id, field)
    return await KINDS[kind].load(ctx, parts)


def kind_of(record: Any) -> Kind:
    """The kind `record` is served as."""
    for kind in KINDS.values():
        if type(record) is kind.record and all(getattr(record, p) for p in kind.parts):
            return kind
    raise LookupError(f"no node kind for {type(record).__name__}")


def global_id(record: Any) -> str:
    """The global ID of any node's record."""
    return kind_of(record).of(record)


def encode(kind: str, *parts: str) -> str:
    """The global ID of a `kind` object identified by `parts`."""
    return base64.urlsafe_b64encode(":".join((kind, *parts)).encode()).decode().rstrip("=")


def decode(global_id: str, field: str = "id") -> tuple[str, tuple[str, ...]]:
    """(kind, parts) of a global ID; BAD_USER_INPUT naming `field` if malformed."""
    try:
        text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(field, f"{field} is not a valid ID") from exc
    kind, _, rest = text.partition(":")
    expected = KINDS.get(kind)
    parts = tuple(rest.split(":")) if rest else ()
    if expected is None or len(parts) != len(expected.parts):
        raise InvalidInput(field, f"{field} is not a valid ID")
    for part in parts:
        valid_ulid(part, field)
    return kind, parts


def decode_as(
    global_id: str, kinds: tuple[str, ...], field: str = "id"
) -> tuple[str, tuple[str, ...]]:
    """Like `decode`, but the ID must be of one of `kinds`."""
    kind, parts = decode(global_id, field)
    if kind not in kinds:
        raise InvalidInput(field, f"{field} is not the ID of a {' or '.join(kinds)}")
    return kind, parts


def user_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("User",), field)[1][0]


def post_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Post",), field)[1][0]


def category_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Category",), field)[1][0]


def tag_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Tag",), field)[1][0]


def product_id(global_id: str, field: str = "id") -> str:
    return decode_as(global_id, ("Product",), field)[1][0]


def comment_ref(global_id: str, field: str = "id") -> tuple[str, str, str | None]:
    """(postId, commentId, parentId or None) of a comment or reply ID."""
    kind, parts = decode_as(global_id, ("Comment", "Reply"), field)
    if kind == "Reply":
        return parts[0], parts[2], parts[1]
    return parts[0], parts[1], None


def order_ref(global_id: str, field: str = "id") -> tuple[str, str]:
    """(userId, orderId) of an order ID."""
    parts = decode_as(global_id, ("Order",), field)[1]
    return parts[0], parts[1]

