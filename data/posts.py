"""Posts: the item layout, the lists of posts (by author, the sharded feed), and the
writes: create, edit, publish / archive, delete, likes and views.

Every write that touches more than one item is one TransactWriteItems, as
data-model.md lists them. A write that depends on the post's current state
reads it strongly consistent, hands it to the caller's `guard` (which raises
when the viewer may not go on), and conditions the transaction on the version
it read: if another writer got there first the transaction is cancelled,
nothing is written, and the post is read and the write built again (the
write kit's `optimistic`). So no update is lost and no counter moves twice.

Counters (views, likes, comments, a tag's postCount) move with ADD and do not
bump `version`: a like must not make an author's pending edit stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from data import keys
from data.client import Dynamo
from data.clock import now_iso
from data.errors import Conflict, InvalidInput, NotFound
from data.layout import Entity, Item, attr
from data.pages import ListRead
from data.queries import Filter, QuerySpec, SortCondition
from data.transactions import Action, check, delete, put, transact
from data.ulid import new_ulid, ulid_int
from data.writes import (
    ABSENT,
    EXISTS,
    KEEP,
    Keep,
    Stale,
    Unchanged,
    add_to,
    collection,
    counter,
    delete_keys,
    item_keys,
    lock_item,
    optimistic,
    read,
    read_record,
    touch,
    versioned_delete,
    versioned_update,
)

PUBLISHED = "PUBLISHED"
# `slug`, `slug-2`, ... `slug-25`: how far a title's slug is suffixed before giving up.
MAX_SLUG_SUFFIX = 25


# ---------------------------------------------------------------- item layout


def feed_shard(pid: str, shards: int) -> int:
    """The GSI3 shard of a post: its ULID, as a number, modulo the shard count."""
    return ulid_int(pid) % shards


@dataclass(kw_only=True)
class PostRecord(Entity):
    entity_type = "POST"

    post_id: str
    author_id: str
    category_id: str | None = None
    tag_ids: list[str] = attr(default=[])
    title: str = ""
    slug: str = ""
    excerpt: str | None = None
    content: str = ""
    featured_image: str | None = None
    status: str = "DRAFT"
    published_at: str | None = None
    view_count: int = 0
    like_count: int = 0
    comment_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    @property
    def published(self) -> bool:
        return self.status == "PUBLISHED" and self.published_at is not None

    def keys(self, *, shards: int | None = None, **layout: Any) -> Item:
        """The post's keys; its feed (GSI3) shard depends on the configured `shards`."""
        if shards is None:
            raise ValueError("a post's keys need the feed's shard count")
        moment = self.published_at if self.published and self.published_at else self.created_at
        found: Item = {
            **keys.post(self.post_id),
            "GSI1PK": keys.user_pk(self.author_id),
            "GSI1SK": keys.post_sort(self.post_id),
            "GSI3PK": keys.feed_pk(self.status, feed_shard(self.post_id, shards)),
            "GSI3SK": keys.feed_sort(moment, self.post_id),
        }
        if self.published and self.category_id and self.published_at:
            found["GSI2PK"] = keys.category_pk(self.category_id)
            found["GSI2SK"] = keys.published_sort(self.published_at, self.post_id)
        return found

    def tag_link_item(self, tid: str) -> Item:
        """The link that files this post under tag `tid` (in the tag's GSI1 partition
        while the post is published)."""
        item: Item = {
            **keys.post_tag(self.post_id, tid),
            "entityType": "POST_TAG",
            "postId": self.post_id,
            "tagId": tid,
            "createdAt": self.created_at,
        }
        if self.published and self.published_at:
            item["GSI1PK"] = keys.tag_pk(tid)
            item["GSI1SK"] = keys.published_sort(self.published_at, self.post_id)
        return item


# ---------------------------------------------------------------- reads


# What a list of posts reads when no one asked for `content`, the attribute that
# grows: every other attribute, and the keys a cursor resumes from.
POST_WITHOUT_CONTENT = (
    "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK",
    *PostRecord.attribute_names("content"),
)


def post_projection(content: bool) -> tuple[str, ...] | None:
    """What a list of posts reads: whole items, or all but `content`."""
    return None if content else POST_WITHOUT_CONTENT


def _status_is(status: str) -> Filter:
    return Filter(
        "#st = :status", names=(("#st", "status"),), values=((":status", status),), binding=status
    )


