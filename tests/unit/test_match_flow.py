"""The flow of a match: blocks widened until one is clear, pages, the budget, counts, KP (R3-R7).

`match_flow` driven on plain values with `run`, answering each ask from a table
of hits (`tests.unit._matching.Hits`); no HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driver2_kp import (
    AuthenticationError,
    CriteriaError,
    CustomerQuery,
    Driver2KPError,
    MatchRecord,
    NoBestReason,
    PersonKind,
    PersonQuery,
    RequestTimeoutError,
    ServerError,
)
from driver2_kp._criteria import SearchCriteria
from driver2_kp._flows import Finished, advance, driver2_ask, further_pages, kp_ask
from driver2_kp._party import PartyRole, Source
from driver2_kp._results import KPSkipReason, Step
from driver2_kp._rules import driver2_query
from driver2_kp.driver2 import search_customers_request
from driver2_kp.matching import is_plausible
from driver2_kp.matching._blocking import driver2_blocks
from driver2_kp.matching._flow import (
    KP_FAILED_NOTE,
    MOST_DRIVER2_REQUESTS,
    MOST_KP_REQUESTS,
    MOST_PAGES,
    match_flow,
)
from tests._contract import customer, person
from tests.unit._matching import (
    EVERY_CRITERION,
    GODERIS,
    UNBLOCKABLE,
    VAT,
    DrawnHits,
    Finding,
    Hits,
    answer,
    asked,
    company,
    crowd,
    described,
    duplicate,
    kp_crowd,
    namesake,
    private_peeters,
    records,
    run,
)

KP_GODERIS: Final = "kp nachname=Goderis vorname=Thiemen plz=9000 kundenart=privat"
"""The KP search of GODERIS, as the KP button sends it (R5-R7)."""


def every_block(record: SearchCriteria) -> list[str]:
    """Every Driver2 search of a match that finds nobody, as `run` lists them."""
    return [wire(block.query) for stage in driver2_blocks(record) for block in stage]


def wire(query: CustomerQuery | PersonQuery) -> str:
    """A query's first page as `run` lists it."""
    if isinstance(query, CustomerQuery):
        return described(driver2_ask(query, 1, Step.SEARCH_DRIVER2))
    return described(kp_ask(query, 1))


# --- Driver2, block by block -----------------------------------------------------------------


def test_a_clear_best_in_the_first_block_ends_the_match_after_one_request() -> None:
    sent, result = run(GODERIS, {"name=God postcode=9000": [customer()]})
    assert sent == ["driver2 name=God postcode=9000"]
    assert result.best is not None
    assert result.best.driver2_number == "74050"
    assert (result.driver2_requests, result.kp_requests) == (1, 0)
    assert result.source is Source.DRIVER2
    assert result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS
    assert result.blocks == (CustomerQuery(name="God", postcode="9000"),)


@pytest.mark.parametrize(
    ("record", "hits", "search"),
    [
        (
            SearchCriteria(vat_number=VAT, last_name="Peeters Bouw"),
            {f"vatNumber={VAT}": [company()]},
            f"driver2 vatNumber={VAT}",
        ),
        (
            SearchCriteria(customer_number="74050", last_name="Goderis"),
            {"customerNumber=74050": [customer()]},
            "driver2 customerNumber=74050",
        ),
    ],
    ids=["vat number", "customer number"],
)
def test_a_key_that_finds_its_customer_needs_no_name_search(
    record: SearchCriteria, hits: Hits, search: str
) -> None:
    sent, result = run(record, hits)
    assert sent == [search]
    assert result.best is not None
    assert result.best.driver2_number == next(iter(hits.values()))[0]["customerNumber"]


def test_a_strict_block_that_finds_nobody_widens() -> None:
    moved = SearchCriteria(
        last_name="Goderis", first_name="Thiemen", postcode="1000", email=customer()["email"]
    )
    sent, result = run(moved, {f"email={customer()['email']}": [customer()]})
    assert sent == ["driver2 name=God postcode=1000", f"driver2 email={customer()['email']}"]
    assert result.best is not None
    assert result.best.driver2_number == "74050"
    assert "postcode different" in result.matches[0].reasons
    assert result.query == CustomerQuery(email=customer()["email"])  # the first that found him


