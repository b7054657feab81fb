"""Benchmark: whether the sandbox's latency blocks other requests.

Sends 50 concurrent KP searches to a sandbox whose KP latency is 1 s, and prints
the ratio of the elapsed time to that latency: about 1 when the latency of one
request does not hold up the others, about 50 when requests are served one by
one. Traffic goes only to the sandbox it starts on 127.0.0.1.

    python benchmarks/concurrent_latency.py
"""

from __future__ import annotations

import asyncio
import time

import httpx

from driver2_kp.sandbox import KP_API_KEY, Sandbox

REQUESTS = 50
LATENCY = 1.0


async def _search_all(kp_url: str) -> list[int]:
    limits = httpx.Limits(max_connections=REQUESTS)
    headers = {"X-API-Key": KP_API_KEY}
    async with httpx.AsyncClient(base_url=kp_url, headers=headers, limits=limits, timeout=60) as kp:
        answers = await asyncio.gather(
            *(kp.get("/personen", params={"nachname": "Peeters"}) for _ in range(REQUESTS))
        )
    return [a.status_code for a in answers]


def main() -> None:
    """Run the benchmark and print the ratio."""
    with Sandbox(kp_latency=LATENCY, jitter=0.0) as sandbox:
        started = time.perf_counter()
        statuses = asyncio.run(_search_all(sandbox.kp_url))
        elapsed = time.perf_counter() - started
    assert statuses == [200] * REQUESTS, statuses
    print(f"{REQUESTS} concurrent requests, {LATENCY:.1f} s latency each: {elapsed:.2f} s")
    ratio = elapsed / LATENCY
    print(f"elapsed / latency = {ratio:.2f}  (1 = fully concurrent, {REQUESTS} = serial)")


if __name__ == "__main__":
    main()
