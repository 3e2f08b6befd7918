"""Rate limits: sign-in and sign-up attempts and each viewer's request budget, counted
where every copy of the gateway sees them (DynamoDB, or Redis), and the client's
address as trusted proxies tell it.

The suite runs with the limits off (conftest.py); these tests turn them on. Every
test counts under addresses, emails and tokens of its own, so that no test spends
another's counts in the session's table. Windows are an hour long where a test
makes several attempts: a window boundary in the middle of one moves its counts to
the previous window, which the sliding estimate still counts, but with a minute
and a slow machine the share that slid out could let one attempt through.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from config import ConfigurationError, LimitSettings, Settings, load_limit_settings
from config import load_live_settings as live_settings
from config.limits import Limit
from data.client import Dynamo
from data.rate_counters import Count, Counters, DynamoCounters, Hit, RedisCounters, window_start
from dev import graphiql
from dev.redis import LocalRedis
from server import create_app
from tests.conftest import codes
from tests.gateway import started
from web.budget import RequestBudget
from web.client_address import client_address

SIGN_UP = """mutation($email: String!) {
  signUp(input: {email: $email, password: "correct horse battery"}) { token }
}"""
SIGN_IN = """mutation($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { token }
}"""
PASSWORD = "correct horse battery"
HOUR = "3600"
_addresses = itertools.count(1)


def fresh_address() -> str:
    """An address no other test counts under (TEST-NET-3, 203.0.113.0/24, and on)."""
    number = next(_addresses)
    return f"203.0.{113 + number // 250}.{number % 250 + 1}"


def fresh_email() -> str:
    return f"limits-{uuid.uuid4().hex[:12]}@example.com"


def limits(**variables: str) -> LimitSettings:
    """The limits on, with `variables` (TABLEGATE_ names without the prefix)."""
    return load_limit_settings({"TABLEGATE_RATE_LIMITS": "on",
                                **{f"TABLEGATE_{k}": v for k, v in variables.items()}})


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with LocalRedis() as server:
        yield server.url


@pytest.fixture(params=["dynamodb", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    """Where the counters live: the table, or Redis (as with TABLEGATE_BROADCAST_URL)."""
    return str(request.param)


@asynccontextmanager
async def app(settings: Settings, dynamo: Dynamo, given: LimitSettings, peer: str,
              redis: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The app with `given` limits, over httpx, its requests coming from `peer`."""
    live = live_settings({"TABLEGATE_BROADCAST_URL": redis} if redis else {})
    application = create_app(settings, dynamo, ide=graphiql, live=live, limits=given)
    transport = httpx.ASGITransport(app=application, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://tablegate.test") as client:
        yield client


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any],
               **headers: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sign_up(gql: Any, email: str) -> str:
    """A new account (through the suite's app, limits off); its token."""
    body = await gql(SIGN_UP, {"email": email})
    token: str = body["data"]["signUp"]["token"]
    return token


def rate_limited(body: dict[str, Any]) -> int:
    """The retryAfter of a RATE_LIMITED answer (which must have changed nothing)."""
    assert codes(body) == ["RATE_LIMITED"], body
    assert body["data"] is None
    retry: int = body["errors"][0]["extensions"]["retryAfter"]
    assert isinstance(retry, int) and retry >= 1
    return retry


# ---------------------------------------------------------------- sign-in and sign-up


async def test_the_eleventh_sign_in_for_one_email_is_refused_through_two_gateways(
        settings: Settings, gql: Any) -> None:
    email = fresh_email()
    await sign_up(gql, email)
    address = fresh_address()
    env = {"TABLEGATE_RATE_LIMITS": "on", "TABLEGATE_SECRET": "test-secret",
           "TABLEGATE_SIGN_IN_WINDOW_SECONDS": HOUR, "TABLEGATE_TRUSTED_PROXIES": "127.0.0.1"}
    async with (started(settings, **env) as first, started(settings, **env) as second,
                httpx.AsyncClient() as http):
        async def attempt(gateway: str, password: str) -> dict[str, Any]:
            response = await http.post(
                f"{gateway}/graphql",
                json={"query": SIGN_IN, "variables": {"email": email, "password": password}},
                headers={"X-Forwarded-For": address})
            body: dict[str, Any] = response.json()
            return body

        for number in range(10):
            # Wrong and right passwords alike count, on either gateway.
            gateway = (first, second)[number % 2].url
            body = await attempt(gateway, PASSWORD if number % 3 == 0 else "wrong password")
            assert codes(body) in ([], ["UNAUTHENTICATED"]), body
        assert rate_limited(await attempt(first.url, PASSWORD)) > 0
        assert rate_limited(await attempt(second.url, PASSWORD)) > 0


