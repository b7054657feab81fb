"""Benchmark: reading one page of 10 customers, against a zero-latency round trip.

Structuring Driver2's answer (JSON already decoded) into typed, checked models
is pure CPU. This times it for a page of 10 customers, times a zero-latency
search round trip with bare httpx against the sandbox, and prints the first as
a share of the second. Goal: at most 5 %. It also times building the page's
frozen attrs objects alone from values already read and checked: the floor of
any way of reading into these models. Traffic goes only to the sandbox it
starts on 127.0.0.1.

    python benchmarks/parsing.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import attrs
import httpx

from driver2_kp import Address, Customer, CustomerPage
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


@attrs.frozen
class Parsing:
    """The two times measured, in seconds."""

    parse: float
    """Reading one page of 10 customers."""
    trip: float
    """A zero-latency search round trip with bare httpx."""
    build: float
    """Building the page's 21 frozen attrs objects alone, from values already checked."""

    @property
    def share(self) -> float:
        """Reading as a share of the round trip."""
        return self.parse / self.trip


def measure() -> Parsing:
    """Time the structuring and the round trip."""
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
    return Parsing(parse, trip, _per_call(_builder(page), PER_ROUND))


def _builder(page: object) -> Callable[[], CustomerPage]:
    """What reading ``page`` cannot do without: calling each model's ``__init__``."""
    read_page = read(page, CustomerPage, service="Driver2", endpoint="GET /customers")
    shallow = [
        (
            attrs.asdict(c, recurse=False, filter=lambda field, _: field.name != "address"),
            attrs.asdict(c.address, recurse=False),
        )
        for c in read_page.items
    ]
    paging = attrs.asdict(read_page, recurse=False, filter=lambda field, _: field.name != "items")

    def build() -> CustomerPage:
        items = tuple(Customer(**c, address=Address(**a)) for c, a in shallow)
        return CustomerPage(**paging, items=items)

    return build


def report(measured: Parsing) -> None:
    """Print the two times and the share."""
    print(f"reading a page of 10 customers: {measured.parse * 1e6:.0f} us")
    print(f"a zero-latency search round trip with bare httpx: {measured.trip * 1e6:.0f} us")
    print(f"reading / round trip = {measured.share:.1%}  (goal <= {GOAL:.0%})")
    floor = measured.build / measured.trip
    print(f"of which building the frozen attrs objects alone: {measured.build * 1e6:.0f} us")
    print(f"building alone / round trip = {floor:.1%}: the floor of reading into these models")


def main() -> None:
    """Time the structuring and the round trip, and print the share."""
    report(measure())


if __name__ == "__main__":
    main()
