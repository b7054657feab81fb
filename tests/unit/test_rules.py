"""The lookup rules R1-R12 as pure functions and sans-I/O flows, stepped by hand: no HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, timedelta, timezone
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driver2_kp import (
    AuthenticationError,
    BadRequestError,
    CriteriaError,
    Customer,
    CustomerPage,
    CustomerQuery,
    CustomerType,
    Driver2KPError,
    DuplicateCustomerError,
    FieldError,
    IdempotencyKeyReuseError,
    KPSalutation,
    LegalForm,
    Person,
    PersonKind,
    PersonPage,
    PersonQuery,
    RateLimitError,
    RequestTimeoutError,
    ResponseFormatError,
    ServerError,
    TransportError,
    ValidationError,
    Vehicle,
    VehicleNotFoundError,
)
from driver2_kp._candidate import Candidate
from driver2_kp._convert import read
from driver2_kp._criteria import SearchCriteria
from driver2_kp._flows import (
    Ask,
    Finished,
    LookupFlow,
    advance,
    later_pages,
    search_flow,
    search_kp_flow,
    select_flow,
    vehicle_flow,
)
from driver2_kp._party import (
    Party,
    PartyRole,
    Source,
    new_customer_from_person,
    party_from_customer,
    party_from_person,
)
from driver2_kp._results import KPSkipReason, SearchResult, Selection, Step
from driver2_kp._rules import (
    apply_vehicle_parties,
    candidates_of,
    check_role,
    driver2_query,
    dropped_for_kp,
    import_key,
    kp_query,
    vehicle_parties_of,
)
from driver2_kp.matching._flow import match_flow
from tests._contract import customer, person, vehicle

T = TypeVar("T")

KP_PARAMETERS = {"nachname", "vorname", "plz", "kundenart", "limit", "offset"}

# Every criterion of the form, valid, each with its CustomerQuery field and normalised value.
ALL_CRITERIA = SearchCriteria(
    customer_number="74050",
    vat_number="BE 0403.019.261",
    last_name="Goderis",
    first_name="Thiemen",
    email="thiemen.goderis@example.be",
    phone="0475 12 34 56",
    postcode="9000",
    country="be",
)


# --- building records from the contracts' examples -------------------------------------


def make_customer(**wire: Any) -> Customer:
    """The Customer example of driver2-api.md, with some wire fields changed."""
    return read(
        customer() | wire, Customer, service="Driver2", endpoint="GET /customers/{customerNumber}"
    )


def make_person(**wire: Any) -> Person:
    """The Person example of kp-api.md, with some wire (German) fields changed."""
    return read(person() | wire, Person, service="KP", endpoint="GET /personen/{kpId}")


def business_person() -> Person:
    """A KP business with a VAT number and a contact person."""
    return make_person(
        kpId="KP-0020002",
        kundenart="gewerblich",
        anrede="Firma",
        firma="Peeters Bouw BV",
        nachname="Peeters",
        vorname="Ann",
        ustIdNr="BE0403019261",
        plz="2000",
        ort="Antwerpen",
    )


def found(*items: Customer) -> CustomerPage:
    """Driver2's answer to a search: one page holding ``items``."""
    total_pages = 1 if items else 0
    return CustomerPage(
        items=items, page=1, page_size=10, total_items=len(items), total_pages=total_pages
    )


def kp_found(*items: Person, total: int | None = None) -> PersonPage:
    """KP's answer to a search: the first slice, holding ``items``."""
    total = len(items) if total is None else total
    return PersonPage(items=items, total=total, limit=10, offset=0)


# --- errors, fresh for each use (a thrown error collects notes and a traceback) ---------


ErrorFactory = Callable[[str], Driver2KPError]
"""Makes an error of a Driver2 call to the endpoint given."""

ERRORS: dict[str, ErrorFactory] = {
    "server": lambda endpoint: ServerError(
        "503 Service Unavailable", service="Driver2", endpoint=endpoint, status=503
    ),
    "timeout": lambda endpoint: RequestTimeoutError(
        "timed out", service="Driver2", endpoint=endpoint
    ),
    "transport": lambda endpoint: TransportError(
        "no usable answer (ConnectError)", service="Driver2", endpoint=endpoint
    ),
    "rate_limit": lambda endpoint: RateLimitError(
        "429 Too Many Requests", retry_after=600, service="Driver2", endpoint=endpoint, status=429
    ),
    "response_format": lambda endpoint: ResponseFormatError(
        "the answer is not JSON (text/html)", service="Driver2", endpoint=endpoint
    ),
    "validation": lambda endpoint: ValidationError(
        "422 Unprocessable Entity (validation): invalid address.postcode",
        errors=(FieldError("address.postcode", "is not a Belgian postcode"),),
        service="Driver2",
        endpoint=endpoint,
        status=422,
        code="validation",
    ),
    "authentication": lambda endpoint: AuthenticationError(
        "401 Unauthorized", service="Driver2", endpoint=endpoint, status=401
    ),
    "bad_request": lambda endpoint: BadRequestError(
        "400 Bad Request", service="Driver2", endpoint=endpoint, status=400
    ),
    "idempotency_key_reuse": lambda endpoint: IdempotencyKeyReuseError(
        "409 Conflict (idempotency-key-reuse)",
        service="Driver2",
        endpoint=endpoint,
        status=409,
        code="idempotency-key-reuse",
    ),
}
# Driver2 down, too slow or broken: its error is raised, never replaced by KP (R3).
UNAVAILABLE = ["server", "timeout", "transport", "rate_limit", "response_format"]
# The caller's to fix: raised, never hidden behind a KP search.
REFUSED = ["authentication", "bad_request"]


