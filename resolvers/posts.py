"""Posts: lookups, the global feed, the fields that hang off a post, and the mutations
(who may, what is valid, then the write through `data.posts`).

Every check on the client's input runs before anything is read or written. A
post the viewer may not see is NOT_FOUND, as if it did not exist; one they may
see but not edit is FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import data.comments
import data.posts
from data import keys
from data.accounts import UserRecord
from data.catalog import CategoryRecord, TagRecord
from data.changes import Change
from data.comments import CommentRecord
from data.errors import InvalidInput, NotFound
from data.pages import Page, PageArgs
from data.posts import PostRecord
from data.writes import KEEP, Keep
from live import topics
from resolvers import ids, live, validate
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, Unauthenticated, missing
from resolvers.idempotency import as_record, once
from resolvers.permissions import can_see_post, require_viewer, sees_all_posts_of

TITLE_MAX = 200
CONTENT_MAX = 50_000
EXCERPT_MAX = 500
MAX_TAGS = 10
STATUSES = ("DRAFT", "PUBLISHED", "ARCHIVED")


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
    return await ctx.page(data.posts.feed(status, ctx.settings.feed_shards, content), args)


async def author(ctx: RequestContext, record: PostRecord) -> UserRecord:
    found = await ctx.loaders.user(record.author_id)
    if found is None:
        raise missing(record, "author", "User", record.author_id)
    return found


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
    read = data.comments.comments_of_post(record.post_id, ctx.viewer_id, ctx.moderates)
    return await ctx.page(read, args)


ids.register("Post", PostRecord, ("post_id",), key=keys.post, shown=can_see_post)


# ---------------------------------------------------------------- mutations


@dataclass(frozen=True)
class PostInput:
    """CreatePostInput as the client sent it."""

    title: str
    content: str
    excerpt: str | None = None
    featured_image: str | None = None
    category_id: str | None = None
    tag_ids: list[str] | None = None
    status: str | None = None


@dataclass(frozen=True)
class PostEdit:
    """UpdatePostInput as the client sent it: KEEP where a field was left out."""

    id: str
    expected_version: int | None = None
    title: str | Keep | None = KEEP
    content: str | Keep | None = KEEP
    excerpt: str | Keep | None = KEEP
    featured_image: str | Keep | None = KEEP
    category_id: str | Keep | None = KEEP
    tag_ids: list[str] | Keep | None = KEEP


# ---------------------------------------------------------------- checks


def _tag_ids(values: list[str]) -> list[str]:
    """Tag ULIDs of the given IDs, each once, in the order given."""
    if len(values) > MAX_TAGS:
        raise InvalidInput("tagIds", f"a post may have at most {MAX_TAGS} tags")
    return list(dict.fromkeys(ids.tag_id(value, "tagIds") for value in values))


def _category_id(value: str | None) -> str | None:
    return ids.category_id(value, "categoryId") if value is not None else None


def _title(value: str) -> tuple[str, str]:
    """The trimmed title and the slug it gives."""
    title = validate.text("title", value, maximum=TITLE_MAX)
    return title, keys.slugify(title, "title")


def _visible_post(ctx: RequestContext) -> data.posts.Guard:
    """A guard: the post must be one the viewer can see (else NOT_FOUND)."""

    def guard(post: PostRecord) -> None:
        if not can_see_post(ctx, post):
            raise NotFound("post not found")

    return guard


def _editor(ctx: RequestContext) -> data.posts.Guard:
    """A guard: the viewer must be the author, a moderator or an admin."""

    def guard(post: PostRecord) -> None:
        if not can_see_post(ctx, post):
            raise NotFound("post not found")
        if not sees_all_posts_of(ctx, post.author_id):
            raise Forbidden("only the author, moderators and admins may change this post")

    return guard


# ---------------------------------------------------------------- mutations


async def create_post(ctx: RequestContext, given: PostInput) -> PostRecord:
    """A new post by the viewer, DRAFT unless another status is asked for."""
    viewer = require_viewer(ctx)
    title, slug = _title(given.title)
    status = given.status or "DRAFT"
    if status not in STATUSES:
        raise InvalidInput("status", "status is not a post status")
    new = data.posts.NewPost(
        author_id=viewer.user_id,
        title=title,
        base_slug=slug,
        content=validate.body("content", given.content, maximum=CONTENT_MAX),
        excerpt=validate.optional_body("excerpt", given.excerpt, maximum=EXCERPT_MAX),
        featured_image=validate.url("featuredImage", given.featured_image),
        category_id=_category_id(given.category_id),
        tag_ids=_tag_ids(given.tag_ids or []),
        status=status,
    )
    return await once(ctx, lambda _: data.posts.create_post(ctx.dynamo, ctx.settings.feed_shards,
                                                           new), as_record(PostRecord))


def _changes(edit: PostEdit) -> data.posts.PostChanges:
    """The edit checked: null clears excerpt, featuredImage, categoryId and tagIds;
    title and content cannot be cleared."""
    if edit.expected_version is not None and edit.expected_version < 1:
        raise InvalidInput("expectedVersion", "expectedVersion must be at least 1")
    if edit.title is None or edit.content is None:
        name = "title" if edit.title is None else "content"
        raise InvalidInput(name, f"{name} cannot be null")
    title: str | Keep = KEEP
    slug: str | Keep = KEEP
    if not isinstance(edit.title, Keep):
        title, slug = _title(edit.title)
    content = edit.content
    return data.posts.PostChanges(
        expected_version=edit.expected_version,
        title=title,
        base_slug=slug,
        content=content
        if isinstance(content, Keep)
        else validate.body("content", content, maximum=CONTENT_MAX),
        excerpt=edit.excerpt
        if isinstance(edit.excerpt, Keep)
        else validate.optional_body("excerpt", edit.excerpt, maximum=EXCERPT_MAX),
        featured_image=edit.featured_image
        if isinstance(edit.featured_image, Keep)
        else validate.url("featuredImage", edit.featured_image),
        category_id=edit.category_id
        if isinstance(edit.category_id, Keep)
        else _category_id(edit.category_id),
        tag_ids=edit.tag_ids if isinstance(edit.tag_ids, Keep) else _tag_ids(edit.tag_ids or []),
    )


async def update_post(ctx: RequestContext, edit: PostEdit) -> PostRecord:
    """Edit a post: its author, moderators and admins."""
    require_viewer(ctx)
    pid = ids.post_id(edit.id, "id")
    changes = _changes(edit)
    return await data.posts.update_post(
        ctx.dynamo, ctx.settings.feed_shards, pid, changes, _editor(ctx)
    )


async def publish_post(ctx: RequestContext, global_id: str) -> PostRecord:
    """PUBLISHED (publishedAt set the first time); already published is left as is."""
    require_viewer(ctx)
    return await data.posts.set_post_status(
        ctx.dynamo, ctx.settings.feed_shards, ids.post_id(global_id), "PUBLISHED", _editor(ctx)
    )


async def archive_post(ctx: RequestContext, global_id: str) -> PostRecord:
    """ARCHIVED: off the feed, its category and its tags; already archived is left as is."""
    require_viewer(ctx)
    return await data.posts.set_post_status(
        ctx.dynamo, ctx.settings.feed_shards, ids.post_id(global_id), "ARCHIVED", _editor(ctx)
    )


async def delete_post(ctx: RequestContext, global_id: str) -> bool:
    """Delete the post with everything in its partition, its slug and its tag counts."""
    require_viewer(ctx)
    await data.posts.delete_post(
        ctx.dynamo, ctx.settings.feed_shards, ids.post_id(global_id), _editor(ctx)
    )
    return True


async def like_post(ctx: RequestContext, global_id: str) -> PostRecord:
    """The viewer likes a post they can see; liking again changes nothing."""
    viewer = require_viewer(ctx)
    return await data.posts.like_post(
        ctx.dynamo, ids.post_id(global_id), viewer.user_id, _visible_post(ctx)
    )


async def unlike_post(ctx: RequestContext, global_id: str) -> PostRecord:
    """The viewer takes their like back; without one, nothing changes."""
    viewer = require_viewer(ctx)
    return await data.posts.unlike_post(
        ctx.dynamo, ids.post_id(global_id), viewer.user_id, _visible_post(ctx)
    )


async def record_view(ctx: RequestContext, global_id: str) -> int:
    """One more view of a post the viewer (signed in or not) can see; the new count."""
    return await data.posts.record_view(ctx.dynamo, ids.post_id(global_id), _visible_post(ctx))


# ---------------------------------------------------------------- subscriptions


async def post_published(ctx: RequestContext) -> AsyncIterator[PostRecord | Exception]:
    """Posts that become PUBLISHED from now on, whoever publishes them."""

    def admit(change: Change) -> PostRecord | None:
        published, before = change.new(PostRecord), change.old(PostRecord)
        if published is None or published.status != "PUBLISHED":
            return None
        return None if before is not None and before.status == "PUBLISHED" else published

    return await live.follow(ctx, topics.PUBLISHED_POSTS, admit)