async def test_the_eleventh_sign_in_is_refused_with_either_store(
        settings: Settings, dynamo: Dynamo, gql: Any, store: str, redis_url: str) -> None:
    email = fresh_email()
    await sign_up(gql, email)
    given = limits(SIGN_IN_WINDOW_SECONDS=HOUR)
    redis = redis_url if store == "redis" else None
    async with app(settings, dynamo, given, fresh_address(), redis) as client:
        for _ in range(10):
            body = await post(client, SIGN_IN, {"email": email, "password": "wrong password"})
            assert codes(body) == ["UNAUTHENTICATED"]
        retry = rate_limited(await post(client, SIGN_IN, {"email": email,
                                                          "password": PASSWORD}))
        # Eleven attempts in an hour's window: free again only as they slide out of it,
        # well into the next one.
        assert 600 < retry <= 7200


async def test_the_counting_shows_in_the_cost_of_a_sign_in(settings: Settings, dynamo: Dynamo,
                                                          gql: Any) -> None:
    email = fresh_email()
    await sign_up(gql, email)
    unlimited = (await gql(SIGN_IN, {"email": email, "password": PASSWORD}))["extensions"]
    async with app(settings, dynamo, limits(), fresh_address()) as client:
        limited = (await post(client, SIGN_IN, {"email": email,
                                                "password": PASSWORD}))["extensions"]
    # An ADD for the email and one for the address, with the windows before them read
    # alongside: one round trip more.
    assert limited["cost"]["dynamodbCalls"] == unlimited["cost"]["dynamodbCalls"] + 3
    assert limited["cost"]["roundTrips"] == unlimited["cost"]["roundTrips"] + 1


async def test_sign_ins_from_one_address_are_limited_whatever_the_email(
        settings: Settings, dynamo: Dynamo, gql: Any) -> None:
    given = limits(SIGN_IN_PER_ADDRESS="3", SIGN_IN_WINDOW_SECONDS=HOUR)
    known = fresh_email()
    await sign_up(gql, known)
    async with app(settings, dynamo, given, fresh_address()) as client:
        for _ in range(3):
            body = await post(client, SIGN_IN, {"email": fresh_email(), "password": PASSWORD})
            assert codes(body) == ["UNAUTHENTICATED"]
        # A fourth email, and the right password: still too many from this address.
        rate_limited(await post(client, SIGN_IN, {"email": known, "password": PASSWORD}))
    async with app(settings, dynamo, given, fresh_address()) as elsewhere:
        body = await post(elsewhere, SIGN_IN, {"email": known, "password": PASSWORD})
        assert codes(body) == [] and body["data"]["signIn"]["token"]


async def test_sign_ups_from_one_address_are_limited(settings: Settings, dynamo: Dynamo,
                                                     gql: Any) -> None:
    given = limits(SIGN_UP_PER_ADDRESS="2", SIGN_UP_WINDOW_SECONDS=HOUR)
    async with app(settings, dynamo, given, fresh_address()) as client:
        for _ in range(2):
            body = await post(client, SIGN_UP, {"email": fresh_email()})
            assert codes(body) == [] and body["data"]["signUp"]["token"]
        refused = fresh_email()
        rate_limited(await post(client, SIGN_UP, {"email": refused}))
    # The refused sign-up made no account: the email is free.
    async with app(settings, dynamo, given, fresh_address()) as elsewhere:
        body = await post(elsewhere, SIGN_UP, {"email": refused})
        assert codes(body) == [], body


