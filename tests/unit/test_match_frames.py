"""DataFrames in and out of a match: records read from columns, outcomes joined back, candidates.

`Table` on plain values, its results made by `match_flow` driven with `run`; and
one `match_frame` over a fake Driver2 and KP (`httpx.MockTransport`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Final

import httpx
import pandas as pd
import polars as pl
import pytest

from driver2_kp import (
    MATCH_COLUMNS,
    AsyncCustomerLookup,
    AsyncDriver2Client,
    AsyncKPClient,
    ColumnError,
    ConfigurationError,
    CriteriaError,
    CustomerLookup,
    Driver2Client,
    KPClient,
    LegalForm,
    MatchRecord,
    NoBestReason,
    SearchResult,
    ServerError,
)
from driver2_kp._bulk import BulkItem
from driver2_kp._party import Source
from driver2_kp.matching import BEST_MARGIN, BEST_SCORE
from driver2_kp.matching._frames import CANDIDATE_COLUMNS, OUTPUT_COLUMNS, Table
from tests._contract import SETTINGS, customer
from tests.unit._matching import FakeServices, Hits, duplicate, nowhere, run

Make = Callable[[dict[str, list[str | None]]], Any]
FRAMES: Final[list[Make]] = [pd.DataFrame, pl.DataFrame]

ROWS: Final[dict[str, list[str | None]]] = {
    "id": ["a", "b", "c", "d", "e", "f"],
    "last_name": ["Goderis", "Goderis", "Goderis", "Zzyzx", "Peeters", "Peeters"],
    "first_name": ["Thiemen", "Thiemen", "Sofie", "Qwerty", "Ann", "Ann"],
    "postcode": ["9000", "9000", "9000", "9000", None, "2000"],
    "street": ["Kortrijksesteenweg", None, None, None, None, None],
    "house_number": ["112 B", None, None, None, None, None],
    "city": ["Gent", None, None, None, None, None],
    "mobile": ["0475 12 34 56", None, None, None, None, None],
    "legal_form": ["natural_person", None, None, None, None, None],
    "vat_number": [None, None, None, None, "BE 0403.019.262", None],  # e: a wrong checksum
}
"""Rows: the customer; a duplicate's tie; a relative; nobody; a bad VAT number; a failure."""
HITS: Final[list[Hits]] = [
    {"name=God postcode=9000": [customer()]},
    {"name=God postcode=9000": [customer(), duplicate()]},
    {"name=God postcode=9000": [customer()]},
    {},
]
"""What Driver2 and KP hold for each valid row but the last, whose match fails."""
FAILURE: Final = ServerError(
    "503 Service Unavailable", service="Driver2", endpoint="GET /customers", status=503
)


def matched(table: Table) -> dict[int, BulkItem[SearchResult]]:
    """Each valid row of ``table`` matched as `run` does, the last failing: by index in `valid`."""
    items: dict[int, BulkItem[SearchResult]] = {}
    for index, record in enumerate(table.valid):
        if index < len(HITS):
            _, result = run(record, HITS[index])
            items[index] = BulkItem(index=index, criteria=record, result=result)
        else:
            items[index] = BulkItem(index=index, criteria=record, error=FAILURE)
    return items


def column(frame: Any, name: str) -> list[Any]:
    """A column of a pandas or polars frame as a list, missing values as ``None``."""
    if isinstance(frame, pd.DataFrame):
        return [None if pd.isna(value) else value for value in frame[name]]
    values: list[Any] = frame[name].to_list()
    return values


def dtypes(frame: Any, names: Sequence[str]) -> dict[str, str]:
    if isinstance(frame, pd.DataFrame):
        return {name: str(frame[name].dtype) for name in names}
    return {name: str(frame.schema[name]) for name in names}


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_a_frame_is_read_as_match_records_with_the_fields_only_compared(make: Make) -> None:
    table = Table.read(make(ROWS))
    first = table.rows[0]
    assert first == MatchRecord(
        last_name="Goderis",
        first_name="Thiemen",
        postcode="9000",
        street="Kortrijksesteenweg",
        house_number="112 B",
        city="Gent",
        mobile="0475 12 34 56",
        legal_form="natural_person",
    )
    assert isinstance(first, MatchRecord)
    assert (first.mobile, first.legal_form) == ("0475123456", LegalForm.NATURAL_PERSON)
    assert first.given() == {"last_name": "Goderis", "first_name": "Thiemen", "postcode": "9000"}
    bad = table.rows[4]
    assert isinstance(bad, CriteriaError)
    assert bad.field == "vat_number"
    assert len(table.valid) == len(ROWS["id"]) - 1


