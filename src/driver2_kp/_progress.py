"""What a lookup tells its progress callback, and the deadline each lookup runs within."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import attrs

from ._deadline import Deadline
from ._errors import ConfigurationError
from ._http import Observer, Send, Sleep
from ._results import Step

__all__ = ["Progress", "ProgressCallback"]


@attrs.frozen(kw_only=True)
class Progress:
    """What a lookup is doing, reported before each attempt and each wait (R13).

    Example::

        lookup = CustomerLookup.from_settings(settings, on_progress=print)
        lookup.search(SearchCriteria(last_name="Goderis"))
        # prints: searching Driver2 (attempt 1), 0 s so far, 330 s left
    """

    step: Step
    attempt: int
    """The attempt under way or about to start, from 1."""
    elapsed: float
    """Seconds since the lookup started."""
    time_left: float
    """Seconds before the lookup's deadline."""
    retry_in: float | None = None
    """When waiting before a retry: how many seconds."""

    def __str__(self) -> str:
        doing = (
            f"{self.step} (retry {self.attempt} in {self.retry_in:.0f} s)"
            if self.retry_in is not None
            else f"{self.step} (attempt {self.attempt})"
        )
        return f"{doing}, {self.elapsed:.0f} s so far, {self.time_left:.0f} s left"


ProgressCallback = Callable[[Progress], None]
"""Called with each `Progress`, in the thread or task doing the lookup.

A plain function for `AsyncCustomerLookup` too: it runs between two awaits, so
it should return at once (set a status, log, or raise to cancel).
"""


class Run:
    """One lookup: its deadline, and what its progress callback is told."""

    def __init__(
        self,
        seconds: float,
        on_progress: ProgressCallback | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.deadline = Deadline.after(seconds, clock=clock)
        """The lookup's one deadline: every call it makes ends by it."""
        self._on_progress = on_progress
        self._clock = clock
        self._started = clock()

    def observer(self, step: Step) -> Observer | None:
        if self._on_progress is None:
            return None
        report = self._on_progress
        attempt = 1

        def observe(instruction: Send | Sleep) -> None:
            nonlocal attempt
            elapsed = self._clock() - self._started
            left = self.deadline.left()
            if isinstance(instruction, Send):
                attempt = instruction.attempt
                progress = Progress(step=step, attempt=attempt, elapsed=elapsed, time_left=left)
            else:
                progress = Progress(
                    step=step,
                    attempt=attempt + 1,
                    elapsed=elapsed,
                    time_left=left,
                    retry_in=instruction.seconds,
                )
            report(progress)

        return observe


def check_deadline(deadline: float) -> float:
    if isinstance(deadline, bool) or not isinstance(deadline, int | float):
        raise ConfigurationError(f"deadline must be a number of seconds, not {deadline!r}")
    if not 0 < deadline < math.inf:
        raise ConfigurationError(
            f"deadline must be a finite number of seconds > 0, not {deadline!r}"
        )
    return float(deadline)
