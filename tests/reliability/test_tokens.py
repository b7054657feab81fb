"""The token: one request after an expiry, and waiters that keep their own deadlines."""

from __future__ import annotations

import attrs

from driver2_kp import DeadlineExceededError, SearchCriteria, Settings, Timeouts
from driver2_kp.sandbox import FaultScript, Sandbox

from ._harness import Args, Kind, together

GODERIS = SearchCriteria(last_name="Goderis", postcode="9000")
MARGIN = 0.1
"""Seconds a call may end after its deadline (R13)."""


def _token_requests(sandbox: Sandbox) -> int:
    return sum(1 for entry in sandbox.requests("driver2") if entry.path == "/oauth/token")


def test_after_an_expiry_20_concurrent_lookups_make_exactly_one_token_request(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=0.05)
    run = together(
        kind, settings, "search", [(GODERIS,)] * 20, warm_up=GODERIS, before=sandbox.expire_tokens
    )
    assert run.errors == []
    assert _token_requests(sandbox) == 2  # the warm-up's, then one for all 20
    refused = [entry for entry in sandbox.requests("driver2") if entry.status == 401]
    print(f"\n{kind}: {len(refused)} searches refused the expired token, one token request")


def test_stalled_token_waiters_each_fail_at_their_own_deadline(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.script_faults(
        FaultScript(
            service="driver2", method="POST", path="/oauth/token", fault="delay", seconds=5, times=9
        )
    )
    run = together(kind, settings, "search", [(GODERIS,)] * 6, deadline=1.0)
    assert len(run.errors) == 6
    for error in run.errors:
        assert isinstance(error, DeadlineExceededError)
        assert (error.step, error.deadline) == ("requesting a Driver2 token", 1.0)
    took = sorted(call.seconds for call in run.calls)
    print(f"\n{kind}: the 6 waiters failed after {', '.join(f'{s:.2f}' for s in took)} s")
    assert took[-1] <= 1.0 + MARGIN
    assert _token_requests(sandbox) == 1


def test_each_caller_keeps_its_own_deadline_whoever_fetches_the_token(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    slow = FaultScript(service="driver2", method="POST", path="/oauth/token", fault="delay")
    sandbox.script_faults(attrs.evolve(slow, seconds=1.0, times=9))
    deadlines = (0.3, 3.0, 0.6)  # async: the first fetches; sync: whichever thread is first
    calls = [Args("74050", timeouts=Timeouts(deadline=seconds)) for seconds in deadlines]
    run = together(kind, settings, "driver2.get_customer", calls)
    hasty, patient, hurried = run.calls
    # Whoever fetched, and whenever its deadline ran out, the patient caller gets its customer.
    assert not patient.failed
    for waiter, deadline in ((hasty, 0.3), (hurried, 0.6)):
        assert isinstance(waiter.value, DeadlineExceededError)
        assert waiter.value.deadline == deadline
        assert deadline - MARGIN <= waiter.seconds <= deadline + MARGIN
    assert _token_requests(sandbox) <= len(deadlines)
