"""Benchmark: the gate under the conditions Driver2's contract promises (issue 15).

Each figure is printed next to its goal:

- **calm**: 400 searches with ``search_many``, no configuration, against a
  Driver2 that takes 20 at once at 0.2 s (± 20 %): the physical limit is 4 s.
  Goal: at most 1.1 x that limit;
- **noise**: the same with 5 % and 10 % of gateway faults (503, 502, 504, a
  429, a dropped connection: the sandbox's ``--fault-rate``). Goals: at most
  1.3 x and 1.6 x the fault-free run of the same benchmark, nothing failed, at
  most 1 % of the answers a 429 for capacity (the 429s the fault rate injects
  are its noise, and not counted);
- **squeeze**: 1,500 searches while Driver2 takes only 5 at once for 3 s;
  goal: the gate back at 90 % of 20 within 20 latencies after the squeeze.

Traffic goes only to the sandbox it starts on 127.0.0.1.

    python benchmarks/gate.py
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import attrs

from driver2_kp import AsyncCustomerLookup, SearchCriteria, Settings
from driver2_kp.sandbox import FIXED, LoggedRequest, Sandbox

SEARCHES = 400
LATENCY = 0.2
JITTER = 0.2
CAPACITY = 20
CALM_GOAL = 1.1
NOISE_GOALS = {0.05: 1.3, 0.10: 1.6}
REFUSED_GOAL = 0.01
SQUEEZE = (5, 1.0, 3.0)
"""Driver2 takes 5 at once from 1 s into the run, for 3 s."""
RECOVERY_GOAL = 20
"""Latencies after the squeeze by which the gate is back at 90 % of the capacity."""
CRITERIA = SearchCriteria(last_name="Goderis", postcode="9000")


def physical_limit(searches: int) -> float:
    """The least time ``searches`` can take: ``CAPACITY`` at once, ``LATENCY`` each."""
    return searches / CAPACITY * LATENCY


@attrs.frozen
class Run:
    """One run of ``search_many`` against the sandbox's Driver2."""

    fault_rate: float
    seconds: float
    failed: int
    answers: int
    refused: int
    """429s for capacity (not those the fault rate injected)."""
    limits: tuple[tuple[float, float, int], ...] = ()
    """(seconds into the run, the gate's limit, requests in flight), sampled."""

    @property
    def ratio(self) -> float:
        """The time as a multiple of the physical limit."""
        return self.seconds / physical_limit(SEARCHES)


Sample = tuple[float, float, int]


async def _search_all(
    settings: Settings, searches: int, *, sample: bool
) -> tuple[float, int, list[Sample]]:
    samples: list[Sample] = []
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        await lookup.driver2.get_customer(FIXED.goderis_customer_number)  # the token, not timed
        started = time.perf_counter()
        state = lookup.driver2._gate_state  # a benchmark reads the gate

        async def watch() -> None:
            while True:
                samples.append((time.perf_counter() - started, state.limit, state.in_flight))
                await asyncio.sleep(0.02)

        watcher = asyncio.create_task(watch()) if sample else None
        failed = 0
        async for item in lookup.search_many([CRITERIA] * searches):
            failed += not item.ok
        if watcher is not None:
            watcher.cancel()
        return time.perf_counter() - started, failed, samples


def _capacity_refusals(answers: Sequence[LoggedRequest]) -> int:
    return sum(r.status == 429 and r.fault == "max-concurrency" for r in answers)


def run(
    sandbox: Sandbox, fault_rate: float, searches: int = SEARCHES, *, sample: bool = False
) -> Run:
    """``searches`` searches at ``fault_rate``, on a reset sandbox."""
    sandbox.reset()
    sandbox.configure(fault_rate=fault_rate)
    try:
        seconds, failed, samples = asyncio.run(
            _search_all(sandbox.settings, searches, sample=sample)
        )
    finally:
        sandbox.configure(fault_rate=0.0)
    answers = [r for r in sandbox.requests("driver2") if r.path == "/customers"]
    refused = _capacity_refusals(answers)
    return Run(fault_rate, seconds, failed, len(answers), refused, tuple(samples))


def squeezed(sandbox: Sandbox) -> tuple[Run, float | None]:
    """A long run squeezed to 5 at once for 3 s; the latencies the gate took to be back at 18."""
    takes, after, lasting = SQUEEZE
    timers = [
        threading.Timer(after, sandbox.configure, kwargs={"max_concurrency": takes}),
        threading.Timer(after + lasting, sandbox.configure, kwargs={"max_concurrency": CAPACITY}),
    ]
    sandbox.reset()
    for timer in timers:
        timer.start()
    try:
        result = run(sandbox, 0.0, searches=1500, sample=True)
    finally:
        for timer in timers:
            timer.cancel()
        sandbox.configure(max_concurrency=CAPACITY)
    ended = after + lasting
    back = next((t for t, limit, _ in result.limits if t > ended and limit >= 0.9 * CAPACITY), None)
    return result, None if back is None else (back - ended) / LATENCY


def main() -> None:
    """Run them all and print each figure against its goal."""
    with Sandbox(
        driver2_latency=LATENCY, jitter=JITTER, max_concurrency=CAPACITY, kp_latency=0.0
    ) as sandbox:
        calm = run(sandbox, 0.0)
        limit = physical_limit(SEARCHES)
        print(f"{SEARCHES} searches, Driver2 {LATENCY:g} s and {CAPACITY} at once: {limit:g} s")
        print(
            f"  calm: {calm.seconds:.2f} s = {calm.ratio:.2f} x the limit (goal <= {CALM_GOAL}); "
            f"429: {calm.refused}/{calm.answers}; failed: {calm.failed}"
        )
        for rate, goal in NOISE_GOALS.items():
            noisy = run(sandbox, rate)
            print(
                f"  {rate:.0%} faults: {noisy.seconds:.2f} s = {noisy.seconds / calm.seconds:.2f} x"
                f" the fault-free run (goal <= {goal}); failed: {noisy.failed} (goal 0); 429 for "
                f"capacity: {noisy.refused}/{noisy.answers} = {noisy.refused / noisy.answers:.1%}"
                f" (goal <= {REFUSED_GOAL:.0%})"
            )
        squeeze, latencies = squeezed(sandbox)
        back = "never" if latencies is None else f"{latencies:.0f} latencies"
        print(
            f"  squeeze to {SQUEEZE[0]} for {SQUEEZE[2]:g} s: back at 90 % of {CAPACITY} after "
            f"{back} (goal <= {RECOVERY_GOAL}); failed: {squeeze.failed}"
        )


if __name__ == "__main__":
    main()
