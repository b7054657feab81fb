"""Detached attempts: their place at the gate, their caller's context, closing under them."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import attrs
import httpx
import pytest

from driver2_kp import (
    AsyncDriver2Client,
    AsyncKPClient,
    Deadline,
    KPClient,
    RetryPolicy,
    Timeouts,
    TransportError,
)
from driver2_kp._attempt import GOING_OUT, attempt_timeout
from driver2_kp._deadline import Expired
from tests._contract import SETTINGS as CONTRACT_SETTINGS
from tests._contract import customer, person

SETTINGS = attrs.evolve(CONTRACT_SETTINGS, retry=RetryPolicy(attempts=1, wait=False))
HANG_GUARD = 30.0
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_waiting_for_a_connection_and_connecting_get_only_the_time_left() -> None:
    configured = Timeouts(connect=10.0, read=60.0, write=30.0, pool=10.0).per_attempt
    cut = attempt_timeout(configured, Deadline.after(2.0))
    assert cut.connect is not None
    assert cut.pool is not None
    assert cut.connect <= 2.0
    assert cut.pool <= 2.0
    assert (cut.read, cut.write) == (60.0, 30.0)  # once written, it runs to its end


def test_no_request_goes_out_once_its_callers_deadline_has_passed() -> None:
    with pytest.raises(Expired) as late:
        attempt_timeout(Timeouts().per_attempt, Deadline.after(0.0))
    assert late.value.waiting == GOING_OUT


def test_a_thread_that_cannot_start_gives_its_place_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    kp = KPClient(SETTINGS, transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    monkeypatch.setattr(threading.Thread, "start", refuse)
    with kp, pytest.raises(RuntimeError, match="can't start new thread"):
        kp.get_person("KP-0012345")
    assert kp._gate_state.in_flight == 0


def test_an_attempt_runs_in_its_callers_context() -> None:
    seen: list[str | None] = []
    http = httpx.Client(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, json=person())),
        event_hooks={"request": [lambda _: seen.append(REQUEST_ID.get())]},
    )
    REQUEST_ID.set("req-43")
    with http, KPClient(SETTINGS, http_client=http) as kp:
        kp.get_person("KP-0012345")
    assert seen == ["req-43"]


def test_a_closed_client_says_so_in_our_words() -> None:
    kp = KPClient(SETTINGS, transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    kp.close()
    with pytest.raises(TransportError) as closed:
        kp.get_person("KP-0012345")
    assert str(closed.value) == "KP GET /personen/{kpId}: the client is closed"


@pytest.mark.anyio
async def test_closing_an_async_client_gives_back_every_place_and_tells_its_callers() -> None:
    arrived, never = asyncio.Event(), asyncio.Event()

    async def stuck(_: httpx.Request) -> httpx.Response:
        arrived.set()
        await never.wait()
        return httpx.Response(200)

    http = httpx.AsyncClient(transport=httpx.MockTransport(stuck))
    kp = AsyncKPClient(SETTINGS, http_client=http)
    caller = asyncio.ensure_future(kp.get_person("KP-0012345"))
    await asyncio.wait_for(arrived.wait(), HANG_GUARD)
    await kp.aclose()
    with pytest.raises(TransportError, match="the client is closed"):
        await caller
    assert kp._gate_state.in_flight == 0
    await http.aclose()


@pytest.mark.anyio
async def test_an_attempt_cancelled_before_it_began_still_gives_its_place_back() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    kp = AsyncKPClient(SETTINGS, http_client=http)
    caller = asyncio.ensure_future(kp.get_person("KP-0012345"))
    while not kp._attempts:  # the attempt is made, and has not run yet
        await asyncio.sleep(0)
    await kp.aclose()
    with pytest.raises(TransportError):
        await caller
    assert kp._gate_state.in_flight == 0
    await http.aclose()


@pytest.mark.anyio
async def test_a_token_fetch_cancelled_by_closing_does_not_jam_the_next_fetch() -> None:
    opened = asyncio.Event()  # until then, token requests get no answer

    async def driver2(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            await opened.wait()
            return httpx.Response(200, json={"access_token": "t-1", "expires_in": 3600})
        return httpx.Response(200, json=customer())

    http = httpx.AsyncClient(transport=httpx.MockTransport(driver2))
    client = AsyncDriver2Client(SETTINGS, http_client=http)
    caller = asyncio.ensure_future(client.get_customer("74050"))
    while client._tokens is None or client._tokens._flight is None:
        await asyncio.sleep(0)
    await client.aclose()  # the client's pool is the caller's: it may be used again
    with pytest.raises(TransportError):
        await caller
    opened.set()
    customer_again = await client.get_customer("74050")
    assert customer_again.customer_number == "74050"
    await http.aclose()