def kp_error() -> Driver2KPError:
    return ServerError("502 Bad Gateway", service="KP", endpoint="GET /personen", status=502)


def duplicate(number: str | None) -> DuplicateCustomerError:
    return DuplicateCustomerError(
        "409 Conflict (duplicate)",
        existing_customer_number=number,
        service="Driver2",
        endpoint="POST /customers",
        status=409,
        code="duplicate",
    )


# --- stepping flows ------------------------------------------------------------------


def asked(step: Ask[Any] | Finished[Any]) -> Ask[Any]:
    assert isinstance(step, Ask), f"expected an Ask, the flow ended with {step!r}"
    return step


def finished(step: Ask[Any] | Finished[Any], kind: type[T]) -> T:
    assert isinstance(step, Finished), f"expected the end, the flow asked {step!r}"
    assert isinstance(step.value, kind)
    return step.value


def params(ask: Ask[Any]) -> dict[str, str]:
    return dict(ask.operation.call.params)


def search(
    criteria: SearchCriteria, answer: CustomerPage
) -> tuple[LookupFlow[Any], Ask[Any] | Finished[Any]]:
    """Start a search, answer Driver2's ask, and give the flow and what it does next."""
    flow = search_flow(criteria)
    first = asked(advance(flow))
    assert (first.source, first.step) == (Source.DRIVER2, Step.SEARCH_DRIVER2)
    return flow, advance(flow, answer)


def kp_candidate(record: Person) -> Candidate:
    (candidate,) = candidates_of(kp_found(record))
    return candidate


def start_import(record: Person) -> tuple[LookupFlow[Any], Ask[Any]]:
    """Select a KP candidate; give the flow and its import ask."""
    flow = select_flow(kp_candidate(record))
    ask = asked(advance(flow))
    assert (ask.source, ask.step) == (Source.DRIVER2, Step.IMPORT)
    return flow, ask


# --- R1 Driver2 first --------------------------------------------------------------------


def test_r1_every_criterion_goes_to_its_driver2_query_field() -> None:
    assert attrs.asdict(driver2_query(ALL_CRITERIA)) == {
        "customer_number": "74050",
        "vat_number": "BE0403019261",
        "name": "Goderis",
        "first_name": "Thiemen",
        "email": "thiemen.goderis@example.be",
        "phone": "0475123456",
        "postcode": "9000",
        "country": "BE",
    }


@pytest.mark.parametrize(
    ("criterion", "value", "query_field"),
    [
        ("customer_number", "74050", "customer_number"),
        ("vat_number", "BE0403019261", "vat_number"),
        ("last_name", "Goderis", "name"),
        ("first_name", "Thiemen", "first_name"),
        ("email", "thiemen.goderis@example.be", "email"),
        ("phone", "0475123456", "phone"),
        ("postcode", "9000", "postcode"),
        ("country", "BE", "country"),
    ],
)
def test_r1_a_single_criterion_is_the_only_field_of_the_driver2_query(
    criterion: str, value: str, query_field: str
) -> None:
    query = driver2_query(SearchCriteria(**{criterion: value}))
    set_fields = {name: v for name, v in attrs.asdict(query).items() if v is not None}
    assert set_fields == {query_field: value}


def test_r1_the_first_ask_of_a_search_sends_every_criterion_to_driver2() -> None:
    ask = asked(advance(search_flow(ALL_CRITERIA)))
    assert (ask.source, ask.step) == (Source.DRIVER2, Step.SEARCH_DRIVER2)
    assert (ask.operation.call.method, ask.operation.call.path) == ("GET", "/customers")
    assert params(ask) == {
        "customerNumber": "74050",
        "vatNumber": "BE0403019261",
        "name": "Goderis",
        "firstName": "Thiemen",
        "email": "thiemen.goderis@example.be",
        "phone": "0475123456",
        "postcode": "9000",
        "country": "BE",
        "page": "1",
    }


def test_r1_empty_criteria_are_refused_naming_criteria() -> None:
    with pytest.raises(CriteriaError) as caught:
        driver2_query(SearchCriteria())
    assert caught.value.field == "criteria"


def test_r1_a_search_with_empty_criteria_is_refused_before_any_ask() -> None:
    with pytest.raises(CriteriaError) as caught:
        advance(search_flow(SearchCriteria(last_name="   ")))
    assert caught.value.field == "criteria"


@pytest.mark.parametrize("page", [0, -1])
def test_a_search_for_a_page_below_1_is_refused_before_any_ask(page: int) -> None:
    with pytest.raises(CriteriaError) as caught:
        advance(search_flow(SearchCriteria(last_name="Goderis"), page=page))
    assert caught.value.field == "page"


# --- R2 Paging ---------------------------------------------------------------------------


def driver2_page(number: int, of: int) -> CustomerPage:
    items = (make_customer(),) * 10
    return CustomerPage(items=items, page=number, page_size=10, total_items=10 * of, total_pages=of)


def kp_slice(offset: int, count: int, total: int) -> PersonPage:
    return PersonPage(items=(make_person(),) * count, total=total, limit=10, offset=offset)