async def test_a_refused_sign_in_changes_nothing(settings: Settings, dynamo: Dynamo,
                                                 gql: Any) -> None:
    email = fresh_email()
    token = await sign_up(gql, email)
    given = limits(SIGN_IN_PER_EMAIL="1", SIGN_IN_WINDOW_SECONDS=HOUR)
    query = "{ viewer { lastLoginAt sessions { nodes { id } } } }"
    async with app(settings, dynamo, given, fresh_address()) as client:
        body = await post(client, SIGN_IN, {"email": email, "password": PASSWORD})
        assert codes(body) == []
        before = (await gql(query, token=token))["data"]["viewer"]
        assert len(before["sessions"]["nodes"]) == 2
        rate_limited(await post(client, SIGN_IN, {"email": email, "password": PASSWORD}))
    assert (await gql(query, token=token))["data"]["viewer"] == before


async def test_with_the_limits_off_nothing_is_ever_limited(settings: Settings,
                                                           dynamo: Dynamo, gql: Any) -> None:
    email = fresh_email()
    await sign_up(gql, email)
    given = load_limit_settings({"TABLEGATE_RATE_LIMITS": "off",
                                 "TABLEGATE_SIGN_IN_PER_EMAIL": "1",
                                 "TABLEGATE_SIGN_UP_PER_ADDRESS": "1",
                                 "TABLEGATE_REQUEST_BUDGET": "1"})
    async with app(settings, dynamo, given, fresh_address()) as client:
        for _ in range(3):
            body = await post(client, SIGN_IN, {"email": email, "password": PASSWORD})
            assert codes(body) == []
            body = await post(client, SIGN_UP, {"email": fresh_email()})
            assert codes(body) == []


# ---------------------------------------------------------------- the client's address


def test_x_forwarded_for_is_ignored_from_a_peer_that_is_not_a_trusted_proxy() -> None:
    proxies = limits(TRUSTED_PROXIES="10.0.0.0/8").trusted_proxies
    assert client_address("198.51.100.7", ["203.0.113.9"], proxies) == "198.51.100.7"
    assert client_address("198.51.100.7", [], ()) == "198.51.100.7"
    assert client_address(None, ["203.0.113.9"], proxies) is None


def test_x_forwarded_for_names_the_client_behind_trusted_proxies() -> None:
    proxies = limits(TRUSTED_PROXIES="10.0.0.0/8, 192.168.1.1").trusted_proxies
    # The rightmost entry that is not a trusted proxy; what the client wrote left of
    # it is not believed.
    assert client_address("10.1.2.3", ["6.6.6.6, 203.0.113.9"], proxies) == "203.0.113.9"
    assert client_address("10.1.2.3", ["6.6.6.6", "203.0.113.9, 192.168.1.1"],
                          proxies) == "203.0.113.9"
    assert client_address("10.1.2.3", ["203.0.113.9:4711"], proxies) == "203.0.113.9"
    # Nothing but proxies: the farthest one. Garbage: the proxy that passed it on.
    assert client_address("10.1.2.3", ["10.9.9.9"], proxies) == "10.9.9.9"
    assert client_address("10.1.2.3", ["203.0.113.9, unknown"], proxies) == "10.1.2.3"
    assert client_address("10.1.2.3", [], proxies) == "10.1.2.3"
    # IPv6 clients count by their /64; IPv4 mapped into IPv6 is IPv4.
    assert client_address("10.1.2.3", ["[2001:db8:1:2:3:4:5:6]:443"],
                          proxies) == "2001:db8:1:2::/64"
    assert client_address("::ffff:198.51.100.7", [], proxies) == "198.51.100.7"


def test_a_malformed_trusted_proxy_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="TABLEGATE_TRUSTED_PROXIES"):
        limits(TRUSTED_PROXIES="10.0.0.0/8, proxy.internal")


