"""Comments and replies: the item layout, the lists of them, and the writes (add,
edit, moderate, delete) with the counters they move.

replyCount on a top-level comment counts its APPROVED replies, whatever the
comment's own status. commentCount on the post counts what an anonymous reader
can reach: the APPROVED top-level comments and the APPROVED replies to those
(data-model.md has every APPROVED reply move it; a reply under a hidden comment
does not, here). So commentCount = sum of 1 + replyCount over the APPROVED
top-level comments, and a write keeps it so in the same transaction as the
comment:
- a reply entering or leaving APPROVED (added, moderated, deleted) moves its
  parent's replyCount, and commentCount only when the parent is APPROVED; the
  parent's part is conditioned on the status read;
- a top-level comment entering or leaving APPROVED moves commentCount by
  1 + its replyCount; its part is conditioned on the version and the replyCount
  read (replyCount moves by ADD and does not bump the version).
Whichever of two racing writes commits second finds its condition failed
(`Stale`), reads again and counts from the new state: two moderators cannot
count one change twice, and a reply cannot slip past its parent's moderation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from data import keys
from data.client import Dynamo
from data.clock import now_iso
from data.errors import NotFound
from data.layout import Entity, Item, attr
from data.pages import ListRead
from data.queries import Filter, QuerySpec, SortCondition
from data.transactions import Action, check, put, transact
from data.ulid import new_ulid
from data.writes import (
    ABSENT,
    Stale,
    changes,
    collection,
    counter,
    delete_keys,
    item_keys,
    optimistic,
    read_record,
    versioned_delete,
    versioned_update,
)

APPROVED = "APPROVED"
# Replies deleted per transaction, leaving room for the two counter updates.
_REPLY_CHUNK = 90


# ---------------------------------------------------------------- item layout


@dataclass(kw_only=True)
class CommentRecord(Entity):
    """A top-level comment, or a reply when `parent_id` is set."""

    entity_type = "COMMENT"

    comment_id: str
    post_id: str
    author_id: str
    parent_id: str | None = None
    content: str = ""
    status: str = "APPROVED"
    like_count: int = 0
    reply_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.comment(self.post_id, self.comment_id, self.parent_id),
            "GSI1PK": keys.user_pk(self.author_id),
            "GSI1SK": keys.comment_sort(self.comment_id),
        }


# ---------------------------------------------------------------- reads


def visible_comments(viewer_id: str | None, moderates: bool) -> Filter | None:
    """APPROVED comments, plus the viewer's own; no filter for moderators."""
    if moderates:
        return None
    names = (("#st", "status"),)
    if viewer_id:
        return Filter(
            "#st = :approved OR #author = :viewer",
            names=(*names, ("#author", "authorId")),
            values=((":approved", "APPROVED"), (":viewer", viewer_id)),
            binding=f"viewer={viewer_id}",
        )
    return Filter("#st = :approved", names=names, values=((":approved", "APPROVED"),))