def test_a_legal_form_that_is_none_of_them_is_the_rows_error() -> None:
    (row,) = Table.read(pd.DataFrame({"last_name": ["Peeters"], "legal_form": ["vzw"]})).rows
    assert isinstance(row, CriteriaError)
    assert row.field == "legal_form"


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_a_postcode_possible_in_no_country_served_is_the_rows_error(make: Make) -> None:
    frame = make(
        {"last_name": ["Goderis", "Goderis", "Goderis"], "postcode": ["900", "ABC", "9000"]}
    )
    table = Table.read(frame)
    assert [getattr(row, "field", None) for row in table.rows] == ["postcode", "postcode", None]
    assert table.valid == [MatchRecord(last_name="Goderis", postcode="9000")]


# --- columns: resembled, refused -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("postal_code", "postcode"),
        ("Postcode", "postcode"),
        ("Post Code", "postcode"),
        ("first-name", "first_name"),
        ("FirstName", "first_name"),
        ("e-mail", "email"),
        ("house_nmber", "house_number"),
    ],
)
def test_a_column_resembling_a_field_warns_naming_the_field(name: str, field: str) -> None:
    frame = pd.DataFrame({"last_name": ["Goderis"], name: ["x"]})
    with pytest.warns(UserWarning, match="did you mean") as caught:
        table = Table.read(frame)
    assert [str(warning.message) for warning in caught] == [
        f"column {name!r} is not read: did you mean {field!r}? "
        f"Rename it with columns={ {name: field}!r}"
    ]
    assert table.rows == (MatchRecord(last_name="Goderis"),)  # the column is left unread


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_other_columns_pass_through_with_no_warning(make: Make) -> None:
    names = ["id", "notes", "customer_id", "created_at", "Naam", "score_2023", "land"]
    frame = make({"last_name": ["Goderis"], **{name: ["x"] for name in names}})
    table = Table.read(frame)  # pytest's filterwarnings = error: a warning would fail here
    out = table.joined(matched(table))
    assert list(out.columns) == ["last_name", *names, *MATCH_COLUMNS]


def test_a_column_resembling_a_field_already_read_gets_no_warning() -> None:
    frame = pd.DataFrame({"Naam": ["Goderis"], "last_name": ["Goderis"], "postcode": ["9000"]})
    table = Table.read(frame.rename(columns={"Naam": "Last Name"}))  # last_name is read
    assert table.rows == (MatchRecord(last_name="Goderis", postcode="9000"),)


def test_a_frame_of_only_resembling_columns_is_refused_with_the_renames() -> None:
    frame = pd.DataFrame({"Last Name": ["Goderis"], "postal_code": ["9000"]})
    with pytest.raises(ColumnError) as caught:
        Table.read(frame)
    assert "columns={'Last Name': 'last_name', 'postal_code': 'postcode'}" in str(caught.value)