def test_r2_after_driver2_page_1_of_3_come_pages_2_and_3_with_the_same_criteria() -> None:
    query = CustomerQuery(name="Peeters", postcode="2000")
    asks = later_pages(query, driver2_page(1, of=3))
    assert [(ask.source, ask.step) for ask in asks] == [(Source.DRIVER2, Step.NEXT_PAGE)] * 2
    assert [ask.operation.call.params for ask in asks] == [
        (("name", "Peeters"), ("postcode", "2000"), ("page", "2")),
        (("name", "Peeters"), ("postcode", "2000"), ("page", "3")),
    ]


def test_r2_after_the_last_driver2_page_comes_nothing() -> None:
    assert later_pages(CustomerQuery(name="Peeters"), driver2_page(3, of=3)) == []
    assert later_pages(CustomerQuery(name="Peeters"), found()) == []


def test_r2_after_a_kp_slice_come_the_next_tens_from_where_it_ended() -> None:
    query = PersonQuery(last_name="Peeters", postcode="2000")
    asks = later_pages(query, kp_slice(offset=0, count=10, total=25))
    assert [(ask.source, ask.step) for ask in asks] == [(Source.KP, Step.NEXT_PAGE)] * 2
    assert [params(ask) for ask in asks] == [
        {"nachname": "Peeters", "plz": "2000", "limit": "10", "offset": "10"},
        {"nachname": "Peeters", "plz": "2000", "limit": "10", "offset": "20"},
    ]


def test_r2_after_the_last_kp_slice_comes_nothing() -> None:
    query = PersonQuery(last_name="Peeters")
    assert later_pages(query, kp_slice(offset=20, count=5, total=25)) == []
    assert later_pages(query, kp_slice(offset=0, count=0, total=0)) == []


def test_r2_a_page_of_one_source_is_never_continued_with_the_query_of_the_other() -> None:
    assert later_pages(PersonQuery(last_name="Peeters"), driver2_page(1, of=3)) == []
    assert later_pages(CustomerQuery(name="Peeters"), kp_slice(0, 10, 25)) == []


def test_r2_search_page_2_asks_driver2_for_page_2() -> None:
    ask = asked(advance(search_flow(SearchCriteria(last_name="Peeters"), page=2)))
    assert params(ask)["page"] == "2"


def test_r2_the_kp_fallback_for_page_2_asks_kp_for_persons_10_to_19() -> None:
    flow = search_flow(SearchCriteria(last_name="Peeters"), page=2)
    asked(advance(flow))
    kp_ask = asked(advance(flow, found()))
    assert (params(kp_ask)["limit"], params(kp_ask)["offset"]) == ("10", "10")


# --- R3 Automatic KP fallback --------------------------------------------------------------


def test_r3_when_driver2_finds_customers_kp_is_not_searched() -> None:
    criteria = SearchCriteria(last_name="Goderis", email="thiemen.goderis@example.be")
    _, step = search(criteria, found(make_customer()))
    result = finished(step, SearchResult)
    assert result.source is Source.DRIVER2
    assert result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS
    assert (result.total, result.page, result.pages) == (1, 1, 1)
    assert [c.driver2_number for c in result.candidates] == ["74050"]
    assert result.dropped_for_kp == ()


def test_r3_when_driver2_finds_nobody_and_a_last_name_is_given_kp_is_searched() -> None:
    criteria = SearchCriteria(last_name="Goderis", email="thiemen.goderis@example.be")
    flow, step = search(criteria, found())
    kp_ask = asked(step)
    assert (kp_ask.source, kp_ask.step) == (Source.KP, Step.SEARCH_KP)
    assert (kp_ask.operation.call.method, kp_ask.operation.call.path) == ("GET", "/personen")

    result = finished(advance(flow, kp_found(make_person())), SearchResult)
    assert result.source is Source.KP
    assert result.kp_skipped_reason is None
    assert result.dropped_for_kp == ("email",)
    assert result.query == PersonQuery(last_name="Goderis")
    assert [(c.source, c.kp_id) for c in result.candidates] == [(Source.KP, "KP-0012345")]


@pytest.mark.parametrize(
    ("criteria", "reason"),
    [
        (SearchCriteria(email="thiemen.goderis@example.be"), KPSkipReason.NO_LAST_NAME),
        (SearchCriteria(first_name="Thiemen", postcode="9000"), KPSkipReason.NO_LAST_NAME),
        (SearchCriteria(last_name="G"), KPSkipReason.LAST_NAME_TOO_SHORT),
    ],
)
def test_r3_without_a_usable_last_name_kp_is_not_searched_and_the_result_says_why(
    criteria: SearchCriteria, reason: KPSkipReason
) -> None:
    _, step = search(criteria, found())
    result = finished(step, SearchResult)
    assert result.source is Source.DRIVER2
    assert result.total == 0
    assert result.kp_skipped_reason is reason


@pytest.mark.parametrize("kind", [*UNAVAILABLE, *REFUSED])
@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(last_name="Goderis", postcode="9000"),
        SearchCriteria(email="thiemen.goderis@example.be"),
        SearchCriteria(last_name="G"),
    ],
    ids=["kp could be searched", "no last name", "one-letter last name"],
)
def test_r3_when_driver2_cannot_answer_its_error_is_raised_and_kp_is_never_asked(
    kind: str, criteria: SearchCriteria
) -> None:
    error = ERRORS[kind]("GET /customers")
    flow = search_flow(criteria)
    asked(advance(flow))
    with pytest.raises(Driver2KPError) as caught:
        advance(flow, error=error)
    assert caught.value is error


