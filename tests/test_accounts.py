"""Accounts and sessions, end to end through /graphql against DynamoDB Local."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import pytest

from config import ConfigurationError, Settings
from data import keys
from data.accounts import ensure_admin, new_session, put_session
from data.client import Dynamo
from resolvers import ids
from server import bootstrap_admin, create_app
from tests.conftest import codes

PASSWORD = "correct horse battery"
SIGN_UP = """
mutation($input: SignUpInput!) {
  signUp(input: $input) {
    token expiresAt
    user { id email role status emailVerified version displayName lastLoginAt }
  }
}"""
SIGN_IN = """
mutation($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { token user { id email lastLoginAt version } }
}"""
VIEWER = "{ viewer { id email role status version } }"
SESSIONS = "{ viewer { sessions { nodes { id current userAgent } } } }"
SIGN_OUT = "mutation { signOut }"
REVOKE = "mutation($id: ID!) { revokeSession(id: $id) }"
CHANGE_PASSWORD = """
mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new)
}"""
UPDATE_PROFILE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    firstName lastName displayName version
    profile { bio website location avatarUrl socialLinks { name url } }
  }
}"""
PROFILE = """{ viewer { firstName lastName version
  profile { bio website location avatarUrl socialLinks { name url } } } }"""
UPDATE_USER = """
mutation($input: UpdateUserInput!) { updateUser(input: $input) { id role status version } }"""
USER_BY_EMAIL = "query($email: String!) { userByEmail(email: $email) { id email role } }"


def fresh_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def field_of(body: dict[str, Any]) -> str | None:
    field: str | None = body["errors"][0]["extensions"].get("field")
    return field


async def sign_up(gql: Any, email: str | None = None, **names: str) -> dict[str, Any]:
    body = await gql(SIGN_UP, {"input": {"email": email or fresh_email(),
                                         "password": PASSWORD, **names}})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["signUp"]
    return payload


async def sign_in(gql: Any, email: str, password: str = PASSWORD) -> dict[str, Any]:
    body: dict[str, Any] = await gql(SIGN_IN, {"email": email, "password": password})
    return body


async def viewer(gql: Any, token: str) -> dict[str, Any] | None:
    body = await gql(VIEWER, token=token)
    assert "errors" not in body, body
    found: dict[str, Any] | None = body["data"]["viewer"]
    return found


async def test_sign_up_validates_every_field_before_writing(gql: Any, seeded: Any) -> None:
    admin = seeded["users"][0]["token"]
    email = fresh_email()
    cases = [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": email, "password": "short"}, "password"),
        ({"email": email, "password": "x" * 257}, "password"),
        ({"email": email, "password": PASSWORD, "firstName": "n" * 101}, "firstName"),
    ]
    for given, field in cases:
        body = await gql(SIGN_UP, {"input": given})
        assert codes(body) == ["BAD_USER_INPUT"] and field_of(body) == field, body
    found = await gql(USER_BY_EMAIL, {"email": email}, token=admin)
    assert found["data"]["userByEmail"] is None


async def test_sign_up_then_viewer_then_sign_out(gql: Any) -> None:
    email = fresh_email("Journey")
    payload = await sign_up(gql, email.upper(), firstName="  Ada ", lastName="Lovelace")
    user = payload["user"]
    assert user["email"] == email.lower()
    assert (user["role"], user["status"], user["emailVerified"], user["version"]) == (
        "USER", "ACTIVE", False, 1)
    assert user["displayName"] == "Ada Lovelace"

    token = payload["token"]
    assert await viewer(gql, token) == {"id": user["id"], "email": email.lower(), "role": "USER",
                                        "status": "ACTIVE", "version": 1}
    sessions = (await gql(SESSIONS, token=token))["data"]["viewer"]["sessions"]["nodes"]
    assert len(sessions) == 1 and sessions[0]["current"] is True

    signed_in = await sign_in(gql, email.upper())
    assert "errors" not in signed_in, signed_in
    second = signed_in["data"]["signIn"]
    assert second["user"]["id"] == user["id"] and second["token"] != token
    assert second["user"]["lastLoginAt"] is not None

    assert (await gql(SIGN_OUT, token=token))["data"]["signOut"] is True
    assert await viewer(gql, token) is None
    assert await viewer(gql, second["token"]) is not None
    assert codes(await gql(SIGN_OUT, token=token)) == ["UNAUTHENTICATED"]


