"""Around bulk runs, on plain values: progress, the result cache, frames read as criteria."""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterator
from typing import Any

import pandas as pd
import polars as pl
import pytest

from driver2_kp import (
    BulkProgress,
    ColumnError,
    ConfigurationError,
    CriteriaError,
    MatchRecord,
    SearchCriteria,
    SearchResult,
)
from driver2_kp._bulk import BULK_THREADS, Stop, Stopped, run_threads, total_of
from driver2_kp._cache import ResultCache, remembered
from driver2_kp._flows import Ask, Finished, advance, search_flow
from driver2_kp._progress import Progress, Tally
from driver2_kp._results import Step
from driver2_kp.matching._frames import Table, _cell
from tests._clock import FakeClock

GODERIS = SearchCriteria(last_name="Goderis")


# --- progress -------------------------------------------------------------------------


def test_a_progress_callback_is_told_done_failed_total_and_elapsed() -> None:
    clock, seen = FakeClock(100.0), list[BulkProgress]()
    tally = Tally(seen.append, 3, clock=clock)
    clock.now += 5.0
    tally.start()  # the run begins: elapsed counts from here
    for failed in [False, True, False]:
        clock.now += 2.0
        tally.count(failed=failed)
    assert seen == [
        BulkProgress(done=1, failed=0, total=3, elapsed=2.0),
        BulkProgress(done=2, failed=1, total=3, elapsed=4.0),
        BulkProgress(done=3, failed=1, total=3, elapsed=6.0),
    ]


class Bars:
    """tqdm, as far as a `Tally` uses it: records the bars drawn and what they were told."""

    def __init__(self) -> None:
        self.drawn: list[dict[str, object]] = []
        self.updates = 0
        self.postfix: dict[str, object] = {}
        self.closed = 0

    def __call__(self, **options: object) -> Bars:
        self.drawn.append(options)
        return self

    def update(self, n: int) -> None:
        self.updates += n

    def set_postfix(self, *, refresh: bool, **values: object) -> None:
        self.postfix = values

    def close(self) -> None:
        self.closed += 1


def test_a_bar_is_drawn_when_the_run_starts_and_shows_the_failed_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bars = Bars()
    monkeypatch.setattr("tqdm.auto.tqdm", bars)
    tally = Tally(True, 2)
    assert bars.drawn == []  # asked for, not started: no bar left behind
    tally.start()
    tally.count(failed=False)
    tally.count(failed=True)
    tally.close()
    assert bars.drawn == [{"total": 2, "unit": "record", "desc": "driver2-kp"}]
    assert (bars.updates, bars.postfix, bars.closed) == (2, {"failed": 1}, 1)


def test_no_progress_counts_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    bars = Bars()
    monkeypatch.setattr("tqdm.auto.tqdm", bars)
    tally = Tally(False, None)
    tally.start()
    tally.count(failed=False)
    tally.close()
    assert (bars.drawn, bars.updates, bars.closed) == ([], 0, 0)


@pytest.mark.parametrize("progress", ["yes", 1, None])
def test_a_progress_that_is_neither_a_flag_nor_a_callable_is_refused(progress: object) -> None:
    with pytest.raises(ConfigurationError, match="progress must be True, False or a callable"):
        Tally(progress, None)  # type: ignore[arg-type]


def test_the_total_is_known_only_when_the_input_has_a_length() -> None:
    assert total_of([GODERIS, GODERIS]) == 2
    assert total_of(iter([GODERIS])) is None


# --- leaving a blocking run -------------------------------------------------------------

NEXT_ATTEMPT = Progress(step=Step.SEARCH_DRIVER2, attempt=2, elapsed=1.0, time_left=9.0)


def test_a_lookup_is_told_its_progress_until_the_run_is_left_then_stops() -> None:
    stop, told = Stop(), list[Progress]()
    watched = stop.watching(told.append)
    watched(NEXT_ATTEMPT)
    stop.set()
    with pytest.raises(Stopped):
        watched(NEXT_ATTEMPT)
    assert told == [NEXT_ATTEMPT]


def test_leaving_a_blocking_run_stops_its_lookups_and_ends_its_threads() -> None:
    read, started, stopped = list[int](), list[int](), list[int]()

    def endless() -> Iterator[SearchCriteria]:
        for number in itertools.count():
            read.append(number)
            yield SearchCriteria(customer_number=str(number))

    def lookup(criteria: SearchCriteria, stop: Stop) -> str:
        number = int(criteria.customer_number or "")
        started.append(number)
        if number > 0:  # under way when the run is left, until its next attempt
            assert stop.wait(60)
            try:
                stop.watching(None)(NEXT_ATTEMPT)
            except Stopped:
                stopped.append(number)
                raise
        return "found"

    items = run_threads(lookup, endless(), window=4, threads=2)
    assert next(items).index == 0
    items.close()
    assert read == [0, 1, 2, 3]  # the window, and not one more
    assert sorted(stopped) == sorted(started)[1:]  # every lookup but the first stopped
    assert [t for t in threading.enumerate() if t.name.startswith(BULK_THREADS)] == []