@pytest.mark.parametrize("kind", REFUSED)
def test_r3_a_refused_driver2_search_is_raised_and_never_falls_back_on_kp(kind: str) -> None:
    error = ERRORS[kind]("GET /customers")
    flow = search_flow(SearchCriteria(last_name="Goderis"))
    asked(advance(flow))
    with pytest.raises(Driver2KPError) as caught:
        advance(flow, error=error)
    assert caught.value is error


def test_r3_when_the_automatic_kp_search_fails_its_error_is_raised_with_a_note() -> None:
    criteria = SearchCriteria(last_name="Goderis", phone="0475123456")
    flow, step = search(criteria, found())
    asked(step)
    failure = kp_error()
    with pytest.raises(ServerError) as caught:
        advance(flow, error=failure)
    assert caught.value is failure
    assert any("Driver2 answered and found nobody" in note for note in caught.value.__notes__)


def test_r3_a_page_beyond_the_last_is_named_in_the_message() -> None:
    refused = BadRequestError(
        "400 Bad Request (bad-request)",
        service="Driver2",
        endpoint="GET /customers",
        status=400,
        code="bad-request",
    )
    flow = search_flow(SearchCriteria(last_name="Goderis"), page=99)
    asked(advance(flow))
    first_page = asked(advance(flow, error=refused))
    assert params(first_page)["page"] == "1"
    with pytest.raises(BadRequestError, match="page 99 of 1") as caught:
        advance(flow, found(make_customer()))
    assert caught.value.__cause__ is refused


def test_r3_another_bad_request_for_a_later_page_is_raised_as_it_came() -> None:
    refused = BadRequestError(
        "400 Bad Request", service="Driver2", endpoint="GET /customers", status=400
    )
    flow = search_flow(SearchCriteria(last_name="Goderis"), page=2)
    asked(advance(flow))
    asked(advance(flow, error=refused))
    with pytest.raises(BadRequestError) as caught:
        advance(
            flow,
            CustomerPage(
                items=(make_customer(),), page=1, page_size=10, total_items=12, total_pages=2
            ),
        )
    assert caught.value is refused


# --- R4/R5 Explicit KP search, which needs a last name --------------------------------------


def test_r4_the_kp_button_searches_kp_with_the_same_criteria() -> None:
    flow = search_kp_flow(ALL_CRITERIA, role=PartyRole.OWNER)
    ask = asked(advance(flow))
    assert (ask.source, ask.step) == (Source.KP, Step.SEARCH_KP)
    result = finished(advance(flow, kp_found(make_person(), total=12)), SearchResult)
    assert (result.source, result.total, result.pages, result.role) == (
        Source.KP,
        12,
        2,
        PartyRole.OWNER,
    )
    assert result.dropped_for_kp == ("customer_number", "vat_number", "email", "phone", "country")


def test_r4_a_kp_error_of_the_kp_button_is_raised() -> None:
    flow = search_kp_flow(SearchCriteria(last_name="Goderis"))
    asked(advance(flow))
    failure = kp_error()
    with pytest.raises(ServerError) as caught:
        advance(flow, error=failure)
    assert caught.value is failure


@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(email="thiemen.goderis@example.be", postcode="9000"),
        SearchCriteria(first_name="Thiemen"),
        SearchCriteria(last_name="G", first_name="Thiemen"),
    ],
    ids=["no last name", "first name only", "one-letter last name"],
)
def test_r5_a_kp_search_without_a_usable_last_name_is_refused_before_any_ask(
    criteria: SearchCriteria,
) -> None:
    flow = search_kp_flow(criteria)
    with pytest.raises(CriteriaError) as caught:
        advance(flow)
    assert caught.value.field == "last_name"
    assert str(caught.value).startswith("last_name: KP needs a last name")


# --- R6 First name means private persons ---------------------------------------------------


def test_r6_a_first_name_restricts_kp_to_private_persons() -> None:
    query = kp_query(SearchCriteria(last_name="Goderis", first_name="Thiemen"))
    assert query.kind is PersonKind.PRIVATE
    ask = asked(advance(search_kp_flow(SearchCriteria(last_name="Goderis", first_name="T"))))
    assert params(ask)["kundenart"] == "privat"


def test_r6_without_a_first_name_kp_searches_every_kind() -> None:
    assert kp_query(SearchCriteria(last_name="Goderis", postcode="9000")).kind is None
    ask = asked(advance(search_kp_flow(SearchCriteria(last_name="Goderis"))))
    assert "kundenart" not in params(ask)


# --- R7 Only postcode is forwarded ---------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "dropped"),
    [
        (ALL_CRITERIA, ("customer_number", "vat_number", "email", "phone", "country")),
        (SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="9000"), ()),
        (SearchCriteria(country="BE", last_name="Goderis", email="a@b.be"), ("email", "country")),
        (SearchCriteria(vat_number="BE0403019261"), ("vat_number",)),
    ],
)
def test_r7_dropped_for_kp_lists_every_other_criterion_in_the_forms_order(
    criteria: SearchCriteria, dropped: tuple[str, ...]
) -> None:
    assert dropped_for_kp(criteria) == dropped


def test_r7_the_kp_ask_holds_only_last_name_first_name_postcode_and_paging() -> None:
    flow, step = search(ALL_CRITERIA, found())
    kp_ask = asked(step)
    assert set(params(kp_ask)) <= KP_PARAMETERS
    assert params(kp_ask) == {
        "nachname": "Goderis",
        "vorname": "Thiemen",
        "plz": "9000",
        "kundenart": "privat",
        "limit": "10",
        "offset": "0",
    }
    result = finished(advance(flow, kp_found()), SearchResult)
    assert result.dropped_for_kp == dropped_for_kp(ALL_CRITERIA)
    assert result.query == PersonQuery(
        last_name="Goderis", first_name="Thiemen", postcode="9000", kind=PersonKind.PRIVATE
    )


