"""Accounts: users, profiles and sessions; their item layouts, their reads, and every
write of a user's credentials, role or profile.

This is the only module that hashes, checks or writes `passwordHash`, and the
hash never leaves it: callers get items with the hash stripped, so they can
prime their caches with exactly what was written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from data import keys
from data.client import Dynamo, Key, to_wire
from data.clock import iso, now, now_iso
from data.errors import ConditionFailed, Conflict, DynamoError, InvalidInput, NotFound
from data.layout import Attributes, Entity, Item, attr
from data.pages import ListRead
from data.passwords import hash_password, needs_rehash, verify_password
from data.queries import Filter, QuerySpec, SortCondition, run_query
from data.tokens import new_token, token_hash
from data.transactions import MAX_ACTIONS, check, delete, put, transact, update, update_expression
from data.ulid import new_ulid

PASSWORD_MIN = 8
# Long enough for any passphrase, short enough that hashing it is no denial of service.
PASSWORD_MAX = 256
USER_AGENT_MAX = 512
# Users in these states cannot sign in, and their sessions count as anonymous.
BLOCKED_STATUSES = ("SUSPENDED", "INACTIVE")
_CONDITION_FAILED = "ConditionalCheckFailedException"


# ---------------------------------------------------------------- item layout


@dataclass(kw_only=True)
class UserRecord(Entity):
    entity_type = "USER"

    user_id: str
    email: str = ""
    first_name: str | None = None
    last_name: str | None = None
    role: str = "USER"
    status: str = "ACTIVE"
    email_verified: bool = False
    last_login_at: str | None = None
    login_count: int = 0
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return keys.user(self.user_id)


@dataclass(kw_only=True)
class SocialLinkRecord(Attributes):
    name: str = ""
    url: str = ""


@dataclass(kw_only=True)
class ProfileRecord(Entity):
    entity_type = "PROFILE"

    user_id: str
    bio: str | None = None
    avatar_url: str | None = None
    website: str | None = None
    location: str | None = None
    social_links: list[SocialLinkRecord] = attr(default=[])
    created_at: str = attr(fallback="updatedAt")
    updated_at: str = attr(fallback="createdAt")
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return keys.profile(self.user_id)


@dataclass(kw_only=True)
class SessionRecord(Entity):
    entity_type = "SESSION"

    session_id: str
    user_id: str
    token_hash: str = attr(read=lambda item: keys.token_hash_of(item["PK"]))
    user_agent: str | None = None
    created_at: str
    updated_at: str = attr(fallback="createdAt")
    expires_at: str
    ttl: int = 0
    version: int = 1

    def keys(self, **layout: Any) -> Item:
        return {
            **keys.session(self.token_hash),
            "GSI1PK": keys.user_pk(self.user_id),
            "GSI1SK": keys.session_sort(self.session_id),
        }


# ---------------------------------------------------------------- reads


def _live_sessions() -> Filter:
    """Sessions not yet expired: TTL deletion lags, so expired items are filtered."""
    return Filter(
        "#exp > :now", names=(("#exp", "expiresAt"),), values=((":now", now_iso()),), binding="live"
    )


def sessions_of_user(user_id: str) -> ListRead[SessionRecord]:
    """The user's live sessions, oldest first."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(user_id),
        SortCondition("begins_with", "SESSION#"),
        filter=_live_sessions(),
    )
    return ListRead.one(spec, SessionRecord.from_item)


def session_of_user(user_id: str, session_id: str) -> ListRead[SessionRecord]:
    """One of the user's live sessions, by its ID (a Query in the user's partition:
    the session item's own key is the token's hash, which an ID never carries)."""
    spec = QuerySpec(
        "GSI1",
        keys.user_pk(user_id),
        SortCondition("=", keys.session_sort(session_id)),
        limit=1,
        filter=_live_sessions(),
    )
    return ListRead.one(spec, SessionRecord.from_item)


# ---------------------------------------------------------------- writes


@dataclass(frozen=True)
class Account:
    """A user's items as they stand after a write, `passwordHash` removed."""

    user: Item
    profile: Item | None = None

    @property
    def record(self) -> UserRecord:
        return UserRecord.from_item(self.user)


