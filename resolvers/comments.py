"""Comments and replies: lookups, and the mutations (who may, what is valid, then the
write through `data.comments`).

Comments are open on PUBLISHED posts only. A post the viewer cannot see is
NOT_FOUND; one they can see that is not published (their own draft, or any
draft for a moderator) is FORBIDDEN. A comment the viewer cannot see (someone
else's SPAM or REJECTED one) is NOT_FOUND; one they can see but did not write
is FORBIDDEN unless they moderate.

One rule on every path, the thread rule (`permissions.can_see_in_thread`): a
reply shows to a viewer who can see it and its parent. `Post.comments` lists
top-level comments and `Comment.replies` hangs off a visible one; `node`,
`nodes`, `User.comments`, `commentAdded` and the mutations read a reply's
parent to apply it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

import data.comments
from data import keys, posts
from data.accounts import UserRecord
from data.changes import Change
from data.comments import CommentRecord
from data.errors import InvalidInput, NotFound
from data.idempotency import Claim
from data.pages import ListRead, Page, PageArgs
from data.posts import PostRecord
from live import topics
from resolvers import ids, live, validate
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, missing
from resolvers.idempotency import as_record, once
from resolvers.permissions import (
    can_see_comment,
    can_see_in_thread,
    can_see_post,
    require_moderator,
    require_viewer,
)

CONTENT_MAX = 5000
STATUSES = ("PENDING", "APPROVED", "SPAM", "REJECTED")


async def visible(ctx: RequestContext, record: CommentRecord | None) -> CommentRecord | None:
    return record if record is not None and can_see_comment(ctx, record) else None


async def in_thread(ctx: RequestContext, records: Sequence[CommentRecord]) -> list[bool]:
    """Which of `records` the viewer may see by the thread rule; the parents of the
    replies among them are read through the loaders at once (one wave)."""
    parents = await asyncio.gather(*(_parent_for_rule(ctx, record) for record in records))
    return [
        can_see_in_thread(ctx, record, parent)
        for record, parent in zip(records, parents, strict=True)
    ]


async def _parent_for_rule(ctx: RequestContext, record: CommentRecord) -> CommentRecord | None:
    """A reply's parent, when the thread rule needs to look at it."""
    if record.parent_id is None or ctx.moderates or not can_see_comment(ctx, record):
        return None
    return await ctx.loaders.comment(record.post_id, record.parent_id)


async def page_in_threads(
    ctx: RequestContext, read: ListRead[CommentRecord], args: PageArgs, with_posts: bool = False
) -> Page[CommentRecord]:
    """A page of `read` (comments and replies) by the thread rule.

    Replies whose parent the viewer cannot see are left out, and the list is read
    on past them, a page's worth a round trip, until the page is full or the list
    ends. hasNextPage (hasPreviousPage backward) says whether the list goes on that
    way; when all that follows is hidden, the next page comes back empty. The
    other flag is the first read's: the list holds something before the cursor.
    With `with_posts` (the query reads the comments' posts next), the posts are read
    in the wave of the parents, so the rule costs no round trip of its own.
    """

    async def judge(records: list[CommentRecord]) -> list[bool]:
        if not with_posts:
            return await in_thread(ctx, records)
        shown, _ = await asyncio.gather(
            in_thread(ctx, records), ctx.loaders.posts([r.post_id for r in records])
        )
        return shown

    page = await ctx.page(read, args)
    shown = await judge(page.nodes)
    if all(shown):
        return page
    first = page
    # In reading order (newest first forward, oldest first backward).
    taken: list[tuple[CommentRecord, str]] = []
    while True:
        kept = [(n, c) for n, c, ok in zip(page.nodes, page.cursors, shown, strict=True) if ok]
        taken += reversed(kept) if args.backward else kept
        onward = page.has_previous if args.backward else page.has_next
        if len(taken) >= args.size or not onward or not page.nodes:
            break
        edge = page.cursors[0] if args.backward else page.cursors[-1]
        page = await ctx.page(read, replace(args, cursor=edge))
        shown = await judge(page.nodes)
    beyond = onward or len(taken) > args.size
    taken = taken[: args.size]
    if args.backward:
        taken.reverse()
    behind = first.has_next if args.backward else first.has_previous
    return Page(
        nodes=[record for record, _ in taken],
        cursors=[cursor for _, cursor in taken],
        has_next=behind if args.backward else beyond,
        has_previous=beyond if args.backward else behind,
    )


async def author(ctx: RequestContext, record: CommentRecord) -> UserRecord:
    found = await ctx.loaders.user(record.author_id)
    if found is None:
        raise missing(record, "author", "User", record.author_id)
    return found


async def post(ctx: RequestContext, record: CommentRecord) -> PostRecord:
    found = await ctx.loaders.post(record.post_id)
    if found is None:
        raise missing(record, "post", "Post", record.post_id)
    if not can_see_post(ctx, found):
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
    read = data.comments.replies_of_comment(
        record.post_id, record.comment_id, ctx.viewer_id, ctx.moderates
    )
    return await ctx.page(read, args)


async def _reply_node(ctx: RequestContext, parts: tuple[str, ...]) -> CommentRecord | None:
    """A reply by its ID's parts, read in one wave with its parent, by the thread rule."""
    post_id, parent_id, comment_id = parts
    reply, parent = await asyncio.gather(
        ctx.loaders.comment(post_id, comment_id, parent_id), ctx.loaders.comment(post_id, parent_id)
    )
    return reply if reply is not None and can_see_in_thread(ctx, reply, parent) else None