def posts_by_author(
    author_id: str, status: str | None, content: bool = True
) -> ListRead[PostRecord]:
    """The author's posts, newest first, of one status or all; `content` False reads
    them without it (their records hold "")."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(author_id),
        SortCondition("begins_with", "POST#"),
        forward=False,
        filter=_status_is(status) if status else None,
        attributes=post_projection(content),
    )
    return ListRead.one(spec, PostRecord.from_item)


def feed(status: str, shards: int, content: bool = True) -> ListRead[PostRecord]:
    """All posts of one status, newest first: the GSI3 shards, read at once and merged."""
    specs = tuple(
        QuerySpec(
            "GSI3", keys.feed_pk(status, shard), forward=False,
            attributes=post_projection(content),
        )
        for shard in range(shards)
    )
    return ListRead(specs, PostRecord.from_item, binding=f"feed|{status}")


# ---------------------------------------------------------------- writes


# What a write calls with the current record; it raises when the viewer may not go on.
Guard = Callable[[PostRecord], None]


class _SlugTaken(Conflict):
    """The slug lock's condition failed: another post holds this slug."""

    def __init__(self) -> None:
        super().__init__("slug taken")


def _tag_missing() -> InvalidInput:
    return InvalidInput("tagIds", "tagIds names a tag that does not exist")


def _category_missing() -> InvalidInput:
    return InvalidInput("categoryId", "categoryId names no category")


@dataclass(frozen=True)
class NewPost:
    """A validated post to create; `base_slug` comes from the title."""

    author_id: str
    title: str
    base_slug: str
    content: str
    excerpt: str | None
    featured_image: str | None
    category_id: str | None
    tag_ids: list[str]
    status: str


@dataclass(frozen=True)
class PostChanges:
    """A validated edit: KEEP leaves a field as it is, None clears an optional one."""

    expected_version: int | None = None
    title: str | Keep = KEEP
    base_slug: str | Keep = KEEP
    content: str | Keep = KEEP
    excerpt: str | Keep | None = KEEP
    featured_image: str | Keep | None = KEEP
    category_id: str | Keep | None = KEEP
    tag_ids: list[str] | Keep = KEEP


# ---------------------------------------------------------------- reads and pieces


async def read_post(dynamo: Dynamo, pid: str) -> PostRecord | None:
    """The post as it is now (strongly consistent), or None."""
    return await read_record(dynamo, PostRecord, keys.post(pid))


async def _current(dynamo: Dynamo, pid: str, guard: Guard) -> PostRecord:
    post = await read_post(dynamo, pid)
    if post is None:
        raise NotFound("post not found")
    guard(post)
    return post


def slug_candidates(base: str) -> Iterator[str]:
    """`base`, then `base-2`, `base-3`, ..., each within the slug length limit."""
    yield base
    for n in range(2, MAX_SLUG_SUFFIX + 1):
        suffix = f"-{n}"
        yield base[: keys.SLUG_MAX - len(suffix)].rstrip("-") + suffix


async def _with_free_slug(dynamo: Dynamo, base: str, build: Callable[[str], list[Action]]) -> str:
    """Run the transaction `build(slug)` with the first slug of `base` that is free."""
    for slug in slug_candidates(base):
        try:
            await transact(dynamo, build(slug))
        except _SlugTaken:
            continue
        return slug
    raise Conflict(
        f"the slugs {base!r} to {base!r}-{MAX_SLUG_SUFFIX} are all taken; choose another title"
    )


def _slug_lock(slug: str, pid: str, moment: str) -> Action:
    return put(
        lock_item(keys.slug_lock(slug), "SLUG_LOCK", "postId", pid, moment), ABSENT, _SlugTaken()
    )


def _release_slug(slug: str, pid: str) -> Action:
    """Delete the post's slug lock, unless another post holds it (then fail)."""
    return delete(
        keys.slug_lock(slug),
        "attribute_not_exists(PK) OR #owner = :pid",
        Conflict(f"the slug lock {slug!r} belongs to another post"),
        names={"#owner": "postId"},
        values={":pid": pid},
    )


def _tag_changes(current: PostRecord, new: PostRecord) -> list[Action]:
    """Links for added tags, deletes for removed ones, and postCount while published."""
    published = current.status == PUBLISHED
    old, fresh = set(current.tag_ids), set(new.tag_ids)
    actions: list[Action] = []
    for tid in new.tag_ids:
        if tid not in old:
            actions.append(put(new.tag_link_item(tid)))
            actions.append(touch(keys.tag(tid), "postCount", 1 if published else 0, _tag_missing()))
    for tid in current.tag_ids:
        if tid not in fresh:
            actions.append(delete(keys.post_tag(current.post_id, tid)))
            if published:
                actions.append(
                    counter(
                        keys.tag(tid),
                        "postCount",
                        -1,
                        Conflict("a tag of this post no longer exists"),
                    )
                )
    return actions


