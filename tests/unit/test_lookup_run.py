"""One lookup's clock: the overall deadline (R13), KP's share of it (R3), and progress."""

from __future__ import annotations

import httpx
import pytest

from driver2_kp import Progress, RequestTimeoutError, Source, Step, Timeouts
from driver2_kp._http import Send, Sleep
from driver2_kp._rules import Ask
from driver2_kp.driver2 import get_customer_request
from driver2_kp.lookup import _Run

DRIVER2 = Timeouts(read=60, deadline=300)
KP = Timeouts(read=10, deadline=30)


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ask(*, leave_time_for_kp: bool = False) -> Ask:
    operation = get_customer_request("74050")
    return Ask(Source.DRIVER2, Step.SEARCH_DRIVER2, operation, leave_time_for_kp)


def test_r13_a_call_gets_at_most_the_time_the_lookup_has_left() -> None:
    clock = Clock()
    run = _Run(100.0, None, clock)
    assert run.timeouts(_ask(), DRIVER2, KP).deadline == 100.0
    clock.now += 70
    cut = run.timeouts(_ask(), DRIVER2, KP)
    assert cut.deadline == pytest.approx(30.0)
    assert cut.read == DRIVER2.read  # each attempt is capped by the call flow from there


def test_r13_a_call_keeps_its_own_deadline_when_shorter() -> None:
    run = _Run(1000.0, None, Clock())
    assert run.timeouts(_ask(), DRIVER2, KP).deadline == 300.0


def test_r13_a_spent_deadline_is_raised_before_the_call() -> None:
    clock = Clock()
    run = _Run(10.0, None, clock)
    clock.now += 10
    with pytest.raises(RequestTimeoutError) as late:
        run.timeouts(_ask(), DRIVER2, KP)
    assert str(late.value) == (
        "Driver2 GET /customers/{customerNumber}: the lookup's deadline of 10 s ran out"
    )


@pytest.mark.parametrize(
    ("deadline", "driver2_gets"),
    [(330.0, 300.0), (100.0, 75.0), (2.0, 1.5)],
    ids=["default", "kp_deadline_fits", "a_quarter_at_most"],
)
def test_r3_driver2_leaves_kp_its_share_when_a_fallback_may_follow(
    deadline: float, driver2_gets: float
) -> None:
    run = _Run(deadline, None, Clock())
    ask = _ask(leave_time_for_kp=True)
    assert run.timeouts(ask, DRIVER2, KP).deadline == pytest.approx(driver2_gets)


def test_r13_progress_tells_each_attempt_and_wait() -> None:
    clock = Clock()
    told: list[Progress] = []
    run = _Run(60.0, told.append, clock)
    observe = run.observer(Step.IMPORT)
    assert observe is not None
    observe(Send(httpx.Timeout(5.0), 1))
    clock.now += 12
    observe(Sleep(2.5))
    clock.now += 2.5
    observe(Send(httpx.Timeout(5.0), 2))
    assert [(p.step, p.attempt, p.retry_in) for p in told] == [
        (Step.IMPORT, 1, None),
        (Step.IMPORT, 2, 2.5),
        (Step.IMPORT, 2, None),
    ]
    assert [(p.elapsed, p.time_left) for p in told] == [(0, 60), (12, 48), (14.5, 45.5)]
    assert str(told[1]) == (
        "importing the KP person into Driver2 (retry 2 in 2 s), 12 s so far, 48 s left"
    )
    assert (
        str(told[2]) == "importing the KP person into Driver2 (attempt 2), 14 s so far, 46 s left"
    )


def test_no_callback_means_no_observer() -> None:
    assert _Run(60.0, None, Clock()).observer(Step.SEARCH_KP) is None