# --- R8 Selecting a KP result imports it into Driver2, idempotently ------------------------------


def test_r8_the_import_key_depends_only_on_the_new_customer() -> None:
    new = new_customer_from_person(make_person())
    assert import_key(new) == import_key(new_customer_from_person(make_person()))
    assert import_key(new) != import_key(attrs.evolve(new, email="other@example.be"))
    assert import_key(new) != import_key(new_customer_from_person(make_person(plz="9050")))


def test_r8_selecting_a_kp_person_posts_it_to_driver2_under_its_import_key() -> None:
    record = make_person()
    _, ask = start_import(record)
    call = ask.operation.call
    assert (call.method, call.path) == ("POST", "/customers")
    assert call.headers["Idempotency-Key"] == import_key(new_customer_from_person(record))
    assert isinstance(call.json, dict)
    assert call.json["kpReference"] == "KP-0012345"


def test_r8_selecting_the_same_person_twice_sends_the_same_import_key() -> None:
    _, first = start_import(make_person())
    _, again = start_import(make_person())
    assert first.operation.call.headers == again.operation.call.headers


def test_r8_a_successful_import_gives_the_party_its_new_driver2_number() -> None:
    record = make_person()
    flow, _ = start_import(record)
    created = make_customer(customerNumber="100001", kpReference="KP-0012345")
    selection = finished(advance(flow, created), Selection)
    assert selection.imported is True
    assert selection.import_error is None
    assert selection.customer == created
    assert selection.party == attrs.evolve(party_from_person(record), driver2_number="100001")


def test_r8_a_duplicate_fetches_the_existing_customer_and_counts_as_imported() -> None:
    record = make_person()
    flow, _ = start_import(record)
    fetch = asked(advance(flow, error=duplicate("74050")))
    assert (fetch.source, fetch.step) == (Source.DRIVER2, Step.FETCH_EXISTING)
    assert (fetch.operation.call.method, fetch.operation.call.path) == ("GET", "/customers/74050")

    existing = make_customer(kpReference="KP-0012345")
    selection = finished(advance(flow, existing), Selection)
    assert selection.imported is True
    assert selection.customer == existing
    assert selection.import_error is None
    assert selection.party.driver2_number == "74050"
    assert selection.party.source is Source.KP


def test_r8_a_duplicate_without_the_existing_number_is_an_import_error() -> None:
    record = make_person()
    flow, _ = start_import(record)
    conflict = duplicate(None)
    selection = finished(advance(flow, error=conflict), Selection)
    assert selection.imported is False
    assert selection.import_error is conflict
    assert selection.customer is None
    assert selection.party == party_from_person(record)


def test_r8_a_duplicate_whose_fetch_fails_keeps_the_existing_number_and_the_error() -> None:
    record = make_person()
    flow, _ = start_import(record)
    asked(advance(flow, error=duplicate("74050")))
    failure = ERRORS["timeout"]("GET /customers/{customerNumber}")
    selection = finished(advance(flow, error=failure), Selection)
    assert selection.import_error is failure
    assert selection.customer is None
    assert selection.party == attrs.evolve(party_from_person(record), driver2_number="74050")


def test_r9_a_duplicate_naming_a_malformed_number_still_gives_the_kp_party() -> None:
    record = make_person()
    flow, _ = start_import(record)
    conflict = duplicate("A-74050")
    selection = finished(advance(flow, error=conflict), Selection)
    assert selection.imported is False
    assert selection.import_error is conflict
    assert selection.party == party_from_person(record)


def test_selecting_a_driver2_candidate_asks_nothing() -> None:
    record = make_customer()
    (candidate,) = candidates_of(found(record))
    selection = finished(advance(select_flow(candidate)), Selection)
    assert selection.party == party_from_customer(record)
    assert selection.customer is record
    assert (selection.imported, selection.import_error) == (False, None)


# --- R9 Import failure loses nothing -----------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_r9_any_import_failure_still_gives_the_party_of_the_kp_data(kind: str) -> None:
    record = business_person()
    flow, _ = start_import(record)
    failure = ERRORS[kind]("POST /customers")
    selection = finished(advance(flow, error=failure), Selection)
    assert selection.imported is False
    assert selection.import_error is failure
    assert selection.customer is None
    assert selection.party == party_from_person(record)


_CHANGED_AT_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]
)
_optional_texts = st.none() | st.text(max_size=20)
_house_numbers = st.one_of(
    st.none(),
    st.sampled_from(
        ["12", "112 B", "7 bus 3", "12/4", "3 bte 2", "Kasteel", "12 Bus 3", "4 bte. 1", "9 Box"]
    ),
    st.from_regex(
        r"[1-9][0-9]{0,3}( ?[A-Z]{1,2}| (bus|bte|box) [0-9]{1,3}|/[0-9])?", fullmatch=True
    ),
    st.text(max_size=12),
)


