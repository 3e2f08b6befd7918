"""Strawberry's GraphQL names, each converted once.

Strawberry converts every argument's Python name to camelCase each time a field
with arguments resolves (hundreds of times in a feed request); the conversion
depends on the name alone, so it is kept.
"""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter


class CachedNames(NameConverter):
    """A NameConverter that remembers every name it converted."""

    def __init__(self) -> None:
        super().__init__()
        self._converted: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._converted.get(name)
        if converted is None:
            converted = self._converted[name] = super().apply_naming_config(name)
        return converted
