"""Posts: lookups, the global feed, and the fields that hang off a post."""

from __future__ import annotations

from data import access, keys
from data.pages import Page, PageArgs
from data.records import CategoryRecord, CommentRecord, PostRecord, TagRecord, UserRecord
from resolvers import ids
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, Unauthenticated
from resolvers.permissions import can_see_post


async def visible(ctx: RequestContext, record: PostRecord | None) -> PostRecord | None:
    return record if record is not None and can_see_post(ctx, record) else None


async def post(ctx: RequestContext, global_id: str) -> PostRecord | None:
    return await visible(ctx, await ctx.loaders.post(ids.post_id(global_id)))


async def post_by_slug(ctx: RequestContext, slug: str) -> PostRecord | None:
    owner = await ctx.loaders.owner_of(keys.slug_lock(keys.valid_slug(slug)), "postId")
    return await visible(ctx, await ctx.loaders.post(owner)) if owner else None


async def feed(
    ctx: RequestContext, args: PageArgs, status: str, content: bool = True
) -> Page[PostRecord]:
    """All posts of one status, newest first: the GSI3 shards read at once and merged.

    Without `content` the posts are read without it (their records hold "")."""
    if status != "PUBLISHED":
        await ctx.identified()
    if status != "PUBLISHED" and not ctx.moderates:
        if ctx.viewer is None:
            raise Unauthenticated("sign in as a moderator to list unpublished posts")
        raise Forbidden("only moderators and admins may list unpublished posts")
    return await ctx.page(access.feed(status, ctx.settings.feed_shards, content), args)


async def author(ctx: RequestContext, record: PostRecord) -> UserRecord | None:
    return await ctx.loaders.user(record.author_id)


async def category(ctx: RequestContext, record: PostRecord) -> CategoryRecord | None:
    return await ctx.loaders.category(record.category_id) if record.category_id else None


async def tags(ctx: RequestContext, record: PostRecord) -> list[TagRecord]:
    return await ctx.loaders.tags(record.tag_ids)


async def liked_by_viewer(ctx: RequestContext, record: PostRecord) -> bool:
    if ctx.viewer_id is None:
        return False
    return await ctx.loaders.liked(record.post_id, ctx.viewer_id)


async def comments(ctx: RequestContext, record: PostRecord, args: PageArgs) -> Page[CommentRecord]:
    """Top-level comments, oldest first, as the viewer may see them."""
    read = access.comments_of_post(record.post_id, ctx.viewer_id, ctx.moderates)
    return await ctx.page(read, args)


async def _node(ctx: RequestContext, parts: tuple[str, ...]) -> PostRecord | None:
    return await visible(ctx, await ctx.loaders.post(parts[0]))


ids.register("Post", PostRecord, ("post_id",), _node)