def test_without_anyone_found_every_block_is_searched_in_its_stages_order() -> None:
    sent, result = run(EVERY_CRITERION, {})
    assert sent[: len(every_block(EVERY_CRITERION))] == every_block(EVERY_CRITERION)
    assert result.blocks[: len(every_block(EVERY_CRITERION))] == tuple(
        block.query for stage in driver2_blocks(EVERY_CRITERION) for block in stage
    )


@pytest.mark.parametrize(
    ("record", "hits"),
    [
        (
            SearchCriteria(last_name="Goderiz", first_name="Thiemen", postcode="9000"),
            {"name=God postcode=9000": [customer(), namesake()]},
        ),
        (
            SearchCriteria(last_name="Coderis", first_name="Thiemen", postcode="9000"),
            {"firstName=Thi postcode=9000": [customer()]},
        ),
        (
            SearchCriteria(last_name="Coderis", first_name="Thiemin", postcode="9000"),
            {"firstName=Thi postcode=9000": [customer()]},
        ),
        (
            SearchCriteria(last_name="Thiemen", first_name="Goderis", postcode="9000"),
            {"name=God firstName=Thi": [customer()]},
        ),
        (
            SearchCriteria(last_name="Goedris", first_name="Thiemen", postcode="9001"),
            {"name=Go firstName=Thi": [customer()]},
        ),
        (
            SearchCriteria(last_name="Goderis", first_name="Thiemen", email="t@old.example"),
            {"name=God firstName=Thi": [customer()]},
        ),
    ],
    ids=[
        "a typo late in the last name",
        "a typo early in it",
        "a typo early in it and late in the first name",
        "names swapped",
        "a typo in the last name's third letter and in the postcode",
        "a stale e-mail",
    ],
)
def test_a_block_finds_the_customer_a_strict_search_would_miss(
    record: SearchCriteria, hits: Hits
) -> None:
    (search,) = hits
    sent, result = run(record, {**hits, "name=Goderis": [customer()]})  # as Driver2 counts him
    assert f"driver2 {search}" in sent
    assert result.kp_requests == 0
    assert result.best is not None
    assert result.best.driver2_number == "74050"


def test_a_search_sent_as_a_narrower_one_is_not_sent_again_as_a_later_block() -> None:
    record = SearchCriteria(last_name="Ann", first_name="Ann", postcode="9000")
    # The moved customer's search finds too many: its narrower one, the whole names, goes
    # instead. Swapped, the names give that same search: it is not asked twice.
    sent, _ = run(record, {"name=An firstName=Ann": crowd(11, name="Anna")})
    assert sent.count("driver2 name=Ann firstName=Ann") == 1


def test_swapped_names_are_read_swapped() -> None:
    swapped = SearchCriteria(last_name="Thiemen", first_name="Goderis", postcode="9000")
    _, result = run(swapped, {"name=God firstName=Thi": [customer()]})
    assert result.matches[0].reasons[:3] == (
        "names swapped",
        "last_name equal (swapped)",
        "first_name equal (swapped)",
    )


def test_the_searches_for_a_misspelt_last_name_are_left_out_once_it_is_found_as_typed() -> None:
    sent, result = run(GODERIS, {"name=God postcode=9000": [namesake()]})
    driver2 = [ask for ask in sent if ask.startswith("driver2 ")]
    assert driver2 == ["driver2 name=God postcode=9000", "driver2 name=Go firstName=Thi"]
    assert [c.driver2_number for c in result.candidates] == ["74051"]


def test_the_documented_example_of_match_finds_its_best() -> None:
    record = SearchCriteria(
        last_name="Godreis", first_name="Thiemen", postcode="9000", email="t@old.example"
    )
    _, result = run(record, {"name=God postcode=9000": [customer()]})
    assert result.best is not None
    assert result.best.driver2_number == "74050"
    assert result.matches[0].reasons[0].startswith("last_name very similar")
    assert "email different" in result.matches[0].reasons


