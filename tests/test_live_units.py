"""The pure parts of subscriptions, alone: a stream record as a change, which topics a
change concerns, and the broker's bounded, deduplicating fan-out that waits a while
for a full subscriber before it closes it."""

from __future__ import annotations

import asyncio
from typing import Any

from data.changes import Change
from data.client import to_wire
from data.comments import CommentRecord
from data.stream import _change
from live import topics
from live.broker import Broker

POST = "01KF0HJ080SMECB8YWT2SHFJ2B"
COMMENT = "01M91E58BGYHXZZNXNH4JEKV6D"
NOW = "2026-12-04T10:00:00.000Z"


def comment_item(status: str = "APPROVED", content: str = "hi") -> dict[str, Any]:
    return {"PK": f"POST#{POST}", "SK": f"COMMENT#{COMMENT}", "entityType": "COMMENT",
            "commentId": COMMENT, "postId": POST, "authorId": "01AUTHOR0000000000000000000",
            "content": content, "status": status, "createdAt": NOW, "version": 1}


def change(name: str, new: dict[str, Any] | None, old: dict[str, Any] | None,
           event_id: str = "e1") -> Change:
    return Change(event_id, name,  # type: ignore[arg-type]  # names come from the stream
                  to_wire(new) if new else None, to_wire(old) if old else None)


def test_a_stream_record_becomes_a_change_read_through_the_layout() -> None:
    record = {"eventID": "e9", "eventName": "INSERT",
              "dynamodb": {"NewImage": {**to_wire(comment_item()),
                                        "blob": {"B": b"\x00\xff"}}}}
    seen = _change(record)
    assert seen.entity_type == "COMMENT"
    comment = seen.new(CommentRecord)
    assert comment is not None and comment.comment_id == COMMENT and comment.post_id == POST
    assert seen.old(CommentRecord) is None
    # Binary comes back as the HTTP API's base64, so the change travels as JSON.
    assert Change.from_json(seen.to_json()).new_image == {**to_wire(comment_item()),
                                                          "blob": {"B": "AP8="}}


def test_an_item_that_breaks_the_layout_is_no_event() -> None:
    broken = comment_item()
    del broken["postId"]
    assert change("INSERT", broken, None).new(CommentRecord) is None
    assert topics.topics_of(change("INSERT", broken, None)) == []


def test_which_changes_have_topics() -> None:
    new_comment = change("INSERT", comment_item(), None)
    edited = change("MODIFY", comment_item(content="edited"), comment_item())
    approved = change("MODIFY", comment_item("APPROVED"), comment_item("PENDING"))
    assert topics.topics_of(new_comment) == [topics.comments_of(POST)]
    assert topics.topics_of(edited) == []  # a text edit is not a new comment
    assert topics.topics_of(approved) == [topics.comments_of(POST)]

    post = {"PK": f"POST#{POST}", "SK": "POST", "entityType": "POST", "postId": POST,
            "authorId": "01AUTHOR0000000000000000000", "createdAt": NOW}
    published = {**post, "status": "PUBLISHED", "publishedAt": NOW}
    assert topics.topics_of(change("MODIFY", published, {**post, "status": "DRAFT"})) == [
        topics.PUBLISHED_POSTS]
    assert topics.topics_of(change("MODIFY", published, published)) == []
    assert topics.topics_of(change("INSERT", {**post, "status": "DRAFT"}, None)) == []

    order = {"PK": "USER#u", "SK": "ORDER#o", "entityType": "ORDER", "orderId": "o",
             "userId": "u", "status": "PENDING", "createdAt": NOW}
    shipped = {**order, "status": "SHIPPED"}
    assert topics.topics_of(change("MODIFY", shipped, order)) == [topics.order("o")]
    assert topics.topics_of(change("INSERT", order, None)) == []

    user = {"PK": "USER#u", "SK": "USER", "entityType": "USER", "userId": "u",
            "createdAt": NOW}
    assert topics.topics_of(change("MODIFY", {**user, "status": "SUSPENDED"}, user)) == [
        topics.user("u")]
    assert topics.topics_of(change("MODIFY", {**user, "loginCount": 3}, user)) == []
    assert topics.topics_of(change("REMOVE", None, user)) == [topics.user("u")]


async def test_the_broker_fans_out_once_and_closes_a_subscriber_that_falls_behind() -> None:
    broker = Broker(limit=2, patience=0.05)
    slow_told: list[bool] = []
    fast, first = broker.open(["a", "b"], overflow=lambda: None)
    slow, _ = broker.open(["a"], overflow=lambda: slow_told.append(True))
    assert sorted(first) == ["a", "b"]

    changes = [change("INSERT", comment_item(), None, event_id=f"e{i}") for i in range(4)]
    await broker.deliver("a", changes[0])
    await broker.deliver("a", changes[0])  # the same record again: a new reader resuming
    assert await fast.get() is changes[0]
    assert await fast.get(timeout=0.01) is None

    await broker.deliver("a", changes[1])
    assert await fast.get() is changes[1]  # the fast one keeps up
    # The slow one read nothing: a third change finds its queue full, and it takes
    # nothing within the patience: closed, told, and forgotten by the broker.
    await broker.deliver("a", changes[2])
    assert slow.closed and slow.overflowed and slow_told == [True]
    assert await slow.get() is None
    assert await fast.get() is changes[2]
    # Nobody else follows "a" now: closing the fast one leaves both topics unfollowed.
    assert sorted(broker.close(fast)) == ["a", "b"]


async def test_a_burst_larger_than_the_queue_reaches_a_subscriber_that_reads() -> None:
    broker = Broker(limit=2, patience=5.0)
    inbox, _ = broker.open(["a"], overflow=lambda: None)
    burst = [change("INSERT", comment_item(), None, event_id=f"b{i}") for i in range(10)]

    async def publish() -> None:
        for each in burst:
            await broker.deliver("a", each)

    publishing = asyncio.create_task(publish())
    received = [await inbox.get(timeout=5) for _ in burst]
    await publishing
    assert received == burst and not inbox.closed


async def test_a_waiting_subscriber_wakes_for_a_change_or_its_close() -> None:
    broker = Broker(limit=4)
    inbox, _ = broker.open(["a"], overflow=lambda: None)
    waiting = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    await broker.deliver("a", one := change("INSERT", comment_item(), None))
    assert await waiting is one
    waiting = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    broker.close(inbox)
    assert await waiting is None