async def test_addresses_come_from_x_forwarded_for_only_through_a_trusted_proxy(
        settings: Settings, dynamo: Dynamo) -> None:
    proxy = fresh_address()
    trusting = limits(SIGN_IN_PER_ADDRESS="2", SIGN_IN_WINDOW_SECONDS=HOUR,
                      TRUSTED_PROXIES=proxy)
    async with app(settings, dynamo, trusting, proxy) as client:
        for _ in range(4):
            # A different client each time, as the trusted proxy says.
            body = await post(client, SIGN_IN, {"email": fresh_email(), "password": PASSWORD},
                              **{"X-Forwarded-For": fresh_address()})
            assert codes(body) == ["UNAUTHENTICATED"]
    distrusting = limits(SIGN_IN_PER_ADDRESS="2", SIGN_IN_WINDOW_SECONDS=HOUR)
    async with app(settings, dynamo, distrusting, fresh_address()) as client:
        for _ in range(2):
            body = await post(client, SIGN_IN, {"email": fresh_email(), "password": PASSWORD},
                              **{"X-Forwarded-For": fresh_address()})
            assert codes(body) == ["UNAUTHENTICATED"]
        rate_limited(await post(client, SIGN_IN, {"email": fresh_email(), "password": PASSWORD},
                                **{"X-Forwarded-For": fresh_address()}))


async def test_tablegate_serve_leaves_x_forwarded_for_to_the_gateway(settings: Settings) -> None:
    # No trusted proxy: every attempt is 127.0.0.1's, whatever the header says (uvicorn
    # would otherwise take the header's word for a peer on 127.0.0.1). A secret of its
    # own: counters no other test touched.
    env = {"TABLEGATE_RATE_LIMITS": "on", "TABLEGATE_SECRET": f"serve-{uuid.uuid4().hex}",
           "TABLEGATE_SIGN_IN_PER_ADDRESS": "2", "TABLEGATE_SIGN_IN_WINDOW_SECONDS": HOUR}
    async with started(settings, **env) as gateway, httpx.AsyncClient() as http:
        bodies = []
        for _ in range(3):
            response = await http.post(
                f"{gateway.url}/graphql",
                json={"query": SIGN_IN, "variables": {"email": fresh_email(),
                                                      "password": PASSWORD}},
                headers={"X-Forwarded-For": fresh_address()})
            bodies.append(response.json())
    assert [codes(body) for body in bodies[:2]] == [["UNAUTHENTICATED"]] * 2
    rate_limited(bodies[2])


# ---------------------------------------------------------------- the request budget

PING = "{ __typename }"


async def test_a_viewer_past_its_request_budget_gets_429_and_another_does_not(
        settings: Settings, dynamo: Dynamo, admin: str, moderator: str) -> None:
    given = limits(REQUEST_BUDGET="3", REQUEST_BUDGET_WINDOW_SECONDS=HOUR)
    async with app(settings, dynamo, given, fresh_address()) as client:
        spender = {"Authorization": f"Bearer {admin}"}
        for _ in range(3):
            response = await client.post("/graphql", json={"query": PING}, headers=spender)
            assert response.status_code == 200
        refused = await client.post("/graphql", json={"query": PING}, headers=spender)
        assert refused.status_code == 429
        body = refused.json()
        assert codes(body) == ["RATE_LIMITED"]
        retry = body["errors"][0]["extensions"]["retryAfter"]
        assert refused.headers["retry-after"] == str(retry) and int(retry) >= 1
        # Another viewer: a token of its own, and this address without a token.
        other = await client.post("/graphql", json={"query": PING},
                                  headers={"Authorization": f"Bearer {moderator}"})
        anonymous = await client.get("/graphql", params={"query": PING})
        assert (other.status_code, anonymous.status_code) == (200, 200)


async def unused(scope: Any, receive: Any, send: Any) -> None:
    """The app behind the budget, where only its counting is tested."""
    raise AssertionError("not called")


def counters_of(store: str, dynamo: Dynamo, settings: Settings, redis_url: str) -> Counters:
    if store == "redis":
        return RedisCounters(redis_url, settings.table_name, settings.secret)
    return DynamoCounters(dynamo, settings.secret)


