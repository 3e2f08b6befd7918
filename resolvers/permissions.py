"""Who may see and do what: every rule of the contract, in one place."""

from __future__ import annotations

from data.accounts import UserRecord
from data.comments import CommentRecord
from data.posts import PostRecord
from data.reviews import PUBLISHED, ReviewRecord
from data.shop import OrderRecord
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, Unauthenticated


def require_viewer(ctx: RequestContext) -> UserRecord:
    """The signed-in viewer, or UNAUTHENTICATED."""
    if ctx.viewer is None:
        raise Unauthenticated()
    return ctx.viewer


def require_admin(ctx: RequestContext) -> UserRecord:
    viewer = require_viewer(ctx)
    if viewer.role != "ADMIN":
        raise Forbidden("only admins may do this")
    return viewer


def require_moderator(ctx: RequestContext) -> UserRecord:
    viewer = require_viewer(ctx)
    if not ctx.moderates:
        raise Forbidden("only moderators and admins may do this")
    return viewer


def require_self(ctx: RequestContext, user_id: str) -> UserRecord:
    viewer = require_viewer(ctx)
    if viewer.user_id != user_id:
        raise Forbidden("only this user may see this")
    return viewer


def require_self_or_admin(ctx: RequestContext, user_id: str) -> UserRecord:
    viewer = require_viewer(ctx)
    if viewer.user_id != user_id and viewer.role != "ADMIN":
        raise Forbidden("only this user or an admin may see this")
    return viewer


def sees_all_posts_of(ctx: RequestContext, author_id: str) -> bool:
    """Drafts and archived posts: their author, moderators and admins."""
    return ctx.viewer_id == author_id or ctx.moderates


def can_see_post(ctx: RequestContext, post: PostRecord) -> bool:
    return post.status == "PUBLISHED" or sees_all_posts_of(ctx, post.author_id)


def can_see_comment(ctx: RequestContext, comment: CommentRecord) -> bool:
    """Only APPROVED comments, except to their author, moderators and admins."""
    return comment.status == "APPROVED" or ctx.viewer_id == comment.author_id or ctx.moderates


def can_see_in_thread(
    ctx: RequestContext, comment: CommentRecord, parent: CommentRecord | None
) -> bool:
    """The thread rule, on every path: a comment the viewer can see and, for a reply,
    whose `parent` they can see too (a reply whose parent is gone: moderators only).
    `parent` is not looked at for a top-level comment."""
    if not can_see_comment(ctx, comment):
        return False
    if comment.parent_id is None or ctx.moderates:
        return True
    return parent is not None and can_see_comment(ctx, parent)


def can_see_review(ctx: RequestContext, review: ReviewRecord) -> bool:
    """PUBLISHED reviews, and HIDDEN ones to their author, moderators and admins."""
    return review.status == PUBLISHED or ctx.viewer_id == review.user_id or ctx.moderates


def can_see_email(ctx: RequestContext, user: UserRecord) -> bool:
    return ctx.viewer_id == user.user_id or ctx.is_admin


def can_see_order(ctx: RequestContext, order: OrderRecord) -> bool:
    return ctx.viewer_id == order.user_id or ctx.is_admin
