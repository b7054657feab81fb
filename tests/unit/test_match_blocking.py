"""Blocking: which searches a match may send to Driver2 and KP, stage by stage, for any record.

`driver2_blocks`, `kp_blocks` and `census_blocks` on plain values: what the flow
sends is in test_match_flow.py.
"""

from __future__ import annotations

from typing import Final

import attrs
import pytest
from hypothesis import given, settings

from driver2_kp import CriteriaError, CustomerQuery, PersonKind, PersonQuery
from driver2_kp._criteria import MatchRecord, SearchCriteria
from driver2_kp._rules import driver2_query, kp_query, kp_skip_reason
from driver2_kp.matching._blocking import (
    PREFIX,
    SHORT_PREFIX,
    Block,
    census_blocks,
    driver2_blocks,
    kp_blocks,
)
from tests.unit._matching import EVERY_CRITERION, GODERIS, UNBLOCKABLE, VAT, records


def shown(query: CustomerQuery | PersonQuery | None) -> str | None:
    """A query as one line of the fields it gives, e.g. ``name=God postcode=9000``."""
    if query is None:
        return None
    return " ".join(f"{name}={value}" for name, value in attrs.asdict(query).items() if value)


def stages(blocks: list[list[Block]]) -> list[list[tuple[str | None, str | None]]]:
    """Each stage's blocks, as their search and their narrower one (`shown`)."""
    return [[(shown(block.query), shown(block.narrower)) for block in stage] for stage in blocks]


def driver2_queries(blocks: list[list[Block]], *, narrower: bool = False) -> list[CustomerQuery]:
    """The searches of Driver2's ``blocks`` in order; or, with ``narrower``, their narrower ones."""
    found = [block.narrower if narrower else block.query for stage in blocks for block in stage]
    driver2 = [query for query in found if isinstance(query, CustomerQuery)]
    assert len(driver2) == len([query for query in found if query is not None])
    return driver2


def kp_queries(blocks: list[list[Block]]) -> list[PersonQuery]:
    """The searches of KP's ``blocks``, in order."""
    found = [block.query for stage in blocks for block in stage]
    kp = [query for query in found if isinstance(query, PersonQuery)]
    assert len(kp) == len(found)
    return kp


# --- Driver2's stages ----------------------------------------------------------------------


def test_every_criterion_is_blocked_on_keys_first_then_the_names_prefix_then_wider() -> None:
    assert stages(driver2_blocks(EVERY_CRITERION)) == [
        [(f"vat_number={VAT}", None), ("customer_number=74050", None)],
        [("name=God postcode=9000", "name=Goderis postcode=9000")],
        [
            ("email=thiemen.goderis@example.be", None),
            ("phone=0475123456", None),
            ("name=Go first_name=Thi", "name=Goderis first_name=Thiemen"),  # moved: 2 letters
            ("first_name=Thi postcode=9000", "first_name=Thiemen postcode=9000"),
            ("name=Thi first_name=God", "name=Thiemen first_name=Goderis"),
        ],
    ]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (SearchCriteria(vat_number=VAT), [[(f"vat_number={VAT}", None)]]),
        (SearchCriteria(customer_number="74050"), [[("customer_number=74050", None)]]),
        (
            SearchCriteria(last_name="Goderis", postcode="9000"),
            [[("name=God postcode=9000", "name=Goderis postcode=9000")]],
        ),
        (
            SearchCriteria(last_name="Goderis", first_name="Thiemen"),
            [
                [("name=God first_name=Thi", "name=Goderis first_name=Thiemen")],
                [("name=Thi first_name=God", "name=Thiemen first_name=Goderis")],
            ],
        ),
        (SearchCriteria(last_name="Goderis"), [[("name=Goderis", None)]]),
        (
            SearchCriteria(last_name="Dam", first_name="Jo", postcode="9000"),
            [
                [("name=Dam postcode=9000", None)],
                [
                    ("name=Da first_name=Jo", "name=Dam first_name=Jo"),
                    ("first_name=Jo postcode=9000", None),
                    ("name=Jo first_name=Dam", None),
                ],
            ],
        ),
        (
            MatchRecord(last_name="Goderis", mobile="0475 12 34 56", street="Kortrijksesteenweg"),
            [[("name=Goderis", None)], [("phone=0475123456", None)]],
        ),
        (
            SearchCriteria(last_name="Thomas", first_name="Thomas"),
            [[("name=Tho first_name=Tho", "name=Thomas first_name=Thomas")]],
        ),
    ],
    ids=[
        "vat number alone",
        "customer number alone",
        "last name and postcode",
        "last name and first name",
        "last name alone",
        "names no longer than a prefix",
        "a mobile number is searched as a phone",
        "the swapped search is the search",
    ],
)
def test_the_blocking_searches_stage_by_stage(
    record: SearchCriteria, expected: list[list[tuple[str | None, str | None]]]
) -> None:
    assert stages(driver2_blocks(record)) == expected