async def test_copies_share_the_budget_one_flush_late(settings: Settings, dynamo: Dynamo,
                                                      store: str, redis_url: str) -> None:
    # Two copies of the gateway, as two budgets over two counter stores.
    budget = Limit(5, 3600)
    one = RequestBudget(unused, budget, counters_of(store, dynamo, settings, redis_url), ())
    two = RequestBudget(unused, budget, counters_of(store, dynamo, settings, redis_url), ())
    viewer = f"token:{uuid.uuid4().hex}"
    now = window_start(time.time(), 3600) + 1800.0
    assert [one.admit(viewer, now) for _ in range(4)] == [None] * 4
    await one.flush(now)
    # Copy two has not heard of them yet: that is the lag.
    assert [two.admit(viewer, now), two.admit(viewer, now)] == [None, None]
    await two.flush(now)
    # Six in the window: free again only well into the next one.
    assert (two.admit(viewer, now) or 0) > 1800
    assert one.admit(viewer, now) is None  # one has not heard of two's yet
    await one.flush(now)
    assert (one.admit(viewer, now) or 0) > 1800
    assert one.admit(f"token:{uuid.uuid4().hex}", now) is None


async def test_a_viewer_far_from_its_budget_is_shared_less_often(
        settings: Settings, dynamo: Dynamo) -> None:
    counters = DynamoCounters(dynamo, settings.secret)
    one = RequestBudget(unused, Limit(100, 3600), counters, ())
    two = RequestBudget(unused, Limit(100, 3600), counters, ())
    viewer = f"token:{uuid.uuid4().hex}"
    now = window_start(time.time(), 3600) + 1800.0
    one.admit(viewer, now)
    await one.flush(now)  # a new viewer goes out at once
    for _ in range(5):
        one.admit(viewer, now + 1)
    await one.flush(now + 1)  # 5 of the 94 left: kept for now
    assert [two.admit(viewer, now + 2) for _ in range(94)] == [None] * 94
    await two.flush(now + 2)
    # Copy two now knows of 95; copy one's 5 would make 100, and the next is refused
    # once copy one has sent them: at the latest ten seconds after its last flush.
    assert two.admit(viewer, now + 2) is None
    await one.flush(now + 5)
    await two.flush(now + 5)
    assert two.admit(viewer, now + 5) is None  # still unheard of: the lag
    await one.flush(now + 11)
    await two.flush(now + 11)
    assert (two.admit(viewer, now + 11) or 0) > 1700


# ---------------------------------------------------------------- the counters


async def test_counts_add_up_in_either_store(settings: Settings, dynamo: Dynamo, store: str,
                                             redis_url: str) -> None:
    first = counters_of(store, dynamo, settings, redis_url)
    second = counters_of(store, dynamo, settings, redis_url)
    key = fresh_email()
    start = window_start(time.time(), 60)
    earlier, now = start - 30.0, start + 10.0
    await first.add([Hit("sign-in-email", key, 60, earlier, 4)])
    counts = await second.add([Hit("sign-in-email", key, 60, now),
                               Hit("sign-in-email", key, 60, now, 2),
                               Hit("sign-in-address", key, 60, now)])
    # The two adds of one key run at once, in either order.
    assert [(c.current, c.previous) for c in counts] in ([(1, 4), (3, 4), (1, 0)],
                                                         [(3, 4), (2, 4), (1, 0)])
    # Another secret names other counters: the keys themselves are never stored.
    other = (DynamoCounters(dynamo, b"another secret") if store == "dynamodb"
             else RedisCounters(redis_url, settings.table_name, b"another secret"))
    assert [(c.current, c.previous) for c in
            await other.add([Hit("sign-in-email", key, 60, now)])] == [(1, 0)]
    for counters in (first, second, other):
        await counters.close()


def test_the_previous_window_counts_as_much_as_still_overlaps() -> None:
    # Ten attempts late in the last minute, one now: a second into this window,
    # nearly all ten still count; seven seconds in, enough have slid out.
    assert Count(1, 10, 600, 60, 601.0).over(10)
    assert not Count(1, 10, 600, 60, 607.0).over(10)
    assert Count(1, 10, 600, 60, 601.0).retry_after(10) == 11
    # Eleven in this window: free again once enough of them slide out of the next.
    assert Count(11, 0, 600, 60, 610.0).over(10)
    assert Count(11, 0, 600, 60, 610.0).retry_after(10) == 61
