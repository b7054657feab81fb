"""Around bulk runs, on plain values: progress, the result cache, frames read as criteria."""

from __future__ import annotations

import math

import pandas as pd
import polars as pl
import pytest

from driver2_kp import (
    BulkItem,
    BulkProgress,
    ConfigurationError,
    CriteriaError,
    SearchCriteria,
    SearchResult,
)
from driver2_kp._bulk import Tally, total_of
from driver2_kp._cache import ResultCache
from driver2_kp._frames import Table, _cell

GODERIS = SearchCriteria(last_name="Goderis")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _item(index: int, *, failed: bool = False) -> BulkItem[SearchResult]:
    error = CriteriaError("criteria", "a search needs at least one criterion") if failed else None
    return BulkItem(index=index, criteria=GODERIS, error=error)


# --- progress -------------------------------------------------------------------------


def test_a_progress_callback_is_told_done_failed_total_and_elapsed() -> None:
    clock, seen = Clock(), list[BulkProgress]()
    tally = Tally(seen.append, 3, clock=clock)
    for index, failed in enumerate([False, True, False]):
        clock.now += 2.0
        tally.count(_item(index, failed=failed))
    assert seen == [
        BulkProgress(done=1, failed=0, total=3, elapsed=2.0),
        BulkProgress(done=2, failed=1, total=3, elapsed=4.0),
        BulkProgress(done=3, failed=1, total=3, elapsed=6.0),
    ]


def test_no_progress_counts_quietly() -> None:
    tally = Tally(False, None)
    tally.count(_item(0))
    tally.close()  # no bar to close: nothing happens


@pytest.mark.parametrize("progress", ["yes", 1, None])
def test_a_progress_that_is_neither_a_flag_nor_a_callable_is_refused(progress: object) -> None:
    with pytest.raises(ConfigurationError, match="progress must be True, False or a callable"):
        Tally(progress, None)  # type: ignore[arg-type]


def test_the_total_is_known_only_when_the_input_has_a_length() -> None:
    assert total_of([GODERIS, GODERIS]) == 2
    assert total_of(iter([GODERIS])) is None


# --- the cache ------------------------------------------------------------------------


def _result() -> SearchResult:
    return object.__new__(SearchResult)  # the cache never looks inside


def test_a_kept_result_is_given_back_until_its_ttl_has_passed() -> None:
    clock = Clock()
    cache = ResultCache(60, clock=clock)
    result = _result()
    cache.put(("search", GODERIS), result)
    clock.now += 59.0
    assert cache.get(("search", GODERIS)) is result
    clock.now += 1.0
    assert cache.get(("search", GODERIS)) is None
    assert len(cache) == 0


def test_the_cache_keeps_at_most_its_size_the_least_recently_used_going_first() -> None:
    cache = ResultCache(60, size=2, clock=Clock())
    first, second, third = _result(), _result(), _result()
    cache.put(1, first)
    cache.put(2, second)
    assert cache.get(1) is first  # used: 2 is now the least recently used
    cache.put(3, third)
    assert (cache.get(1), cache.get(2), cache.get(3)) == (first, None, third)


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
    assert table.rows[0] == GODERIS
    bad = table.rows[1]
    assert isinstance(bad, CriteriaError)
    assert bad.field == "vat_number"
    assert table.valid == [GODERIS]


def test_columns_renames_the_frames_columns_to_criteria() -> None:
    frame = pd.DataFrame({"Naam": ["Goderis"], "Postcode": ["9000"], "other": ["x"]})
    table = Table.read(frame, {"Naam": "last_name", "Postcode": "postcode"})
    assert table.rows == (SearchCriteria(last_name="Goderis", postcode="9000"),)


def test_a_frame_without_any_criteria_column_is_refused_naming_them() -> None:
    with pytest.raises(ConfigurationError, match="none of the criteria columns"):
        Table.read(pd.DataFrame({"Naam": ["Goderis"]}))


def test_something_else_than_a_frame_is_refused() -> None:
    with pytest.raises(TypeError, match="pandas or polars DataFrame, not list"):
        Table.read([{"last_name": "Goderis"}])
