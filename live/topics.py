"""What a change is about: the topics subscribers follow, and which changes reach them.

A topic names what one subscription waits for: the comments of a post, the posts
that get published, one order's status, and (for every signed-in subscriber)
its own session and user, so that a sign-out or a suspension ends what it follows.
Changes that no subscription could want (an edit of a comment's text, a like)
have no topic and go nowhere.
"""

from __future__ import annotations

from collections.abc import Callable

from data.accounts import SessionRecord, UserRecord
from data.changes import Change
from data.comments import CommentRecord
from data.posts import PostRecord
from data.shop import OrderRecord

PUBLISHED_POSTS = "posts:published"


def comments_of(post_id: str) -> str:
    """New comments and replies on a post, and ones whose status changed."""
    return f"comments:{post_id}"


def order(order_id: str) -> str:
    """An order whose status changed."""
    return f"order:{order_id}"


def session(token_hash: str) -> str:
    """A session that was changed or ended (signed out, revoked, expired)."""
    return f"session:{token_hash}"


def user(user_id: str) -> str:
    """A user whose role or status changed, or who was deleted."""
    return f"user:{user_id}"


def topics_of(change: Change) -> list[str]:
    """The topics `change` concerns; empty when no subscription could want it."""
    of_kind = _TOPICS.get(change.entity_type or "")
    return of_kind(change) if of_kind is not None else []


def _comment(change: Change) -> list[str]:
    comment, before = change.new(CommentRecord), change.old(CommentRecord)
    if comment is not None and (before is None or before.status != comment.status):
        return [comments_of(comment.post_id)]
    return []


def _post(change: Change) -> list[str]:
    post, before = change.new(PostRecord), change.old(PostRecord)
    if post is not None and post.status == "PUBLISHED" and (
            before is None or before.status != "PUBLISHED"):
        return [PUBLISHED_POSTS]
    return []


def _order(change: Change) -> list[str]:
    placed, before = change.new(OrderRecord), change.old(OrderRecord)
    if placed is not None and before is not None and before.status != placed.status:
        return [order(placed.order_id)]
    return []


def _session(change: Change) -> list[str]:
    either = change.new(SessionRecord) or change.old(SessionRecord)
    return [session(either.token_hash)] if either is not None else []


def _user(change: Change) -> list[str]:
    account, before = change.new(UserRecord), change.old(UserRecord)
    if before is None:
        return []
    if account is None or (account.status, account.role) != (before.status, before.role):
        return [user(before.user_id)]
    return []


_TOPICS: dict[str, Callable[[Change], list[str]]] = {
    CommentRecord.entity_type: _comment,
    PostRecord.entity_type: _post,
    OrderRecord.entity_type: _order,
    SessionRecord.entity_type: _session,
    UserRecord.entity_type: _user,
}
