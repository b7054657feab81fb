"""One gate per client: Driver2 is never flooded, not by many lookups, not while it is down."""

from __future__ import annotations

import threading

import attrs

from driver2_kp import SearchCriteria, SearchResult, Settings, Source
from driver2_kp.sandbox import Sandbox

from ._harness import Kind, together

GODERIS = SearchCriteria(last_name="Goderis", postcode="9000")


def test_200_gathered_lookups_are_all_answered_by_driver2_with_few_429s(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=0.2, jitter=0.2, max_concurrency=20)
    run = together(kind, settings, "search", [(GODERIS,)] * 200)
    assert run.errors == []
    assert all(isinstance(result, SearchResult) for result in run.values)
    assert {result.source for result in run.values} == {Source.DRIVER2}
    assert {result.candidates[0].driver2_number for result in run.values} == {"74050"}
    answers = [entry for entry in sandbox.requests("driver2") if entry.path == "/customers"]
    limited = [entry for entry in answers if entry.status == 429]
    print(
        f"\n{kind}: 200 lookups in {run.seconds:.2f} s; Driver2 answered {len(answers)} "
        f"searches, {len(limited)} with 429 ({len(limited) / len(answers):.1%})"
    )
    assert len(limited) <= 0.10 * len(answers)


def test_a_client_never_has_more_requests_in_flight_than_its_bound(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=0.05, max_concurrency=100)
    bounded = attrs.evolve(settings, driver2_max_in_flight=4)
    run = together(kind, bounded, "search", [(GODERIS,)] * 60)
    assert run.errors == []
    peak = sandbox.peak_in_flight("driver2")
    print(f"\n{kind}: at most {peak} Driver2 requests in flight, for a bound of 4")
    assert 2 <= peak <= 4


def test_requests_whose_callers_gave_up_still_count_until_driver2_answers_them(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(max_concurrency=100)
    bounded = attrs.evolve(settings, driver2_max_in_flight=4)

    def slow_down() -> None:  # once the warm-up holds a token: Driver2 takes 1 s from now
        sandbox.configure(driver2_latency=1.0, jitter=0.0)

    run = together(
        kind, bounded, "search", [(GODERIS,)] * 12, warm_up=GODERIS, before=slow_down, deadline=0.3
    )
    assert len(run.errors) == 12  # Driver2 takes 1 s, every caller gave up at 0.3 s
    peak = sandbox.peak_in_flight("driver2")
    print(f"\n{kind}: 12 impatient lookups, at most {peak} requests at Driver2, bound 4")
    assert peak <= 4


def test_a_3_second_outage_is_waited_out_with_few_requests(
    kind: Kind, sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=0.05, jitter=0.2)
    outage: list[threading.Timer] = []

    def go_down() -> None:
        sandbox.configure(fault_rate=1.0)
        outage.append(threading.Timer(3.0, sandbox.configure, kwargs={"fault_rate": 0.0}))
        outage[0].start()

    run = together(kind, settings, "search", [(GODERIS,)] * 100, warm_up=GODERIS, before=go_down)
    outage[0].join()
    assert run.errors == []
    assert {result.candidates[0].driver2_number for result in run.values} == {"74050"}
    while_down = [entry for entry in sandbox.requests("driver2") if entry.fault is not None]
    print(
        f"\n{kind}: 100 lookups through a 3 s outage in {run.seconds:.2f} s; "
        f"{len(while_down)} requests reached Driver2 while it was down"
    )
    assert len(while_down) <= 40
    assert run.seconds <= 10.0
