"""Categories and tags, and the published posts filed under them."""

from __future__ import annotations

from data import access, keys
from data.pages import Page, PageArgs
from data.records import CategoryRecord, PostRecord, TagRecord
from resolvers import ids
from resolvers.context import RequestContext


async def category(ctx: RequestContext, global_id: str) -> CategoryRecord | None:
    return await ctx.loaders.category(ids.category_id(global_id))


async def category_by_slug(ctx: RequestContext, slug: str) -> CategoryRecord | None:
    owner = await ctx.loaders.owner_of(keys.category_slug_lock(slug), "categoryId")
    return await ctx.loaders.category(owner) if owner else None


async def children(ctx: RequestContext, parent_id: str | None) -> list[CategoryRecord]:
    """Every child of a category (or the top level), by sortOrder."""
    return await ctx.every(access.children_of_category(parent_id))


async def parent(ctx: RequestContext, record: CategoryRecord) -> CategoryRecord | None:
    return await ctx.loaders.category(record.parent_id) if record.parent_id else None


async def category_posts(
    ctx: RequestContext, record: CategoryRecord, args: PageArgs, content: bool = True
) -> Page[PostRecord]:
    """Published posts of the category, newest first (GSI2 holds only published posts).

    Without `content` the posts are read without it (their records hold "")."""
    return await ctx.page(access.posts_of_category(record.category_id, content), args)


async def tag(ctx: RequestContext, global_id: str) -> TagRecord | None:
    return await ctx.loaders.tag(ids.tag_id(global_id))


async def tag_by_slug(ctx: RequestContext, slug: str) -> TagRecord | None:
    owner = await ctx.loaders.owner_of(keys.tag_slug_lock(slug), "tagId")
    return await ctx.loaders.tag(owner) if owner else None


async def tags(ctx: RequestContext, args: PageArgs) -> Page[TagRecord]:
    return await ctx.page(access.tags_by_name(), args)


async def tag_posts(ctx: RequestContext, record: TagRecord, args: PageArgs) -> Page[PostRecord]:
    """Published posts with the tag, newest first: the tag's links, then the posts batched."""
    links = await ctx.page(access.post_ids_of_tag(record.tag_id), args)
    found = await ctx.loaders.posts(links.nodes)
    kept = [
        (p, c)
        for p, c in zip(found, links.cursors, strict=True)
        if p is not None and p.status == "PUBLISHED"
    ]
    return Page([p for p, _ in kept], [c for _, c in kept], links.has_next, links.has_previous)


async def _category_node(ctx: RequestContext, parts: tuple[str, ...]) -> CategoryRecord | None:
    return await ctx.loaders.category(parts[0])


async def _tag_node(ctx: RequestContext, parts: tuple[str, ...]) -> TagRecord | None:
    return await ctx.loaders.tag(parts[0])


ids.register("Category", CategoryRecord, ("category_id",), _category_node)
ids.register("Tag", TagRecord, ("tag_id",), _tag_node)