@st.composite
def kp_persons(draw: st.DrawFn) -> Person:
    """Any KP person the contract allows: a company and no last name only for a business."""
    kind = draw(st.sampled_from(PersonKind))
    business = kind is PersonKind.BUSINESS
    return Person(
        kp_id=draw(st.from_regex(r"KP-[0-9]{7}", fullmatch=True)),
        kind=kind,
        country=draw(st.sampled_from(["BE", "NL", "DE", "FR", "LU"])),
        language=draw(st.sampled_from(["nl", "fr", "de", "en"])),
        changed_at=draw(st.datetimes(timezones=_CHANGED_AT_ZONES)),
        salutation=draw(st.none() | st.sampled_from(KPSalutation)),
        last_name=draw(_optional_texts if business else st.text(min_size=1, max_size=20)),
        first_name=draw(_optional_texts),
        company=draw(_optional_texts) if business else None,
        street=draw(_optional_texts),
        house_number=draw(_house_numbers),
        address_line2=draw(_optional_texts),
        postcode=draw(st.none() | st.sampled_from(["9000", "2000", "1000", "75001"]) | st.text()),
        city=draw(_optional_texts),
        phone=draw(_optional_texts),
        mobile=draw(_optional_texts),
        fax=draw(_optional_texts),
        email=draw(_optional_texts),
        vat_number=draw(st.none() | st.from_regex(r"BE0[0-9]{9}", fullmatch=True) | st.text()),
    )


_SALUTATIONS = {
    KPSalutation.HERR: {"nl": "De heer", "fr": "Monsieur", "de": "Herr", "en": "Mr"},
    KPSalutation.FRAU: {"nl": "Mevrouw", "fr": "Madame", "de": "Frau", "en": "Ms"},
}
"""The spec's table of salutations by language; ``Firma`` and none have none."""
_FORMS = {
    PersonKind.PRIVATE: (LegalForm.NATURAL_PERSON, CustomerType.PRIVATE),
    PersonKind.BUSINESS: (LegalForm.LEGAL_ENTITY, CustomerType.BUSINESS),
}
_BOX_SPELLING = re.compile(r"\s|/|\.|bus|bte|boîte|box", re.IGNORECASE)


def _number_and_box(text: str) -> str:
    """A house number's digits and box letters, without spaces, slashes and box words."""
    return _BOX_SPELLING.sub("", text)


def _house_number_kept(p: Person, party: Party) -> bool:
    if p.house_number is None:
        return party.house_number is None and party.box is None
    if party.house_number is None:
        return False
    reassembled = party.house_number + (party.box or "")
    return _number_and_box(reassembled) == _number_and_box(p.house_number)


def _private(p: Person) -> bool:
    return p.kind is PersonKind.PRIVATE


def _in_contact(value: str | None, party: Party) -> bool:
    return (value or "") in (party.contact_person or "")


# Where each KP field shows in the party made from it (R9). A Person field missing here
# fails test_r9_the_survival_table_covers_every_person_field.
SURVIVES_AS: dict[str, Callable[[Person, Party], bool]] = {
    "kp_id": lambda p, party: party.kp_id == p.kp_id,
    "kind": lambda p, party: (party.legal_form, party.customer_type) == _FORMS[p.kind],
    "country": lambda p, party: (
        party.country == p.country and party.language.endswith(f"-{p.country}")
    ),
    "language": lambda p, party: party.language.startswith(f"{p.language}-"),
    "changed_at": lambda p, party: party.record == p,  # not on the form: kept in the record
    "salutation": lambda p, party: (
        party.salutation == _SALUTATIONS.get(p.salutation or KPSalutation.FIRMA, {}).get(p.language)
    ),
    "last_name": lambda p, party: (
        party.name == p.last_name if _private(p) else _in_contact(p.last_name, party)
    ),
    "first_name": lambda p, party: (
        party.first_name == p.first_name if _private(p) else _in_contact(p.first_name, party)
    ),
    "company": lambda p, party: not p.company or party.name == p.company,
    "street": lambda p, party: party.street == p.street,
    "house_number": _house_number_kept,
    "address_line2": lambda p, party: party.address_line2 == p.address_line2,
    "postcode": lambda p, party: party.postcode == p.postcode,
    "city": lambda p, party: party.city == p.city,
    "phone": lambda p, party: party.phone == p.phone,
    "mobile": lambda p, party: party.mobile == p.mobile,
    "fax": lambda p, party: party.fax == p.fax,
    "email": lambda p, party: party.email == p.email,
    "vat_number": lambda p, party: (
        party.vat_number == p.vat_number and party.vat_liable == (p.vat_number is not None)
    ),
}


def test_r9_the_survival_table_covers_every_person_field() -> None:
    assert set(SURVIVES_AS) == {field.name for field in attrs.fields(Person)}


@settings(max_examples=100, deadline=None)
@given(kp_persons())
def test_r9_no_kp_field_is_lost_when_the_import_fails(record: Person) -> None:
    flow, _ = start_import(record)
    failure = ERRORS["server"]("POST /customers")
    selection = finished(advance(flow, error=failure), Selection)
    assert selection.imported is False
    assert selection.import_error is failure
    party = selection.party
    assert party.source is Source.KP
    assert party.record is record
    lost = [name for name, kept in SURVIVES_AS.items() if not kept(record, party)]
    assert lost == [], f"lost {lost} in {attrs.asdict(party, recurse=False)}"


def test_r9_a_business_keeps_its_company_as_name_and_its_contact_person() -> None:
    flow, _ = start_import(business_person())
    party = finished(advance(flow, error=ERRORS["validation"]("POST /customers")), Selection).party
    assert (party.name, party.first_name, party.contact_person) == (
        "Peeters Bouw BV",
        None,
        "Ann Peeters",
    )
    assert (party.street, party.house_number, party.box) == ("Kortrijksesteenweg", "112", "B")


