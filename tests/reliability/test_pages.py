"""Every page at once: 9 pages at 1 s each take about 2 s, not 9 (R2)."""

from __future__ import annotations

import asyncio
import time

from driver2_kp import AsyncCustomerLookup, Candidate, CustomerLookup, SearchCriteria, Settings
from driver2_kp.sandbox import Sandbox

from ._harness import Kind

PE = SearchCriteria(last_name="Pe")
"""88 customers whose name starts with Pe: 9 pages."""


def _sync(settings: Settings, slow: Sandbox) -> tuple[list[Candidate], float]:
    with CustomerLookup.from_settings(settings) as lookup:
        lookup.search(SearchCriteria(customer_number="74050"))  # the token, before it is slow
        slow.configure(driver2_latency=1.0, jitter=0.0)
        began = time.monotonic()
        everyone = lookup.all_candidates(lookup.search(PE))
        return everyone, time.monotonic() - began


async def _async(settings: Settings, slow: Sandbox) -> tuple[list[Candidate], float]:
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        await lookup.search(SearchCriteria(customer_number="74050"))
        slow.configure(driver2_latency=1.0, jitter=0.0)
        began = time.monotonic()
        everyone = await lookup.all_candidates(await lookup.search(PE))
        return everyone, time.monotonic() - began


def test_all_candidates_fetches_the_other_pages_at_once(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    everyone, seconds = (
        _sync(settings, sandbox) if kind == "sync" else asyncio.run(_async(settings, sandbox))
    )
    print(f"\n{kind}: 9 pages at 1 s each in {seconds:.2f} s (one after the other: 9 s)")
    assert len(everyone) == len({c.driver2_number for c in everyone}) == 88
    assert seconds <= 2.5  # the first page, then the 8 others at once
