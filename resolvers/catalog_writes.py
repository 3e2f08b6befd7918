"""Category and tag mutations: admins create categories, moderators and admins tags.

A slug is the one given or, when none is, the name's; it is never suffixed:
a taken slug is CONFLICT, so the client decides what the new one is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from data import catalog, keys
from data.records import CategoryRecord, TagRecord
from resolvers import ids, validate
from resolvers.context import RequestContext
from resolvers.permissions import require_admin, require_moderator

NAME_MAX = 100
DESCRIPTION_MAX = 1000
ICON_MAX = 100
SORT_ORDER_MAX = 999_999


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


async def create_category(ctx: RequestContext, data: CategoryInput) -> CategoryRecord:
    """A new category, top-level or under an existing parent; admins only."""
    require_admin(ctx)
    name, slug = _name_and_slug(data.name, data.slug)
    sort_order = data.sort_order if data.sort_order is not None else 0
    new = catalog.NewCategory(
        name=name,
        slug=slug,
        description=validate.optional_text(
            "description", data.description, maximum=DESCRIPTION_MAX
        ),
        color=validate.color("color", data.color),
        icon=validate.optional_text("icon", data.icon, maximum=ICON_MAX),
        parent_id=ids.category_id(data.parent_id, "parentId") if data.parent_id else None,
        sort_order=validate.whole("sortOrder", sort_order, minimum=0, maximum=SORT_ORDER_MAX),
    )
    return await catalog.create_category(ctx.dynamo, new)


async def create_tag(ctx: RequestContext, data: TagInput) -> TagRecord:
    """A new tag with postCount 0; moderators and admins."""
    require_moderator(ctx)
    name, slug = _name_and_slug(data.name, data.slug)
    new = catalog.NewTag(
        name=name,
        slug=slug,
        description=validate.optional_text(
            "description", data.description, maximum=DESCRIPTION_MAX
        ),
        color=validate.color("color", data.color),
    )
    return await catalog.create_tag(ctx.dynamo, new)