# ---------------------------------------------------------------- create and edit


async def create_post(dynamo: Dynamo, shards: int, new: NewPost) -> PostRecord:
    """Put the post, its slug lock (suffixed `-2`, `-3`, ... while taken) and tag links.

    Tags and the category must exist; a post created PUBLISHED counts on its tags.
    """
    moment = now_iso()
    published = new.status == PUBLISHED
    record = PostRecord(
        post_id=new_ulid(),
        author_id=new.author_id,
        category_id=new.category_id,
        tag_ids=list(new.tag_ids),
        title=new.title,
        slug=new.base_slug,
        excerpt=new.excerpt,
        content=new.content,
        featured_image=new.featured_image,
        status=new.status,
        published_at=moment if published else None,
        view_count=0,
        like_count=0,
        comment_count=0,
        created_at=moment,
        updated_at=moment,
        version=1,
    )

    def build(slug: str) -> list[Action]:
        post = replace(record, slug=slug)
        actions = [put(post.to_item(shards=shards), ABSENT, answer=True),
                   _slug_lock(slug, post.post_id, moment)]
        for tid in post.tag_ids:
            actions.append(put(post.tag_link_item(tid)))
            actions.append(touch(keys.tag(tid), "postCount", 1 if published else 0, _tag_missing()))
        if post.category_id:
            actions.append(check(keys.category(post.category_id), EXISTS, _category_missing()))
        return actions

    slug = await _with_free_slug(dynamo, new.base_slug, build)
    return replace(record, slug=slug)


def _apply(current: PostRecord, edit: PostChanges) -> PostRecord:
    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("title", edit.title),
            ("content", edit.content),
            ("excerpt", edit.excerpt),
            ("featured_image", edit.featured_image),
            ("category_id", edit.category_id),
            ("tag_ids", edit.tag_ids),
        )
        if not isinstance(value, Keep)
    }
    return replace(current, **given)


async def update_post(
    dynamo: Dynamo, shards: int, pid: str, edit: PostChanges, guard: Guard
) -> PostRecord:
    """Edit the post; CONFLICT if `expected_version` is given and is not the current one.

    Without `expected_version` the edit applies to whatever version is current:
    it is conditioned on the version read and rebuilt if that changed.
    """

    async def write(current: PostRecord) -> PostRecord:
        if edit.expected_version is not None and current.version != edit.expected_version:
            raise Conflict(f"the post is at version {current.version}, not {edit.expected_version}")
        new = _apply(current, edit)
        if new == current:
            return current
        moment = now_iso()
        new = replace(new, version=current.version + 1, updated_at=moment)
        try:
            return await _write_edit(dynamo, shards, current, new, edit.base_slug, moment)
        except Stale:
            # The client asked for an edit of that version: it is gone, so is the edit.
            if edit.expected_version is not None:
                raise Conflict(f"the post changed after version {edit.expected_version}") from None
            raise

    return await optimistic(lambda: _current(dynamo, pid, guard), write, "the post")


async def _write_edit(
    dynamo: Dynamo, shards: int, current: PostRecord, new: PostRecord,
    base: str | Keep, moment: str,
) -> PostRecord:
    """Write the edit from `current` to `new`, with a new slug if the title's `base` needs one."""
    pid = current.post_id

    def build(slug: str | None) -> list[Action]:
        post = replace(new, slug=slug) if slug else new
        actions = [versioned_update(current, post, shards=shards), *_tag_changes(current, post)]
        if post.category_id and post.category_id != current.category_id:
            actions.append(check(keys.category(post.category_id), EXISTS, _category_missing()))
        if slug:
            actions += [_slug_lock(slug, pid, moment), _release_slug(current.slug, pid)]
        return actions

    # A new slug only when the title's slug is not the one (or a suffixed one) it has.
    if not isinstance(base, Keep) and current.slug not in slug_candidates(base):
        return replace(new, slug=await _with_free_slug(dynamo, base, build))
    await transact(dynamo, build(None))
    return new