def comments_by_author(
    author_id: str, viewer_id: str | None, moderates: bool
) -> ListRead[CommentRecord]:
    """The author's comments and replies, newest first, as the viewer may see them."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(author_id),
        SortCondition("begins_with", "COMMENT#"),
        forward=False,
        filter=visible_comments(viewer_id, moderates),
    )
    return ListRead.one(spec, CommentRecord.from_item)


def comments_of_post(
    post_id: str, viewer_id: str | None, moderates: bool
) -> ListRead[CommentRecord]:
    """Top-level comments, oldest first, as the viewer may see them."""
    spec = QuerySpec(
        None,
        keys.post_pk(post_id),
        SortCondition("begins_with", "COMMENT#"),
        filter=visible_comments(viewer_id, moderates),
    )
    return ListRead.one(spec, CommentRecord.from_item)


def replies_of_comment(
    post_id: str, comment_id: str, viewer_id: str | None, moderates: bool
) -> ListRead[CommentRecord]:
    """Replies to a top-level comment, oldest first, as the viewer may see them."""
    spec = QuerySpec(
        None,
        keys.post_pk(post_id),
        SortCondition("begins_with", keys.reply_prefix(comment_id)),
        filter=visible_comments(viewer_id, moderates),
    )
    return ListRead.one(spec, CommentRecord.from_item)


# ---------------------------------------------------------------- writes


# What a write calls with the comment as it is now and, for a reply, its parent
# (None when gone, or for a top-level comment); it raises when the viewer may not go on.
Guard = Callable[[CommentRecord, CommentRecord | None], None]
# A comment as it is now, with its parent when it is a reply.
Found = tuple[CommentRecord, CommentRecord | None]


def _post_gone() -> NotFound:
    return NotFound("the comment's post no longer exists")


def _parent_gone() -> NotFound:
    return NotFound("the parent comment no longer exists")


async def read_comment(
    dynamo: Dynamo, pid: str, cid: str, parent_id: str | None = None
) -> CommentRecord | None:
    """The comment or reply as it is now (strongly consistent), or None."""
    return await read_record(dynamo, CommentRecord, keys.comment(pid, cid, parent_id))


async def _current(
    dynamo: Dynamo, pid: str, cid: str, parent_id: str | None, guard: Guard
) -> Found:
    """The comment (and a reply's parent, read at the same time), `guard`ed."""
    if parent_id is None:
        comment, parent = await read_comment(dynamo, pid, cid), None
    else:
        comment, parent = await asyncio.gather(
            read_comment(dynamo, pid, cid, parent_id), read_comment(dynamo, pid, parent_id)
        )
    if comment is None:
        raise NotFound("comment not found")
    guard(comment, parent)
    return comment, parent


def _comment_count(pid: str, delta: int) -> list[Action]:
    """The post's commentCount moved by `delta`."""
    return [counter(keys.post(pid), "commentCount", delta, _post_gone())] if delta else []


def _reply_count(parent: CommentRecord, delta: int) -> Action:
    """The parent's replyCount moved by `delta`, on the condition that its status is
    still the one read: that status decided whether commentCount moved too."""
    # A status left out reads as APPROVED (the record's default).
    held = "#st = :st" if parent.status != APPROVED else "(attribute_not_exists(#st) OR #st = :st)"
    return changes(
        keys.comment(parent.post_id, parent.comment_id),
        add={"replyCount": delta},
        condition=f"attribute_exists(PK) AND {held}",
        names={"#st": "status"},
        values={":st": parent.status},
        failure=Stale(),
    )


def _reply_counts(parent: CommentRecord | None, delta: int) -> list[Action]:
    """`delta` replies entering (+) or leaving (-) APPROVED: the parent's replyCount,
    and commentCount when the parent is APPROVED. Replies of a parent that is gone
    count nowhere."""
    if not delta or parent is None:
        return []
    shown = delta if parent.status == APPROVED else 0
    return [_reply_count(parent, delta), *_comment_count(parent.post_id, shown)]


def _on_published_post(pid: str, delta: int) -> Action:
    """commentCount moved by `delta` (or only checked), on a post that exists and is PUBLISHED."""
    condition = "attribute_exists(PK) AND #status = :published"
    names, values = {"#status": "status"}, {":published": "PUBLISHED"}
    failure = NotFound("the post no longer exists or is not published")
    if not delta:
        return check(keys.post(pid), condition, failure, names, values)
    return changes(
        keys.post(pid), add={"commentCount": delta}, condition=condition, names=names,
        values=values, failure=failure,
    )


async def add_comment(
    dynamo: Dynamo,
    pid: str,
    author_id: str,
    content: str,
    parent: CommentRecord | None,
    guard: Guard,
) -> CommentRecord:
    """Put an APPROVED comment, or a reply to `parent` (as the caller read it), and count it.

    The post must still exist and be PUBLISHED, the parent must still exist. A
    reply moves commentCount only when its parent is APPROVED; should the
    parent's status change before the write, the parent is read again, `guard`ed
    (as `guard(parent, None)`) and the reply counted by its new status.
    """
    moment = now_iso()
    record = CommentRecord(
        comment_id=new_ulid(),
        post_id=pid,
        author_id=author_id,
        parent_id=parent.comment_id if parent else None,
        content=content,
        status=APPROVED,
        like_count=0,
        reply_count=0,
        created_at=moment,
        updated_at=moment,
        version=1,
    )
    if parent is None:
        await transact(dynamo, [put(record.to_item(), ABSENT, answer=True),
                                _on_published_post(pid, 1)])
        return record
    # The caller's read serves the first attempt; a retry reads the parent again.
    given = [parent]

    async def parent_now() -> CommentRecord:
        if given:
            return given.pop()
        found = await read_comment(dynamo, pid, parent.comment_id)
        if found is None:
            raise _parent_gone()
        guard(found, None)
        return found

    async def write(now: CommentRecord) -> CommentRecord:
        counted = 1 if now.status == APPROVED else 0
        await transact(
            dynamo,
            [
                put(record.to_item(), ABSENT, answer=True),
                _on_published_post(pid, counted),
                _reply_count(now, 1),
            ],
        )
        return record

    return await optimistic(parent_now, write, "the parent comment")


async def edit_comment(
    dynamo: Dynamo, pid: str, cid: str, parent_id: str | None, content: str, guard: Guard
) -> CommentRecord:
    """Replace the comment's content (version + 1)."""

    async def write(found: Found) -> CommentRecord:
        current = found[0]
        if current.content == content:
            return current
        new = replace(current, content=content, version=current.version + 1, updated_at=now_iso())
        await transact(dynamo, [versioned_update(current, new)])
        return new

    return await optimistic(
        lambda: _current(dynamo, pid, cid, parent_id, guard), write, "the comment"
    )


async def set_comment_status(
    dynamo: Dynamo, pid: str, cid: str, parent_id: str | None, status: str, guard: Guard
) -> CommentRecord:
    """Moderate: set the status, and move the counters if it enters or leaves APPROVED."""

    async def write(found: Found) -> CommentRecord:
        current, parent = found
        if current.status == status:
            return current
        new = replace(current, status=status, version=current.version + 1, updated_at=now_iso())
        delta = (status == APPROVED) - (current.status == APPROVED)
        if current.parent_id:
            actions = [versioned_update(current, new), *_reply_counts(parent, delta)]
        else:
            held = {"replyCount": current.reply_count} if delta else None
            actions = [
                versioned_update(current, new, holding=held),
                *_comment_count(pid, delta * (1 + current.reply_count)),
            ]
        await transact(dynamo, actions)
        return new

    return await optimistic(
        lambda: _current(dynamo, pid, cid, parent_id, guard), write, "the comment"
    )


async def delete_comment(
    dynamo: Dynamo, pid: str, cid: str, parent_id: str | None, guard: Guard
) -> None:
    """Delete the comment and uncount it if it was APPROVED.

    A top-level comment takes its replies with it: they are deleted (and
    uncounted) in chunks first, then the comment, on the condition that its
    replyCount is what those deletes left (a reply added meanwhile makes it
    read again), then any reply another service put without counting it.
    """

    async def write(found: Found) -> None:
        current, parent = found
        if current.parent_id:
            uncount = -1 if current.status == APPROVED else 0
            await transact(dynamo, [versioned_delete(current), *_reply_counts(parent, uncount)])
            return
        current = await _delete_replies(dynamo, current)
        uncount = -(1 + current.reply_count) if current.status == APPROVED else 0
        held = {"replyCount": current.reply_count}
        await transact(
            dynamo, [versioned_delete(current, holding=held), *_comment_count(pid, uncount)]
        )

    await optimistic(lambda: _current(dynamo, pid, cid, parent_id, guard), write, "the comment")
    if parent_id is None:
        left = await collection(dynamo, keys.post_pk(pid), keys.reply_prefix(cid))
        await delete_keys(dynamo, item_keys(left))


async def _delete_replies(dynamo: Dynamo, parent: CommentRecord) -> CommentRecord:
    """Delete every reply to `parent`, uncounting the APPROVED ones chunk by chunk
    (`_reply_counts`); `parent` with the replyCount those deletes left it.

    A reply (or the parent's status) that changed makes a chunk `Stale`: the
    caller reads the parent again and deletes the replies that are left.
    """
    prefix = keys.reply_prefix(parent.comment_id)
    items = await collection(dynamo, keys.post_pk(parent.post_id), prefix)
    found = [CommentRecord.from_item(item) for item in items]
    for start in range(0, len(found), _REPLY_CHUNK):
        chunk = found[start : start + _REPLY_CHUNK]
        approved = sum(1 for reply in chunk if reply.status == APPROVED)
        await transact(
            dynamo,
            [*(versioned_delete(reply) for reply in chunk), *_reply_counts(parent, -approved)],
        )
        parent = replace(parent, reply_count=parent.reply_count - approved)
    return parent