@pytest.mark.parametrize("record", UNBLOCKABLE.values(), ids=UNBLOCKABLE.keys())
def test_r1_criteria_no_search_can_block_on_are_searched_all_together(
    record: SearchCriteria,
) -> None:
    ask = asked(advance(match_flow(record)))
    assert ask.operation.call.params == search_customers_request(driver2_query(record)).call.params
    sent, result = run(record, {})
    assert sent == [wire(driver2_query(record))]
    assert result.blocks == (driver2_query(record),)


# --- more hits than a page -------------------------------------------------------------------

ANN: Final = private_peeters() | {"address": customer()["address"] | {"postcode": "2000"}}
"""Ann Peeters, 30002, of 2000 Antwerpen."""
ANN_PEETERS: Final = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")


def test_a_block_that_finds_more_than_a_page_sends_its_narrower_search() -> None:
    hits = {
        "name=Pee postcode=2000": [*crowd(24, name="Peeters"), ANN],
        "name=Peeters postcode=2000": [ANN, *crowd(3, name="Peeters")],
    }
    sent, result = run(ANN_PEETERS, hits)
    assert sent == ["driver2 name=Pee postcode=2000", "driver2 name=Peeters postcode=2000"]
    assert result.best is not None
    assert result.best.driver2_number == "30002"
    assert result.unread == 0  # the 15 the prefix left unread: the whole name found its best
    assert set(result.blocks) == {
        CustomerQuery(name="Pee", postcode="2000"),
        CustomerQuery(name="Peeters", postcode="2000"),
    }


def test_a_narrower_search_that_finds_more_than_a_page_reads_on() -> None:
    hits = {
        "name=Pee postcode=2000": crowd(40, name="Peeters"),
        "name=Peeters postcode=2000": [*crowd(19, name="Peeters"), ANN],
    }
    sent, result = run(ANN_PEETERS, hits)
    assert sent == [
        "driver2 name=Pee postcode=2000",
        "driver2 name=Peeters postcode=2000",
        "driver2 name=Peeters postcode=2000 page=2",
    ]
    assert result.best is not None
    assert result.best.driver2_number == "30002"
    assert result.unread == 0


def test_when_the_narrower_search_finds_nobody_plausible_the_block_reads_on() -> None:
    hits = {"name=Pee postcode=2000": [*crowd(24, name="Peeters"), ANN]}
    sent, result = run(ANN_PEETERS, hits)
    assert sent == [
        "driver2 name=Pee postcode=2000",
        "driver2 name=Peeters postcode=2000",
        "driver2 name=Pee postcode=2000 page=2",
        "driver2 name=Pee postcode=2000 page=3",
    ]
    assert result.best is not None
    assert result.best.driver2_number == "30002"  # on the third page
    assert result.unread == 0


def test_a_block_without_a_narrower_search_reads_most_pages_and_leaves_the_rest_unread() -> None:
    peeters = crowd(45, name="Peeters")
    record = SearchCriteria(last_name="Peeters", email=peeters[3]["email"])
    hits = {"name=Peeters": peeters, f"email={peeters[3]['email']}": [peeters[3]]}
    sent, result = run(record, hits)
    pages = [ask for ask in sent if ask.startswith("driver2 name=Peeters")]
    assert pages == ["driver2 name=Peeters"] + [
        f"driver2 name=Peeters page={page}" for page in range(2, MOST_PAGES + 1)
    ]
    assert result.unread == 45 - 10 * MOST_PAGES
    assert result.matches[0].candidate.driver2_number == "60003"
    assert is_plausible(result.matches[0])
    assert (result.best, result.why_no_best) == (None, NoBestReason.UNREAD_HITS)
    assert result.kp_requests == 0  # a plausible candidate: KP is not asked