async def test_wrong_password_and_unknown_email_fail_alike(gql: Any, seeded: Any) -> None:
    wrong_password = await sign_in(gql, seeded["users"][0]["email"], "not-the-password")
    unknown_email = await sign_in(gql, fresh_email("nobody"), "not-the-password")
    assert codes(wrong_password) == codes(unknown_email) == ["UNAUTHENTICATED"]
    assert wrong_password["errors"][0]["message"] == unknown_email["errors"][0]["message"]
    assert wrong_password["data"] is None


async def test_concurrent_sign_ups_of_one_email_create_one_user(
    gql: Any, seeded: Any, dynamo: Dynamo
) -> None:
    email = fresh_email("race")
    # 20 spellings of one address, differing only in letter case.
    spellings = ["".join(c.upper() if (i >> (n % 5)) & 1 else c for n, c in enumerate(email))
                 for i in range(20)]
    bodies = await asyncio.gather(*(
        gql(SIGN_UP, {"input": {"email": spelling, "password": PASSWORD}})
        for spelling in spellings
    ))
    winners = [b["data"]["signUp"] for b in bodies if not b.get("errors")]
    assert len(winners) == 1
    assert sorted(code for b in bodies for code in codes(b)) == ["CONFLICT"] * 19

    admin = seeded["users"][0]["token"]
    found = (await gql(USER_BY_EMAIL, {"email": email.upper()}, token=admin))["data"]
    assert found["userByEmail"]["id"] == winners[0]["user"]["id"]
    lock = await dynamo.get_item(keys.email_lock(email), consistent=True)
    assert lock is not None
    assert ids.encode("User", lock["userId"]) == winners[0]["user"]["id"]


async def test_change_password_ends_the_other_sessions(gql: Any) -> None:
    email = fresh_email()
    current = (await sign_up(gql, email))["token"]
    others = [(await sign_in(gql, email))["data"]["signIn"]["token"] for _ in range(2)]

    wrong = await gql(CHANGE_PASSWORD, {"current": "wrong password", "new": "brand new pass"},
                      token=current)
    assert codes(wrong) == ["BAD_USER_INPUT"] and field_of(wrong) == "currentPassword"
    short = await gql(CHANGE_PASSWORD, {"current": PASSWORD, "new": "short"}, token=current)
    assert codes(short) == ["BAD_USER_INPUT"] and field_of(short) == "newPassword"
    assert all([await viewer(gql, token) for token in others])  # nothing changed yet

    changed = await gql(CHANGE_PASSWORD, {"current": PASSWORD, "new": "brand new pass"},
                        token=current)
    assert changed["data"] == {"changePassword": True}
    assert await viewer(gql, current) is not None
    assert [await viewer(gql, token) for token in others] == [None, None]
    assert codes(await sign_in(gql, email)) == ["UNAUTHENTICATED"]
    assert "errors" not in await sign_in(gql, email, "brand new pass")


