"""The gate's decisions on plain values (a fake clock), and its two shells waiting and waking."""

from __future__ import annotations

import asyncio
import math
import threading

import httpx
import pytest

from driver2_kp import Deadline
from driver2_kp._deadline import Expired
from driver2_kp._gate import (
    FIRST_PROBE_WAIT,
    LONGEST_PROBE_WAIT,
    PROBE_CEILING_EVERY,
    AsyncGate,
    GateState,
    SyncGate,
    Ticket,
    Verdict,
    verdict_of,
)
from tests._clock import FakeClock

HANG_GUARD = 30.0


def gate(bound: int = 8, *, spaced: bool = True) -> tuple[GateState, FakeClock]:
    clock = FakeClock(100.0)
    return GateState(bound, spaced=spaced, clock=clock), clock


def start(state: GateState, count: int = 1) -> list[Ticket]:
    """Let ``count`` callers through, one after the other, each checking its turn first."""
    tickets = []
    for _ in range(count):
        me = object()
        state.join(me)
        assert state.turn(me) == 0
        state.leave(me)
        tickets.append(state.start())
    return tickets


def waits(state: GateState) -> float:
    """How long a newcomer, alone in the queue, must wait."""
    me = object()
    state.join(me)
    try:
        return state.turn(me)
    finally:
        state.leave(me)


# --- the bound and the queue --------------------------------------------------------


def test_the_gate_starts_at_half_its_bound() -> None:
    state, _ = gate(32)
    assert state.limit == 16
    start(state, 16)
    assert waits(state) == math.inf


def test_callers_are_let_through_in_the_order_they_came() -> None:
    state, _ = gate(2)  # a limit of 1
    first, second = object(), object()
    state.join(first)
    state.join(second)
    assert state.turn(second) == math.inf  # behind the first, whatever the limit
    assert state.turn(first) == 0


def test_the_limit_never_grows_beyond_the_bound() -> None:
    state, _ = gate(4)
    for _ in range(50):  # rounds at full use, all answered
        for ticket in start(state, int(state.limit)):
            state.finish(ticket, Verdict.ANSWERED)
    assert state.limit == 4
    start(state, 4)
    assert waits(state) == math.inf


# --- additive increase ----------------------------------------------------------------


def test_answers_at_full_use_grow_the_limit_by_one_per_round() -> None:
    state, _ = gate(32)  # 16, with the slow-start threshold at 16 too
    tickets = start(state, 16)
    for ticket in tickets:
        state.finish(ticket, Verdict.ANSWERED)
    assert state.limit == pytest.approx(17.0, abs=0.05)  # 16 answers of 1/limit each


def test_an_idle_gate_does_not_grow() -> None:
    state, _ = gate(32)
    for _ in range(20):
        (ticket,) = start(state)  # one at a time: the limit of 16 is never used
        state.finish(ticket, Verdict.ANSWERED)
    assert state.limit == 16


# --- multiplicative decrease, once a round --------------------------------------------


@pytest.mark.parametrize("verdict", [Verdict.OVERLOADED, Verdict.FAILED])
def test_a_429_or_a_failure_halves_the_limit(verdict: Verdict) -> None:
    state, clock = gate(32)
    (ticket,) = start(state)
    clock.now += 1
    state.finish(ticket, verdict)
    assert state.limit == 8


def test_refusals_of_requests_sent_before_a_cut_do_not_cut_again() -> None:
    state, clock = gate(32)
    tickets = start(state, 12)
    clock.now += 1
    for ticket in tickets[:2]:  # two 429s (no failure in a row to count)
        state.finish(ticket, Verdict.OVERLOADED)
    assert state.limit == 8  # one cut for the whole round
    for ticket in tickets[2:]:
        state.finish(ticket, Verdict.UNKNOWN)
    (later,) = start(state)
    clock.now += 1
    state.finish(later, Verdict.OVERLOADED)
    assert state.limit == 4  # sent knowing the cut: cut again


def test_a_429_alone_never_takes_the_service_for_down() -> None:
    state, clock = gate(32)
    for _ in range(10):
        (ticket,) = start(state)
        clock.now += 1
        state.finish(ticket, Verdict.OVERLOADED)
    assert not state.probing
    assert state.limit == 1


