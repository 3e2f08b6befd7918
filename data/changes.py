"""A change to the table, as the stream tells it: one record, read through the layouts.

An item another service wrote following data-model.md is a change like any
other: its images are read by the same `from_item` that reads serve. A change
travels between gateway processes as JSON (`to_json` / `from_json`), its
images kept in DynamoDB's typed JSON until someone reads them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import orjson

from data.layout import Entity
from data.wire import from_wire

log = logging.getLogger("tablegate.stream")

E = TypeVar("E", bound=Entity)
EventName = Literal["INSERT", "MODIFY", "REMOVE"]


@dataclass(eq=False)  # one change is one object, shared by every subscriber it reaches
class Change:
    """One stream record: its unique event ID, what happened, and both images."""

    event_id: str
    name: EventName
    new_image: dict[str, Any] | None  # typed JSON, binary as base64 text
    old_image: dict[str, Any] | None
    _read: dict[tuple[str, type[Entity]], Entity | None] = field(
        default_factory=dict, repr=False)

    @property
    def entity_type(self) -> str | None:
        """The `entityType` of the item (after the change, else before it)."""
        image = self.new_image or self.old_image or {}
        kind = image.get("entityType", {})
        return kind.get("S") if isinstance(kind, dict) else None

    def new(self, kind: type[E]) -> E | None:
        """The item after the change as a `kind` record; None if it is not one (or gone)."""
        return self._record("new", kind)

    def old(self, kind: type[E]) -> E | None:
        """The item before the change as a `kind` record; None if it is not one (or new)."""
        return self._record("old", kind)

    def _record(self, which: str, kind: type[E]) -> E | None:
        cached = (which, kind)
        if cached not in self._read:
            self._read[cached] = self._from_image(which, kind)
        found: Any = self._read[cached]
        return found  # type: ignore[no-any-return]  # stored under its own kind above

    def _from_image(self, which: str, kind: type[E]) -> E | None:
        image = self.new_image if which == "new" else self.old_image
        if not image or self.entity_type != kind.entity_type:
            return None
        try:
            return kind.from_item(from_wire(image))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            # An item that breaks the layout is no event: a query would not read it either.
            log.warning("stream record %s: a %s item that does not follow the layout",
                        self.event_id, kind.entity_type)
            return None

    def to_json(self) -> bytes:
        """The change as JSON, for another gateway process."""
        return orjson.dumps({"id": self.event_id, "name": self.name,
                             "new": self.new_image, "old": self.old_image})

    @classmethod
    def from_json(cls, raw: bytes | str) -> Change:
        """A change that `to_json` wrote."""
        body = orjson.loads(raw)
        return cls(body["id"], body["name"], body["new"], body["old"])

