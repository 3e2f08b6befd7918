"""Categories and tags: lookups, the published posts filed under them, and their
mutations (admins create categories, moderators and admins tags).

A slug is the one given or, when none is, the name's; it is never suffixed:
a taken slug is CONFLICT, so the client decides what the new one is called.
"""

from __future__ import annotations

from dataclasses import dataclass

import data.catalog
from data import keys
from data.catalog import CategoryRecord, TagRecord
from data.pages import Page, PageArgs
from data.posts import PostRecord
from resolvers import ids, validate
from resolvers.context import RequestContext
from resolvers.idempotency import as_record, once
from resolvers.permissions import require_admin, require_moderator

NAME_MAX = 100
DESCRIPTION_MAX = 1000
ICON_MAX = 100
SORT_ORDER_MAX = 999_999


async def category(ctx: RequestContext, global_id: str) -> CategoryRecord | None:
    return await ctx.loaders.category(ids.category_id(global_id))


async def category_by_slug(ctx: RequestContext, slug: str) -> CategoryRecord | None:
    owner = await ctx.loaders.owner_of(keys.category_slug_lock(slug), "categoryId")
    return await ctx.loaders.category(owner) if owner else None


async def children(ctx: RequestContext, parent_id: str | None) -> list[CategoryRecord]:
    """Every child of a category (or the top level), by sortOrder."""
    return await ctx.every(data.catalog.children_of_category(parent_id))


async def parent(ctx: RequestContext, record: CategoryRecord) -> CategoryRecord | None:
    return await ctx.loaders.category(record.parent_id) if record.parent_id else None


async def category_posts(
    ctx: RequestContext, record: CategoryRecord, args: PageArgs, content: bool = True
) -> Page[PostRecord]:
    """Published posts of the category, newest first (GSI2 holds only published posts).

    Without `content` the posts are read without it (their records hold "")."""
    return await ctx.page(data.catalog.posts_of_category(record.category_id, content), args)


async def tag(ctx: RequestContext, global_id: str) -> TagRecord | None:
    return await ctx.loaders.tag(ids.tag_id(global_id))


async def tag_by_slug(ctx: RequestContext, slug: str) -> TagRecord | None:
    owner = await ctx.loaders.owner_of(keys.tag_slug_lock(slug), "tagId")
    return await ctx.loaders.tag(owner) if owner else None


async def tags(ctx: RequestContext, args: PageArgs) -> Page[TagRecord]:
    return await ctx.page(data.catalog.tags_by_name(), args)


async def tag_posts(ctx: RequestContext, record: TagRecord, args: PageArgs) -> Page[PostRecord]:
    """Published posts with the tag, newest first: the tag's links, then the posts batched."""
    links = await ctx.page(data.catalog.post_ids_of_tag(record.tag_id), args)
    found = await ctx.loaders.posts(links.nodes)
    kept = [
        (p, c)
        for p, c in zip(found, links.cursors, strict=True)
        if p is not None and p.status == "PUBLISHED"
    ]
    return Page([p for p, _ in kept], [c for _, c in kept], links.has_next, links.has_previous)


ids.register("Category", CategoryRecord, ("category_id",), key=keys.category)
ids.register("Tag", TagRecord, ("tag_id",), key=keys.tag)


# ---------------------------------------------------------------- mutations


@dataclass(frozen=True)
class CategoryInput:
    """CreateCategoryInput as the client sent it."""

    name: str
    slug: str | None = None
    description: str | None = None
    color: str | None = None
    icon: str | None = None
    parent_id: str | None = None
    sort_order: int | None = None


@dataclass(frozen=True)
class TagInput:
    """CreateTagInput as the client sent it."""

    name: str
    slug: str | None = None
    description: str | None = None
    color: str | None = None


def _name_and_slug(name: str, slug: str | None) -> tuple[str, str]:
    """The trimmed name, and the given slug (checked) or one made from the name."""
    clean = validate.text("name", name, maximum=NAME_MAX)
    if slug is None or not slug.strip():
        return clean, keys.slugify(clean, "name")
    return clean, keys.valid_slug(slug.strip(), "slug")


async def create_category(ctx: RequestContext, given: CategoryInput) -> CategoryRecord:
    """A new category, top-level or under an existing parent; admins only."""
    require_admin(ctx)
    name, slug = _name_and_slug(given.name, given.slug)
    sort_order = given.sort_order if given.sort_order is not None else 0
    new = data.catalog.NewCategory(
        name=name,
        slug=slug,
        description=validate.optional_body(
            "description", given.description, maximum=DESCRIPTION_MAX
        ),
        color=validate.color("color", given.color),
        icon=validate.optional_text("icon", given.icon, maximum=ICON_MAX),
        parent_id=ids.category_id(given.parent_id, "parentId") if given.parent_id else None,
        sort_order=validate.whole("sortOrder", sort_order, minimum=0, maximum=SORT_ORDER_MAX),
    )
    return await once(ctx, lambda _: data.catalog.create_category(ctx.dynamo, new),
                      as_record(CategoryRecord))


async def create_tag(ctx: RequestContext, given: TagInput) -> TagRecord:
    """A new tag with postCount 0; moderators and admins."""
    require_moderator(ctx)
    name, slug = _name_and_slug(given.name, given.slug)
    new = data.catalog.NewTag(
        name=name,
        slug=slug,
        description=validate.optional_body(
            "description", given.description, maximum=DESCRIPTION_MAX
        ),
        color=validate.color("color", given.color),
    )
    return await once(ctx, lambda _: data.catalog.create_tag(ctx.dynamo, new),
                      as_record(TagRecord))