def test_a_name_search_sends_a_prefix_and_its_narrower_search_the_whole_name() -> None:
    last, first = "Vandevelde", "Marie-Louise"
    record = SearchCriteria(last_name=last, first_name=first, postcode="2000")
    blocks = driver2_blocks(record)
    sent, narrower = driver2_queries(blocks), driver2_queries(blocks, narrower=True)
    moved = last[:SHORT_PREFIX]  # a customer who moved: a typo in the third letter too
    assert {query.name for query in sent} == {last[:PREFIX], moved, first[:PREFIX], None}
    assert {query.first_name for query in sent} == {first[:PREFIX], last[:PREFIX], None}
    assert len(narrower) == len(sent)  # every search here has one
    assert {query.name for query in narrower} == {last, first, None}
    assert {query.first_name for query in narrower} == {first, last, None}


@pytest.mark.parametrize("record", UNBLOCKABLE.values(), ids=UNBLOCKABLE.keys())
def test_r1_criteria_no_search_can_block_on_are_searched_all_together(
    record: SearchCriteria,
) -> None:
    assert driver2_blocks(record) == [[Block(driver2_query(record))]]


def test_an_empty_record_has_no_blocking_search() -> None:
    assert driver2_blocks(SearchCriteria()) == []


def test_searches_for_a_misspelt_or_swapped_last_name_are_marked_as_such() -> None:
    marked = [
        shown(block.query)
        for stage in driver2_blocks(GODERIS)
        for block in stage
        if block.for_a_misspelt_name
    ]
    assert marked == ["first_name=Thi postcode=9000", "name=Thi first_name=God"]


def test_the_census_counts_the_last_name_alone_and_the_postcode_alone() -> None:
    census = census_blocks(EVERY_CRITERION)
    assert {field: shown(block.query) for field, block in census.items()} == {
        "last_name": "name=Goderis",
        "postcode": "postcode=9000",
    }
    assert census_blocks(SearchCriteria(email="thiemen.goderis@example.be")) == {}


# --- KP's stages (R5-R7) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [EVERY_CRITERION, GODERIS, SearchCriteria(last_name="Goderis", postcode="9000")],
    ids=["every criterion", "names and postcode", "last name and postcode"],
)
def test_r6_r7_kp_is_searched_as_the_kp_button_does_then_by_prefixes_then_by_the_last_name(
    record: SearchCriteria,
) -> None:
    assert record.last_name is not None
    kind = PersonKind.PRIVATE if record.first_name else None
    sent = kp_queries(kp_blocks(record))
    assert sent[0] == kp_query(record)
    assert sent[-1] == PersonQuery(last_name=record.last_name, kind=kind)
    prefixes = {name[:PREFIX] for name in (record.last_name, record.first_name) if name}
    shortest = record.last_name[:2]  # a typo early in the last name: KP needs two letters
    assert len(sent) > 2
    for query in sent[1:-1]:
        assert query.last_name in prefixes or (query.last_name, query.postcode) == (
            shortest,
            record.postcode,
        )
        assert query.first_name is None or query.first_name in prefixes
        assert query.postcode in {None, record.postcode}
    typo_late = {  # a typo late in the name, at the same place: its start finds it
        attrs.evolve(query, first_name=None)
        for query in sent
        if "goderis".startswith(query.last_name.lower()) and query.last_name != "Goderis"
    }
    assert PersonQuery(
        last_name="Go" if record.first_name else "God", postcode="9000", kind=kind
    ) in (typo_late)
    assert all(query.kind is kind for query in sent)  # R6


@pytest.mark.parametrize(
    ("typed", "finding"),
    [
        ("Goedris", ["Go"]),  # the third letter mistyped: its first two letters find Goderis
        ("Gosderis", ["Go"]),
        ("Gdoeris", []),  # the second: no start of it does
    ],
)
def test_kp_searches_a_last_name_typed_wrong_early_by_its_first_two_letters(
    typed: str, finding: list[str]
) -> None:
    record = SearchCriteria(last_name=typed, first_name="Thiemen", postcode="9000")
    sent = kp_queries(kp_blocks(record))
    finds_goderis = [
        q for q in sent if q.last_name != typed and "goderis".startswith(q.last_name.lower())
    ]
    assert [q.last_name for q in finds_goderis] == finding
    for query in finds_goderis:
        assert (query.first_name, query.postcode) == ("Thi", "9000")


