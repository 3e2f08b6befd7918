"""Comments and replies: the item layout, the lists of them, and the writes (add,
edit, moderate, delete) with the counters they move.

commentCount on the post counts its APPROVED comments and replies, replyCount
on a top-level comment its APPROVED replies. A write moves them in the same
transaction as the comment, and only when the comment enters or leaves
APPROVED; the comment's part is conditioned on the version read, so two
moderators racing cannot count one change twice.
"""

from __future__ import annotations

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
from data.transactions import Action, put, transact
from data.ulid import new_ulid
from data.writes import (
    ABSENT,
    changes,
    collection,
    counter,
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


# What a write calls with the current record; it raises when the viewer may not go on.
Guard = Callable[[CommentRecord], None]


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
) -> CommentRecord:
    comment = await read_comment(dynamo, pid, cid, parent_id)
    if comment is None:
        raise NotFound("comment not found")
    guard(comment)
    return comment


def _counts(comment: CommentRecord, delta: int, parent_counts: bool = True) -> list[Action]:
    """commentCount (and the parent's replyCount) moved by `delta` APPROVED comments."""
    if not delta:
        return []
    actions = [counter(keys.post(comment.post_id), "commentCount", delta, _post_gone())]
    if comment.parent_id and parent_counts:
        actions.append(
            counter(
                keys.comment(comment.post_id, comment.parent_id),
                "replyCount",
                delta,
                _parent_gone(),
            )
        )
    return actions


async def add_comment(
    dynamo: Dynamo, pid: str, author_id: str, content: str, parent_id: str | None
) -> CommentRecord:
    """Put an APPROVED comment (a reply when `parent_id` is given) and count it.

    The post must still exist and be PUBLISHED, the parent must still exist.
    """
    moment = now_iso()
    record = CommentRecord(
        comment_id=new_ulid(),
        post_id=pid,
        author_id=author_id,
        parent_id=parent_id,
        content=content,
        status=APPROVED,
        like_count=0,
        reply_count=0,
        created_at=moment,
        updated_at=moment,
        version=1,
    )
    actions = [
        put(record.to_item(), ABSENT, answer=True),
        changes(
            keys.post(pid),
            add={"commentCount": 1},
            condition="attribute_exists(PK) AND #status = :published",
            names={"#status": "status"},
            values={":published": "PUBLISHED"},
            failure=NotFound("the post no longer exists or is not published"),
        ),
    ]
    if parent_id:
        actions.append(counter(keys.comment(pid, parent_id), "replyCount", 1, _parent_gone()))
    await transact(dynamo, actions)
    return record


async def edit_comment(
    dynamo: Dynamo, pid: str, cid: str, parent_id: str | None, content: str, guard: Guard
) -> CommentRecord:
    """Replace the comment's content (version + 1)."""

    async def write(current: CommentRecord) -> CommentRecord:
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

    async def write(current: CommentRecord) -> CommentRecord:
        if current.status == status:
            return current
        new = replace(current, status=status, version=current.version + 1, updated_at=now_iso())
        delta = (status == APPROVED) - (current.status == APPROVED)
        await transact(dynamo, [versioned_update(current, new), *_counts(current, delta)])
        return new

    return await optimistic(
        lambda: _current(dynamo, pid, cid, parent_id, guard), write, "the comment"
    )


async def delete_comment(
    dynamo: Dynamo, pid: str, cid: str, parent_id: str | None, guard: Guard
) -> None:
    """Delete the comment and uncount it if it was APPROVED.

    A top-level comment takes its replies with it: they are deleted (and
    uncounted) in chunks first, then the comment, then any reply that arrived
    in between. No reply can arrive after that: adding one needs the parent.
    """

    async def write(current: CommentRecord) -> CommentRecord:
        if parent_id is None:
            await _delete_replies(dynamo, current, parent_counts=True)
        uncount = -1 if current.status == APPROVED else 0
        await transact(dynamo, [versioned_delete(current), *_counts(current, uncount)])
        return current

    deleted = await optimistic(
        lambda: _current(dynamo, pid, cid, parent_id, guard), write, "the comment"
    )
    if parent_id is None:
        await _delete_replies(dynamo, deleted, parent_counts=False)


async def _delete_replies(dynamo: Dynamo, parent: CommentRecord, parent_counts: bool) -> None:
    """Delete every reply to `parent`, uncounting the APPROVED ones chunk by chunk.

    `parent_counts` also moves the parent's replyCount (not once it is gone).
    A chunk that finds a reply changed reads the replies that are left again.
    """

    async def replies() -> list[CommentRecord]:
        found = await collection(
            dynamo, keys.post_pk(parent.post_id), keys.reply_prefix(parent.comment_id)
        )
        return [CommentRecord.from_item(item) for item in found]

    async def delete_all(found: list[CommentRecord]) -> None:
        for start in range(0, len(found), _REPLY_CHUNK):
            chunk = found[start : start + _REPLY_CHUNK]
            approved = sum(1 for reply in chunk if reply.status == APPROVED)
            await transact(
                dynamo,
                [
                    *(versioned_delete(reply) for reply in chunk),
                    *_counts(chunk[0], -approved, parent_counts),
                ],
            )

    await optimistic(replies, delete_all, "the comment's replies")
