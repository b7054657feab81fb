"""Benchmark: matching many records on a slow Driver2, one by one or concurrently.

A data engineer matching a list of customers can run the lookups one after the
other with `CustomerLookup`, or all at once with `AsyncCustomerLookup` and
``asyncio.gather``. This runs the same 20 searches both ways against a sandbox
whose Driver2 answers in 0.5 s, and prints the ratio of the two times (each once
its token is fetched): about 20 when the async lookups overlap fully. Traffic
goes only to the sandbox it starts on 127.0.0.1, which allows 20 concurrent
Driver2 requests.

    python benchmarks/bulk_lookup.py
"""

from __future__ import annotations

import asyncio
import time

from driver2_kp import AsyncCustomerLookup, CustomerLookup, SearchCriteria, SearchResult, Settings
from driver2_kp.sandbox import FIXED, Sandbox

NAMES = (
    *("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens"),
    *("Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Goderis"),
    *("Hermans", "Aerts", "Michiels", "Desmet"),
)
LATENCY = 0.5


def _one_by_one(settings: Settings) -> tuple[list[SearchResult], float]:
    with CustomerLookup.from_settings(settings) as lookup:
        lookup.driver2.get_customer(FIXED.goderis_customer_number)  # the token, not timed
        started = time.perf_counter()
        results = [lookup.search(SearchCriteria(last_name=name)) for name in NAMES]
        return results, time.perf_counter() - started


async def _all_at_once(settings: Settings) -> tuple[list[SearchResult], float]:
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        await lookup.driver2.get_customer(FIXED.goderis_customer_number)
        started = time.perf_counter()
        searches = (lookup.search(SearchCriteria(last_name=name)) for name in NAMES)
        results = list(await asyncio.gather(*searches))
        return results, time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print the ratio."""
    with Sandbox(driver2_latency=LATENCY, kp_latency=0.05, jitter=0.0) as sandbox:
        serial, serial_time = _one_by_one(sandbox.settings)
        concurrent, concurrent_time = asyncio.run(_all_at_once(sandbox.settings))
    assert [r.total for r in serial] == [r.total for r in concurrent]
    print(f"{len(NAMES)} lookups, Driver2 latency {LATENCY:.1f} s:")
    print(f"  one by one (CustomerLookup):           {serial_time:.2f} s")
    print(f"  all at once (AsyncCustomerLookup):     {concurrent_time:.2f} s")
    ratio = serial_time / concurrent_time
    print(f"one by one / all at once = {ratio:.1f}  (about {len(NAMES)} when they overlap fully)")


if __name__ == "__main__":
    main()