# --- a ceiling learned from 429s ------------------------------------------------------


def test_a_429_with_the_limit_in_use_sets_a_ceiling_just_below_not_half() -> None:
    state, _ = gate(32)  # limit 16
    tickets = start(state, 16)
    state.finish(tickets[-1], Verdict.OVERLOADED)  # 16 in flight were too many
    assert (state.ceiling, state.limit) == (15.0, 15.0)


def test_at_the_ceiling_one_request_looks_above_it_every_so_many_answers() -> None:
    state = GateState(32, start_at=20, clock=FakeClock(100.0))
    assert (state.limit, state.ceiling) == (20.0, 20.0)  # what the contract says
    answered = 0
    while state.limit == 20.0:
        for ticket in start(state, 20):
            state.finish(ticket, Verdict.ANSWERED)
            answered += 1
    assert state.ceiling == 21.0  # one step above, after the set number of answers at 20
    assert 20.0 < state.limit <= 21.0
    assert PROBE_CEILING_EVERY <= answered < PROBE_CEILING_EVERY + 40


def test_probing_forgets_the_ceiling() -> None:
    state = GateState(32, start_at=20, clock=FakeClock(100.0))
    clock = state.clock
    assert isinstance(clock, FakeClock)
    fail_three(state, clock)
    assert state.probing
    assert state.ceiling is None


# --- probing while the service fails --------------------------------------------------


def fail_three(state: GateState, clock: FakeClock) -> None:
    for ticket in start(state, 3):
        clock.now += 0.01
        state.finish(ticket, Verdict.FAILED)


def test_three_failures_in_a_row_send_only_spaced_probes() -> None:
    state, clock = gate(32)
    fail_three(state, clock)
    assert state.probing
    assert waits(state) == pytest.approx(FIRST_PROBE_WAIT)
    clock.now += FIRST_PROBE_WAIT
    (probe,) = start(state)
    assert probe.probe
    assert waits(state) == math.inf  # one probe at a time


def test_the_wait_between_failed_probes_doubles_up_to_its_longest() -> None:
    state, clock = gate(32)
    fail_three(state, clock)
    spacing = []
    for _ in range(7):
        clock.now += waits(state)
        (probe,) = start(state)
        state.finish(probe, Verdict.FAILED)
        spacing.append(waits(state))
    assert spacing == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert max(spacing) == LONGEST_PROBE_WAIT


def test_an_answered_probe_ends_probing_and_the_limit_climbs_back_by_slow_start() -> None:
    state, clock = gate(32)
    tickets = start(state, 16)
    for ticket in tickets[:3]:
        clock.now += 0.01
        state.finish(ticket, Verdict.FAILED)
    for ticket in tickets[3:]:
        state.finish(ticket, Verdict.UNKNOWN)
    assert (state.probing, state.limit, state.threshold) == (True, 1.0, 8.0)
    clock.now += waits(state)
    (probe,) = start(state)
    state.finish(probe, Verdict.ANSWERED)
    assert not state.probing
    limits = []
    for _ in range(4):
        round_ = start(state, int(state.limit))
        for ticket in round_:
            state.finish(ticket, Verdict.ANSWERED)
        limits.append(state.limit)
    assert limits[:2] == [4.0, 8.0]  # doubling each round up to the threshold
    assert limits[2] == pytest.approx(9.0, abs=0.1)  # then one a round


def test_a_probe_that_learned_nothing_lets_the_next_go_at_once() -> None:
    state, clock = gate(32)
    fail_three(state, clock)
    clock.now += waits(state)
    (probe,) = start(state)
    state.finish(probe, Verdict.UNKNOWN)
    assert waits(state) == 0


def test_without_spacing_probes_follow_each_other_at_once() -> None:
    state, clock = gate(32, spaced=False)
    fail_three(state, clock)
    assert state.probing
    assert waits(state) == 0


