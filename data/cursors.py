"""Opaque, signed cursors bound to the connection that issued them.

A cursor is the base64url JSON of a position (the key of the last item, or a
sort key), followed by an HMAC-SHA256 over the connection's binding and the
position. A cursor edited by hand, or minted by another connection, fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, overload

from data.errors import InvalidInput

Position = dict[str, str]
T = TypeVar("T")
_MAC_BYTES = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorSigner:
    """Encodes and verifies cursors with one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, binding: str, payload: bytes) -> bytes:
        message = binding.encode() + b"\x00" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, binding: str, position: Position) -> str:
        payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{_b64(self._mac(binding, payload))}"

    def lazy(
        self, binding: str, items: Sequence[T], position: Callable[[T], Position]
    ) -> Sequence[str]:
        """The cursors of `items` at `position(item)`, each made and signed only when read."""
        return _Signed(self, binding, items, position)

    def decode(self, binding: str, cursor: str, field: str) -> Position:
        """The position in `cursor`, or BAD_USER_INPUT naming `field`."""
        try:
            payload_text, mac_text = cursor.split(".", 1)
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(field, f"{field} is not a valid cursor") from exc
        if not hmac.compare_digest(mac, self._mac(binding, payload)):
            raise InvalidInput(field, f"{field} is not a cursor of this connection")
        try:
            position = json.loads(payload)
        except ValueError as exc:
            raise InvalidInput(field, f"{field} is not a valid cursor") from exc
        if not isinstance(position, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in position.items()
        ):
            raise InvalidInput(field, f"{field} is not a valid cursor")
        return position


class _Signed(Sequence[str], Generic[T]):
    """Cursors signed on access: most pages are shown without their edges' cursors."""

    def __init__(self, signer: CursorSigner, binding: str, items: Sequence[T],
                 position: Callable[[T], Position]) -> None:
        self._signer = signer
        self._binding = binding
        self._items = items
        self._position = position

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return _Signed(self._signer, self._binding, self._items[index], self._position)
        return self._signer.encode(self._binding, self._position(self._items[index]))
