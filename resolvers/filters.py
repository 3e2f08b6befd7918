"""Visibility rules as DynamoDB filters, for lists read with a Query."""

from __future__ import annotations

from data.clock import now_iso
from data.queries import Filter
from resolvers.context import RequestContext


def visible_comments(ctx: RequestContext) -> Filter | None:
    """APPROVED comments, plus the viewer's own; no filter for moderators."""
    if ctx.moderates:
        return None
    names = (("#st", "status"),)
    if ctx.viewer_id:
        return Filter(
            "#st = :approved OR #author = :viewer",
            names=(*names, ("#author", "authorId")),
            values=((":approved", "APPROVED"), (":viewer", ctx.viewer_id)),
            binding=f"viewer={ctx.viewer_id}",
        )
    return Filter("#st = :approved", names=names, values=((":approved", "APPROVED"),))


def post_status(status: str) -> Filter:
    return Filter(
        "#st = :status", names=(("#st", "status"),), values=((":status", status),), binding=status
    )


def live_sessions() -> Filter:
    """Sessions not yet expired: TTL deletion lags, so expired items are filtered."""
    return Filter(
        "#exp > :now", names=(("#exp", "expiresAt"),), values=((":now", now_iso()),), binding="live"
    )
