"""Hard deadlines (R13): a call or a lookup ends by its deadline, whatever is slow."""

from __future__ import annotations

import attrs
import pytest

from driver2_kp import DeadlineExceededError, SearchCriteria, Settings, Timeouts
from driver2_kp.sandbox import FaultScript, Sandbox

from ._harness import Args, Kind, together

GODERIS = SearchCriteria(last_name="Goderis", postcode="9000")
ANN_PEETERS = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")
"""Nobody in Driver2: KP is searched after it."""
NOBODY = SearchCriteria(customer_number="99999")
"""Nobody in Driver2, and no last name for KP: an answer of 65 bytes, 5 pieces of a trickle.

The sandbox trickles on after its client has gone, and the next test's reset
waits for it: a short answer keeps that wait short (about 7.5 s at 1.9 s a piece).
"""
MARGIN = 0.1
"""Seconds a call may end after its deadline (R13)."""
TOKEN = FaultScript(service="driver2", method="POST", path="/oauth/token", fault="delay")
SEARCH = FaultScript(service="driver2", method="GET", path="/customers", fault="delay")
KP = FaultScript(service="kp", method="GET", path="/personen", fault="delay")
SLOW = {
    "token": (attrs.evolve(TOKEN, seconds=3.0, times=9), GODERIS),
    "search": (attrs.evolve(SEARCH, seconds=3.0, times=9), GODERIS),
    "kp": (attrs.evolve(KP, seconds=3.0, times=9), ANN_PEETERS),
    # A gateway trickling the answer, 16 bytes every 50 ms: no read ever times out.
    "body": (attrs.evolve(SEARCH, fault="trickle", seconds=0.05, times=9), GODERIS),
}
STEPS = {
    "token": "requesting a Driver2 token",
    "search": "searching Driver2",
    "kp": "searching KP",
    "body": "searching Driver2",
}


@pytest.mark.parametrize("slow", list(SLOW))
def test_a_lookup_ends_by_its_deadline_whatever_is_slow(
    kind: Kind, sandbox: Sandbox, settings: Settings, slow: str
) -> None:
    script, criteria = SLOW[slow]
    sandbox.script_faults(script)
    run = together(kind, settings, "search", [(criteria,)], deadline=1.0)
    (call,) = run.calls
    assert isinstance(call.value, DeadlineExceededError)
    assert (call.value.deadline, call.value.step) == (1.0, STEPS[slow])
    assert "1 attempt" in str(call.value)
    assert "Timeout" not in str(call.value)  # the deadline, never a per-read timeout
    print(f"\n{kind}, slow {slow}: raised after {call.seconds:.3f} s, deadline 1 s")
    assert call.seconds <= 1.0 + MARGIN


def test_a_body_trickling_in_pieces_shorter_than_each_read_timeout_ends_by_the_deadline(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    # 16 bytes every 1.9 s, deadline 2 s: the first piece comes in time, and the
    # wait for the second is shorter than the read timeout httpcore took for the body.
    sandbox.script_faults(attrs.evolve(SEARCH, fault="trickle", seconds=1.9, times=9))
    run = together(kind, settings, "search", [(NOBODY,)], deadline=2.0)
    (call,) = run.calls
    assert isinstance(call.value, DeadlineExceededError)
    assert (call.value.deadline, call.value.step) == (2.0, "searching Driver2")
    assert "Timeout" not in str(call.value)
    print(f"\n{kind}, a piece every 1.9 s: raised after {call.seconds:.3f} s, deadline 2 s")
    assert call.seconds <= 2.0 + MARGIN


def test_the_token_and_the_search_fit_in_one_lookup_deadline(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=1.5, jitter=0.0)  # 1.5 s for the token, 1.5 s to search
    run = together(kind, settings, "search", [(GODERIS,)], deadline=2.0)
    (call,) = run.calls
    assert isinstance(call.value, DeadlineExceededError)
    assert (call.value.step, call.value.deadline) == ("searching Driver2", 2.0)
    print(f"\n{kind}: token and search at 1.5 s each, raised after {call.seconds:.3f} s")
    assert call.seconds <= 2.0 + MARGIN


def test_a_clients_own_deadline_covers_its_token_request_too(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=1.5, jitter=0.0)
    two_seconds = attrs.evolve(
        settings, driver2_timeouts=Timeouts(deadline=2.0)
    )  # DRIVER2_DEADLINE
    run = together(kind, two_seconds, "driver2.get_customer", [Args("74050")])
    (call,) = run.calls
    assert isinstance(call.value, DeadlineExceededError)
    assert str(call.value).startswith(
        "Driver2 GET /customers/{customerNumber}: the deadline of 2 s"
    )
    assert call.seconds <= 2.0 + MARGIN


def test_a_lookup_that_fits_its_deadline_answers(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=0.3, jitter=0.0)
    run = together(kind, settings, "search", [(GODERIS,)], deadline=2.0)
    assert run.errors == []


def test_an_attempt_its_caller_gave_up_on_keeps_its_place_while_driver2_may_work_on_it(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    # One place at the gate. The hasty caller gives up after 0.3 s: Driver2 is slower than
    # its latencies of late, so the ghost keeps the place twice that, within the 0.5 s read.
    phases = {"pool": 0.2, "connect": 0.2, "write": 0.2, "read": 0.5}
    one = attrs.evolve(settings, driver2_max_in_flight=1, driver2_timeouts=Timeouts(**phases))
    sandbox.script_faults(
        attrs.evolve(SEARCH, path="/customers/*", fault="trickle", seconds=0.05)  # 1.2 s and more
    )
    hasty, patient = Args("74050", timeouts=Timeouts(**phases, deadline=0.3)), Args("74050")
    run = together(kind, one, "driver2.get_customer", [hasty, patient], warm_up=GODERIS)
    first, second = run.calls
    assert isinstance(first.value, DeadlineExceededError)
    assert not second.failed  # the place came free when the ghost was gone
    print(f"\n{kind}: the patient caller got its customer after {second.seconds:.2f} s")
    assert 0.5 <= second.seconds <= 2.5  # not before the ghost has gone (0.5 s)
