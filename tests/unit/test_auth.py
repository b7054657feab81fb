"""Driver2's OAuth client credentials against a fake token endpoint (httpx.MockTransport)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeAlias
from urllib.parse import parse_qs

import anyio
import httpx
import pytest

from driver2_kp import (
    AuthenticationError,
    Driver2Auth,
    Driver2KPError,
    ResponseFormatError,
    Secret,
)

BASE = "https://driver2.example.be/api/v2"
TOKEN_URL = BASE + "/oauth/token"
CUSTOMER_URL = BASE + "/customers/74050"
CLIENT_ID = "planmanager"
SECRET = "s3cr3t-5andbox-v4lue"
HANG_GUARD = 30.0
"""Seconds after which a stuck test fails instead of hanging; never reached when it works."""


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeDriver2:
    """A token endpoint issuing ``token-1``, ``token-2``, ... and an API refusing some of them."""

    def __init__(self, *, expires_in: float = 3600, refused: tuple[str, ...] = ()) -> None:
        self.expires_in = expires_in
        self.refused = set(refused)
        self.token_requests: list[httpx.Request] = []
        self.api_requests: list[httpx.Request] = []
        self.tokens_used: list[str] = []
        """The Authorization header of each API request, as it was when sent."""
        self._lock = threading.Lock()

    def token(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.token_requests.append(request)
            token = f"token-{len(self.token_requests)}"
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        return httpx.Response(200, json=body)

    def api(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.api_requests.append(request)
            self.tokens_used.append(request.headers.get("Authorization", ""))
        used = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not used or used in self.refused:
            return httpx.Response(
                401,
                json={"type": "/problems/unauthorized", "status": 401},
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return httpx.Response(200, json={"customerNumber": "74050"})

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return self.token(request)
        return self.api(request)


def make_auth(clock: FakeClock | None = None, refresh_margin: float = 60.0) -> Driver2Auth:
    return Driver2Auth(
        TOKEN_URL,
        CLIENT_ID,
        Secret(SECRET),
        refresh_margin=refresh_margin,
        clock=clock or FakeClock(),
    )


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def async_client_for(
    handler: Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]],
) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- one token, reused, refreshed -----------------------------------------------------


def test_one_token_fetch_is_reused_across_requests() -> None:
    fake, auth = FakeDriver2(), make_auth()
    with client_for(fake.handler) as client:
        answers = [client.get(CUSTOMER_URL, auth=auth) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert len(fake.token_requests) == 1
    assert fake.tokens_used == ["Bearer token-1"] * 5


@pytest.mark.anyio
async def test_one_token_fetch_is_reused_across_async_requests() -> None:
    fake, auth = FakeDriver2(), make_auth()
    async with async_client_for(fake.handler) as client:
        for _ in range(5):
            assert (await client.get(CUSTOMER_URL, auth=auth)).status_code == 200
    assert len(fake.token_requests) == 1


def test_the_token_is_refreshed_once_the_clock_passes_expiry_minus_the_margin() -> None:
    clock = FakeClock()
    fake, auth = FakeDriver2(expires_in=3600), make_auth(clock, refresh_margin=60.0)
    with client_for(fake.handler) as client:
        client.get(CUSTOMER_URL, auth=auth)
        clock.now = 3539.0
        client.get(CUSTOMER_URL, auth=auth)
        assert len(fake.token_requests) == 1
        clock.now = 3540.0
        client.get(CUSTOMER_URL, auth=auth)
    assert len(fake.token_requests) == 2
    assert fake.tokens_used == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


def test_a_short_lived_token_is_used_for_half_its_life() -> None:
    clock = FakeClock()
    fake, auth = FakeDriver2(expires_in=100), make_auth(clock, refresh_margin=60.0)
    with client_for(fake.handler) as client:
        client.get(CUSTOMER_URL, auth=auth)
        clock.now = 49.0
        client.get(CUSTOMER_URL, auth=auth)
        assert len(fake.token_requests) == 1
        clock.now = 50.0
        client.get(CUSTOMER_URL, auth=auth)
    assert len(fake.token_requests) == 2


@pytest.mark.anyio
async def test_the_async_flow_refreshes_after_expiry_too() -> None:
    clock = FakeClock()
    fake, auth = FakeDriver2(expires_in=3600), make_auth(clock)
    async with async_client_for(fake.handler) as client:
        await client.get(CUSTOMER_URL, auth=auth)
        clock.now = 3600.0
        await client.get(CUSTOMER_URL, auth=auth)
    assert fake.tokens_used == ["Bearer token-1", "Bearer token-2"]


# --- a 401: one refresh, one repeat ---------------------------------------------------


def test_a_401_triggers_exactly_one_refresh_and_one_repeat() -> None:
    fake, auth = FakeDriver2(refused=("token-1",)), make_auth()
    with client_for(fake.handler) as client:
        answer = client.get(CUSTOMER_URL, auth=auth)
    assert answer.status_code == 200
    assert len(fake.token_requests) == 2
    assert fake.tokens_used == ["Bearer token-1", "Bearer token-2"]


def test_a_second_401_is_returned_as_is() -> None:
    fake, auth = FakeDriver2(refused=("token-1", "token-2", "token-3")), make_auth()
    with client_for(fake.handler) as client:
        answer = client.get(CUSTOMER_URL, auth=auth)
    assert answer.status_code == 401
    assert len(fake.token_requests) == 2
    assert len(fake.api_requests) == 2


@pytest.mark.anyio
async def test_an_async_401_triggers_exactly_one_refresh_and_one_repeat() -> None:
    fake, auth = FakeDriver2(refused=("token-1",)), make_auth()
    async with async_client_for(fake.handler) as client:
        assert (await client.get(CUSTOMER_URL, auth=auth)).status_code == 200
    assert fake.tokens_used == ["Bearer token-1", "Bearer token-2"]


@pytest.mark.anyio
async def test_an_async_second_401_is_returned_as_is() -> None:
    fake, auth = FakeDriver2(refused=("token-1", "token-2", "token-3")), make_auth()
    async with async_client_for(fake.handler) as client:
        assert (await client.get(CUSTOMER_URL, auth=auth)).status_code == 401
    assert len(fake.token_requests) == 2
    assert len(fake.api_requests) == 2


def test_a_repeated_post_after_a_401_sends_the_same_body() -> None:
    fake, auth = FakeDriver2(refused=("token-1",)), make_auth()
    with client_for(fake.handler) as client:
        client.post(BASE + "/customers", json={"name": "Goderis"}, auth=auth)
    first, repeat = fake.api_requests
    assert first.content == repeat.content == b'{"name":"Goderis"}'


# --- concurrency: one fetch for all ---------------------------------------------------


def test_ten_threads_without_a_token_share_one_token_fetch() -> None:
    fake, auth = FakeDriver2(), make_auth()
    fetching, release = threading.Event(), threading.Event()
    start = threading.Barrier(11)

    def slow_token(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            fetching.set()
            release.wait(HANG_GUARD)  # held until every thread is under way
            return fake.token(request)
        return fake.api(request)

    with client_for(slow_token) as client:

        def one_request() -> int:
            start.wait(HANG_GUARD)
            return client.get(CUSTOMER_URL, auth=auth).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            futures = [pool.submit(one_request) for _ in range(10)]
            start.wait(HANG_GUARD)
            assert fetching.wait(HANG_GUARD)
            release.set()
            statuses = [f.result(HANG_GUARD) for f in futures]
    assert statuses == [200] * 10
    assert len(fake.token_requests) == 1
    assert fake.tokens_used == ["Bearer token-1"] * 10


def test_ten_threads_refused_with_the_old_token_share_one_refresh() -> None:
    fake, auth = FakeDriver2(refused=("token-1",)), make_auth()
    with client_for(fake.handler) as client:
        client.get(BASE + "/warm-up", auth=auth)  # fetches token-1, refused, then token-2
        fake.refused.add("token-2")
        start = threading.Barrier(10)

        def one_request() -> int:
            start.wait(HANG_GUARD)
            return client.get(CUSTOMER_URL, auth=auth).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            futures = [pool.submit(one_request) for _ in range(10)]
            statuses = [f.result(HANG_GUARD) for f in futures]
    assert statuses == [200] * 10
    assert len(fake.token_requests) == 3
    assert fake.tokens_used.count("Bearer token-3") == 10


@pytest.mark.anyio
async def test_ten_tasks_without_a_token_share_one_token_fetch() -> None:
    fake, auth = FakeDriver2(), make_auth()
    release = anyio.Event()

    async def slow_token(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            await release.wait()  # held until every other task is blocked
            return fake.token(request)
        return fake.api(request)

    statuses: list[int] = []
    async with async_client_for(slow_token) as client:

        async def one_request() -> None:
            statuses.append((await client.get(CUSTOMER_URL, auth=auth)).status_code)

        async def release_when_all_wait() -> None:
            await anyio.wait_all_tasks_blocked()
            release.set()

        async with anyio.create_task_group() as tasks:
            for _ in range(10):
                tasks.start_soon(one_request)
            tasks.start_soon(release_when_all_wait)
    assert statuses == [200] * 10
    assert len(fake.token_requests) == 1
    assert fake.tokens_used == ["Bearer token-1"] * 10


# --- a refused or malformed token answer ----------------------------------------------


Answer: TypeAlias = Callable[[], httpx.Response]
"""Makes a token endpoint's answer: a response object serves one request only."""