def test_with_hits_unread_an_equal_vat_number_is_still_the_best() -> None:
    record = SearchCriteria(last_name="Peeters", vat_number=VAT)
    hits = {"name=Peeters": [company(), *crowd(44, name="Peeters")]}
    sent, result = run(record, hits)
    assert sent[-1] == f"driver2 name=Peeters page={MOST_PAGES}"
    assert result.unread == 45 - 10 * MOST_PAGES
    assert result.best is not None
    assert result.best.driver2_number == "30001"


# --- the budget ------------------------------------------------------------------------------


def test_a_record_costs_at_most_its_driver2_budget_every_page_counted() -> None:
    strangers = crowd(45)
    sent, result = run(
        EVERY_CRITERION, Finding(lambda search: [] if "nachname=" in search else strangers)
    )
    driver2 = [ask for ask in sent if ask.startswith("driver2 ")]
    assert len(driver2) == result.driver2_requests == MOST_DRIVER2_REQUESTS
    assert sent.index(driver2[-1]) == len(driver2) - 1  # Driver2 first, then KP
    assert result.kp_requests > 0  # nobody plausible: KP asked, though Driver2's budget is spent


def test_a_record_costs_at_most_its_kp_budget_every_page_counted() -> None:
    strangers = kp_crowd(45)
    sent, result = run(GODERIS, Finding(lambda search: strangers if "nachname=" in search else []))
    assert sum(ask.startswith("kp ") for ask in sent) == result.kp_requests == MOST_KP_REQUESTS
    assert result.unread > 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records().filter(lambda record: not record.is_empty()), st.data())
def test_no_record_costs_more_than_its_budget_whatever_the_services_hold(
    record: SearchCriteria, data: st.DataObject
) -> None:
    """`run` checks the budgets, that no page is asked twice, and that the result counts asks."""
    sent, result = run(record, DrawnHits(data))
    assert len(set(result.blocks)) == len(result.blocks)
    assert {wire(query) for query in result.blocks} == {ask for ask in sent if " page=" not in ask}
    assert result.total == len(result.candidates) == len(result.matches)
    assert list(result.candidates) == [found.candidate for found in result.matches]


# --- how common the last name is ------------------------------------------------------------

FRANK: Final = private_peeters() | {
    "firstName": "Frank",
    "address": customer()["address"] | {"postcode": "2500"},
}
"""Frank Peeters, 30002, of 2500 Lier: a namesake of the Frank Peeters of 9000 Gent, or him."""
FRANK_PEETERS: Final = SearchCriteria(last_name="Peeters", first_name="Frank", postcode="9000")


@pytest.mark.parametrize(("namesakes", "best"), [(60, None), (1, "30002")], ids=["common", "rare"])
def test_the_namesakes_are_counted_once_when_the_verdict_depends_on_how_common_the_name_is(
    namesakes: int, best: str | None
) -> None:
    census = [FRANK, *crowd(namesakes - 1, name="Peeters")]
    sent, result = run(FRANK_PEETERS, {"name=Pe firstName=Fra": [FRANK], "name=Peeters": census})
    assert sent.count("driver2 name=Peeters") == 1
    assert dict(result.counts) == {"last_name": namesakes}
    frank = next(m for m in result.matches if m.candidate.driver2_number == "30002")
    assert f"last_name equal ({namesakes} share it)" in frank.reasons
    assert (result.best.driver2_number if result.best else None) == best


def test_a_common_namesake_elsewhere_is_no_one_plausible_and_kp_is_asked() -> None:
    census = [FRANK, *crowd(59, name="Peeters")]
    sent, result = run(FRANK_PEETERS, {"name=Pe firstName=Fra": [FRANK], "name=Peeters": census})
    assert not any(is_plausible(found) for found in result.matches)
    assert result.source is Source.KP
    assert "kp nachname=Peeters vorname=Frank plz=9000 kundenart=privat" in sent


