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

import attrs
import httpx

from driver2_kp import CustomerLookup, SearchCriteria
from driver2_kp.sandbox import Sandbox

ROUNDS = 30
PER_ROUND = 50
GOAL = 1.15


@attrs.frozen
class Overhead:
    """The median time of one zero-latency search made both ways, in seconds."""

    bare: float
    lookup: float
    rounds: int
    per_round: int

    @property
    def ratio(self) -> float:
        """`CustomerLookup` over bare httpx: the figure the goal is about."""
        return self.lookup / self.bare


def _timed(call: Callable[[], object], times: int) -> float:
    began = time.perf_counter()
    for _ in range(times):
        call()
    return (time.perf_counter() - began) / times


def measure(rounds: int = ROUNDS, per_round: int = PER_ROUND) -> Overhead:
    """Time both ways in ``rounds`` interleaved rounds of ``per_round`` searches each."""
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
            for _ in range(rounds):
                bare_times.append(_timed(plain, per_round))
                lookup_times.append(_timed(ours, per_round))
    bare_median, lookup_median = statistics.median(bare_times), statistics.median(lookup_times)
    return Overhead(bare_median, lookup_median, rounds, per_round)


def report(overhead: Overhead) -> None:
    """Print both medians and their ratio against the goal."""
    rounds, per_round = overhead.rounds, overhead.per_round
    print(f"one zero-latency search, median of {rounds} interleaved rounds of {per_round}:")
    print(f"  bare httpx:      {overhead.bare * 1e3:.3f} ms")
    print(f"  CustomerLookup:  {overhead.lookup * 1e3:.3f} ms")
    print(f"CustomerLookup / bare httpx = {overhead.ratio:.3f}  (goal <= {GOAL})")


def main() -> None:
    """Time both ways in interleaved rounds and print the ratio of the medians."""
    report(measure())


if __name__ == "__main__":
    main()
