"""Who the client is, as the rate limits count it: the address it connected from, or,
when that is a trusted proxy (TABLEGATE_TRUSTED_PROXIES), the address the proxies
say it came from.

Each proxy appends the address it was reached from to `X-Forwarded-For`, so
the header is read from the right: the rightmost entry that is not itself a
trusted proxy is the client. What lies left of it was written by the client
and is not believed. An entry that is not an address stops the walk at the
proxy that passed it on. uvicorn is told not to read the header itself
(`proxy_headers=False`), so this is the only place that does.

An IPv6 client is counted by its /64, the block one subscriber is usually given.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

from config.limits import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(entry: str) -> Address | None:
    """The address of one X-Forwarded-For entry (a port after it, or brackets around
    an IPv6 address, are allowed); None when it is not one."""
    text = entry.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def _counted(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_address(peer: str | None, forwarded: Sequence[str],
                   proxies: Sequence[Network]) -> str | None:
    """The client's address as the limits count it, from the connection's `peer` and
    the request's X-Forwarded-For header lines (in order); None when the peer is
    unknown (a Unix socket)."""
    client = _parse(peer) if peer else None
    if client is None:
        return None
    if proxies and _trusted(client, proxies):
        entries = [entry for line in forwarded for entry in line.split(",")]
        for entry in reversed(entries):
            hop = _parse(entry)
            if hop is None:
                break
            client = hop
            if not _trusted(hop, proxies):
                break
    return _counted(client)


def address_of(scope: Scope, proxies: Sequence[Network]) -> str | None:
    """`client_address` of an ASGI request."""
    peer = scope.get("client")
    forwarded = [value.decode("latin-1") for name, value in scope.get("headers", ())
                 if name == b"x-forwarded-for"] if proxies else []
    return client_address(peer[0] if peer else None, forwarded, proxies)