def test_kps_two_letter_search_sends_the_three_letter_one_instead_when_it_finds_too_many() -> None:
    [early] = kp_blocks(GODERIS)[1]
    private = PersonKind.PRIVATE
    assert early.query == PersonQuery(
        last_name="Go", first_name="Thi", postcode="9000", kind=private
    )
    assert early.narrower == PersonQuery(
        last_name="God", first_name="Thi", postcode="9000", kind=private
    )


def test_kps_two_letter_search_is_left_out_without_a_first_name_or_postcode() -> None:
    for record in (
        SearchCriteria(last_name="Goedris", postcode="9000"),
        SearchCriteria(last_name="Goedris", first_name="Thiemen"),
    ):
        assert all(len(q.last_name) != 2 for q in kp_queries(kp_blocks(record)))


def test_a_one_letter_first_name_is_never_kps_last_name() -> None:
    blocks = kp_blocks(SearchCriteria(last_name="Goderis", first_name="T"))
    assert all(query.last_name in {"Goderis", "God"} for query in kp_queries(blocks))


@pytest.mark.parametrize(
    "record",
    [SearchCriteria(email="thiemen.goderis@example.be"), SearchCriteria(last_name="G")],
    ids=["no last name", "one-letter last name"],
)
def test_r5_kp_blocks_need_a_last_name_of_two_characters(record: SearchCriteria) -> None:
    with pytest.raises(CriteriaError) as caught:
        kp_blocks(record)
    assert caught.value.field == "last_name"


# --- any record ----------------------------------------------------------------------------

# Where a value of a search may come from: a name search holds a prefix of either name.
_SOURCES: Final = {
    "customer_number": ("customer_number",),
    "vat_number": ("vat_number",),
    "name": ("last_name", "first_name"),
    "last_name": ("last_name", "first_name"),
    "first_name": ("first_name", "last_name"),
    "email": ("email",),
    "phone": ("phone", "mobile"),
    "postcode": ("postcode",),
    "country": ("country",),
}


def _from_the_record(query: CustomerQuery | PersonQuery, record: SearchCriteria) -> bool:
    """Whether every value ``query`` sends is (the start of) a value of ``record``'s."""
    for name, value in attrs.asdict(query).items():
        if value is None or name == "kind":
            continue
        own = [getattr(record, field, None) for field in _SOURCES[name]]
        if not any(given is not None and given.startswith(value) for given in own):
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(records())
def test_no_blocking_search_is_empty_or_sent_twice_for_any_record(record: SearchCriteria) -> None:
    blocks = driver2_blocks(record)
    sent = driver2_queries(blocks)
    assert all(stage for stage in blocks)
    assert not any(query.is_empty() for query in sent)
    assert len(set(sent)) == len(sent)
    searchable = not record.is_empty() or (isinstance(record, MatchRecord) and record.mobile)
    assert bool(sent) is bool(searchable)


@settings(max_examples=300, deadline=None)
@given(records())
def test_a_blocking_search_sends_only_values_of_the_record_and_the_country_only_as_r1_does(
    record: SearchCriteria,
) -> None:
    blocks = driver2_blocks(record)
    for block in (b for stage in blocks for b in stage):
        for query in filter(None, (block.query, block.narrower)):
            assert isinstance(query, CustomerQuery)
            assert _from_the_record(query, record), shown(query)
            if query.country is not None:  # nothing to block on: all the criteria together (R1)
                assert blocks == [[Block(driver2_query(record))]]


@settings(max_examples=300, deadline=None)
@given(records())
def test_a_narrower_search_finds_no_one_its_block_does_not(record: SearchCriteria) -> None:
    """It sends every value of its block's search, each whole or longer: Driver2 ANDs prefixes."""
    for block in (b for stage in driver2_blocks(record) for b in stage):
        narrower = block.narrower
        if narrower is None:
            continue
        assert narrower != block.query
        wider, narrow = attrs.asdict(block.query), attrs.asdict(narrower)
        for name, value in wider.items():
            assert value is None or (narrow[name] or "").startswith(value), name


@settings(max_examples=300, deadline=None)
@given(records())
def test_r5_r6_r7_kp_blocks_send_only_the_names_and_postcode_private_with_a_first_name(
    record: SearchCriteria,
) -> None:
    if kp_skip_reason(record) is not None:
        with pytest.raises(CriteriaError):
            kp_blocks(record)
        return
    blocks = kp_blocks(record)
    sent = kp_queries(blocks)
    assert len(set(sent)) == len(sent)
    assert all(len(stage) == 1 for stage in blocks)
    assert sent[0] == kp_query(record)
    for query in sent:
        assert _from_the_record(query, record), shown(query)
        assert len(query.last_name.strip()) >= 2  # KP refuses less (R5)
        assert query.kind is (PersonKind.PRIVATE if record.first_name else None)