def _token_answer(answer: Answer) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return answer()
        return httpx.Response(200, json={})

    return handler


def _answer(status: int, **content: Any) -> Answer:
    return lambda: httpx.Response(status, **content)


INVALID_CLIENT = _answer(401, json={"error": "invalid_client"})


def test_invalid_client_credentials_raise_an_authentication_error_naming_the_endpoint() -> None:
    with (
        client_for(_token_answer(INVALID_CLIENT)) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.get(CUSTOMER_URL, auth=make_auth())
    assert str(caught.value).startswith("Driver2 POST /oauth/token: ")
    assert caught.value.status == 401
    assert caught.value.code == "invalid_client"
    assert SECRET not in str(caught.value)


@pytest.mark.anyio
async def test_invalid_client_credentials_raise_an_authentication_error_async() -> None:
    async with async_client_for(_token_answer(INVALID_CLIENT)) as client:
        with pytest.raises(AuthenticationError, match=r"^Driver2 POST /oauth/token: "):
            await client.get(CUSTOMER_URL, auth=make_auth())


MALFORMED = [
    pytest.param(_answer(200, json={"token_type": "Bearer", "expires_in": 3600}), id="no"),
    pytest.param(_answer(200, json={"access_token": 7, "expires_in": 3600}), id="int"),
    pytest.param(_answer(200, json={"access_token": "t", "expires_in": "3600"}), id="str"),
    pytest.param(_answer(200, json={"access_token": "t", "expires_in": True}), id="bool"),
    pytest.param(_answer(200, json={"access_token": "t"}), id="no-expiry"),
    pytest.param(_answer(200, json=["access_token"]), id="list"),
    pytest.param(_answer(200, text="<html>login</html>"), id="html"),
]


@pytest.mark.parametrize("answer", MALFORMED)
def test_a_token_answer_without_a_usable_access_token_is_a_response_format_error(
    answer: Answer,
) -> None:
    with client_for(_token_answer(answer)) as client, pytest.raises(ResponseFormatError) as caught:
        client.get(CUSTOMER_URL, auth=make_auth())
    assert str(caught.value).startswith("Driver2 POST /oauth/token: ")
    assert SECRET not in str(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize("answer", MALFORMED)
async def test_an_async_token_answer_without_access_token_is_a_response_format_error(
    answer: Answer,
) -> None:
    async with async_client_for(_token_answer(answer)) as client:
        with pytest.raises(ResponseFormatError):
            await client.get(CUSTOMER_URL, auth=make_auth())


def test_a_token_endpoint_failure_leaves_no_token_behind() -> None:
    refusals = [INVALID_CLIENT]
    fake = FakeDriver2()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token") and refusals:
            return refusals.pop()()
        return fake.handler(request)

    auth = make_auth()
    with client_for(handler) as client:
        with pytest.raises(AuthenticationError):
            client.get(CUSTOMER_URL, auth=auth)
        assert client.get(CUSTOMER_URL, auth=auth).status_code == 200
    assert fake.tokens_used == ["Bearer token-1"]


# --- what is sent, and what is never shown ---------------------------------------------


def test_the_token_request_is_a_client_credentials_form() -> None:
    fake = FakeDriver2()
    with client_for(fake.handler) as client:
        client.get(CUSTOMER_URL, auth=make_auth())
    (sent,) = fake.token_requests
    assert sent.method == "POST"
    assert str(sent.url) == TOKEN_URL
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert "Authorization" not in sent.headers


def test_the_token_request_gets_the_timeouts_of_the_request_it_serves() -> None:
    fake = FakeDriver2()
    with client_for(fake.handler) as client:
        client.get(CUSTOMER_URL, auth=make_auth(), timeout=httpx.Timeout(7.0, read=42.0))
    (sent,) = fake.token_requests
    assert sent.extensions["timeout"] == {"connect": 7.0, "read": 42.0, "write": 7.0, "pool": 7.0}


def test_the_secret_never_appears_in_the_repr_of_the_auth() -> None:
    auth = make_auth()
    assert SECRET not in repr(auth)
    assert SECRET not in str(auth)
    assert CLIENT_ID in repr(auth)


def test_no_error_raised_by_the_auth_ever_shows_the_secret_or_a_token() -> None:
    answers = [
        INVALID_CLIENT,
        _answer(403, json={"error": "unauthorized_client"}),
        _answer(500, text=f"crash while checking {SECRET}"),
        _answer(200, json={"access_token": "leaky-token", "expires_in": "soon"}),
    ]
    messages = []
    for answer in answers:
        with client_for(_token_answer(answer)) as client, pytest.raises(Driver2KPError) as caught:
            client.get(CUSTOMER_URL, auth=make_auth())
        messages.append(str(caught.value))
    assert len(messages) == 4
    assert not any(SECRET in m or "leaky-token" in m for m in messages)