@pytest.mark.parametrize(
    ("record", "hits"),
    [
        (GODERIS, {"name=God postcode=9000": [customer()]}),
        (
            SearchCriteria(last_name="Goderis", first_name="Sofie", postcode="9000"),
            {"name=God postcode=9000": [customer()]},
        ),
    ],
    ids=["clear whatever the count", "weak whatever the count"],
)
def test_the_namesakes_are_not_counted_when_the_verdict_does_not_depend_on_it(
    record: SearchCriteria, hits: Hits
) -> None:
    sent, result = run(record, hits)
    assert "driver2 name=Goderis" not in sent
    assert result.counts == ()
    assert not any("share it" in reason for m in result.matches for reason in m.reasons)


def test_a_last_name_searched_alone_is_not_searched_again_to_count_it() -> None:
    """Its first page said how many share it: asking again costs Driver2 a request for nothing."""
    record = MatchRecord(last_name="Goderis", street="Kortrijksesteenweg")
    sent, result = run(record, {"name=Goderis": [customer()]})  # run fails on an ask made twice
    assert sent == ["driver2 name=Goderis"]
    assert result.driver2_requests == 1


# --- KP, when Driver2 holds nobody plausible (R3-R7) -------------------------------------------


def test_r3_when_driver2_finds_nobody_kp_is_searched_with_the_criteria_it_takes() -> None:
    record = SearchCriteria(
        last_name="Goderis", first_name="Thiemen", postcode="9000", email="t@old.example"
    )
    sent, result = run(record, {KP_GODERIS.removeprefix("kp "): [person()]})
    assert sent[: len(every_block(record))] == every_block(record)
    assert sent[len(every_block(record))] == KP_GODERIS
    assert result.source is Source.KP
    assert result.kp_skipped_reason is None
    assert result.dropped_for_kp == ("email",)  # R7
    assert result.best is not None
    assert result.best.kp_id == "KP-0012345"
    assert result.query == PersonQuery(
        last_name="Goderis", first_name="Thiemen", postcode="9000", kind=PersonKind.PRIVATE
    )


def test_r3_kp_is_searched_when_driver2_found_only_candidates_who_are_not_the_person() -> None:
    sent, result = run(GODERIS, {"name=God postcode=9000": [namesake()]})
    driver2 = [m for m in result.matches if m.candidate.source is Source.DRIVER2]
    assert driver2
    assert not any(is_plausible(m) for m in driver2)
    assert KP_GODERIS in sent
    assert result.source is Source.KP


def test_kp_is_not_searched_when_a_driver2_candidate_is_plausible_though_not_the_best() -> None:
    sent, result = run(GODERIS, {"name=God postcode=9000": [customer(), duplicate()]})
    assert not any(ask.startswith("kp ") for ask in sent)
    assert (result.best, result.why_no_best) == (None, NoBestReason.TIE)
    assert is_plausible(result.matches[0])
    assert result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS
    assert result.source is Source.DRIVER2


def test_kps_candidates_join_driver2s_and_a_kp_only_person_is_the_best() -> None:
    hits = {
        "name=God postcode=9000": [namesake()],
        "name=Goderis": [namesake()],
        KP_GODERIS.removeprefix("kp "): [person()],
    }
    sent, result = run(GODERIS, hits)
    assert {(c.source, c.driver2_number or c.kp_id) for c in result.candidates} == {
        (Source.DRIVER2, "74051"),
        (Source.KP, "KP-0012345"),
    }
    assert result.source is Source.KP
    assert result.best is not None
    assert (result.best.source, result.best.kp_id) == (Source.KP, "KP-0012345")
    assert result.candidates[0] is result.best
    assert KP_GODERIS in sent


def test_a_kp_only_person_with_a_typo_early_in_the_last_name_is_the_best() -> None:
    record = SearchCriteria(last_name="Goedris", first_name="Thiemen", postcode="9000")
    sent, result = run(record, {"nachname=Go vorname=Thi plz=9000 kundenart=privat": [person()]})
    kp = [ask for ask in sent if ask.startswith("kp ")]
    assert kp == [
        "kp nachname=Goedris vorname=Thiemen plz=9000 kundenart=privat",  # the KP button's
        "kp nachname=Go vorname=Thi plz=9000 kundenart=privat",  # then clear
    ]
    assert result.best is not None
    assert (result.best.source, result.best.kp_id) == (Source.KP, "KP-0012345")


