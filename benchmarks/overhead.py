"""Benchmark: what CustomerLookup costs over the same request made with bare httpx.

Against a sandbox whose Driver2 answers at once, this times one search for
Goderis in 9000 made two ways, in interleaved rounds so that both see the same
machine: with a bare `httpx.Client` (the token fetched beforehand, the JSON
decoded), and with `CustomerLookup.search` (criteria checked, the gate, the
retry flow, the answer structured into typed models and candidates). It prints
the median of each and their ratio. Goal: at most 1.15. Traffic goes only to
the sandbox it starts on 127.0.0.1.

    python benchmarks/overhead.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx

from driver2_kp import CustomerLookup, SearchCriteria
from driver2_kp.sandbox import Sandbox

ROUNDS = 30
PER_ROUND = 50
GOAL = 1.15


def _timed(call: Callable[[], object], times: int) -> float:
    began = time.perf_counter()
    for _ in range(times):
        call()
    return (time.perf_counter() - began) / times


def main() -> None:
    """Time both ways in interleaved rounds and print the ratio of the medians."""
    with Sandbox(driver2_latency=0.0, kp_latency=0.0, jitter=0.0) as sandbox:
        token = sandbox.driver2_token()
        params = {"name": "Goderis", "postcode": "9000", "page": "1"}
        headers = {"Authorization": f"Bearer {token}"}
        criteria = SearchCriteria(last_name="Goderis", postcode="9000")
        with (
            httpx.Client(base_url=sandbox.driver2_url) as bare,
            CustomerLookup.from_settings(sandbox.settings) as lookup,
        ):

            def plain() -> object:
                return bare.get("/customers", params=params, headers=headers).json()

            def ours() -> object:
                return lookup.search(criteria)

            plain(), ours()  # connections and token ready
            bare_times, lookup_times = [], []
            for _ in range(ROUNDS):
                bare_times.append(_timed(plain, PER_ROUND))
                lookup_times.append(_timed(ours, PER_ROUND))
    bare_median = statistics.median(bare_times)
    lookup_median = statistics.median(lookup_times)
    ratio = lookup_median / bare_median
    print(f"one zero-latency search, median of {ROUNDS} interleaved rounds of {PER_ROUND}:")
    print(f"  bare httpx:      {bare_median * 1e3:.3f} ms")
    print(f"  CustomerLookup:  {lookup_median * 1e3:.3f} ms")
    print(f"CustomerLookup / bare httpx = {ratio:.2f}  (goal <= {GOAL})")


if __name__ == "__main__":
    main()
