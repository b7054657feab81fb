"""The lookups as sans-I/O flows: generators that yield each call to make.

A flow yields an `Ask` (a call to Driver2 or KP, as part of a `Step`) and is
sent its answer, or has its error thrown in. The sync and async facades of
`driver2_kp.lookup` only perform the asks, so both share every decision, and a
flow can be driven on plain values in a test.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Final, Generic, TypeAlias, TypeVar, cast

import attrs

from ._candidate import Candidate
from ._criteria import SearchCriteria
from ._errors import (
    BadRequestError,
    CriteriaError,
    Driver2KPError,
    DuplicateCustomerError,
    VehicleNotFoundError,
)
from ._http import Operation
from ._models import Customer, CustomerPage, CustomerQuery, PersonPage, PersonQuery, Vehicle
from ._party import (
    PartyRole,
    Source,
    new_customer_from_person,
    party_from_customer,
    party_from_person,
)
from ._results import PAGE_SIZE, KPSkipReason, SearchResult, Selection, Step
from ._rules import (
    candidates_of,
    check_page,
    check_role,
    driver2_query,
    dropped_for_kp,
    hits_of,
    import_key,
    kp_query,
    kp_skip_reason,
)
from .driver2 import (
    create_customer_request,
    find_vehicles_request,
    get_customer_request,
    search_customers_request,
)
from .kp import search_persons_request

__all__ = [
    "KP_FAILED_NOTE",
    "Ask",
    "Finished",
    "LookupFlow",
    "advance",
    "driver2_ask",
    "further_pages",
    "kp_ask",
    "later_pages",
    "search_flow",
    "search_kp_flow",
    "select_flow",
    "vehicle_flow",
]

T = TypeVar("T")

KP_FAILED_NOTE: Final = (
    "Driver2 answered and found nobody for these criteria; the automatic KP search "
    "(R3) then failed, so whether KP knows them is not known"
)


@attrs.frozen
class Ask(Generic[T]):
    """One call a flow needs made: to ``source``, as part of ``step``; its answer is a ``T``.

    A flow asks with ``answer = yield from ask``, so that the answer is typed as
    the operation reads it (a `CustomerPage` for a search, say).
    """

    source: Source
    step: Step
    operation: Operation[T]

    def __iter__(self) -> Generator[Ask[T], object, T]:
        """Yield this ask and return the answer it is sent: ``yield from ask``."""
        answer = yield self
        # The facades send what ``operation.read`` returned: a T, by construction.
        return cast(T, answer)


@attrs.frozen
class Finished(Generic[T]):
    """A flow's end, and what it gives."""

    value: T


LookupFlow: TypeAlias = Generator[Ask[Any], object, T]
"""A flow: yields `Ask`s, is sent each answer (or thrown its error), returns ``T``."""


def advance(
    flow: LookupFlow[T], answer: object = None, error: Driver2KPError | None = None
) -> Ask[Any] | Finished[T]:
    """Give a flow the answer to its last ask (or its error), and get its next ask or end."""
    try:
        return flow.throw(error) if error is not None else flow.send(answer)
    except StopIteration as done:
        return Finished(done.value)


def kp_ask(query: PersonQuery, page: int, step: Step = Step.SEARCH_KP) -> Ask[PersonPage]:
    """Ask KP for one ``page`` of ``query``."""
    offset = (page - 1) * PAGE_SIZE
    return Ask(Source.KP, step, search_persons_request(query, limit=PAGE_SIZE, offset=offset))


def driver2_ask(query: CustomerQuery, page: int, step: Step) -> Ask[CustomerPage]:
    """Ask Driver2 for one ``page`` of ``query``."""
    return Ask(Source.DRIVER2, step, search_customers_request(query, page=page))


def _result(
    criteria: SearchCriteria,
    role: PartyRole | None,
    query: CustomerQuery | PersonQuery,
    answer: CustomerPage | PersonPage,
    page: int,
    *,
    kp_skipped_reason: KPSkipReason | None = None,
) -> SearchResult:
    """The result of one page from Driver2 or KP."""
    driver2 = isinstance(answer, CustomerPage)
    return SearchResult(
        source=Source.DRIVER2 if driver2 else Source.KP,
        candidates=candidates_of(answer),
        total=hits_of(answer),
        page=page,
        criteria=criteria,
        query=query,
        answer=answer,
        role=role,
        kp_skipped_reason=kp_skipped_reason,
        dropped_for_kp=() if driver2 else dropped_for_kp(criteria),
    )


