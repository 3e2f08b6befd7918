"""Comments and replies."""

from __future__ import annotations

from data import access
from data.pages import Page, PageArgs
from data.records import CommentRecord, PostRecord, UserRecord
from resolvers import ids
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.permissions import can_see_comment, can_see_post


async def visible(ctx: RequestContext, record: CommentRecord | None) -> CommentRecord | None:
    return record if record is not None and can_see_comment(ctx, record) else None


async def comment(ctx: RequestContext, gid: str) -> CommentRecord | None:
    post_id, comment_id, parent_id = ids.comment_ref(gid)
    return await visible(ctx, await ctx.loaders.comment(post_id, comment_id, parent_id))


async def author(ctx: RequestContext, record: CommentRecord) -> UserRecord | None:
    return await ctx.loaders.user(record.author_id)


async def post(ctx: RequestContext, record: CommentRecord) -> PostRecord | None:
    found = await ctx.loaders.post(record.post_id)
    if found is not None and not can_see_post(ctx, found):
        raise Forbidden("this comment's post is not published")
    return found


async def parent(ctx: RequestContext, record: CommentRecord) -> CommentRecord | None:
    if not record.parent_id:
        return None
    return await visible(ctx, await ctx.loaders.comment(record.post_id, record.parent_id))


async def replies(
    ctx: RequestContext, record: CommentRecord, args: PageArgs
) -> Page[CommentRecord]:
    """Replies to a top-level comment, oldest first, as the viewer may see them."""
    if record.parent_id:
        return Page.empty()
    read = access.replies_of_comment(
        record.post_id, record.comment_id, ctx.viewer_id, ctx.moderates
    )
    return await ctx.page(read, args)


async def _reply_node(ctx: RequestContext, parts: tuple[str, ...]) -> CommentRecord | None:
    post_id, parent_id, comment_id = parts
    return await visible(ctx, await ctx.loaders.comment(post_id, comment_id, parent_id))


async def _comment_node(ctx: RequestContext, parts: tuple[str, ...]) -> CommentRecord | None:
    return await visible(ctx, await ctx.loaders.comment(parts[0], parts[1]))


# A reply first: a comment record with a parent is a Reply, one without a Comment.
ids.register("Reply", CommentRecord, ("post_id", "parent_id", "comment_id"), _reply_node,
             type_name="Comment")
ids.register("Comment", CommentRecord, ("post_id", "comment_id"), _comment_node)
