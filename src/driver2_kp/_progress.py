"""Progress: what a lookup tells its callback, with its deadline; how far a bulk run is.

`Progress` is told before each attempt and wait of one lookup (R13). A bulk run
(`search_many`, `match_many`, `match_frame`) counts its items with a `Tally`,
which tells a callback a `BulkProgress`, or draws a tqdm bar (the
``driver2-kp[progress]`` extra; the notebook bar in Jupyter).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final, TypeAlias

import attrs

from ._deadline import Deadline
from ._errors import ConfigurationError
from ._http import Observer, Send, Sleep
from ._results import Step

__all__ = [
    "BulkProgress",
    "BulkProgressCallback",
    "Progress",
    "ProgressCallback",
    "ProgressOption",
    "Tally",
]


@attrs.frozen(kw_only=True)
class Progress:
    """What a lookup is doing, reported before each attempt and each wait (R13).

    Example::

        seen = []  # or on_progress=print, to print each one
        with CustomerLookup.from_settings(settings, on_progress=seen.append) as lookup:
            lookup.search(SearchCriteria(last_name="Goderis"))
        assert (seen[0].step, seen[0].attempt) == (Step.SEARCH_DRIVER2, 1)
        assert str(seen[0]).startswith("searching Driver2 (attempt 1), 0 s so far")
    """

    step: Step
    attempt: int
    """The attempt under way or about to start, from 1."""
    elapsed: float
    """Seconds since the lookup started."""
    time_left: float
    """Seconds before the lookup's deadline."""
    retry_in: float | None = None
    """When waiting before a retry: how many seconds at most.

    A 503's ``Retry-After`` is cut short when Driver2 answers other calls
    meanwhile: the retry may then come sooner, and is told again.
    """

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
    """One lookup: its deadline, what its progress callback hears, whether it waits out outages."""

    def __init__(
        self,
        seconds: float,
        on_progress: ProgressCallback | None,
        clock: Callable[[], float] = time.monotonic,
        *,
        wait_out_outages: bool = False,
    ) -> None:
        self.deadline = Deadline.after(seconds, clock=clock)
        """The lookup's one deadline: every call it makes ends by it."""
        self.wait_out_outages = wait_out_outages
        """Whether its calls retry through an outage up to the deadline (no outage patience)."""
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
                    retry_in=instruction.until_retry,
                )
            report(progress)

        return observe


# --- bulk runs ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BulkProgress:
    """How far a bulk run is, told after each item.

    Example::

        def show(progress: BulkProgress) -> None:
            print(f"{progress.done}/{progress.total}, {progress.failed} failed")

        for item in lookup.search_many(rows, progress=show):
            ...
    """

    done: int
    """Items finished, failed ones included."""
    failed: int
    """Items whose lookup raised (their `BulkItem.error` is set)."""
    total: int | None
    """How many inputs there are, when the input has a length."""
    elapsed: float
    """Seconds since the run started."""


BulkProgressCallback: TypeAlias = Callable[[BulkProgress], None]
"""Called with a `BulkProgress` after each item, in the thread that iterates the run."""
ProgressOption: TypeAlias = bool | BulkProgressCallback
"""``progress=`` of a bulk run: ``True`` for a tqdm bar, a callback, or ``False``."""
_EXTRA: Final = "progress=True draws a tqdm bar: pip install 'driver2-kp[progress]'"


class Tally:
    r"""Counts a bulk run's items, and tells a callback or draws a bar.

    Made when the run is asked for, so that a missing extra fails at once; the
    bar is drawn only once the run `start`\ s, and `close` ends it.
    """

    def __init__(
        self,
        progress: ProgressOption,
        total: int | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._total = total
        self._done = self._failed = 0
        self._started = 0.0
        self._report: BulkProgressCallback | None = None
        self._new_bar: Callable[..., Any] | None = None
        self._bar: Any = None
        if progress is True:
            self._new_bar = _tqdm()
        elif callable(progress):
            self._report = progress
        elif progress is not False:
            raise ConfigurationError(
                f"progress must be True, False or a callable, not {progress!r}"
            )

    def start(self) -> None:
        """The run begins: the clock starts, the bar is drawn."""
        self._started = self._clock()
        if self._new_bar is not None:
            self._bar = self._new_bar(total=self._total, unit="record", desc="driver2-kp")

    def count(self, *, failed: bool) -> None:
        """One more item is done."""
        self._done += 1
        self._failed += failed
        if self._bar is not None:
            self._bar.set_postfix(failed=self._failed, refresh=False)
            self._bar.update(1)
        if self._report is not None:
            elapsed = self._clock() - self._started
            self._report(
                BulkProgress(
                    done=self._done, failed=self._failed, total=self._total, elapsed=elapsed
                )
            )

    def close(self) -> None:
        """The run ended: close the bar, if one is drawn."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _tqdm() -> Callable[..., Any]:
    try:
        from tqdm.auto import tqdm  # noqa: PLC0415 - an optional extra, loaded only when asked for
    except ImportError:
        raise ImportError(_EXTRA) from None
    return tqdm