def search_flow(
    criteria: SearchCriteria, *, role: PartyRole | str | None = None, page: int = 1
) -> LookupFlow[SearchResult]:
    """R1-R3: search Driver2, and KP when Driver2 answered that it found nobody.

    Invalid requests (R11, an empty search, a bad page) are refused before the
    first ask. A failure is never an answer: when Driver2 cannot answer, its
    error is raised (KP is searched only on a caller's knowing `search_kp_flow`),
    and when the automatic KP search fails, KP's error is raised with a note
    that Driver2 found nobody.
    """
    role = check_role(role)
    check_page(page)
    query = driver2_query(criteria)
    try:
        customers = yield from driver2_ask(query, page, Step.SEARCH_DRIVER2)
    except BadRequestError as refused:
        if page == 1:
            raise
        # Is it the page? Driver2 says so in words of its own: ask how many there are.
        first = yield from driver2_ask(query, 1, Step.SEARCH_DRIVER2)
        if page <= first.total_pages:
            raise
        raise _beyond_the_last(refused, page, first.total_pages) from refused
    reason = KPSkipReason.DRIVER2_FOUND_CUSTOMERS if customers.total_items else None
    reason = reason or kp_skip_reason(criteria)
    if reason is not None:
        return _result(criteria, role, query, customers, page, kp_skipped_reason=reason)
    persons_query = kp_query(criteria)
    try:
        persons = yield from kp_ask(persons_query, page)
    except Driver2KPError as error:
        error.add_note(KP_FAILED_NOTE)
        raise
    return _result(criteria, role, persons_query, persons, page)


def _beyond_the_last(refused: BadRequestError, page: int, pages: int) -> BadRequestError:
    return BadRequestError(
        f"page {page} of {pages}: there is no page beyond the last",
        service=refused.service,
        endpoint=refused.endpoint,
        status=refused.status,
        code=refused.code,
        detail=refused.detail,
    )


def search_kp_flow(
    criteria: SearchCriteria, *, role: PartyRole | str | None = None, page: int = 1
) -> LookupFlow[SearchResult]:
    """R4-R7: the "KP" button: search KP with the criteria it takes; errors are raised."""
    role = check_role(role)
    check_page(page)
    query = kp_query(criteria)
    persons = yield from kp_ask(query, page)
    return _result(criteria, role, query, persons, page)


def further_pages(result: SearchResult) -> list[Ask[CustomerPage] | Ask[PersonPage]]:
    """R2: the asks for every page after ``result``'s; none for a match, which holds all it has."""
    return [] if result.blocks else later_pages(result.query, result.answer)


def later_pages(
    query: CustomerQuery | PersonQuery, answer: CustomerPage | PersonPage
) -> list[Ask[CustomerPage] | Ask[PersonPage]]:
    """R2: the asks for every page after ``answer``, in order: its totals tell them all.

    >>> page = CustomerPage(items=(), page=1, page_size=10, total_items=23, total_pages=3)
    >>> asks = later_pages(CustomerQuery(name="Pe"), page)
    >>> [dict(ask.operation.call.params)["page"] for ask in asks]
    ['2', '3']
    """
    if isinstance(answer, CustomerPage):
        if not isinstance(query, CustomerQuery):
            return []
        numbers = range(answer.page + 1, answer.total_pages + 1)
        return [driver2_ask(query, number, Step.NEXT_PAGE) for number in numbers]
    if not isinstance(query, PersonQuery) or not answer.items:
        return []
    offsets = range(answer.offset + len(answer.items), answer.total, PAGE_SIZE)
    asks: list[Ask[CustomerPage] | Ask[PersonPage]] = [
        kp_ask(query, offset // PAGE_SIZE + 1, Step.NEXT_PAGE) for offset in offsets
    ]
    return asks


def select_flow(candidate: Candidate) -> LookupFlow[Selection]:
    """R8-R10: a Driver2 candidate's party; a KP candidate imported, its data never lost.

    A KP person is created in Driver2 without its VAT number, under `import_key`;
    a 409 duplicate fetches the customer that exists. Whatever happens, the party
    is made from the KP data (VAT number included), with the Driver2 number when
    there is one, and any failure attached.
    """
    if isinstance(candidate.record, Customer):
        customer = candidate.record
        return Selection(party=party_from_customer(customer), customer=customer)
    person = candidate.record
    party = party_from_person(person)
    new = new_customer_from_person(person)
    try:
        customer = yield from Ask(
            Source.DRIVER2,
            Step.IMPORT,
            create_customer_request(new, idempotency_key=import_key(new)),
        )
    except DuplicateCustomerError as duplicate:
        number = duplicate.existing_customer_number
        if number is None or not number.isdigit():
            return Selection(party=party, import_error=duplicate)
        party = attrs.evolve(party, driver2_number=number)
        try:
            customer = yield from Ask(
                Source.DRIVER2, Step.FETCH_EXISTING, get_customer_request(number)
            )
        except Driver2KPError as error:
            return Selection(party=party, import_error=error)
    except Driver2KPError as error:
        return Selection(party=party, import_error=error)
    party = attrs.evolve(party, driver2_number=customer.customer_number)
    return Selection(party=party, imported=True, customer=customer)


def vehicle_flow(*, plate: str | None = None, vin: str | None = None) -> LookupFlow[Vehicle]:
    """R12: the one vehicle with this plate or VIN; `VehicleNotFoundError` if none."""
    operation = find_vehicles_request(plate=plate, vin=vin)
    vehicles = yield from Ask(Source.DRIVER2, Step.LOAD_VEHICLE, operation)
    field = "plate" if plate is not None else "vin"
    if not vehicles:
        raise VehicleNotFoundError(
            f"no vehicle with this {field}", service="Driver2", endpoint="GET /vehicles"
        )
    if len(vehicles) > 1:
        raise CriteriaError(field, f"matches {len(vehicles)} vehicles: give the VIN")
    return vehicles[0]
