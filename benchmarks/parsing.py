"""Benchmark: reading one page of 10 customers, against a zero-latency round trip.

Structuring Driver2's answer (JSON already decoded) into typed, checked models
is pure CPU. This times it for a page of 10 customers, times a zero-latency
search round trip with bare httpx against the sandbox, and prints the first as
a share of the second. Goal: at most 5 %. Traffic goes only to the sandbox it
starts on 127.0.0.1.

    python benchmarks/parsing.py
"""

from __future__ import annotations

import statistics
import time

import httpx

from driver2_kp import CustomerPage
from driver2_kp._convert import read
from driver2_kp.sandbox import Sandbox

ROUNDS = 30
PER_ROUND = 200
GOAL = 0.05


def _per_call(call: object, times: int) -> float:
    assert callable(call)
    samples = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for _ in range(times):
            call()
        samples.append((time.perf_counter() - began) / times)
    return statistics.median(samples)


def main() -> None:
    """Time the structuring and the round trip, and print the share."""
    with Sandbox(driver2_latency=0.0, kp_latency=0.0, jitter=0.0) as sandbox:
        token = sandbox.driver2_token()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=sandbox.driver2_url, headers=headers) as bare:
            page = bare.get("/customers", params={"name": "Peeters"}).json()
            assert len(page["items"]) == 10
            params = {"name": "Goderis", "postcode": "9000"}
            trip = _per_call(lambda: bare.get("/customers", params=params).json(), PER_ROUND // 4)
    parse = _per_call(
        lambda: read(page, CustomerPage, service="Driver2", endpoint="GET /customers"), PER_ROUND
    )
    share = parse / trip
    print(f"reading a page of 10 customers: {parse * 1e6:.0f} us")
    print(f"a zero-latency search round trip with bare httpx: {trip * 1e6:.0f} us")
    print(f"reading / round trip = {share:.1%}  (goal <= {GOAL:.0%})")


if __name__ == "__main__":
    main()