def test_r6_a_first_name_keeps_every_kp_search_to_private_persons() -> None:
    sent, _ = run(GODERIS, {})
    kp = [ask for ask in sent if ask.startswith("kp ")]
    assert kp
    assert all(ask.endswith("kundenart=privat") for ask in kp)


def test_r6_without_a_first_name_kp_searches_every_kind_of_person() -> None:
    sent, _ = run(SearchCriteria(last_name="Goderis", postcode="9000"), {})
    kp = [ask for ask in sent if ask.startswith("kp ")]
    assert kp
    assert not any("kundenart" in ask for ask in kp)


def test_r7_kp_is_sent_only_the_names_and_the_postcode() -> None:
    sent, result = run(EVERY_CRITERION, {})
    kp = [ask for ask in sent if ask.startswith("kp ")]
    assert kp
    names = {pair.split("=")[0] for ask in kp for pair in ask.split()[1:]}
    assert names <= {"nachname", "vorname", "plz", "kundenart"}
    assert result.dropped_for_kp == ("customer_number", "vat_number", "email", "phone", "country")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (SearchCriteria(email="thiemen.goderis@example.be"), KPSkipReason.NO_LAST_NAME),
        (SearchCriteria(first_name="Thiemen", postcode="9000"), KPSkipReason.NO_LAST_NAME),
        (SearchCriteria(last_name="G", postcode="9000"), KPSkipReason.LAST_NAME_TOO_SHORT),
    ],
    ids=["no last name", "first name and postcode", "one-letter last name"],
)
def test_r5_without_a_usable_last_name_kp_is_not_searched_and_the_result_says_why(
    record: SearchCriteria, reason: KPSkipReason
) -> None:
    sent, result = run(record, {})
    assert sent == every_block(record)
    assert result.kp_requests == 0
    assert result.source is Source.DRIVER2
    assert result.kp_skipped_reason is reason
    assert (result.total, result.candidates, result.best) == (0, (), None)
    assert result.why_no_best is NoBestReason.NOBODY_FOUND


def test_r3_when_kp_finds_nobody_either_the_result_is_kps_empty_answer() -> None:
    sent, result = run(GODERIS, {})
    assert sent[-1].startswith("kp ")
    assert (result.source, result.total, result.candidates) == (Source.KP, 0, ())
    assert result.kp_skipped_reason is None
    assert (result.best, result.why_no_best) == (None, NoBestReason.NOBODY_FOUND)


# --- errors and refusals ---------------------------------------------------------------------

DRIVER2_ERRORS: Final[dict[str, Callable[[], Driver2KPError]]] = {
    "timeout": lambda: RequestTimeoutError(
        "timed out", service="Driver2", endpoint="GET /customers"
    ),
    "server": lambda: ServerError(
        "503 Service Unavailable", service="Driver2", endpoint="GET /customers", status=503
    ),
    "authentication": lambda: AuthenticationError(
        "401 Unauthorized", service="Driver2", endpoint="GET /customers", status=401
    ),
}
CROWDED: Final = {"name=Pee postcode=2000": crowd(25, name="Peeters")}
"""A first block of three pages, and a narrower search: errors may come on any of them."""


@pytest.mark.parametrize("kind", DRIVER2_ERRORS)
@pytest.mark.parametrize(
    "answered", [0, 1, 2, 3], ids=["first search", "narrower", "second page", "third page"]
)
def test_r3_a_driver2_error_is_raised_as_it_came_and_kp_is_never_asked(
    kind: str, answered: int
) -> None:
    flow = match_flow(ANN_PEETERS)
    ask = asked(advance(flow))
    for _ in range(answered):
        ask = asked(advance(flow, answer(ask, CROWDED)))
    assert ask.source is Source.DRIVER2
    error = DRIVER2_ERRORS[kind]()
    with pytest.raises(Driver2KPError) as caught:
        advance(flow, error=error)
    assert caught.value is error
    assert getattr(error, "__notes__", []) == []
    assert isinstance(advance(flow), Finished)  # over: KP is never asked


