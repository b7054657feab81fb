"""One lookup's clock: the overall deadline (R13) and progress."""

from __future__ import annotations

import pytest

from driver2_kp import ConfigurationError, Deadline, Progress, Step, Timeouts
from driver2_kp._http import Send, Sleep
from driver2_kp._pages import check_ahead
from driver2_kp._progress import Run
from tests._clock import FakeClock

DRIVER2 = Timeouts(read=60, deadline=300)


def test_r13_a_lookup_has_one_deadline_from_its_start() -> None:
    clock = FakeClock(1000.0)
    run = Run(100.0, None, clock)
    assert (run.deadline.seconds, run.deadline.left()) == (100.0, 100.0)
    clock.now += 70
    assert run.deadline.left() == pytest.approx(30.0)


def test_r13_a_call_ends_by_the_lookup_deadline_or_its_own_whichever_is_sooner() -> None:
    clock = FakeClock(1000.0)
    run = Run(100.0, None, clock)
    own = Deadline.after(DRIVER2.deadline, clock=clock)
    assert own.sooner(run.deadline) is run.deadline
    clock.now += 70
    short = Deadline.after(10.0, clock=clock)
    assert short.sooner(run.deadline) is short
    assert short.sooner(None) is short


def test_r13_progress_tells_each_attempt_and_wait() -> None:
    clock = FakeClock(1000.0)
    told: list[Progress] = []
    run = Run(60.0, told.append, clock)
    observe = run.observer(Step.IMPORT)
    assert observe is not None
    observe(Send(DRIVER2.per_attempt, 1))
    clock.now += 12
    observe(Sleep(2.5))
    clock.now += 2.5
    observe(Send(DRIVER2.per_attempt, 2))
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
    assert Run(60.0, None, FakeClock(1000.0)).observer(Step.SEARCH_KP) is None


@pytest.mark.parametrize("ahead", [-1, 1.5, True])
def test_a_look_ahead_that_is_not_a_whole_number_of_pages_is_refused(ahead: object) -> None:
    with pytest.raises(ConfigurationError, match="ahead"):
        check_ahead(ahead)  # type: ignore[arg-type]