# A reply first: a comment record with a parent is a Reply, one without a Comment.
ids.register("Reply", CommentRecord, ("post_id", "parent_id", "comment_id"), load=_reply_node,
             type_name="Comment")
ids.register("Comment", CommentRecord, ("post_id", "comment_id"), key=keys.comment,
             shown=can_see_comment)


# ---------------------------------------------------------------- mutations


def _content(value: str) -> str:
    return validate.body("content", value, maximum=CONTENT_MAX)


def _visible(ctx: RequestContext) -> data.comments.Guard:
    """A guard: the comment must be one the viewer can see, in its thread (else NOT_FOUND)."""

    def guard(comment: CommentRecord, parent: CommentRecord | None) -> None:
        if not can_see_in_thread(ctx, comment, parent):
            raise NotFound("comment not found")

    return guard


def _editor(ctx: RequestContext) -> data.comments.Guard:
    """A guard: the viewer must be the comment's author, a moderator or an admin."""

    def guard(comment: CommentRecord, parent: CommentRecord | None) -> None:
        if not can_see_in_thread(ctx, comment, parent):
            raise NotFound("comment not found")
        if comment.author_id != ctx.viewer_id and not ctx.moderates:
            raise Forbidden("only the author, moderators and admins may change this comment")

    return guard


async def add_comment(
    ctx: RequestContext, post_gid: str, parent_gid: str | None, content: str
) -> CommentRecord:
    """A new APPROVED comment on a published post, or a reply to a top-level comment."""
    viewer = require_viewer(ctx)
    pid = ids.post_id(post_gid, "postId")
    parent_id: str | None = None
    if parent_gid is not None:
        parent_post, parent_id, grandparent = ids.comment_ref(parent_gid, "parentId")
        if grandparent is not None:
            raise InvalidInput("parentId", "replies can only be made to top-level comments")
        if parent_post != pid:
            raise InvalidInput("parentId", "parentId is a comment on another post")
    text = _content(content)

    async def write(claim: Claim | None) -> CommentRecord:
        if parent_id is None:
            post, parent = await posts.read_post(ctx.dynamo, pid), None
        else:
            post, parent = await asyncio.gather(
                posts.read_post(ctx.dynamo, pid),
                data.comments.read_comment(ctx.dynamo, pid, parent_id),
            )
        if post is None or not can_see_post(ctx, post):
            raise NotFound("post not found")
        if post.status != "PUBLISHED":
            raise Forbidden("comments are open on published posts only")
        if parent_id is not None and (parent is None or not can_see_in_thread(ctx, parent, None)):
            raise NotFound("parent comment not found")
        return await data.comments.add_comment(
            ctx.dynamo, pid, viewer.user_id, text, parent, _visible(ctx)
        )

    return await once(ctx, write, as_record(CommentRecord))


async def update_comment(ctx: RequestContext, global_id: str, content: str) -> CommentRecord:
    """New content for a comment: its author, moderators and admins."""
    require_viewer(ctx)
    pid, cid, parent_id = ids.comment_ref(global_id)
    text = _content(content)
    return await data.comments.edit_comment(ctx.dynamo, pid, cid, parent_id, text, _editor(ctx))


async def delete_comment(ctx: RequestContext, global_id: str) -> bool:
    """Delete a comment (a top-level one with its replies): author, moderators, admins."""
    require_viewer(ctx)
    pid, cid, parent_id = ids.comment_ref(global_id)
    await data.comments.delete_comment(ctx.dynamo, pid, cid, parent_id, _editor(ctx))
    return True


async def moderate_comment(ctx: RequestContext, global_id: str, status: str) -> CommentRecord:
    """Set a comment's status: moderators and admins."""
    require_moderator(ctx)
    pid, cid, parent_id = ids.comment_ref(global_id)
    if status not in STATUSES:
        raise InvalidInput("status", "status is not a comment status")
    return await data.comments.set_comment_status(
        ctx.dynamo, pid, cid, parent_id, status, _visible(ctx)
    )


# ---------------------------------------------------------------- subscriptions


async def comment_added(ctx: RequestContext,
                        post_gid: str) -> AsyncIterator[CommentRecord | Exception]:
    """Comments and replies written on a post from now on, by anyone, as the viewer may
    see them: a hidden one reaches only its author and moderators, and reaches the
    others when it is approved; a reply under a hidden comment reaches only those who
    can see that comment. A post the viewer cannot see is NOT_FOUND."""
    pid = ids.post_id(post_gid, "postId")
    found = await ctx.loaders.post(pid)
    if found is None or not can_see_post(ctx, found):
        raise NotFound("post not found")

    def admit(change: Change) -> CommentRecord | None:
        written, before = change.new(CommentRecord), change.old(CommentRecord)
        if written is None or written.post_id != pid or not can_see_comment(ctx, written):
            return None
        if before is not None and can_see_comment(ctx, before):
            return None  # this viewer could see it already
        return written

    async def shown(written: CommentRecord) -> bool:
        return (await in_thread(ctx, [written]))[0]

    return await live.follow(ctx, topics.comments_of(pid), admit, shown)
