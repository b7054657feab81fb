"""Benchmark: 1,000 searches with search_many, near what Driver2 can take.

The sandbox's Driver2 answers in 0.2 s (± 20 %) and takes 20 requests at once:
1,000 searches cannot take less than 1,000 / 20 x 0.2 s = 10 s, the physical
limit. This runs them with `AsyncCustomerLookup.search_many`, first with no
configuration (the client's gate finds what Driver2 takes), then with an
explicit ``concurrency=20``, and prints each time as a ratio of that limit,
with the share of Driver2's answers that were 429. Goals: at most 1.11 with no
configuration and at most 1 % of 429s; at most 1.25 with ``concurrency=20``.
`sweep` runs them at any concurrencies (``python -m benchmarks`` runs 5 to 30
and plots the times). Traffic goes only to the sandbox it starts on 127.0.0.1.

    python benchmarks/bulk_adaptive.py
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator, Sequence

import attrs

from driver2_kp import AsyncCustomerLookup, SearchCriteria, Settings
from driver2_kp.sandbox import FIXED, LoggedRequest, Sandbox

SEARCHES = 1000
LATENCY = 0.2
JITTER = 0.2
CAPACITY = 20
GOALS = {None: 1.11, CAPACITY: 1.25}
"""The most time each run may take, as a multiple of the physical limit."""
REFUSED_GOAL = 0.01
"""The largest share of 429s among Driver2's answers with no configuration."""


def physical_limit(searches: int) -> float:
    """The least time ``searches`` can take, in seconds: ``CAPACITY`` at once, ``LATENCY`` each."""
    return searches / CAPACITY * LATENCY


@attrs.frozen
class BulkRun:
    """One run of ``search_many`` against the sandbox's Driver2."""

    concurrency: int | None
    """As given to ``search_many``; ``None`` lets the gate find what Driver2 takes."""
    searches: int
    seconds: float
    """From the first search to the last answer; the token is fetched before."""
    answers: int
    """Driver2's answers to the searches, 429s included."""
    refused: int
    """How many of those answers were 429."""
    failed: int
    """Searches that ended in an error."""
    in_flight: float
    """Driver2 searches in flight on average, from the sandbox's log."""

    @property
    def ratio(self) -> float:
        """The time as a multiple of the physical limit."""
        return self.seconds / physical_limit(self.searches)

    @property
    def refused_share(self) -> float:
        """The share of Driver2's answers that were 429."""
        return self.refused / self.answers


async def _search_all(
    settings: Settings, concurrency: int | None, searches: int
) -> tuple[float, int]:
    criteria = SearchCriteria(last_name="Goderis", postcode="9000")
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        await lookup.driver2.get_customer(FIXED.goderis_customer_number)  # the token, not timed
        started = time.perf_counter()
        failed = 0
        async for item in lookup.search_many([criteria] * searches, concurrency=concurrency):
            failed += not item.ok
        return time.perf_counter() - started, failed


def _mean_in_flight(answers: Sequence[LoggedRequest]) -> float:
    """Little's law: the time the searches spent in Driver2, over the time they spanned."""
    spans = [(r.arrived, r.left) for r in answers if r.arrived is not None and r.left is not None]
    if not spans:
        return 0.0
    busy = sum(left - arrived for arrived, left in spans)
    return busy / (max(left for _, left in spans) - min(arrived for arrived, _ in spans))


def sweep(concurrencies: Iterable[int | None], searches: int = SEARCHES) -> Iterator[BulkRun]:
    """Run ``searches`` searches at each of ``concurrencies``, yielding each run as it ends.

    One sandbox serves them all; it is reset between runs.
    """
    with Sandbox(
        driver2_latency=LATENCY, jitter=JITTER, max_concurrency=CAPACITY, kp_latency=0.0
    ) as sandbox:
        for concurrency in concurrencies:
            sandbox.reset()
            seconds, failed = asyncio.run(_search_all(sandbox.settings, concurrency, searches))
            answers = [r for r in sandbox.requests("driver2") if r.path == "/customers"]
            refused = sum(r.status == 429 for r in answers)
            in_flight = _mean_in_flight(answers)
            yield BulkRun(concurrency, searches, seconds, len(answers), refused, failed, in_flight)


def heading(searches: int) -> str:
    """What the runs are measured against."""
    limit = physical_limit(searches)
    return f"{searches} searches, Driver2 {LATENCY:g} s and {CAPACITY} at once: {limit:g} s"


def describe(run: BulkRun) -> str:
    """One run's time, ratio, 429s and failures, next to its goals if it has any."""
    how = "no configuration" if run.concurrency is None else f"concurrency={run.concurrency}"
    goal = GOALS.get(run.concurrency)
    return (
        f"  {how:<18} {run.seconds:6.2f} s = {run.ratio:.2f} x the limit"
        f"{'' if goal is None else f' (goal <= {goal})'}; "
        f"429: {run.refused}/{run.answers} = {run.refused_share:.1%}"
        f"{f' (goal <= {REFUSED_GOAL:.0%})' if run.concurrency is None else ''}; "
        f"{run.in_flight:.1f} in flight on average; failed: {run.failed}"
    )


def main() -> None:
    """Run both ways and print the ratios and the 429 shares."""
    print(heading(SEARCHES))
    for run in sweep(GOALS):
        print(describe(run))


if __name__ == "__main__":
    main()
