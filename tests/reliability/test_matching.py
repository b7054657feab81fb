"""Matching against the sandbox: match, match_many, match_frame, progress, the cache, and Dask."""

from __future__ import annotations

import sys

import dask
import dask.dataframe as dd
import pandas as pd
import polars as pl
import pytest

from driver2_kp import (
    MATCH_COLUMNS,
    AsyncCustomerLookup,
    BulkProgress,
    ColumnError,
    CustomerLookup,
    CustomerQuery,
    SearchCriteria,
    Settings,
    Source,
)
from driver2_kp.sandbox import Sandbox

GODERIS = "74050"
"""Thiemen Goderis, 9000 Gent, in the sandbox's Driver2."""
MISTYPED = SearchCriteria(
    last_name="Godreis", first_name="Thiemen", postcode="9000", email="t@old.example"
)
MOVED = SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="1000")
SWAPPED = SearchCriteria(last_name="Thiemen", first_name="Goderis", postcode="9000")
ROWS = {
    "Naam": ["Godreis", "Thiemen", "", "Goderis", "Zzyzx"],
    "first_name": ["Thiemen", "Goderis", None, "Thiemen", "Qwerty"],
    "postcode": ["9000", "9000", None, "9000", "9000"],
    "vat_number": [None, None, None, "BE 0403.019.262", None],  # a wrong checksum
}
"""A data engineer's frame: a typo, swapped names, an empty row, a bad VAT, nobody."""


def _searches(sandbox: Sandbox) -> int:
    return sum(1 for entry in sandbox.requests("driver2") if entry.path == "/customers")


def test_match_finds_a_customer_whose_name_was_mistyped_and_e_mail_changed(
    sandbox: Sandbox, settings: Settings
) -> None:
    with CustomerLookup.from_settings(settings) as lookup:
        strict = lookup.search(MISTYPED)
        matched = lookup.match(MISTYPED)
    assert strict.source is Source.KP  # every criterion, ANDed: Driver2 finds nobody
    assert matched.source is Source.DRIVER2
    assert matched.best is not None
    assert matched.best.driver2_number == GODERIS
    assert matched.matches[0].reasons[0].startswith("last_name very similar")
    assert "email different" in matched.matches[0].reasons
    # The strict search found nobody; the match's first block, wider, found him at once.
    assert matched.blocks[0] == CustomerQuery(name="God", postcode="9000")
    assert matched.driver2_requests == len(matched.blocks) == 1
    assert _searches(sandbox) == 1 + len(matched.blocks)


def test_match_finds_a_customer_who_moved(sandbox: Sandbox, settings: Settings) -> None:
    with CustomerLookup.from_settings(settings) as lookup:
        matched = lookup.match(MOVED)
    assert matched.best is not None
    assert matched.best.driver2_number == GODERIS
    assert "postcode different" in matched.matches[0].reasons


@pytest.mark.anyio
async def test_an_async_match_finds_swapped_names(sandbox: Sandbox, settings: Settings) -> None:
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        matched = await lookup.match(SWAPPED)
    assert matched.best is not None
    assert matched.best.driver2_number == GODERIS
    assert matched.matches[0].reasons[0] == "names swapped"


def test_match_many_gives_one_item_per_record_in_order(
    sandbox: Sandbox, settings: Settings
) -> None:
    records = [MISTYPED, SearchCriteria(), SWAPPED]
    seen: list[BulkProgress] = []
    with CustomerLookup.from_settings(settings) as lookup:
        items = list(lookup.match_many(records, ordered=True, progress=seen.append))
    assert [item.index for item in items] == [0, 1, 2]
    assert [item.ok for item in items] == [True, False, True]
    assert [(p.done, p.failed, p.total) for p in seen] == [(1, 0, 3), (2, 1, 3), (3, 1, 3)]
    bests = [item.result.best for item in items if item.result is not None]
    assert [best.driver2_number if best else None for best in bests] == [GODERIS, GODERIS]


def _check_matched(out: pd.DataFrame) -> None:
    assert list(out.columns) == [*ROWS, *MATCH_COLUMNS]
    assert list(out["Naam"]) == ROWS["Naam"]  # one row per input row, in order
    assert list(out["best_driver2_number"][:2]) == [GODERIS, GODERIS]
    assert out["error"][2].startswith("CriteriaError")  # an empty row: no criterion
    assert out["error"][3].startswith("CriteriaError: vat_number")
    assert pd.isna(out["best_driver2_number"][4])  # nobody, or nobody clearly
    assert out["score"][0] > 0.9
    assert "first_name equal" in out["reasons"][0]


def test_match_frame_takes_a_pandas_frame_and_gives_one_back(
    sandbox: Sandbox, settings: Settings
) -> None:
    frame = pd.DataFrame(ROWS, index=[10, 11, 12, 13, 14])
    with CustomerLookup.from_settings(settings) as lookup:
        out = lookup.match_frame(frame, columns={"Naam": "last_name"})
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == [10, 11, 12, 13, 14]
    _check_matched(out.reset_index(drop=True))
    assert list(frame.columns) == list(ROWS)  # the caller's frame is left as it was


