"""The gate's decisions on plain values (a fake clock), and its two shells waiting and waking."""

from __future__ import annotations

import asyncio
import itertools
import math
import threading
from collections.abc import Callable

import httpx
import pytest

from driver2_kp import Deadline
from driver2_kp._deadline import Expired
from driver2_kp._gate import (
    FIRST_PROBE_WAIT,
    LONGEST_PROBE_WAIT,
    AsyncGate,
    GateState,
    Patience,
    SyncGate,
    Ticket,
    Unanswered,
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
        paced = state.turn(me)  # the first round after the first answer is paced
        if 0 < paced < math.inf and isinstance(state.clock, FakeClock):
            state.clock.advance(paced)
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


def test_a_retry_queues_ahead_of_first_attempts_and_behind_earlier_retries() -> None:
    state, _ = gate(2)  # a limit of 1
    first, second, retry, later_retry = object(), object(), object(), object()
    state.join(first)
    state.join(second)
    state.join(retry, retry=True)
    state.join(later_retry, retry=True)
    assert state.turn(retry) == 0  # its call queued once already: it goes next
    assert state.turn(first) == state.turn(later_retry) == math.inf
    state.leave(retry)
    assert state.turn(later_retry) == 0
    state.leave(later_retry)
    assert state.turn(first) == 0  # then the first attempts, in the order they came
    state.leave(first)
    state.join(third := object())
    state.join(last_retry := object(), retry=True)
    assert state.turn(last_retry) == 0  # no retry is left ahead of it
    assert state.turn(second) == state.turn(third) == math.inf


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


def test_the_first_round_after_the_first_answer_is_paced_over_half_a_latency() -> None:
    state, clock = gate(32, spaced=True)  # a limit of 16
    (first,) = start(state)
    clock.now += 0.4
    state.finish(first, Verdict.ANSWERED)  # a latency of 0.4 s is known
    me = object()
    state.join(me)
    assert state.turn(me) == 0  # the first goes at once
    state.leave(me)
    state.start()
    state.join(me)
    assert state.turn(me) == pytest.approx(0.4 / 2 / 16)  # the next a 32nd of 0.4 s later
    state.leave(me)
    tickets = start(state, 15)
    assert tickets[-1].started - tickets[0].started == pytest.approx(0.2 * 14 / 16)
    state.join(me)
    assert state.turn(me) == math.inf  # the limit is in use
    state.leave(me)


@pytest.mark.parametrize("refused", [True, False])
def test_a_429_ends_the_pacing_and_test_suites_never_pace(refused: bool) -> None:
    state, clock = gate(32, spaced=refused)  # unspaced: RetryPolicy(wait=False)
    (first,) = start(state)
    clock.now += 0.4
    state.finish(first, Verdict.ANSWERED)
    one, other = state.start(), state.start()
    state.finish(one, Verdict.OVERLOADED if refused else Verdict.UNKNOWN)
    state.finish(other, Verdict.UNKNOWN)
    waiter = object()
    state.join(waiter)
    assert state.turn(waiter) == 0  # a 429: a share is being learned, no more pacing
    state.leave(waiter)


# --- noise is not congestion ---------------------------------------------------------


def run_rounds(
    state: GateState,
    clock: FakeClock,
    rounds: int,
    *,
    capacity: int | None = None,
    fails: Callable[[int], bool] = lambda _: False,
    latency: float = 0.2,
) -> tuple[list[float], int, int]:
    """Rounds at full use: each request is answered ``latency`` later, refused past ``capacity``.

    ``fails(n)`` says whether the n-th request of the run fails (a 5xx). Returns
    the limit after each round, the requests sent and the 429s among them.
    """
    limits, sent, refused = [], 0, 0
    for _ in range(rounds):
        tickets = start(state, int(state.limit))
        over = tickets[capacity:] if capacity is not None else []
        for ticket in over:  # a 429 comes back at once
            state.finish(ticket, Verdict.OVERLOADED)
        clock.now += latency
        for ticket in tickets[: len(tickets) - len(over)]:
            sent += 1
            state.finish(ticket, Verdict.FAILED if fails(sent) else Verdict.ANSWERED)
        sent += len(over)
        refused += len(over)
        limits.append(state.limit)
    return limits, sent, refused


def test_a_lone_failure_cuts_nothing() -> None:
    state, clock = gate(32)
    (ticket,) = start(state)
    clock.now += 1
    state.finish(ticket, Verdict.FAILED)
    assert (state.limit, state.probing) == (16.0, False)


def test_ten_percent_of_failures_never_lower_the_limit() -> None:
    state, clock = gate(32)
    # every tenth request fails, 3 in a row once in a while: noise, however it falls
    limits, _, _ = run_rounds(state, clock, 40, fails=lambda n: n % 10 == 0 or n % 97 < 3)
    assert min(limits) >= 16.0
    assert not state.probing


def test_failures_at_a_rate_that_stands_out_halve_the_limit_once_a_round() -> None:
    state, clock = gate(32)
    limits, _, _ = run_rounds(state, clock, 1, fails=lambda n: n % 2 == 0)  # half of them
    assert limits == [pytest.approx(8.0, abs=0.5)]  # 16 halved once, though 8 failed then
    assert not state.probing  # answers came between the failures: it is up


def test_latency_grown_over_its_usual_level_halves_the_limit_then_is_accepted() -> None:
    state, clock = gate(32)
    run_rounds(state, clock, 6, latency=0.2)
    before = state.limit
    limits, _, _ = run_rounds(state, clock, 6, latency=0.6)
    assert limits[0] < before * 0.6  # halved in the first slow round
    assert limits == sorted(limits)  # the slower pace half accepted: no cut after cut


# --- a ceiling learned from 429s ------------------------------------------------------


def test_a_429_with_the_limit_in_use_sets_a_ceiling_just_below_not_half() -> None:
    state, _ = gate(32)  # limit 16
    tickets = start(state, 16)
    state.finish(tickets[-1], Verdict.OVERLOADED)  # 16 in flight were too many
    assert (state.ceiling, state.limit) == (15.0, 15.0)


def test_each_429_of_one_overshoot_lowers_the_ceiling_by_one_more() -> None:
    state, clock = gate(32)
    tickets = start(state, 16)
    clock.now += 0.2
    for ticket in tickets[-6:]:  # another process took 6 of the service's places
        state.finish(ticket, Verdict.OVERLOADED)
    assert (state.ceiling, state.limit) == (10.0, 10.0)  # its share: 16 - 6


def test_a_429_alone_never_takes_the_service_for_down() -> None:
    state, clock = gate(32)
    for _ in range(10):
        (ticket,) = start(state)
        clock.now += 1
        state.finish(ticket, Verdict.OVERLOADED)
    assert not state.probing
    assert state.limit == 1


def test_at_the_contracts_ceiling_a_look_above_comes_once_in_so_many_rounds() -> None:
    state, clock = GateState(32, start_at=20, clock=FakeClock(100.0)), FakeClock(100.0)
    state.clock = clock
    limits, sent, refused = run_rounds(state, clock, 200, capacity=20)
    assert refused / sent <= 0.01  # looks above are rare once they fail
    assert min(limits) >= 19.0
    assert max(limits) <= 21.0


def test_after_a_squeeze_the_limit_is_back_near_capacity_within_20_latencies() -> None:
    state, clock = GateState(32, start_at=20, clock=FakeClock(100.0)), FakeClock(100.0)
    state.clock = clock
    run_rounds(state, clock, 40, capacity=5)  # squeezed: the service took 5
    assert state.limit <= 5.0
    limits, _, refused = run_rounds(state, clock, 20, capacity=20)  # 20 latencies after
    assert 18.0 <= limits[-1] <= 21.0  # 90 % of 20, and settled
    assert refused <= 15  # the last look of the climb goes past it, once


def test_after_a_lone_429_the_limit_climbs_back_to_where_it_held_and_no_further() -> None:
    clock = FakeClock(100.0)
    state = GateState(32, start_at=20, clock=clock)
    run_rounds(state, clock, 3, capacity=20)
    tickets = start(state, 20)
    state.finish(tickets[0], Verdict.OVERLOADED)  # a gateway's 429, not the capacity
    for ticket in tickets[1:]:
        state.finish(ticket, Verdict.ANSWERED)
    assert state.limit < 20.0  # one below where it was refused
    limits, _, refused = run_rounds(state, clock, 10, capacity=20)
    assert limits[-1] == 20.0  # back in a few rounds
    assert refused == 0  # and never past 20, where it held


def test_two_processes_on_one_client_id_learn_their_shares_in_a_round() -> None:
    clock = FakeClock(100.0)
    ours, theirs = (GateState(32, start_at=20, clock=clock) for _ in range(2))
    totals = []
    for _ in range(50):
        mine, others = start(ours, int(ours.limit)), start(theirs, int(theirs.limit))
        # the service takes 20 of both, in the order they came: one of each in turn
        pairs = itertools.zip_longest([(ours, t) for t in mine], [(theirs, t) for t in others])
        arrivals = [arrival for pair in pairs for arrival in pair if arrival is not None]
        for gate_, ticket in arrivals[20:]:  # a 429 comes back at once
            gate_.finish(ticket, Verdict.OVERLOADED)
        clock.now += 0.2
        for gate_, ticket in arrivals[:20]:
            gate_.finish(ticket, Verdict.ANSWERED)
        totals.append(ours.limit + theirs.limit)
    assert totals[0] == pytest.approx(20.0, abs=0.5)  # each refused 10 of 20: a share of 10
    assert max(totals) <= 22.0


def test_four_processes_on_one_client_id_look_above_their_shares_as_rarely_as_one_alone() -> None:
    clock = FakeClock(100.0)
    gates = [GateState(32, start_at=20, clock=clock) for _ in range(4)]
    for gate_ in gates:  # each gets its token first: the service's latency is known
        ticket = gate_.start()
        clock.now += 0.2
        gate_.finish(ticket, Verdict.ANSWERED)
    refused, answered = [], 0
    for _ in range(200):
        taken: list[tuple[GateState, Ticket]] = []
        refused.append(0)
        while any(gate_.in_flight < int(gate_.limit) for gate_ in gates):
            for gate_ in (g for g in gates if g.in_flight < int(g.limit)):  # each in turn
                ticket = gate_.start()
                if len(taken) < 20:
                    taken.append((gate_, ticket))
                else:  # past the service's 20: a 429 comes back at once
                    gate_.finish(ticket, Verdict.OVERLOADED)
                    refused[-1] += 1
        clock.now += 0.2
        for gate_, ticket in taken:
            gate_.finish(ticket, Verdict.ANSWERED)
        answered += len(taken)
    assert refused[0] == 4  # the paced first round: one 429 a process tells each its share
    assert [gate_.limit for gate_ in gates] == [5.0] * 4
    # Then a look above each share every 12 rounds of 20 answers (240), not of 5 (60).
    assert sum(refused[1:]) / answered <= 1 / 200


def test_a_process_that_came_late_takes_the_places_the_others_leave_within_rounds() -> None:
    clock = FakeClock(100.0)
    early = [GateState(32, start_at=20, clock=clock) for _ in range(3)]
    late = GateState(32, start_at=20, clock=clock)
    for gate_ in [*early, late]:  # each gets its token first: the service's latency is known
        ticket = gate_.start()
        clock.now += 0.2
        gate_.finish(ticket, Verdict.ANSWERED)

    def round_(gates: list[GateState]) -> None:
        """One latency: the others fill in turn, the late one after them; the service takes 20."""
        taken: list[tuple[GateState, Ticket]] = []

        def send(gate_: GateState) -> None:
            ticket = gate_.start()
            if len(taken) < 20:
                taken.append((gate_, ticket))
            else:  # past the service's 20: a 429 comes back at once
                gate_.finish(ticket, Verdict.OVERLOADED)

        def wants(gate_: GateState) -> bool:  # a place under its limit, and sends left
            return gate_.in_flight < int(gate_.limit) and sends[id(gate_)] > 0

        sends = {id(g): int(g.limit) for g in gates}  # a refused request is not resent at once
        others = [g for g in gates if g is not late]
        while any(wants(g) for g in others):
            for gate_ in (g for g in others if wants(g)):
                sends[id(gate_)] -= 1
                send(gate_)
        while late in gates and wants(late):
            sends[id(late)] -= 1
            send(late)
        clock.now += 0.2
        for gate_, ticket in taken:
            gate_.finish(ticket, Verdict.ANSWERED)

    for _ in range(20):  # the others share the service
        round_(early)
    for _ in range(48):  # the late one finds them there: every place is taken
        round_([*early, late])
    assert late.ceiling is not None
    assert late.ceiling <= 2.0  # a late arrival's share
    rounds = 0
    while late.limit < 18.0 and rounds < 240:  # the others are done
        round_([late])
        rounds += 1
    assert rounds <= 30  # before: 240 answers at its share of 1 before its first look


# --- down is not slow -----------------------------------------------------------------


def fail_until_down(state: GateState, clock: FakeClock) -> int:
    """Fail requests one after the other until the gate takes the service as down."""
    failed = 0
    while not state.probing:
        (ticket,) = start(state)
        clock.now += 0.01
        state.finish(ticket, Verdict.FAILED)
        failed += 1
    return failed


def test_failures_at_a_rate_that_stands_out_and_in_a_row_send_only_spaced_probes() -> None:
    state, clock = gate(32)
    assert fail_until_down(state, clock) == 8  # 8 of the latest 20, with no answer between
    assert waits(state) == pytest.approx(FIRST_PROBE_WAIT)
    clock.now += FIRST_PROBE_WAIT
    (probe,) = start(state)
    assert probe.probe
    assert waits(state) == math.inf  # one probe at a time


def test_three_failures_in_a_row_among_answers_are_not_an_outage() -> None:
    state, clock = gate(4)
    run_rounds(state, clock, 10)
    for ticket in start(state, 3):
        clock.now += 0.01
        state.finish(ticket, Verdict.FAILED)
    assert not state.probing  # 3 of the latest 20 failed: noise that fell together


def test_the_gate_knows_since_when_the_service_has_not_answered() -> None:
    state, clock = gate(32)
    assert state.silence() == 0.0
    (ticket,) = start(state)
    clock.now += 2.0
    state.finish(ticket, Verdict.FAILED)
    clock.now += 1.0
    assert state.silence() == pytest.approx(3.0)  # since that request went out
    assert state.silence(since=clock.now - 0.5) == pytest.approx(0.5)  # or the caller began
    (ticket,) = start(state)
    state.finish(ticket, Verdict.ANSWERED)
    assert state.silence() == 0.0


def test_the_gate_counts_the_answers_a_429_included_and_no_failure() -> None:
    state, _ = gate(32, spaced=False)
    verdicts = [Verdict.ANSWERED, Verdict.FAILED, Verdict.OVERLOADED, Verdict.UNKNOWN]
    for ticket, verdict in zip(start(state, len(verdicts)), verdicts, strict=True):
        state.finish(ticket, verdict)
    assert state.answers == 2


def test_a_waiter_out_of_patience_is_told_the_service_does_not_answer() -> None:
    state, clock = gate(32)
    patience = Patience(15.0, since=clock.now)
    fail_until_down(state, clock)
    clock.now += waits(state)
    (probe,) = start(state)  # a probe is out: the next caller waits for it
    me = object()
    state.join(me)
    assert state.pause(me, Deadline.after(300.0, clock=clock), patience) <= 15.0
    clock.now += 15.0
    with pytest.raises(Unanswered) as told:
        state.pause(me, Deadline.after(300.0, clock=clock), patience)
    assert told.value.silent_for >= 15.0
    state.leave(me)
    state.finish(probe, Verdict.FAILED)


def test_the_wait_between_failed_probes_doubles_up_to_its_longest() -> None:
    state, clock = gate(32)
    fail_until_down(state, clock)
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
    for ticket in tickets[:8]:
        clock.now += 0.01
        state.finish(ticket, Verdict.FAILED)
    for ticket in tickets[8:]:
        state.finish(ticket, Verdict.UNKNOWN)
    # 8 of the latest outcomes failed: a rate that stands out halved the threshold
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
    fail_until_down(state, clock)
    clock.now += waits(state)
    (probe,) = start(state)
    state.finish(probe, Verdict.UNKNOWN)
    assert waits(state) == 0


def test_without_spacing_probes_follow_each_other_at_once() -> None:
    state, clock = gate(32, spaced=False)
    fail_until_down(state, clock)
    assert state.probing
    assert waits(state) == 0


def test_probing_forgets_the_ceiling() -> None:
    clock = FakeClock(100.0)
    state = GateState(32, start_at=20, clock=clock)
    fail_until_down(state, clock)
    assert state.ceiling is None


# --- ghosts ---------------------------------------------------------------------------


def test_a_ghost_lasts_twice_the_longest_recent_latency_within_the_read_timeout() -> None:
    state, clock = gate(32)
    (unknown,) = start(state)
    assert state.ghost_until(unknown, 60.0) == unknown.started + 60.0  # nothing known yet
    state.finish(unknown, Verdict.UNKNOWN)
    run_rounds(state, clock, 3, latency=0.5)
    (ticket,) = start(state)
    assert state.ghost_until(ticket, 60.0) == pytest.approx(ticket.started + 1.0)
    assert state.ghost_until(ticket, 0.8) == pytest.approx(ticket.started + 0.8)
    clock.now += 3.0  # given up on after 3 s: the service is slower than it was
    assert state.ghost_until(ticket, 60.0) == pytest.approx(ticket.started + 6.0)


def test_a_caller_whose_deadline_ends_before_the_ghosts_in_its_way_fails_at_once() -> None:
    state, clock = gate(2)  # a limit of 1
    (ticket,) = start(state)
    state.finish(ticket, Verdict.UNKNOWN, ghost_until=clock.now + 60.0)
    me = object()
    state.join(me)
    with pytest.raises(Expired) as late:
        state.pause(me, Deadline.after(5.0, clock=clock))
    assert "given up on" in late.value.waiting
    assert state.pause(me, Deadline.after(90.0, clock=clock)) == pytest.approx(60.0)


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
    assert shell.state.limit == 1  # refused with 1 in flight: the service took none of ours


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


@pytest.mark.anyio
async def test_a_waiting_retry_is_let_through_before_first_attempts_that_came_earlier() -> None:
    shell = AsyncGate(GateState(2))  # a limit of 1
    held = await shell.acquire(Deadline.after(HANG_GUARD))
    order: list[str] = []

    async def caller(name: str, *, retry: bool) -> None:
        slot = await shell.acquire(Deadline.after(HANG_GUARD), retry=retry)
        order.append(name)
        shell.release(slot)

    waiting = [asyncio.ensure_future(caller("first attempt", retry=False))]
    await asyncio.sleep(0)
    waiting.append(asyncio.ensure_future(caller("retry", retry=True)))
    await asyncio.sleep(0)
    shell.release(held)
    await asyncio.gather(*waiting)
    assert order == ["retry", "first attempt"]