# --- what an outcome says -------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "verdict"),
    [
        (httpx.Response(200), Verdict.ANSWERED),
        (httpx.Response(404), Verdict.ANSWERED),
        (httpx.Response(401), Verdict.ANSWERED),
        (httpx.Response(429), Verdict.OVERLOADED),
        (httpx.Response(503), Verdict.FAILED),
        (httpx.Response(500), Verdict.FAILED),
        (httpx.ReadTimeout("slow"), Verdict.FAILED),
        (httpx.ConnectError("refused"), Verdict.FAILED),
        (httpx.RemoteProtocolError("dropped"), Verdict.FAILED),
        (ZeroDivisionError(), Verdict.UNKNOWN),
    ],
)
def test_each_outcome_says_what_it_says_of_the_service(
    outcome: httpx.Response | BaseException, verdict: Verdict
) -> None:
    assert verdict_of(outcome) is verdict


@pytest.mark.parametrize(
    "ours", [httpx.LocalProtocolError("bad header"), httpx.UnsupportedProtocol("ftp")]
)
def test_a_request_that_could_not_be_made_says_nothing_of_the_service(ours: Exception) -> None:
    assert verdict_of(ours) is Verdict.UNKNOWN


# --- the shells -----------------------------------------------------------------------


def test_a_thread_that_finds_the_gate_full_past_its_deadline_gives_up() -> None:
    shell = SyncGate(GateState(2))
    held = shell.acquire(Deadline.after(10.0))
    with pytest.raises(Expired) as late:
        shell.acquire(Deadline.after(0.0))
    shell.release(held)
    assert late.value.waiting == "for a free slot at the gate"
    assert (shell.state.in_flight, shell.state.limit) == (0, 1.0)


def test_a_caller_whose_deadline_passed_is_not_let_through_even_on_a_free_gate() -> None:
    shell = SyncGate(GateState(2))
    with pytest.raises(Expired):
        shell.acquire(Deadline.after(0.0))
    assert shell.state.in_flight == 0


def test_a_waiting_thread_goes_through_once_a_slot_is_freed() -> None:
    shell = SyncGate(GateState(2))
    went: list[int] = []
    held = shell.acquire(Deadline.after(HANG_GUARD))

    def wait_its_turn() -> None:
        slot = shell.acquire(Deadline.after(HANG_GUARD))
        went.append(shell.state.in_flight)
        shell.release(slot)

    waiter = threading.Thread(target=wait_its_turn)
    waiter.start()
    shell.release(held)
    waiter.join(HANG_GUARD)
    assert went == [1]
    assert shell.state.in_flight == 0


def test_a_release_teaches_the_gate_the_verdict() -> None:
    shell = SyncGate(GateState(8))
    slot = shell.acquire(Deadline.after(HANG_GUARD))
    slot.verdict = Verdict.OVERLOADED
    shell.release(slot)
    assert shell.state.limit == 2  # 4, halved


@pytest.mark.anyio
async def test_a_task_that_finds_the_gate_full_past_its_deadline_gives_up() -> None:
    shell = AsyncGate(GateState(2))
    held = await shell.acquire(Deadline.after(10.0))
    with pytest.raises(Expired):
        await shell.acquire(Deadline.after(0.0))
    shell.release(held)
    assert shell.state.in_flight == 0


@pytest.mark.anyio
async def test_waiting_tasks_go_through_one_by_one_as_slots_free_up() -> None:
    shell = AsyncGate(GateState(2))
    order: list[int] = []

    async def caller(number: int) -> None:
        slot = await shell.acquire(Deadline.after(HANG_GUARD))
        order.append(number)
        assert shell.state.in_flight == 1
        await asyncio.sleep(0)
        shell.release(slot)

    await asyncio.gather(*(caller(n) for n in range(5)))
    assert order == [0, 1, 2, 3, 4]
    assert shell.state.in_flight == 0


@pytest.mark.anyio
async def test_a_cancelled_waiting_task_leaves_no_place_in_the_queue() -> None:
    shell = AsyncGate(GateState(2))
    held = await shell.acquire(Deadline.after(HANG_GUARD))
    stuck = asyncio.ensure_future(shell.acquire(Deadline.after(HANG_GUARD)))
    await asyncio.sleep(0)
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    shell.release(held)
    slot = await shell.acquire(Deadline.after(1.0))  # the gate is free: no wait at all
    assert shell.state.in_flight == 1
    shell.release(slot)
