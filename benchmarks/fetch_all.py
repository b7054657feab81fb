"""Benchmark: every page of a search at once, with all_candidates.

In the sandbox's data, 88 customers have a name starting with Pe: 9 pages of
10. With Driver2 answering in 1 s, this times the first page (`search`) and the
8 others (`all_candidates`, which fetches them at once), then, for comparison,
the 9 pages fetched one after the other. Goal: the 9 pages in at most 2.5 s
after the token (one after the other, they take 9 s). Traffic goes only to the
sandbox it starts on 127.0.0.1.

    python benchmarks/fetch_all.py
"""

from __future__ import annotations

import time

import attrs

from driver2_kp import CustomerLookup, SearchCriteria
from driver2_kp.sandbox import FIXED, Sandbox

LATENCY = 1.0
GOAL = 2.5
PE = SearchCriteria(last_name="Pe")
"""88 customers whose name starts with Pe: 9 pages."""


@attrs.frozen
class FetchAll:
    """How long the pages of one search took, in seconds."""

    pages: int
    candidates: int
    first_page: float
    """`search`: the first page, which says how many there are."""
    other_pages: float
    """`all_candidates`: the other pages, at once."""
    one_by_one: float
    """Every page, one `search(page=...)` after the other."""

    @property
    def seconds(self) -> float:
        """Every page with `search` and `all_candidates`: the figure the goal is about."""
        return self.first_page + self.other_pages


def measure() -> FetchAll:
    """Time the pages of a search for Pe both ways, on a Driver2 that takes ``LATENCY`` each."""
    with (
        Sandbox(driver2_latency=0.0, kp_latency=0.0, jitter=0.0) as sandbox,
        CustomerLookup.from_settings(sandbox.settings) as lookup,
    ):
        lookup.driver2.get_customer(FIXED.goderis_customer_number)  # the token, before it is slow
        sandbox.configure(driver2_latency=LATENCY)
        began = time.perf_counter()
        first = lookup.search(PE)
        paged = time.perf_counter()
        everyone = lookup.all_candidates(first)
        done = time.perf_counter()
        for page in range(1, first.pages + 1):
            lookup.search(PE, page=page)
        one_by_one = time.perf_counter() - done
    assert len({c.driver2_number for c in everyone}) == first.total, "a page was lost"
    return FetchAll(first.pages, first.total, paged - began, done - paged, one_by_one)


def report(fetched: FetchAll) -> None:
    """Print the times against the goal."""
    others = fetched.pages - 1
    lines = [
        ("the first page (search)", fetched.first_page, ""),
        (f"the {others} others at once (all_candidates)", fetched.other_pages, ""),
        (f"all {fetched.pages} pages", fetched.seconds, f"  (goal <= {GOAL:g} s)"),
        ("one after the other (search(page=n))", fetched.one_by_one, ""),
    ]
    print(f"{fetched.candidates} customers in {fetched.pages} pages, Driver2 {LATENCY:g} s each:")
    for what, seconds, goal in lines:
        print(f"  {what + ':':<42} {seconds:5.2f} s{goal}")


def main() -> None:
    """Time the pages and print the times."""
    report(measure())


if __name__ == "__main__":
    main()