# --- R10 VAT never goes to Driver2 --------------------------------------------------------------


def _keys(value: object) -> set[str]:
    """Every key of a JSON value, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_r10_the_import_sends_no_vat_number_even_when_kp_has_one() -> None:
    record = business_person()
    assert record.vat_number == "BE0403019261"
    _, ask = start_import(record)
    body = ask.operation.call.json
    assert isinstance(body, dict)
    assert "vatNumber" not in _keys(body)
    assert "BE0403019261" not in repr(body)
    assert body["vatLiable"] is True


def test_r10_the_party_keeps_the_vat_number_after_a_successful_import() -> None:
    flow, _ = start_import(business_person())
    created = make_customer(customerNumber="100002", vatNumber=None, kpReference="KP-0020002")
    selection = finished(advance(flow, created), Selection)
    assert selection.imported is True
    assert (selection.party.vat_number, selection.party.vat_liable) == ("BE0403019261", True)
    assert selection.party.driver2_number == "100002"


def test_r10_the_party_keeps_the_vat_number_after_a_failed_import() -> None:
    flow, _ = start_import(business_person())
    selection = finished(advance(flow, error=ERRORS["validation"]("POST /customers")), Selection)
    assert selection.imported is False
    assert (selection.party.vat_number, selection.party.vat_liable) == ("BE0403019261", True)


# --- R11 Roles -------------------------------------------------------------------------------

NOT_LOADABLE = [role for role in PartyRole if not role.loadable]


def test_r11_four_roles_cannot_be_loaded() -> None:
    assert set(NOT_LOADABLE) == {
        PartyRole.INSURER,
        PartyRole.EXPERT,
        PartyRole.REPAIRER,
        PartyRole.BROKER,
    }


@pytest.mark.parametrize("role", NOT_LOADABLE)
def test_r11_a_role_that_cannot_be_loaded_is_refused_naming_role(role: PartyRole) -> None:
    with pytest.raises(CriteriaError) as caught:
        check_role(role)
    assert caught.value.field == "role"
    assert role.value in str(caught.value)


@pytest.mark.parametrize("role", [None, *(r for r in PartyRole if r.loadable)])
def test_r11_the_loadable_roles_and_no_role_are_accepted(role: PartyRole | None) -> None:
    check_role(role)
    ask = asked(advance(search_flow(SearchCriteria(last_name="Goderis"), role=role)))
    assert ask.step is Step.SEARCH_DRIVER2


@pytest.mark.parametrize("role", NOT_LOADABLE)
@pytest.mark.parametrize("start", [search_flow, search_kp_flow], ids=["search", "search_kp"])
def test_r11_a_search_for_a_role_that_cannot_be_loaded_fails_before_any_ask(
    role: PartyRole, start: Callable[..., LookupFlow[SearchResult]]
) -> None:
    flow = start(SearchCriteria(last_name="Goderis"), role=role)
    with pytest.raises(CriteriaError) as caught:
        advance(flow)
    assert caught.value.field == "role"


@pytest.mark.parametrize(
    ("given", "role"),
    [("driver", PartyRole.DRIVER), ("SENT_BY", PartyRole.SENT_BY), (" Owner ", PartyRole.OWNER)],
)
def test_r11_a_role_may_be_given_by_its_value_or_its_name(given: str, role: PartyRole) -> None:
    assert check_role(given) is role
    flow = search_flow(SearchCriteria(last_name="Goderis"), role=given)
    asked(advance(flow))
    assert finished(advance(flow, found(make_customer())), SearchResult).role is role


@pytest.mark.parametrize("given", ["chauffeur", "", 3, "insurer"])
def test_r11_a_string_that_names_no_loadable_role_is_a_criteria_error(given: object) -> None:
    with pytest.raises(CriteriaError) as caught:
        check_role(given)  # type: ignore[arg-type]
    assert caught.value.field == "role"


@pytest.mark.parametrize("start", [search_flow, search_kp_flow, match_flow])
@pytest.mark.parametrize("given", [{"last_name": "Goderis"}, "Goderis", None])
def test_criteria_that_are_no_search_criteria_are_a_criteria_error(
    start: Callable[..., LookupFlow[SearchResult]], given: object
) -> None:
    with pytest.raises(CriteriaError, match="must be a SearchCriteria") as caught:
        advance(start(given))
    assert caught.value.field == "criteria"


@pytest.mark.parametrize("page", ["2", 1.5, True, None])
def test_r2_a_page_that_is_not_a_whole_number_is_a_criteria_error(page: object) -> None:
    flow = search_flow(SearchCriteria(last_name="Goderis"), page=page)  # type: ignore[arg-type]
    with pytest.raises(CriteriaError) as caught:
        advance(flow)
    assert caught.value.field == "page"


def test_r11_the_result_names_the_role_searched_for() -> None:
    flow = search_flow(SearchCriteria(last_name="Goderis"), role=PartyRole.SENT_BY)
    asked(advance(flow))
    assert finished(advance(flow, found(make_customer())), SearchResult).role is PartyRole.SENT_BY


# --- R12 Vehicle first ---------------------------------------------------------------------------

LEASER = customer() | {"customerNumber": "30001", "name": "Flandria Lease NV"}
LESSEE = customer() | {"customerNumber": "30002", "name": "Van Damme Bouw NV"}


def make_vehicle(**people: Any) -> Vehicle:
    return read(vehicle(**people), Vehicle, service="Driver2", endpoint="GET /vehicles")


def test_r12_owner_driver_and_lessee_become_owner_driver_and_insured() -> None:
    car = make_vehicle(owner=LEASER, driver=customer(), lessee=LESSEE)
    parties = vehicle_parties_of(car)
    assert {role: p.driver2_number for role, p in parties.items()} == {
        PartyRole.OWNER: "30001",
        PartyRole.DRIVER: "74050",
        PartyRole.INSURED: "30002",
    }
    assert parties[PartyRole.OWNER] == party_from_customer(make_customer(**LEASER))


def test_r12_a_vehicle_without_driver_or_lessee_gives_only_its_owner() -> None:
    parties = vehicle_parties_of(make_vehicle(owner=LEASER))
    assert set(parties) == {PartyRole.OWNER}
    assert vehicle_parties_of(make_vehicle()) == {}


def test_r12_applying_a_vehicles_parties_reports_only_roles_held_with_another_party() -> None:
    loaded = vehicle_parties_of(make_vehicle(owner=LEASER, driver=customer(), lessee=LESSEE))
    someone_else = party_from_customer(make_customer(customerNumber="55555", name="Janssens"))
    sender = party_from_person(make_person())
    held = {
        PartyRole.OWNER: someone_else,
        PartyRole.DRIVER: party_from_customer(make_customer()),  # the vehicle's driver already
        PartyRole.SENT_BY: sender,
    }
    before = dict(held)

    applied = apply_vehicle_parties(held, loaded)

    assert applied.overwritten == frozenset({PartyRole.OWNER})
    assert applied.parties == {**loaded, PartyRole.SENT_BY: sender}
    assert held == before


def test_r12_applying_over_nothing_held_overwrites_nothing() -> None:
    loaded = vehicle_parties_of(make_vehicle(owner=LEASER, lessee=LESSEE))
    applied = apply_vehicle_parties({}, loaded)
    assert applied.parties == loaded
    assert applied.overwritten == frozenset()


def test_a_vehicle_is_loaded_by_plate() -> None:
    flow = vehicle_flow(plate="1-ABC-123")
    ask = asked(advance(flow))
    assert (ask.source, ask.step) == (Source.DRIVER2, Step.LOAD_VEHICLE)
    assert ask.operation.call.params == (("plate", "1-ABC-123"),)
    car = make_vehicle(owner=LEASER)
    assert finished(advance(flow, [car]), Vehicle) is car


def test_no_vehicle_with_the_plate_is_a_vehicle_not_found_error() -> None:
    flow = vehicle_flow(plate="1-ABC-123")
    asked(advance(flow))
    with pytest.raises(VehicleNotFoundError):
        advance(flow, [])


@pytest.mark.parametrize(
    ("given_", "field"), [({"plate": "1-ABC-123"}, "plate"), ({"vin": "WVW"}, "vin")]
)
def test_two_vehicles_for_one_plate_or_vin_are_a_criteria_error_naming_it(
    given_: dict[str, str], field: str
) -> None:
    flow = vehicle_flow(**given_)
    asked(advance(flow))
    with pytest.raises(CriteriaError) as caught:
        advance(flow, [make_vehicle(), make_vehicle()])
    assert caught.value.field == field


# --- reprs never show personal data -------------------------------------------------------------

NAME, FIRST_NAME = "Quixwellbrand", "Zebulonia"
EMAIL, PHONE, VAT = "quix.zebulonia@example.be", "+32470918273", "BE0403019261"
PERSONAL = (NAME, FIRST_NAME, EMAIL, "470918273", "0403019261")


def assert_redacted(text: str, *shown: str) -> None:
    leaked = [value for value in PERSONAL if value in text]
    assert leaked == [], text
    for value in shown:
        assert value in text


def secret_customer() -> Customer:
    return make_customer(
        name=NAME, firstName=FIRST_NAME, email=EMAIL, phone=PHONE, mobile=PHONE, vatNumber=VAT
    )


def secret_person() -> Person:
    return make_person(
        nachname=NAME, vorname=FIRST_NAME, email=EMAIL, telefon=PHONE, mobil=PHONE, ustIdNr=VAT
    )


def test_the_repr_of_search_criteria_shows_no_personal_data() -> None:
    criteria = SearchCriteria(
        last_name=NAME, first_name=FIRST_NAME, email=EMAIL, phone=PHONE, vat_number=VAT
    )
    assert_redacted(repr(criteria))


def test_the_reprs_of_a_customer_its_candidate_and_party_show_only_ids() -> None:
    record = secret_customer()
    (candidate,) = candidates_of(found(record))
    for value in (record, candidate, party_from_customer(record)):
        assert_redacted(repr(value), "74050")


def test_the_reprs_of_a_person_its_candidate_and_party_show_only_ids() -> None:
    record = secret_person()
    for value in (record, kp_candidate(record), party_from_person(record)):
        assert_redacted(repr(value), "KP-0012345")


def test_the_repr_of_a_selection_shows_no_personal_data() -> None:
    flow, _ = start_import(secret_person())
    created = make_customer(customerNumber="100001", name=NAME, email=EMAIL, phone=PHONE)
    selection = finished(advance(flow, created), Selection)
    assert_redacted(repr(selection), "100001", "KP-0012345", "imported=True")


def test_the_repr_of_a_search_result_shows_no_personal_data() -> None:
    criteria = SearchCriteria(last_name=NAME, email=EMAIL)
    _, step = search(criteria, found(secret_customer()))
    assert_redacted(repr(finished(step, SearchResult)), "driver2")