async def set_post_status(
    dynamo: Dynamo, shards: int, pid: str, status: str, guard: Guard
) -> PostRecord:
    """Move the post to `status` (publish or archive); a no-op if it is already there.

    The post's feed keys, its tag links' GSI1 keys and, when it enters or
    leaves PUBLISHED, its tags' postCount change in one transaction.
    publishedAt is set on the first publish and kept afterwards.
    """

    async def write(current: PostRecord) -> PostRecord:
        if current.status == status:
            return current
        moment = now_iso()
        new = replace(
            current,
            status=status,
            updated_at=moment,
            version=current.version + 1,
            published_at=current.published_at or (moment if status == PUBLISHED else None),
        )
        delta = (status == PUBLISHED) - (current.status == PUBLISHED)
        actions = [versioned_update(current, new, shards=shards)]
        for tid in new.tag_ids:
            # A whole new link item: it gains or loses its GSI1 keys with the status.
            actions.append(put(new.tag_link_item(tid)))
            if delta:
                actions.append(
                    counter(
                        keys.tag(tid),
                        "postCount",
                        delta,
                        Conflict("a tag of this post no longer exists"),
                    )
                )
        await transact(dynamo, actions)
        return new

    return await optimistic(lambda: _current(dynamo, pid, guard), write, "the post")


# ---------------------------------------------------------------- delete


async def _delete_children(dynamo: Dynamo, pid: str) -> None:
    """Every item of the post's partition but the post itself: links, likes, comments."""
    items = await collection(dynamo, keys.post_pk(pid))
    await delete_keys(dynamo, item_keys(item for item in items if item["SK"] != "POST"))


async def _holds_slug(dynamo: Dynamo, post: PostRecord) -> bool:
    """Whether the post's slug lock exists and names this post (other writers may differ)."""
    try:
        key = keys.slug_lock(post.slug)
    except InvalidInput:
        return False
    lock = await read(dynamo, key)
    return lock is not None and lock.get("postId") == post.post_id


async def delete_post(dynamo: Dynamo, shards: int, pid: str, guard: Guard) -> None:
    """Delete the post's whole item collection, its slug lock and its tag counts.

    The children go first, then the post with its slug lock and (when it was
    published) `postCount - 1` on its tags in one transaction, then whatever
    was added in between. Nothing can be added after the post is gone: likes
    and comments are conditioned on it. Interrupted, it can simply be run again.
    """

    async def write(current: PostRecord) -> None:
        await _delete_children(dynamo, pid)
        actions = [versioned_delete(current, shards=shards)]
        if await _holds_slug(dynamo, current):
            actions.append(_release_slug(current.slug, pid))
        if current.status == PUBLISHED and current.tag_ids:
            tags = await dynamo.get_items([keys.tag(t) for t in current.tag_ids])
            # A tag deleted since it was read is no failure: read again, leave it out.
            actions += [
                counter(keys.tag(tid), "postCount", -1, Stale())
                for tid, tag in zip(current.tag_ids, tags, strict=True)
                if tag
            ]
        await transact(dynamo, actions)

    await optimistic(lambda: _current(dynamo, pid, guard), write, "the post")
    await _delete_children(dynamo, pid)


# ---------------------------------------------------------------- likes and views


async def like_post(dynamo: Dynamo, pid: str, uid: str, guard: Guard) -> PostRecord:
    """The viewer's Like and likeCount + 1 together; liking twice changes nothing."""
    await _current(dynamo, pid, guard)
    like = {
        **keys.like(pid, uid),
        "entityType": "LIKE",
        "postId": pid,
        "userId": uid,
        "createdAt": now_iso(),
    }
    with suppress(Unchanged):
        await transact(
            dynamo,
            [
                put(like, ABSENT, Unchanged()),
                counter(keys.post(pid), "likeCount", 1, NotFound("post not found")),
            ],
        )
    return await _current(dynamo, pid, guard)


async def unlike_post(dynamo: Dynamo, pid: str, uid: str, guard: Guard) -> PostRecord:
    """Delete the viewer's Like and likeCount - 1 together; no Like, no change."""
    await _current(dynamo, pid, guard)
    with suppress(Unchanged):
        await transact(
            dynamo,
            [
                delete(keys.like(pid, uid), EXISTS, Unchanged()),
                counter(keys.post(pid), "likeCount", -1, NotFound("post not found")),
            ],
        )
    return await _current(dynamo, pid, guard)


async def record_view(dynamo: Dynamo, pid: str, guard: Guard) -> int:
    """viewCount + 1 on the post; the new count."""
    await _current(dynamo, pid, guard)
    return await add_to(dynamo, keys.post(pid), "viewCount", 1, NotFound("post not found"))
