"""search_many: one item per input, read lazily, failures kept, nothing left behind."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from driver2_kp import (
    AsyncCustomerLookup,
    BulkItem,
    ConfigurationError,
    CriteriaError,
    CustomerLookup,
    SearchCriteria,
    SearchResult,
    Settings,
    Source,
)
from driver2_kp._bulk import BULK_THREADS
from driver2_kp.sandbox import Sandbox

GODERIS = SearchCriteria(last_name="Goderis", postcode="9000")
ANN_PEETERS = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")
NOTHING = SearchCriteria()
"""Refused before any request: a search needs a criterion."""
MIXED = [GODERIS, NOTHING, ANN_PEETERS] * 10


def _summary(item: BulkItem[SearchResult]) -> tuple[int, object]:
    if item.result is not None:
        return item.index, (item.result.source, item.result.total)
    return item.index, type(item.error).__name__


def _name(task: asyncio.Task[object]) -> str:
    return getattr(task.get_coro(), "__qualname__", "")


def _bulk_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(BULK_THREADS)]


def test_each_input_gives_one_item_in_order_and_a_failure_stops_nothing(
    sandbox: Sandbox, settings: Settings
) -> None:
    with CustomerLookup.from_settings(settings) as lookup:
        items = list(lookup.search_many(MIXED, ordered=True))
        one_by_one = [lookup.search(c) for c in MIXED if c is not NOTHING]
    assert [item.index for item in items] == list(range(len(MIXED)))
    assert [item.criteria for item in items] == MIXED
    failed = [item for item in items if not item.ok]
    assert [item.index % 3 for item in failed] == [1] * 10
    assert all(isinstance(item.error, CriteriaError) for item in failed)
    answered = [item.result for item in items if item.result is not None]
    assert [(r.source, r.total) for r in answered] == [(r.source, r.total) for r in one_by_one]
    assert {r.source for r in answered} == {Source.DRIVER2, Source.KP}


@pytest.mark.anyio
async def test_async_items_come_as_they_complete_one_per_input(
    sandbox: Sandbox, settings: Settings
) -> None:
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        items = [item async for item in lookup.search_many(MIXED)]
    assert sorted(item.index for item in items) == list(range(len(MIXED)))
    assert sorted(map(_summary, items)) == sorted(
        (i, "CriteriaError") if c is NOTHING else (i, _summary_of(c)) for i, c in enumerate(MIXED)
    )


def _summary_of(criteria: SearchCriteria) -> object:
    return (Source.DRIVER2, 1) if criteria is GODERIS else (Source.KP, 1)


@pytest.mark.anyio
async def test_an_async_iterable_is_read_as_well(sandbox: Sandbox, settings: Settings) -> None:
    async def rows() -> AsyncIterator[SearchCriteria]:
        for _ in range(5):
            yield GODERIS

    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        items = [item async for item in lookup.search_many(rows(), ordered=True)]
    assert [item.index for item in items] == [0, 1, 2, 3, 4]


def test_the_input_is_read_lazily_and_leaving_early_ends_the_thread(
    sandbox: Sandbox, settings: Settings
) -> None:
    read: list[int] = []

    def endless() -> Iterator[SearchCriteria]:
        for number in itertools.count():
            read.append(number)
            yield GODERIS

    with CustomerLookup.from_settings(settings) as lookup:
        for item in lookup.search_many(endless(), concurrency=8):
            if item.index >= 20:
                break
    assert 21 <= len(read) <= 21 + 8 + 1  # what was asked for, and one window more
    assert _bulk_threads() == []


@pytest.mark.anyio
async def test_leaving_an_async_run_early_cancels_what_is_in_flight(
    sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=0.5)
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        async with contextlib.aclosing(lookup.search_many([GODERIS] * 100)) as items:  # type: ignore[type-var]
            async for item in items:
                assert item.ok
                break
        searching = [t for t in asyncio.all_tasks() if _name(t) == "_one"]
        assert searching == []  # no search goes on
        # The requests Driver2 already had stay counted at the gate, as ghosts:
        # Driver2 is working on them. Nothing else is.
        gate = lookup.driver2._gate_state
        assert gate.in_flight == len(gate._ghosts) > 0


def test_the_blocking_run_works_inside_a_running_event_loop(
    sandbox: Sandbox, settings: Settings
) -> None:
    async def in_a_notebook() -> list[int]:
        with CustomerLookup.from_settings(settings) as lookup:  # as a Jupyter cell does
            return [item.index for item in lookup.search_many([GODERIS] * 5, ordered=True)]

    assert asyncio.run(in_a_notebook()) == [0, 1, 2, 3, 4]
    assert _bulk_threads() == []


def test_a_role_or_a_concurrency_that_cannot_be_is_refused_before_anything(
    sandbox: Sandbox, settings: Settings
) -> None:
    async def rows() -> AsyncIterator[SearchCriteria]:
        yield GODERIS

    with CustomerLookup.from_settings(settings) as lookup:
        with pytest.raises(CriteriaError, match="role"):
            lookup.search_many([GODERIS], role="insurer")
        with pytest.raises(ConfigurationError, match="concurrency"):
            lookup.search_many([GODERIS], concurrency=0)
        with pytest.raises(TypeError, match="AsyncCustomerLookup"):
            lookup.search_many(rows())  # type: ignore[arg-type]
    assert sandbox.requests() == []
