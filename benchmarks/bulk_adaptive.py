"""Benchmark: 1,000 searches with search_many, near what Driver2 can take.

The sandbox's Driver2 answers in 0.2 s (± 20 %) and takes 20 requests at once:
1,000 searches cannot take less than 1,000 / 20 x 0.2 s = 10 s, the physical
limit. This runs them with `AsyncCustomerLookup.search_many`, first with no
configuration (the client's gate finds what Driver2 takes), then with an
explicit ``concurrency=20``, and prints each time as a ratio of that limit,
with the share of Driver2's answers that were 429. Goals: at most 1.11 with no
configuration and at most 1 % of 429s; at most 1.25 with ``concurrency=20``.
Traffic goes only to the sandbox it starts on 127.0.0.1.

    python benchmarks/bulk_adaptive.py
"""

from __future__ import annotations

import asyncio
import time

from driver2_kp import AsyncCustomerLookup, SearchCriteria, Settings
from driver2_kp.sandbox import FIXED, Sandbox

SEARCHES = 1000
LATENCY = 0.2
CAPACITY = 20
LIMIT = SEARCHES / CAPACITY * LATENCY
GOALS = {None: 1.11, CAPACITY: 1.25}


async def _run(settings: Settings, concurrency: int | None) -> tuple[float, int]:
    criteria = SearchCriteria(last_name="Goderis", postcode="9000")
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        await lookup.driver2.get_customer(FIXED.goderis_customer_number)  # the token, not timed
        started = time.perf_counter()
        failed = 0
        async for item in lookup.search_many([criteria] * SEARCHES, concurrency=concurrency):
            failed += not item.ok
        return time.perf_counter() - started, failed


def main() -> None:
    """Run both ways and print the ratios and the 429 shares."""
    with Sandbox(
        driver2_latency=LATENCY, jitter=0.2, max_concurrency=CAPACITY, kp_latency=0.0
    ) as sandbox:
        print(f"{SEARCHES} searches, Driver2 {LATENCY:g} s and {CAPACITY} at once: {LIMIT:g} s")
        for concurrency, goal in GOALS.items():
            sandbox.reset()
            seconds, failed = asyncio.run(_run(sandbox.settings, concurrency))
            answers = [r for r in sandbox.requests("driver2") if r.path == "/customers"]
            refused = sum(r.status == 429 for r in answers)
            share = refused / len(answers)
            how = "no configuration" if concurrency is None else f"concurrency={concurrency}"
            print(
                f"  {how:<18} {seconds:6.2f} s = {seconds / LIMIT:.2f} x the limit "
                f"(goal <= {goal}); 429: {refused}/{len(answers)} = {share:.1%}"
                f"{' (goal <= 1%)' if concurrency is None else ''}; failed: {failed}"
            )


if __name__ == "__main__":
    main()