@pytest.mark.anyio
async def test_match_frame_takes_a_polars_frame_and_gives_one_back(
    sandbox: Sandbox, settings: Settings
) -> None:
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        out = await lookup.match_frame(pl.DataFrame(ROWS), columns={"Naam": "last_name"})
    assert isinstance(out, pl.DataFrame)
    assert out.schema["total"] == pl.Int64
    assert out.schema["score"] == pl.Float64
    _check_matched(pd.DataFrame(out.to_dicts()))  # to_pandas would need pyarrow


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"Naam": "surname"}, "'surname', which is no criterion"),
        ({"Name": "last_name"}, "'Name', which the frame does not have"),
    ],
)
def test_a_wrong_column_mapping_is_refused_before_any_request(
    sandbox: Sandbox, settings: Settings, columns: dict[str, str], message: str
) -> None:
    with (
        CustomerLookup.from_settings(settings) as lookup,
        pytest.raises(ColumnError, match=message),
    ):
        lookup.match_frame(pd.DataFrame(ROWS), columns=columns)
    assert sandbox.requests() == []


def test_a_frame_with_a_column_match_frame_adds_is_refused(
    sandbox: Sandbox, settings: Settings
) -> None:
    frame = pd.DataFrame({"last_name": ["Goderis"], "score": [1]})
    with (
        CustomerLookup.from_settings(settings) as lookup,
        pytest.raises(ColumnError, match="already has the column"),
    ):
        lookup.match_frame(frame)


@pytest.fixture
def without_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if neither pandas, polars nor tqdm were installed."""
    for name in ("pandas", "polars", "tqdm", "tqdm.auto"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.usefixtures("without_extras")
def test_without_the_extras_the_error_names_them(settings: Settings) -> None:
    with CustomerLookup.from_settings(settings) as lookup:
        with pytest.raises(ImportError, match=r"driver2-kp\[dataframe\]"):
            lookup.match_frame([{"last_name": "Goderis"}])  # type: ignore[call-overload]
        with pytest.raises(ImportError, match=r"driver2-kp\[progress\]"):
            lookup.match_many([SWAPPED], progress=True)


def test_progress_true_draws_a_bar_with_the_failed_count(
    sandbox: Sandbox, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with CustomerLookup.from_settings(settings) as lookup:
        items = list(lookup.search_many([SWAPPED, SearchCriteria()], progress=True))
    assert len(items) == 2
    bar = capsys.readouterr().err
    assert "2/2" in bar
    assert "failed=1" in bar


def test_the_cache_answers_a_rerun_without_asking_driver2(
    sandbox: Sandbox, settings: Settings
) -> None:
    frame = pd.DataFrame(ROWS)
    with CustomerLookup.from_settings(settings, cache_ttl=60) as lookup:
        first = lookup.search(SWAPPED)
        assert lookup.search(SWAPPED) is first
        matched = lookup.match_frame(frame, columns={"Naam": "last_name"})
        asked = _searches(sandbox)
        again = lookup.match_frame(frame, columns={"Naam": "last_name"})
        assert _searches(sandbox) == asked  # the re-run cell asked nothing
        lookup.clear_cache()
        lookup.search(SWAPPED)
    assert again.equals(matched)
    assert _searches(sandbox) == asked + 1


def test_without_a_cache_every_search_asks(sandbox: Sandbox, settings: Settings) -> None:
    with CustomerLookup.from_settings(settings) as lookup:
        lookup.search(SWAPPED)
        lookup.search(SWAPPED)
    assert _searches(sandbox) == 2


def match_partition(part: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """A Dask worker's share: a lookup of its own, from the pickled settings."""
    with CustomerLookup.from_settings(settings) as lookup:
        return lookup.match_frame(part, columns={"Naam": "last_name"})


def test_a_bulk_match_runs_on_dask_processes(sandbox: Sandbox, settings: Settings) -> None:
    frame = pd.DataFrame(ROWS).astype(object)
    with CustomerLookup.from_settings(settings) as lookup:
        here = lookup.match_frame(frame, columns={"Naam": "last_name"})
        meta = lookup.match_frame(frame.iloc[:0], columns={"Naam": "last_name"})  # no request
    assert list(meta.columns) == list(here.columns)
    partitions = dd.from_pandas(frame, npartitions=2)  # type: ignore[no-untyped-call]
    matched = partitions.map_partitions(match_partition, settings, meta=meta)
    with dask.config.set({"multiprocessing.context": "spawn"}):
        there = matched.compute(scheduler="processes", num_workers=2)
    assert _cells(there) == _cells(here)  # Dask may store text as Arrow strings: compare values


def _cells(frame: pd.DataFrame) -> list[list[object]]:
    return [[None if pd.isna(cell) else cell for cell in row] for row in frame.to_numpy().tolist()]