async def test_revoke_session(gql: Any) -> None:
    email = fresh_email()
    mine = (await sign_up(gql, email))["token"]
    spare = (await sign_in(gql, email))["data"]["signIn"]["token"]
    theirs = (await sign_up(gql))["token"]

    their_session = (await gql(SESSIONS, token=theirs))["data"]["viewer"]["sessions"]["nodes"][0]
    stolen = await gql(REVOKE, {"id": their_session["id"]}, token=mine)
    assert codes(stolen) == ["NOT_FOUND"]
    assert await viewer(gql, theirs) is not None

    assert codes(await gql(REVOKE, {"id": "garbage"}, token=mine)) == ["BAD_USER_INPUT"]
    assert codes(await gql(REVOKE, {"id": their_session["id"]})) == ["UNAUTHENTICATED"]

    nodes = (await gql(SESSIONS, token=mine))["data"]["viewer"]["sessions"]["nodes"]
    other = next(node for node in nodes if not node["current"])
    assert (await gql(REVOKE, {"id": other["id"]}, token=mine))["data"] == {"revokeSession": True}
    assert await viewer(gql, spare) is None
    assert await viewer(gql, mine) is not None
    assert codes(await gql(REVOKE, {"id": other["id"]}, token=mine)) == ["NOT_FOUND"]


async def test_update_profile(gql: Any) -> None:
    token = (await sign_up(gql, firstName="Grace"))["token"]
    links = [{"name": "GitHub", "url": "https://github.com/grace"}]
    body = await gql(UPDATE_PROFILE, {"input": {
        "lastName": " Hopper ", "bio": "Compilers.", "website": "https://grace.example",
        "socialLinks": links,
    }}, token=token)
    assert "errors" not in body, body
    updated = body["data"]["updateProfile"]
    assert (updated["firstName"], updated["lastName"], updated["displayName"]) == (
        "Grace", "Hopper", "Grace Hopper")
    assert updated["version"] == 2
    assert updated["profile"] == {"bio": "Compilers.", "website": "https://grace.example",
                                  "location": None, "avatarUrl": None, "socialLinks": links}
    before = (await gql(PROFILE, token=token))["data"]["viewer"]
    assert before["version"] == 2 and before["profile"] == updated["profile"]

    bad_inputs = [
        ({"firstName": "Changed", "website": "javascript:alert(1)"}, "website"),
        ({"bio": "Changed", "socialLinks": [{"name": "x", "url": "ftp://nope"}]},
         "socialLinks[0].url"),
        ({"socialLinks": [{"name": "x", "url": "https://a.example"}] * 11}, "socialLinks"),
        ({"avatarUrl": "not a url"}, "avatarUrl"),
    ]
    for given, field in bad_inputs:
        failed = await gql(UPDATE_PROFILE, {"input": given}, token=token)
        assert codes(failed) == ["BAD_USER_INPUT"] and field_of(failed) == field, failed
    assert (await gql(PROFILE, token=token))["data"]["viewer"] == before

    cleared = await gql(UPDATE_PROFILE, {"input": {"bio": "", "socialLinks": None}}, token=token)
    profile = cleared["data"]["updateProfile"]["profile"]
    assert profile["bio"] is None and profile["socialLinks"] == []
    assert profile["website"] == "https://grace.example"
    assert codes(await gql(UPDATE_PROFILE, {"input": {"bio": "x"}})) == ["UNAUTHENTICATED"]


async def test_update_user_is_for_admins(gql: Any, seeded: Any) -> None:
    admin, moderator, member = (seeded["users"][i]["token"] for i in range(3))
    email = fresh_email()
    target = await sign_up(gql, email)
    change = {"input": {"id": target["user"]["id"], "role": "MODERATOR"}}

    assert codes(await gql(UPDATE_USER, change)) == ["UNAUTHENTICATED"]
    assert codes(await gql(UPDATE_USER, change, token=member)) == ["FORBIDDEN"]
    assert codes(await gql(UPDATE_USER, change, token=moderator)) == ["FORBIDDEN"]
    assert (await viewer(gql, target["token"])) == {
        "id": target["user"]["id"], "email": email, "role": "USER", "status": "ACTIVE",
        "version": 1}

    promoted = (await gql(UPDATE_USER, change, token=admin))["data"]["updateUser"]
    assert (promoted["role"], promoted["status"], promoted["version"]) == ("MODERATOR", "ACTIVE", 2)

    own_id = ids.encode("User", seeded["users"][0]["userId"])
    demote_self = await gql(UPDATE_USER, {"input": {"id": own_id, "role": "USER"}}, token=admin)
    assert codes(demote_self) == ["FORBIDDEN"]
    missing = {"input": {"id": ids.encode("User", "01ARZ3NDEKTSV4RRFFQ69G5FAV"), "role": "USER"}}
    assert codes(await gql(UPDATE_USER, missing, token=admin)) == ["NOT_FOUND"]