@pytest.mark.parametrize("kp_answered", [0, 1, 2], ids=["first", "its second page", "second"])
def test_r3_a_kp_error_is_raised_with_a_note_that_driver2_held_nobody_plausible(
    kp_answered: int,
) -> None:
    hits = {KP_GODERIS.removeprefix("kp "): kp_crowd(11)}
    flow = match_flow(GODERIS)
    step = advance(flow)
    while asked(step).source is Source.DRIVER2:
        step = advance(flow, answer(asked(step), {}))
    for _ in range(kp_answered):
        step = advance(flow, answer(asked(step), hits))
    assert asked(step).source is Source.KP
    failure = ServerError("502 Bad Gateway", service="KP", endpoint="GET /personen", status=502)
    with pytest.raises(ServerError) as caught:
        advance(flow, error=failure)
    assert caught.value is failure
    assert KP_FAILED_NOTE in failure.__notes__


def test_a_match_with_empty_criteria_is_refused_before_any_ask() -> None:
    with pytest.raises(CriteriaError) as caught:
        advance(match_flow(SearchCriteria(last_name="  ")))
    assert caught.value.field == "criteria"


def test_a_match_of_something_else_than_criteria_is_refused_before_any_ask() -> None:
    with pytest.raises(CriteriaError) as caught:
        advance(match_flow("Goderis"))  # type: ignore[arg-type]
    assert caught.value.field == "criteria"


def test_a_record_given_only_a_mobile_number_is_matched_by_it() -> None:
    record = MatchRecord(last_name=None, mobile="0475 12 34 56")
    sent, result = run(record, {"phone=0475123456": [customer()]})
    assert sent == ["driver2 phone=0475123456"]
    assert [c.driver2_number for c in result.candidates] == ["74050"]


@pytest.mark.parametrize("role", ["insurer", PartyRole.EXPERT, "chauffeur"])
def test_r11_a_match_for_a_role_that_cannot_be_loaded_is_refused_before_any_ask(
    role: PartyRole | str,
) -> None:
    with pytest.raises(CriteriaError) as caught:
        advance(match_flow(GODERIS, role=role))
    assert caught.value.field == "role"


# --- the result -----------------------------------------------------------------------------


def test_r11_the_result_of_a_match_names_the_role() -> None:
    _, result = run(GODERIS, {"name=God postcode=9000": [customer()]}, role="Owner")
    assert result.role is PartyRole.OWNER


def test_the_blocks_of_the_result_are_every_search_sent_in_order() -> None:
    hits = {"name=Go firstName=Thi": [namesake()]}
    sent, result = run(GODERIS, hits)
    assert [wire(query) for query in result.blocks] == [ask for ask in sent if " page=" not in ask]


def test_the_blocks_list_a_narrower_search_after_the_one_it_narrows() -> None:
    hits = {
        "name=Pee postcode=2000": [*crowd(24, name="Peeters"), ANN],
        "name=Peeters postcode=2000": [ANN],
    }
    sent, result = run(ANN_PEETERS, hits)
    assert [wire(query) for query in result.blocks] == sent


def test_a_match_holds_every_candidate_found_once_ranked_and_has_no_further_pages() -> None:
    hits = {
        "name=God postcode=9000": [duplicate(), customer(), namesake()],
        "name=Go firstName=Thi": [namesake(), customer(), duplicate()],
    }
    _, result = run(GODERIS, hits)
    assert [c.driver2_number for c in result.candidates] == ["74050", "74052", "74051"]
    assert result.total == len(result.candidates) == 3
    assert list(result.candidates) == [found.candidate for found in result.matches]
    assert (result.page, result.pages) == (1, 1)
    assert further_pages(result) == []
    assert result.query == CustomerQuery(name="God", postcode="9000")