@pytest.mark.parametrize(
    ("frame", "columns", "message"),
    [
        ({"Naam": ["x"]}, None, r"none of the criteria columns .*'your column'"),
        ({"Naam": ["x"]}, {"Naam": "lastname"}, r"no criterion \(did you mean 'last_name'\?\)"),
        ({"Naam": ["x"]}, {"Name": "last_name"}, "'Name', which the frame does not have"),
        ({"last_name": ["x"], "score": ["1"]}, None, "already has the column"),
    ],
)
def test_columns_that_cannot_be_read_raise_a_column_error(
    frame: dict[str, list[str | None]], columns: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(ColumnError, match=message) as caught:
        Table.read(pd.DataFrame(frame), columns)
    assert isinstance(caught.value, ConfigurationError)  # as before ColumnError, for old excepts


# --- the outcome of each row ---------------------------------------------------------------


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_the_frame_comes_back_with_its_own_columns_then_the_match_columns(make: Make) -> None:
    table = Table.read(make(ROWS))
    out = table.joined(matched(table))
    assert list(out.columns) == [*ROWS, *MATCH_COLUMNS]
    assert MATCH_COLUMNS == OUTPUT_COLUMNS
    assert column(out, "id") == ROWS["id"]  # one row per input row, in order


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_the_best_is_named_only_when_there_is_one_and_the_leader_always(make: Make) -> None:
    table = Table.read(make(ROWS))
    out = table.joined(matched(table))
    assert column(out, "best_driver2_number") == ["74050", None, None, None, None, None]
    assert column(out, "lead_driver2_number") == ["74050", "74050", "74050", None, None, None]
    assert column(out, "why_no_best") == [
        None,
        str(NoBestReason.TIE),
        str(NoBestReason.WEAK),
        str(NoBestReason.NOBODY_FOUND),
        None,
        None,
    ]
    score, margin = column(out, "score"), column(out, "margin")
    assert score[0] >= BEST_SCORE
    assert score[2] < BEST_SCORE
    assert margin[0] is None  # nobody to lead
    assert margin[1] < BEST_MARGIN
    assert "first_name equal" in column(out, "reasons")[0]
    assert "first_name different" in column(out, "reasons")[2]
    assert column(out, "lead_first_name")[:3] == ["Thiemen", "Thiemen", "Thiemen"]
    assert column(out, "best_first_name") == ["Thiemen", None, None, None, None, None]


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_nobody_found_leaves_no_leader_and_a_failed_row_keeps_its_error(make: Make) -> None:
    table = Table.read(make(ROWS))
    out = table.joined(matched(table))
    assert column(out, "source")[3] == str(Source.KP)  # Driver2 found nobody, nor KP
    assert column(out, "total")[3] == 0
    assert [column(out, name)[3] for name in ("lead_name", "score", "reasons")] == [None] * 3
    errors = column(out, "error")
    assert errors[:4] == [None] * 4
    assert errors[4].startswith("CriteriaError: vat_number")
    assert errors[5].startswith("ServerError: ")
    assert [column(out, "source")[row] for row in (4, 5)] == [None, None]


def test_a_pandas_frame_keeps_its_index_and_gets_nullable_types() -> None:
    frame = pd.DataFrame(ROWS, index=[10, 11, 12, 13, 14, 15])
    table = Table.read(frame)
    out = table.joined(matched(table))
    assert list(out.index) == [10, 11, 12, 13, 14, 15]
    assert list(frame.columns) == list(ROWS)  # the caller's frame is left as it was
    assert dtypes(out, ["total", "score", "margin", "best_driver2_number", "why_no_best"]) == {
        "total": "Int64",
        "score": "Float64",
        "margin": "Float64",
        "best_driver2_number": "string",
        "why_no_best": "string",
    }


def test_a_polars_frame_gets_its_types() -> None:
    table = Table.read(pl.DataFrame(ROWS))
    out = table.joined(matched(table))
    assert dtypes(out, ["total", "score", "margin", "best_driver2_number", "why_no_best"]) == {
        "total": "Int64",
        "score": "Float64",
        "margin": "Float64",
        "best_driver2_number": "String",
        "why_no_best": "String",
    }


# --- every candidate, in long form ----------------------------------------------------------


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_the_candidates_come_one_row_each_by_input_row_and_rank(make: Make) -> None:
    table = Table.read(make(ROWS))
    items = matched(table)
    joined, candidates = table.output(items, candidates=True)
    assert list(joined.columns) == [*ROWS, *MATCH_COLUMNS]
    assert list(candidates.columns) == list(CANDIDATE_COLUMNS)
    assert column(candidates, "row") == [0, 1, 1, 2]  # the input's positions, from 0
    assert column(candidates, "rank") == [1, 1, 2, 1]
    assert column(candidates, "driver2_number") == ["74050", "74050", "74052", "74050"]
    assert column(candidates, "source") == [str(Source.DRIVER2)] * 4
    assert column(candidates, "score")[:1] == column(joined, "score")[:1]
    assert all(isinstance(weight, float) for weight in column(candidates, "weight"))
    assert "first_name equal" in column(candidates, "reasons")[0]
    assert list(table.output(items, candidates=False).columns) == [*ROWS, *MATCH_COLUMNS]


def test_the_candidates_have_nullable_types_in_pandas_and_polars() -> None:
    numbers = ["row", "rank", "score", "weight", "kp_id", "name"]
    pandas = Table.read(pd.DataFrame(ROWS))
    polars = Table.read(pl.DataFrame(ROWS))
    assert dtypes(pandas.candidates(matched(pandas)), numbers) == {
        "row": "Int64",
        "rank": "Int64",
        "score": "Float64",
        "weight": "Float64",
        "kp_id": "string",
        "name": "string",
    }
    assert dtypes(polars.candidates(matched(polars)), numbers) == {
        "row": "Int64",
        "rank": "Int64",
        "score": "Float64",
        "weight": "Float64",
        "kp_id": "String",
        "name": "String",
    }


@pytest.mark.parametrize("make", FRAMES, ids=["pandas", "polars"])
def test_rows_without_candidates_give_an_empty_long_form_with_its_columns(make: Make) -> None:
    table = Table.read(make({"last_name": ["Zzyzx"], "first_name": ["Qwerty"]}))
    _, result = run(table.valid[0], {})
    candidates = table.candidates({0: BulkItem(index=0, criteria=table.valid[0], result=result)})
    assert list(candidates.columns) == list(CANDIDATE_COLUMNS)
    assert len(candidates) == 0


# --- match_frame over a fake Driver2 and KP --------------------------------------------------


@pytest.mark.anyio
async def test_match_frame_gives_the_frame_and_its_candidates_over_the_services() -> None:
    fake = FakeServices({"name=God postcode=9000": [customer(), duplicate()]})
    transport = httpx.MockTransport(fake.handle)
    frame = pd.DataFrame({"Naam": ["Goderis"], "first_name": ["Thiemen"], "postcode": ["9000"]})
    async with (
        AsyncDriver2Client(SETTINGS, transport=transport) as driver2,
        AsyncKPClient(SETTINGS, transport=transport) as kp,
    ):
        lookup = AsyncCustomerLookup(driver2, kp)
        out, candidates = await lookup.match_frame(
            frame, columns={"Naam": "last_name"}, candidates=True
        )
    assert list(out.columns) == ["Naam", "first_name", "postcode", *MATCH_COLUMNS]
    assert column(out, "why_no_best") == [str(NoBestReason.TIE)]
    assert column(candidates, "driver2_number") == ["74050", "74052"]
    assert column(candidates, "row") == [0, 0]
    assert fake.searches[0] == "driver2 name=God postcode=9000"
    assert not any(search.startswith("kp ") for search in fake.searches)


def test_match_frame_of_a_sync_lookup_asks_the_callers_transport() -> None:
    fake = FakeServices({"name=God postcode=9000": [customer(), duplicate()]})
    transport = httpx.MockTransport(fake.handle)
    frame = pd.DataFrame(
        {"last_name": ["Goderis"], "first_name": ["Thiemen"], "postcode": ["9000"]}
    )
    with (
        nowhere() as settings,  # what goes around the transport is refused
        Driver2Client(settings, transport=transport) as driver2,
        KPClient(settings, transport=transport) as kp,
    ):
        out, candidates = CustomerLookup(driver2, kp).match_frame(frame, candidates=True)
    assert column(out, "error") == [None]
    assert column(candidates, "driver2_number") == ["74050", "74052"]
    assert fake.searches[0] == "driver2 name=God postcode=9000"


def test_match_frame_warns_of_a_resembling_column_at_the_callers_line() -> None:
    fake = FakeServices({"name=God postcode=9000": [customer()]})
    transport = httpx.MockTransport(fake.handle)
    frame = pd.DataFrame({"last_name": ["Goderis"], "postal_code": ["9000"]})
    with (
        nowhere() as settings,
        Driver2Client(settings, transport=transport) as driver2,
        KPClient(settings, transport=transport) as kp,
        pytest.warns(UserWarning, match="did you mean 'postcode'") as caught,
    ):
        out = CustomerLookup(driver2, kp).match_frame(frame)
    assert [warning.filename for warning in caught] == [__file__]
    assert not any("postcode" in search for search in fake.searches)  # the column is unread
    assert column(out, "postal_code") == ["9000"]


@pytest.mark.anyio
async def test_async_match_frame_warns_of_a_resembling_column_at_the_callers_line() -> None:
    fake = FakeServices({"name=God postcode=9000": [customer()]})
    transport = httpx.MockTransport(fake.handle)
    frame = pd.DataFrame({"last_name": ["Goderis"], "postal_code": ["9000"]})
    async with (
        AsyncDriver2Client(SETTINGS, transport=transport) as driver2,
        AsyncKPClient(SETTINGS, transport=transport) as kp,
    ):
        with pytest.warns(UserWarning, match="did you mean 'postcode'") as caught:
            out = await AsyncCustomerLookup(driver2, kp).match_frame(frame)
    assert [warning.filename for warning in caught] == [__file__]
    assert not any("postcode" in search for search in fake.searches)
    assert column(out, "postal_code") == ["9000"]


@pytest.mark.anyio
async def test_match_frame_makes_a_row_of_an_impossible_postcode_its_error() -> None:
    fake = FakeServices({"name=God postcode=9000": [customer()]})
    transport = httpx.MockTransport(fake.handle)
    frame = pd.DataFrame({"last_name": ["Goderis", "Goderis"], "postcode": ["900", "9000"]})
    async with (
        AsyncDriver2Client(SETTINGS, transport=transport) as driver2,
        AsyncKPClient(SETTINGS, transport=transport) as kp,
    ):
        out = await AsyncCustomerLookup(driver2, kp).match_frame(frame)
    error = column(out, "error")
    assert error[0].startswith("CriteriaError: postcode: is not a possible postcode in any of")
    assert error[1] is None
    assert column(out, "best_driver2_number") == [None, "74050"]
    assert not any(re.search(r"=900\b", search) for search in fake.searches)  # none sent