# --- the cache ------------------------------------------------------------------------


def _result() -> SearchResult:
    return object.__new__(SearchResult)  # the cache never looks inside


def test_a_kept_result_is_given_back_until_its_ttl_has_passed() -> None:
    clock = FakeClock(100.0)
    cache = ResultCache(60, clock=clock)
    result = _result()
    cache.put(("search", GODERIS), result)
    clock.now += 59.0
    assert cache.get(("search", GODERIS)) is result
    clock.now += 1.0
    assert cache.get(("search", GODERIS)) is None
    assert len(cache) == 0


def test_the_cache_keeps_at_most_its_size_the_least_recently_used_going_first() -> None:
    cache = ResultCache(60, size=2, clock=FakeClock(100.0))
    first, second, third = _result(), _result(), _result()
    cache.put(1, first)
    cache.put(2, second)
    assert cache.get(1) is first  # used: 2 is now the least recently used
    cache.put(3, third)
    assert (cache.get(1), cache.get(2), cache.get(3)) == (first, None, third)


def test_a_remembered_flow_asks_once_then_gives_what_it_kept() -> None:
    cache = ResultCache(60)
    first = remembered(cache, "goderis", search_flow(GODERIS))
    assert isinstance(advance(first), Ask)  # nothing kept yet: the flow asks Driver2
    kept = _result()
    cache.put("goderis", kept)
    again = advance(remembered(cache, "goderis", search_flow(GODERIS)))
    assert isinstance(again, Finished)  # ended before its first ask
    assert again.value is kept


def test_criteria_that_cannot_be_a_key_are_refused_by_the_flow_not_by_hashing() -> None:
    given: Any = {"last_name": "Goderis"}
    flow = remembered(ResultCache(60), ("search", given, None, 1), search_flow(given))
    with pytest.raises(CriteriaError) as caught:
        advance(flow)
    assert caught.value.field == "criteria"


def test_clearing_the_cache_forgets_everything() -> None:
    cache = ResultCache(60)
    cache.put(1, _result())
    cache.clear()
    assert cache.get(1) is None


@pytest.mark.parametrize("ttl", [0, -1, math.inf, math.nan, True, "60"])
def test_a_ttl_that_is_no_finite_positive_number_is_refused(ttl: object) -> None:
    with pytest.raises(ConfigurationError, match="cache_ttl must be a finite number"):
        ResultCache(ttl)  # type: ignore[arg-type]


# --- frames read as criteria ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, None),
        (math.nan, None),
        (pd.NA, None),
        ("   ", None),
        (" Goderis ", "Goderis"),
        (9000, "9000"),
        (9000.0, "9000"),
        (12.5, "12.5"),
    ],
)
def test_a_cell_is_read_as_text_and_an_empty_one_as_not_given(
    cell: object, text: str | None
) -> None:
    assert _cell(cell) == text


@pytest.mark.parametrize("make", [pd.DataFrame, pl.DataFrame])
def test_rows_are_read_by_column_name_and_a_bad_row_keeps_its_error(make: type) -> None:
    frame = make({"last_name": ["Goderis", "Peeters"], "vat_number": [None, "BE0403019262"]})
    table = Table.read(frame)
    assert table.rows[0] == MatchRecord(last_name="Goderis")
    bad = table.rows[1]
    assert isinstance(bad, CriteriaError)
    assert bad.field == "vat_number"
    assert table.valid == [MatchRecord(last_name="Goderis")]


def test_columns_renames_the_frames_columns_to_criteria() -> None:
    frame = pd.DataFrame({"Naam": ["Goderis"], "Postcode": ["9000"], "other": ["x"]})
    table = Table.read(frame, {"Naam": "last_name", "Postcode": "postcode"})
    assert table.rows == (MatchRecord(last_name="Goderis", postcode="9000"),)


def test_a_frame_without_any_criteria_column_is_refused_naming_them() -> None:
    with pytest.raises(ColumnError, match="none of the criteria columns"):
        Table.read(pd.DataFrame({"Naam": ["Goderis"]}))


def test_a_frame_with_two_columns_of_one_name_is_refused_naming_it() -> None:
    frame = pd.DataFrame([["Goderis", "Peeters"]], columns=["last_name", "last_name"])
    with pytest.raises(ColumnError, match="more than one column named last_name"):
        Table.read(frame)


def test_something_else_than_a_frame_is_refused() -> None:
    with pytest.raises(TypeError, match="pandas or polars DataFrame, not list"):
        Table.read([{"last_name": "Goderis"}])