async def test_suspended_users_are_anonymous_and_cannot_sign_in(gql: Any, seeded: Any) -> None:
    admin = seeded["users"][0]["token"]
    email = fresh_email()
    target = await sign_up(gql, email)
    suspend = {"input": {"id": target["user"]["id"], "status": "SUSPENDED"}}
    assert (await gql(UPDATE_USER, suspend, token=admin))["data"]["updateUser"]["status"] == (
        "SUSPENDED")
    assert await viewer(gql, target["token"]) is None

    refused = await sign_in(gql, email)
    unknown = await sign_in(gql, fresh_email("nobody"))
    assert codes(refused) == ["UNAUTHENTICATED"]
    assert refused["errors"][0]["message"] == unknown["errors"][0]["message"]

    # Lifting the suspension does not bring the old session back.
    restore = {"input": {"id": target["user"]["id"], "status": "ACTIVE"}}
    assert "errors" not in await gql(UPDATE_USER, restore, token=admin)
    assert await viewer(gql, target["token"]) is None
    assert "errors" not in await sign_in(gql, email)


async def test_expired_session_is_anonymous(gql: Any, dynamo: Dynamo) -> None:
    live = await sign_up(gql)
    user_id = ids.user_id(live["user"]["id"])
    token, expired = new_session(user_id, "yesterday's browser", ttl_seconds=-60)
    await put_session(dynamo, expired)

    assert await viewer(gql, token) is None
    sessions = (await gql(SESSIONS, token=live["token"]))["data"]["viewer"]["sessions"]["nodes"]
    assert [s["current"] for s in sessions] == [True]


async def test_bootstrap_admin_is_idempotent_under_concurrent_starts(
    gql: Any, settings: Settings, dynamo: Dynamo
) -> None:
    email = fresh_email("boot")
    configured = replace(settings, bootstrap_admin_email=email.upper(),
                         bootstrap_admin_password="bootstrap-password")
    apps = [create_app(configured, dynamo) for _ in range(4)]

    async def start_and_stop(app: Any) -> None:
        async with app.router.lifespan_context(app):
            pass

    # Four gateway processes starting at once, then a restart.
    await asyncio.gather(*(start_and_stop(app) for app in apps))
    await start_and_stop(apps[0])
    signed_in = await sign_in(gql, email, "bootstrap-password")
    assert "errors" not in signed_in, signed_in
    admin = await viewer(gql, signed_in["data"]["signIn"]["token"])
    assert admin is not None and admin["role"] == "ADMIN"

    # An existing account is promoted, once, and keeps its password.
    existing = fresh_email("promoted")
    await sign_up(gql, existing)
    promoted = await asyncio.gather(*(ensure_admin(dynamo, existing, "other-password")
                                      for _ in range(5)))
    assert {(u.role, u.version) for u in promoted} == {("ADMIN", 2)}
    assert "errors" not in await sign_in(gql, existing)
    assert codes(await sign_in(gql, existing, "other-password")) == ["UNAUTHENTICATED"]


async def test_bootstrap_admin_refuses_a_bad_configuration(dynamo: Dynamo) -> None:
    with pytest.raises(ConfigurationError, match="BOOTSTRAP_ADMIN_PASSWORD"):
        await bootstrap_admin(dynamo, fresh_email("boot"), "short")
    with pytest.raises(ConfigurationError, match="BOOTSTRAP_ADMIN_PASSWORD"):
        await bootstrap_admin(dynamo, fresh_email("boot"), None)
    with pytest.raises(ConfigurationError, match="BOOTSTRAP_ADMIN_EMAIL"):
        await bootstrap_admin(dynamo, "admin#1@example.com", "long enough password")
