"""Driver2's token: cached, refreshed, fetched once for many callers; a fake Driver2, no network."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeAlias
from urllib.parse import parse_qs

import attrs
import httpx
import pytest

from driver2_kp import (
    AsyncDriver2Client,
    AuthenticationError,
    Customer,
    DeadlineExceededError,
    Driver2Client,
    Driver2KPError,
    NotFoundError,
    ResponseFormatError,
    RetryPolicy,
    Settings,
    Timeouts,
)
from driver2_kp._client import USER_AGENT
from driver2_kp._http import Operation
from driver2_kp._token import Token, TokenCache
from driver2_kp.driver2 import create_customer_request
from tests._clock import FakeClock
from tests._contract import customer
from tests.unit.test_requests import new_customer

BASE = "https://driver2.example.be/api/v2"
CLIENT_ID = "planmanager"
SECRET = "s3cr3t-5andbox-v4lue"
SETTINGS = Settings(
    driver2_base_url=BASE,
    driver2_client_id=CLIENT_ID,
    driver2_client_secret=SECRET,
    kp_base_url="https://kp.example.de/api/v1",
    kp_api_key="kp-key",
    retry=RetryPolicy(attempts=3, wait=False),
)
HANG_GUARD = 30.0
"""Seconds after which a stuck test fails instead of hanging; never reached when it works."""

Handler: TypeAlias = Callable[[httpx.Request], httpx.Response]


class FakeDriver2:
    """A token endpoint issuing ``token-1``, ``token-2``, ... and an API refusing some of them."""

    def __init__(self, *, refused: tuple[str, ...] = ()) -> None:
        self.refused = set(refused)
        self.token_requests: list[httpx.Request] = []
        self.tokens_used: list[str] = []
        """The Authorization header of each API request, as it was when sent."""
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if request.url.path.endswith("/oauth/token"):
                self.token_requests.append(request)
                token = f"token-{len(self.token_requests)}"
                return httpx.Response(200, json={"access_token": token, "expires_in": 3600})
            self.tokens_used.append(request.headers.get("Authorization", ""))
            self.bodies.append(request.content)
        if request.headers.get("Authorization", "").removeprefix("Bearer ") in self.refused:
            return httpx.Response(401, json={"type": "/problems/unauthorized", "status": 401})
        return httpx.Response(200, json=customer())


def driver2(handler: Handler, **options: Any) -> Driver2Client:
    return Driver2Client(SETTINGS, transport=httpx.MockTransport(handler), **options)


def async_driver2(handler: Handler, **options: Any) -> AsyncDriver2Client:
    return AsyncDriver2Client(SETTINGS, transport=httpx.MockTransport(handler), **options)


def token_answer(answer: httpx.Response, fake: FakeDriver2 | None = None) -> Handler:
    """Driver2 whose token endpoint gives ``answer``; ``fake`` counts the token requests."""
    fake = fake or FakeDriver2()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            fake.token_requests.append(request)
            return answer
        return fake.handler(request)

    return handler


# --- when a token is replaced: decisions on plain values ----------------------------


def test_a_token_is_used_until_the_refresh_margin_before_its_expiry() -> None:
    clock = FakeClock(0.0)
    cache = TokenCache(refresh_margin=60.0, clock=clock)
    assert cache.usable() is None
    assert cache.keep(Token("t-1", 3600)) == "t-1"
    clock.now = 3539.9
    assert cache.usable() == "t-1"
    clock.now = 3540.0
    assert cache.usable() is None


def test_a_short_lived_token_is_used_for_half_its_life() -> None:
    clock = FakeClock(0.0)
    cache = TokenCache(refresh_margin=60.0, clock=clock)
    cache.keep(Token("t-1", 30))
    clock.now = 14.9
    assert cache.usable() == "t-1"
    clock.now = 15.0
    assert cache.usable() is None


def test_the_token_a_401_refused_is_not_used_again_but_a_newer_one_is() -> None:
    cache = TokenCache(clock=FakeClock(0.0))
    cache.keep(Token("t-1", 3600))
    assert cache.usable(refused="t-1") is None
    cache.keep(Token("t-2", 3600))
    assert cache.usable(refused="t-1") == "t-2"


def test_the_cache_never_shows_its_token() -> None:
    cache = TokenCache(clock=FakeClock(0.0))
    cache.keep(Token("t-secret", 3600))
    assert "t-secret" not in repr(cache)
    assert "t-secret" not in repr(Token("t-secret", 3600))


# --- one token, shared and refreshed, through the clients ---------------------------


def test_one_token_fetch_is_reused_across_calls() -> None:
    fake = FakeDriver2()
    with driver2(fake.handler) as client:
        for _ in range(5):
            client.get_customer("74050")
    assert len(fake.token_requests) == 1
    assert fake.tokens_used == ["Bearer token-1"] * 5


@pytest.mark.anyio
async def test_one_token_fetch_is_reused_across_async_calls() -> None:
    fake = FakeDriver2()
    async with async_driver2(fake.handler) as client:
        for _ in range(5):
            await client.get_customer("74050")
    assert len(fake.token_requests) == 1


def test_a_401_fetches_exactly_one_new_token_and_repeats_the_request_once() -> None:
    fake = FakeDriver2(refused=("token-1",))
    with driver2(fake.handler) as client:
        client.get_customer("74050")
    assert fake.tokens_used == ["Bearer token-1", "Bearer token-2"]


@pytest.mark.anyio
async def test_an_async_401_fetches_exactly_one_new_token_and_repeats_once() -> None:
    fake = FakeDriver2(refused=("token-1",))
    async with async_driver2(fake.handler) as client:
        await client.get_customer("74050")
    assert fake.tokens_used == ["Bearer token-1", "Bearer token-2"]


def test_a_second_401_is_raised_naming_what_to_check() -> None:
    fake = FakeDriver2(refused=("token-1", "token-2"))
    with driver2(fake.handler) as client, pytest.raises(AuthenticationError) as refused:
        client.get_customer("74050")
    assert refused.value.status == 401
    assert "DRIVER2_CLIENT_ID and DRIVER2_CLIENT_SECRET" in str(refused.value)
    assert len(fake.tokens_used) == 2


def test_a_create_repeated_after_a_401_sends_the_same_body() -> None:
    fake = FakeDriver2(refused=("token-1",))
    with driver2(fake.handler) as client:
        client.perform(_create())
    first, second = fake.bodies
    assert first == second
    assert b"Goderis" in first


def _create() -> Operation[Customer]:
    return create_customer_request(new_customer(), idempotency_key="k-1")


def _together(threads: int, work: Callable[[], object]) -> list[object]:
    start = threading.Barrier(threads, timeout=HANG_GUARD)

    def run() -> object:
        start.wait()
        try:
            return work()
        except Driver2KPError as error:
            return error

    with ThreadPoolExecutor(threads) as pool:
        return [f.result(timeout=HANG_GUARD) for f in [pool.submit(run) for _ in range(threads)]]


def _slow(
    handler: Handler, release: threading.Event, asked: threading.Event | None = None
) -> Handler:
    """``handler``, with the token endpoint answering only once ``release`` is set."""

    def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            if asked is not None:
                asked.set()
            assert release.wait(HANG_GUARD)
        return handler(request)

    return slow


def test_ten_threads_without_a_token_share_one_token_fetch() -> None:
    fake = FakeDriver2()
    release = threading.Event()
    with driver2(_slow(fake.handler, release)) as client:
        threading.Timer(0.05, release.set).start()
        _together(10, lambda: client.get_customer("74050"))
    assert len(fake.token_requests) == 1
    assert fake.tokens_used == ["Bearer token-1"] * 10


def test_ten_threads_refused_with_the_old_token_share_one_refresh() -> None:
    fake = FakeDriver2()
    with driver2(fake.handler) as client:
        client.get_customer("74050")
        fake.refused.add("token-1")
        _together(10, lambda: client.get_customer("74050"))
    assert len(fake.token_requests) == 2
    assert fake.tokens_used.count("Bearer token-2") == 10


def test_waiters_share_the_failure_of_the_one_fetch() -> None:
    fake = FakeDriver2()
    refused = httpx.Response(401, json={"error": "invalid_client"})
    release = threading.Event()
    with driver2(_slow(token_answer(refused, fake), release)) as client:
        threading.Timer(0.05, release.set).start()
        errors = _together(6, lambda: client.get_customer("74050"))
    assert all(isinstance(error, AuthenticationError) for error in errors)
    assert len(fake.token_requests) == 1
    assert len({id(error) for error in errors}) == 1  # the leader's own error, shared
    assert fake.tokens_used == []


@pytest.mark.parametrize("answer", [{"access_token": "t", "expires_in": 3600}, None])
def test_the_token_request_goes_through_the_gate(answer: dict[str, object] | None) -> None:
    """While the token endpoint answers, the gate counts its request in flight."""
    in_flight: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        in_flight.append(client._gate_state.in_flight)
        if answer is None:
            return httpx.Response(503)
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json=answer)
        return httpx.Response(200, json=customer())

    client = driver2(handler, retry=RetryPolicy(attempts=1, wait=False))
    with client, contextlib.suppress(Driver2KPError):
        client.get_customer("74050")
    assert in_flight[0] == 1  # the token request, the first to go out
    assert client._gate_state.in_flight == 0  # and its slot given back, answered or failed


def test_a_waiter_gives_up_at_its_own_deadline_while_the_fetch_goes_on() -> None:
    fake = FakeDriver2()
    release, asked = threading.Event(), threading.Event()
    with driver2(_slow(fake.handler, release, asked)) as client:
        patient = threading.Thread(target=client.get_customer, args=("74050",))
        patient.start()
        assert asked.wait(HANG_GUARD)  # the patient thread is fetching the token
        with pytest.raises(DeadlineExceededError) as late:
            client.get_customer("74050", timeouts=Timeouts(deadline=0.05))
        release.set()
        patient.join(HANG_GUARD)
    assert late.value.step == "requesting a Driver2 token"
    assert "waiting for the token request to answer" in str(late.value)
    assert fake.tokens_used == ["Bearer token-1"]


@pytest.mark.anyio
async def test_ten_tasks_without_a_token_share_one_token_fetch() -> None:
    fake = FakeDriver2()
    async with async_driver2(fake.handler) as client:
        await asyncio.gather(*(client.get_customer("74050") for _ in range(10)))
    assert len(fake.token_requests) == 1
    assert fake.tokens_used == ["Bearer token-1"] * 10


@pytest.mark.anyio
async def test_tasks_share_the_failure_of_the_one_fetch() -> None:
    fake = FakeDriver2()
    refused = httpx.Response(401, json={"error": "invalid_client"})
    async with async_driver2(token_answer(refused, fake)) as client:
        errors = await asyncio.gather(
            *(client.get_customer("74050") for _ in range(6)), return_exceptions=True
        )
    assert all(isinstance(error, AuthenticationError) for error in errors)
    assert len(fake.token_requests) == 1


# --- what the token endpoint answers, and what is never shown -----------------------


def test_invalid_client_credentials_raise_an_authentication_error_naming_the_variables() -> None:
    refused = httpx.Response(401, json={"error": "invalid_client"})
    with driver2(token_answer(refused)) as client, pytest.raises(AuthenticationError) as caught:
        client.get_customer("74050")
    assert str(caught.value).startswith("Driver2 POST /oauth/token: 401 Unauthorized")
    assert "check DRIVER2_CLIENT_ID and DRIVER2_CLIENT_SECRET" in str(caught.value)
    assert caught.value.code == "invalid_client"
    assert SECRET not in str(caught.value)


def test_a_token_url_that_is_not_found_says_the_base_url_looks_wrong() -> None:
    missing = httpx.Response(404, text="<html>Not Found</html>")
    with driver2(token_answer(missing)) as client, pytest.raises(NotFoundError) as caught:
        client.get_customer("74050")
    assert "DRIVER2_BASE_URL's path looks wrong" in str(caught.value)
    assert f"no token endpoint at {BASE}/oauth/token" in str(caught.value)


MALFORMED = [
    pytest.param(httpx.Response(200, json={"expires_in": 3600}), id="no-token"),
    pytest.param(httpx.Response(200, json={"access_token": 7, "expires_in": 3600}), id="int"),
    pytest.param(httpx.Response(200, json={"access_token": "", "expires_in": 3600}), id="empty"),
    pytest.param(httpx.Response(200, json={"access_token": "t", "expires_in": "1"}), id="str"),
    pytest.param(httpx.Response(200, json={"access_token": "t", "expires_in": True}), id="bool"),
    pytest.param(httpx.Response(200, json={"access_token": "t", "expires_in": 0}), id="zero"),
    pytest.param(httpx.Response(200, json=["access_token"]), id="list"),
    pytest.param(httpx.Response(200, json={"access_token": "tökén", "expires_in": 60}), id="utf8"),
    pytest.param(httpx.Response(200, json={"access_token": "a b", "expires_in": 60}), id="space"),
    pytest.param(httpx.Response(200, text='{"access_token": "t", "expires_in": 1e999}'), id="inf"),
    pytest.param(httpx.Response(200, text="<html>login</html>"), id="html"),
]


@pytest.mark.parametrize("answer", MALFORMED)
def test_a_token_answer_without_a_usable_token_is_a_response_format_error(
    answer: httpx.Response,
) -> None:
    with driver2(token_answer(answer)) as client, pytest.raises(ResponseFormatError) as caught:
        client.get_customer("74050")
    assert str(caught.value).startswith("Driver2 POST /oauth/token: ")


def test_a_token_endpoint_failure_leaves_no_token_behind() -> None:
    fake = FakeDriver2()
    refusals = [httpx.Response(401, json={"error": "invalid_client"})]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token") and refusals:
            return refusals.pop()
        return fake.handler(request)

    with driver2(handler) as client:
        with pytest.raises(AuthenticationError):
            client.get_customer("74050")
        client.get_customer("74050")
    assert fake.tokens_used == ["Bearer token-1"]


def test_the_token_request_is_a_client_credentials_form_through_the_same_client() -> None:
    fake = FakeDriver2()
    with driver2(fake.handler) as client:
        client.get_customer("74050")
    (sent,) = fake.token_requests
    assert (sent.method, str(sent.url)) == ("POST", BASE + "/oauth/token")
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert "Authorization" not in sent.headers
    assert sent.headers["User-Agent"] == USER_AGENT


def test_a_transient_failure_of_the_token_request_is_retried() -> None:
    fake = FakeDriver2()
    failures = [httpx.Response(503)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token") and failures:
            return failures.pop()
        return fake.handler(request)

    with driver2(handler) as client:
        client.get_customer("74050")
    assert fake.tokens_used == ["Bearer token-1"]


def test_no_error_of_the_token_request_ever_shows_the_secret_or_a_token() -> None:
    answers = [
        httpx.Response(401, json={"error": "invalid_client"}),
        httpx.Response(403, json={"error": "unauthorized_client"}),
        httpx.Response(500, text=f"crash while checking {SECRET}"),
        httpx.Response(200, json={"access_token": "leaky-token", "expires_in": "soon"}),
    ]
    messages = []
    no_retry = attrs.evolve(SETTINGS, retry=RetryPolicy(attempts=1))
    for answer in answers:
        client = Driver2Client(no_retry, transport=httpx.MockTransport(token_answer(answer)))
        with client, pytest.raises(Driver2KPError) as caught:
            client.get_customer("74050")
        messages.append(f"{caught.value} {caught.value!r}")
    assert len(messages) == 4
    assert not any(SECRET in m or "leaky-token" in m for m in messages)