def valid_password(value: str, field: str = "password") -> str:
    """`value` if it is an acceptable new password (8 to 256 characters)."""
    if len(value) < PASSWORD_MIN:
        raise InvalidInput(field, f"{field} must be at least {PASSWORD_MIN} characters")
    if len(value) > PASSWORD_MAX:
        raise InvalidInput(field, f"{field} must be at most {PASSWORD_MAX} characters")
    return value


def _public(item: Item) -> Item:
    return {name: value for name, value in item.items() if name != "passwordHash"}


async def _update(dynamo: Dynamo, key: Key, expression: str, condition: str,
                  names: dict[str, str], values: dict[str, Any]) -> Item | None:
    """UpdateItem returning the new item; None when `condition` did not hold."""
    try:
        return await dynamo.update_item(key, expression, condition=condition, names=names,
                                        values=values)
    except ConditionFailed:
        return None


def _changes(changes: Mapping[str, Any], stamp: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An update expression that sets each attribute (None removes it) and bumps the version."""
    return update_expression(
        set_={**{k: v for k, v in changes.items() if v is not None}, "updatedAt": stamp},
        remove=[k for k, v in changes.items() if v is None],
        add={"version": 1},
    )


# ---------------------------------------------------------------- sessions


def new_session(user_id: str, user_agent: str | None, ttl_seconds: int,
                secret: str | None = None) -> tuple[str, SessionRecord]:
    """A fresh bearer token and the session stored for it (under the token's hash only).

    The token's secret part is random unless `secret` fixes it (a retried sign-up
    must hand out the token it handed out first)."""
    token = new_token(user_id) if secret is None else f"{user_id}.{secret}"
    started = now()
    expires = started + timedelta(seconds=ttl_seconds)
    record = SessionRecord(
        session_id=new_ulid(), user_id=user_id, token_hash=token_hash(token),
        user_agent=(user_agent or "")[:USER_AGENT_MAX] or None,
        created_at=iso(started), updated_at=iso(started), expires_at=iso(expires),
        ttl=int(expires.timestamp()),
    )
    return token, record


async def put_session(dynamo: Dynamo, session: SessionRecord) -> None:
    """Store a new session (a token hash is never reused)."""
    await dynamo.call("put_item", TableName=dynamo.table, Item=to_wire(session.to_item()),
                      ConditionExpression="attribute_not_exists(PK)")


async def delete_session(dynamo: Dynamo, token_hash_hex: str, user_id: str) -> bool:
    """Delete the session stored under `token_hash_hex` if it belongs to `user_id`."""
    try:
        await dynamo.call(
            "delete_item", TableName=dynamo.table, Key=to_wire(keys.session(token_hash_hex)),
            ConditionExpression="#user = :user", ExpressionAttributeNames={"#user": "userId"},
            ExpressionAttributeValues=to_wire({":user": user_id}),
        )
    except DynamoError as exc:
        if exc.code == _CONDITION_FAILED:
            return False
        raise
    return True


async def end_sessions(dynamo: Dynamo, user_id: str, keep: str | None = None) -> int:
    """Delete every session of `user_id` but the one with ID `keep`; how many were deleted."""
    spec = QuerySpec("GSI1", keys.user_pk(user_id), SortCondition("begins_with", "SESSION#"),
                     limit=0)
    doomed = [{"PK": str(item["PK"]), "SK": str(item["SK"])}
              for item in await run_query(dynamo, spec) if item.get("sessionId") != keep]
    chunks = [doomed[i : i + MAX_ACTIONS] for i in range(0, len(doomed), MAX_ACTIONS)]
    # Unconditional deletes: a session that is already gone is simply gone.
    await asyncio.gather(*(transact(dynamo, [delete(key) for key in chunk]) for chunk in chunks))
    return len(doomed)


# ---------------------------------------------------------------- accounts


async def create_user(
    dynamo: Dynamo,
    email: str,
    password: str,
    first_name: str | None = None,
    last_name: str | None = None,
    role: str = "USER",
    session: SessionRecord | None = None,
) -> Account:
    """A new ACTIVE, unverified user with an empty profile and the lock on its email.

    User, profile, email lock (and `session`, if given: the sign-up's first
    session) are one transaction; an email already taken is CONFLICT.
    """
    address = keys.normalise_email(email)
    password_hash = await hash_password(valid_password(password))
    stamp = now_iso()
    user_id = session.user_id if session else new_ulid()
    user = UserRecord(
        user_id=user_id, email=address, first_name=first_name, last_name=last_name,
        role=role, status="ACTIVE", email_verified=False,
        # A sign-up that opens a session is the account's first sign-in.
        last_login_at=stamp if session else None, login_count=1 if session else 0,
        created_at=stamp, updated_at=stamp, version=1,
    )
    profile = ProfileRecord(user_id=user_id, created_at=stamp, updated_at=stamp).to_item()
    lock = {**keys.email_lock(address), "entityType": "EMAIL_LOCK", "userId": user_id,
            "createdAt": stamp}
    new = "attribute_not_exists(PK)"
    actions = [
        put({**user.to_item(), "passwordHash": password_hash}, new, answer=True),
        put(profile, new),
        put(lock, new, failure=Conflict("an account with this email already exists")),
    ]
    if session is not None:
        actions.append(put(session.to_item(), new))
    await transact(dynamo, actions)
    return Account(_public(user.to_item()), profile)


async def _owner_of_email(dynamo: Dynamo, address: str) -> str | None:
    lock = await dynamo.get_item(keys.email_lock(address), consistent=True)
    owner = lock.get("userId") if lock else None
    return str(owner) if owner else None


async def authenticate(dynamo: Dynamo, email: str, password: str) -> Account | None:
    """The account, with this sign-in recorded, if the credentials match a user who may
    sign in; None otherwise. An unknown email costs as much time as a wrong password."""
    address = keys.normalise_email(email)
    if len(password) > PASSWORD_MAX:
        # No account has such a password; refuse before hashing megabytes.
        return None
    owner = await _owner_of_email(dynamo, address)
    item = await dynamo.get_item(keys.user(owner), consistent=True) if owner else None
    stored = str(item["passwordHash"]) if item and item.get("passwordHash") else None
    if not await verify_password(stored, password) or item is None or stored is None:
        return None
    if str(item.get("status", "ACTIVE")) in BLOCKED_STATUSES:
        return None
    return await _record_sign_in(dynamo, str(item["userId"]), stored, password)


async def _record_sign_in(dynamo: Dynamo, user_id: str, stored: str, password: str) -> Account:
    """Stamp lastLoginAt, count the sign-in and, when the hash parameters are outdated,
    store a fresh hash of the password just verified."""
    base = ("SET #last = :now, #updatedAt = :now", "ADD #count :one, #version :one")
    names = {"#last": "lastLoginAt", "#updatedAt": "updatedAt", "#count": "loginCount",
             "#version": "version"}
    values: dict[str, Any] = {":now": now_iso(), ":one": 1}
    key = keys.user(user_id)
    if needs_rehash(stored):
        fresh = await hash_password(password)
        # Only over the hash just verified: a password changed meanwhile must win.
        item = await _update(
            dynamo, key, f"{base[0]}, #hash = :fresh {base[1]}",
            "attribute_exists(PK) AND #hash = :stored",
            {**names, "#hash": "passwordHash"}, {**values, ":fresh": fresh, ":stored": stored},
        )
        if item is not None:
            return Account(_public(item))
    item = await _update(dynamo, key, " ".join(base), "attribute_exists(PK)", names, values)
    if item is None:
        raise NotFound("the account was deleted")
    return Account(_public(item))


async def change_password(dynamo: Dynamo, user_id: str, current: str, new: str,
                          keep_session: str | None) -> bool:
    """Replace the password if `current` is right, then end every other session.

    False, with nothing written, when `current` is wrong. `new` must already be valid.
    """
    item = await dynamo.get_item(keys.user(user_id), consistent=True)
    stored = str(item["passwordHash"]) if item and item.get("passwordHash") else None
    if len(current) > PASSWORD_MAX or not await verify_password(stored, current):
        return False
    fresh = await hash_password(valid_password(new))
    expression, names, values = _changes({"passwordHash": fresh}, now_iso())
    names["#old"] = "passwordHash"
    values[":old"] = stored
    # Two changes racing from the same old password: only the first one lands.
    if await _update(dynamo, keys.user(user_id), expression, "#old = :old", names, values) is None:
        raise Conflict("the password was changed meanwhile; try again")
    await end_sessions(dynamo, user_id, keep=keep_session)
    return True


async def update_profile(dynamo: Dynamo, user_id: str, user_changes: Mapping[str, Any],
                         profile_changes: Mapping[str, Any]) -> Account:
    """Set names on the User item and fields on the Profile item in one transaction.

    Each mapping holds only the attributes to change; None removes one. The
    profile item is created if another writer left it out.
    """
    stamp = now_iso()
    actions = []
    if user_changes:
        expression, names, values = _changes(user_changes, stamp)
        actions.append(update(keys.user(user_id), expression, "attribute_exists(PK)", names,
                              values, failure=NotFound("no such user")))
    if profile_changes:
        expression, names, values = _changes(profile_changes, stamp)
        # Written in full, so a profile that another writer left out is created whole.
        owned = "#entity = :entity, #user = :user, #created = if_not_exists(#created, :now), "
        expression = expression.replace("SET ", "SET " + owned, 1)
        names.update({"#entity": "entityType", "#user": "userId", "#created": "createdAt"})
        values.update({":entity": "PROFILE", ":user": user_id, ":now": stamp})
        actions.append(update(keys.profile(user_id), expression, names=names, values=values))
        if not user_changes:
            # The profile belongs to a user; never create one beside a missing user.
            actions.append(check(keys.user(user_id), "attribute_exists(PK)",
                                 NotFound("no such user")))
    await transact(dynamo, actions)
    user, profile = await asyncio.gather(
        dynamo.get_item(keys.user(user_id), consistent=True),
        dynamo.get_item(keys.profile(user_id), consistent=True),
    )
    if user is None:
        raise NotFound("no such user")
    return Account(_public(user), profile)


async def set_role_and_status(dynamo: Dynamo, user_id: str, role: str | None,
                              status: str | None) -> Account:
    """Change a user's role and/or status; NOT_FOUND if there is no such user.

    Blocking a user (SUSPENDED, INACTIVE) also ends all their sessions, so that
    lifting the block later does not bring old tokens back to life.
    """
    changes = {name: value for name, value in (("role", role), ("status", status)) if value}
    if not changes:
        item = await dynamo.get_item(keys.user(user_id), consistent=True)
    else:
        expression, names, values = _changes(changes, now_iso())
        item = await _update(dynamo, keys.user(user_id), expression, "attribute_exists(PK)",
                             names, values)
    if item is None:
        raise NotFound("no such user")
    if status in BLOCKED_STATUSES:
        await end_sessions(dynamo, user_id)
    return Account(_public(item))


async def ensure_admin(dynamo: Dynamo, email: str, password: str | None) -> UserRecord:
    """Make sure an ADMIN owns `email`: create the account, or promote its owner.

    Idempotent, and safe when several processes run it at once: the email
    lock lets exactly one creation through, the others promote the winner
    (a no-op once it is ADMIN). An existing account keeps its password.
    """
    address = keys.normalise_email(email)
    owner = await _owner_of_email(dynamo, address)
    if owner is None:
        if password is None:
            raise InvalidInput("password", "a password is needed to create the admin account")
        try:
            return (await create_user(dynamo, address, password, role="ADMIN")).record
        except Conflict:
            owner = await _owner_of_email(dynamo, address)
            if owner is None:
                raise
    names = {"#role": "role", "#updatedAt": "updatedAt", "#version": "version"}
    values: dict[str, Any] = {":admin": "ADMIN", ":now": now_iso(), ":one": 1}
    item = await _update(
        dynamo, keys.user(owner), "SET #role = :admin, #updatedAt = :now ADD #version :one",
        "attribute_exists(PK) AND #role <> :admin", names, values,
    )
    if item is None:
        # Already ADMIN (or the lock points nowhere, which is NOT_FOUND below).
        item = await dynamo.get_item(keys.user(owner), consistent=True)
    if item is None:
        raise NotFound(f"the email lock of {address} points to a missing user")
    return UserRecord.from_item(item)
