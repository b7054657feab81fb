"""An attempt: its phases within the caller's deadline, its ghost, its context, a closed client."""

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
from driver2_kp._attempt import AlarmClock, AttemptTimeouts, phase_of
from driver2_kp._gate import GateState, Slot, SyncGate
from tests._clock import FakeClock
from tests._contract import SETTINGS as CONTRACT_SETTINGS
from tests._contract import customer, person

SETTINGS = attrs.evolve(CONTRACT_SETTINGS, retry=RetryPolicy(attempts=1, wait=False))
HANG_GUARD = 30.0
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def test_each_phase_gets_at_most_the_time_left_when_it_starts() -> None:
    clock = FakeClock(100.0)
    timeouts = AttemptTimeouts(Timeouts().per_attempt, Deadline.after(5.0, clock=clock))
    assert (timeouts["pool"], timeouts["connect"]) == (5.0, 5.0)
    clock.now += 3.0  # connected and written: the read may take what is left, no more
    assert timeouts["read"] == pytest.approx(2.0)
    assert timeouts.cut == {"pool", "connect", "read"}
    assert dict(AttemptTimeouts(Timeouts().per_attempt, Deadline.after(1000.0)))["read"] == 60.0


@pytest.mark.parametrize(
    ("error", "phase"),
    [
        (httpx.ReadTimeout("slow"), "read"),
        (httpx.ConnectTimeout("slow"), "connect"),
        (httpx.PoolTimeout("busy"), "pool"),
        (httpx.ReadError("broken"), None),
    ],
)
def test_each_timeout_names_its_phase(error: Exception, phase: str | None) -> None:
    assert phase_of(error) == phase


def test_a_request_is_out_once_httpcore_asks_how_long_it_may_write() -> None:
    timeouts = AttemptTimeouts(Timeouts().per_attempt, Deadline.after(5.0))
    assert timeouts["pool"] == pytest.approx(5.0, abs=0.1)
    assert timeouts["connect"] == pytest.approx(5.0, abs=0.1)
    assert not timeouts.sent  # waiting for a connection, connecting: nothing went out
    assert timeouts["write"] == pytest.approx(5.0, abs=0.1)
    assert timeouts.sent


def _clock_threads() -> int:
    return sum(thread.name == "driver2-kp-deadline" for thread in threading.enumerate())


def test_alarms_ring_in_time_order_on_one_thread_and_a_cancelled_one_never() -> None:
    clock, last = AlarmClock(), threading.Event()
    rung: list[str] = []
    before = _clock_threads()
    later = [clock.set(3600.0 + i, lambda: rung.append("never")) for i in range(300)]
    cancelled = clock.set(0.0, lambda: rung.append("cancelled"))
    clock.cancel(cancelled)
    clock.set(0.05, lambda: rung.append("second"))  # set before the one that rings first
    clock.set(0.0, lambda: rung.append("first"))
    clock.set(0.1, last.set)
    assert last.wait(HANG_GUARD)
    assert rung == ["first", "second"]
    assert _clock_threads() == before + 1  # 303 alarms, one thread
    for alarm in later:  # swept out in bulk once most are cancelled
        clock.cancel(alarm)
    assert len(clock._alarms) < 300


def test_an_alarm_that_fails_does_not_stop_the_others() -> None:
    clock, rung = AlarmClock(), threading.Event()

    def fails() -> None:
        raise RuntimeError

    clock.set(0.0, fails)
    clock.set(0.0, rung.set)
    assert rung.wait(HANG_GUARD)


def test_a_ghost_keeps_its_place_until_the_request_could_have_ended() -> None:
    clock = FakeClock(100.0)
    state = GateState(2, clock=clock)  # a limit of 1
    me = object()
    state.join(me)
    ticket = state.start()
    state.leave(me)
    state.finish(ticket, Slot(ticket).verdict, ghost_until=clock.now + 10.0)
    waiter = object()
    state.join(waiter)
    assert state.turn(waiter) == pytest.approx(10.0)  # woken when the ghost is gone
    clock.now += 10.0
    assert state.turn(waiter) == 0
    assert state.in_flight == 0


def test_a_waiter_wakes_when_a_ghost_frees_its_place() -> None:
    shell = SyncGate(GateState(2))
    slot = shell.acquire(Deadline.after(HANG_GUARD))
    slot.ghost_until = shell.state.clock() + 0.05
    shell.release(slot)
    again = shell.acquire(Deadline.after(HANG_GUARD))  # comes once the ghost is gone
    assert shell.state.in_flight == 1
    shell.release(again)


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
async def test_a_closed_async_client_says_so_in_our_words() -> None:
    kp = AsyncKPClient(SETTINGS, transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    await kp.aclose()
    with pytest.raises(TransportError, match="the client is closed"):
        await kp.get_person("KP-0012345")


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
    assert client._gate_state.in_flight == 0
    await http.aclose()


def _failing_once() -> httpx.MockTransport:
    """KP answers 502 to the first request, then the person."""
    answers = iter([httpx.Response(502), httpx.Response(200, json=person())])
    return httpx.MockTransport(lambda _: next(answers))


def _joins(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each waiter that joins a gate's queue is a retry."""
    joined: list[bool] = []
    join = GateState.join

    def spy(self: GateState, waiter: object, *, retry: bool = False) -> None:
        joined.append(retry)
        join(self, waiter, retry=retry)

    monkeypatch.setattr(GateState, "join", spy)
    return joined


RETRYING = attrs.evolve(SETTINGS, retry=RetryPolicy(attempts=2, wait=False))


def test_a_retry_queues_at_the_gate_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    joined = _joins(monkeypatch)
    with KPClient(RETRYING, transport=_failing_once()) as kp:
        kp.get_person("KP-0012345")
    assert joined == [False, True]


@pytest.mark.anyio
async def test_an_async_retry_queues_at_the_gate_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    joined = _joins(monkeypatch)
    async with AsyncKPClient(RETRYING, transport=_failing_once()) as kp:
        await kp.get_person("KP-0012345")
    assert joined == [False, True]
