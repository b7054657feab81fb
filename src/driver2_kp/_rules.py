"""The lookup rules R1-R13 of FAQ #1267 as pure functions and sans-I/O flows.

Nothing here sends a request. The functions decide what to ask Driver2 and KP
and how to read their answers; the *flows* are generators that yield each call
to make (an `Ask`) and receive its answer, or have its error thrown in. The sync
and async facades of `driver2_kp.lookup` only perform the asks, so both share
every decision, and the rules can be tested on plain values.
"""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Generator, Mapping
from typing import Any, Final, Generic, TypeAlias, TypeVar, cast

import attrs

from ._convert import write
from ._criteria import SearchCriteria
from ._errors import (
    BadRequestError,
    CriteriaError,
    Driver2KPError,
    DuplicateCustomerError,
    VehicleNotFoundError,
)
from ._http import Operation
from ._models import (
    Customer,
    CustomerPage,
    CustomerQuery,
    NewCustomer,
    Person,
    PersonKind,
    PersonPage,
    PersonQuery,
    Vehicle,
)
from ._party import (
    Party,
    PartyRole,
    Source,
    new_customer_from_person,
    party_from_customer,
    party_from_person,
)
from ._redact import redacted_repr
from .driver2 import (
    create_customer_request,
    find_vehicles_request,
    get_customer_request,
    search_customers_request,
)
from .kp import search_persons_request

__all__ = [
    "KP_CRITERIA",
    "PAGE_SIZE",
    "AppliedParties",
    "Ask",
    "Candidate",
    "Finished",
    "KPSkipReason",
    "LookupFlow",
    "SearchResult",
    "Selection",
    "Step",
    "advance",
    "apply_vehicle_parties",
    "candidates_of",
    "check_role",
    "driver2_query",
    "dropped_for_kp",
    "import_key",
    "kp_query",
    "kp_skip_reason",
    "later_pages",
    "search_flow",
    "search_kp_flow",
    "select_flow",
    "vehicle_flow",
    "vehicle_parties_of",
]

T = TypeVar("T")
R = TypeVar("R")

PAGE_SIZE: Final = 10
"""Candidates per page, from either source: the FAQ's result table shows 10."""
KP_CRITERIA: Final = ("last_name", "first_name", "postcode")
"""The only criteria forwarded to KP (R7)."""
_KP_MIN_LAST_NAME: Final = 2
_KP_FAILED_NOTE: Final = (
    "Driver2 answered and found nobody for these criteria; the automatic KP search "
    "(R3) then failed, so whether KP knows them is not known"
)
_IMPORT_KEYS: Final = uuid.UUID("6f1b3c52-4a0e-4e7e-9a55-3d0c2b9f1e21")


class Step(enum.StrEnum):
    """What a lookup is doing; `Progress` reports it.

    >>> str(Step.SEARCH_DRIVER2)
    'searching Driver2'
    """

    SEARCH_DRIVER2 = "searching Driver2"
    SEARCH_KP = "searching KP"
    NEXT_PAGE = "fetching the next page"
    IMPORT = "importing the KP person into Driver2"
    FETCH_EXISTING = "fetching the existing Driver2 customer"
    LOAD_VEHICLE = "loading the vehicle from Driver2"


class KPSkipReason(enum.StrEnum):
    """Why a `CustomerLookup.search` did not search KP by itself (R3).

    >>> reason = kp_skip_reason(SearchCriteria(email="ann@example.be"))
    >>> reason is KPSkipReason.NO_LAST_NAME, str(reason)
    (True, 'KP needs a last name, and none was given')
    """

    DRIVER2_FOUND_CUSTOMERS = "Driver2 found customers; search_kp searches KP as well"
    NO_LAST_NAME = "KP needs a last name, and none was given"
    LAST_NAME_TOO_SHORT = "KP needs a last name of at least 2 characters"


# --- what the caller gets -------------------------------------------------------------


@redacted_repr("source", "driver2_number", "kp_id")
@attrs.frozen(kw_only=True)
class Candidate:
    """One row of PlanManager's result table: a Driver2 customer or a KP person.

    ``record`` is the whole `Customer` or `Person` it came from; hand the
    candidate to `CustomerLookup.select` to turn it into a party.

    Example::

        [(c.name, c.first_name, c.driver2_number) for c in result.candidates]
        # [('Goderis', 'Thiemen', '74050')]
    """

    source: Source
    name: str
    """Last name, or company name."""
    record: Customer | Person
    first_name: str | None = None
    driver2_number: str | None = None
    """The Driver2 customer number, for a Driver2 candidate."""
    kp_id: str | None = None
    postcode: str | None = None
    phone: str | None = None
    """The phone number, or else the mobile one."""
    email: str | None = None
    vat_number: str | None = None


@redacted_repr(
    "source",
    "total",
    "page",
    "kp_skipped_reason",
    "dropped_for_kp",
    "role",
)
@attrs.frozen(kw_only=True)
class SearchResult:
    """The answer to `CustomerLookup.search` or `CustomerLookup.search_kp`: one page.

    ``candidates`` all come from ``source``; ``total`` counts the hits there.
    `CustomerLookup.iter_candidates` goes on from here, page by page.

    Example::

        result.source, result.total, result.kp_skipped_reason
        # (<Source.DRIVER2: 'driver2'>, 1, <KPSkipReason.DRIVER2_FOUND_CUSTOMERS: ...>)
    """

    source: Source
    """Where the candidates come from: Driver2, or KP (asked for, or Driver2 found nobody)."""
    candidates: tuple[Candidate, ...]
    """This page of candidates, at most 10."""
    total: int
    """How many candidates ``source`` has for the criteria, on every page."""
    page: int
    """The number of this page, from 1."""
    criteria: SearchCriteria
    """The criteria searched for, normalised."""
    query: CustomerQuery | PersonQuery
    """What was sent to ``source``: a `CustomerQuery` (Driver2) or a `PersonQuery` (KP)."""
    answer: CustomerPage | PersonPage
    """The page as ``source`` answered it."""
    role: PartyRole | None = None
    """The party being filled in, if one was named."""
    kp_skipped_reason: KPSkipReason | None = None
    """Why KP was not searched automatically; ``None`` when it was searched (R3)."""
    dropped_for_kp: tuple[str, ...] = ()
    """When KP was searched: the criteria it was not given (R7), e.g. ``("email",)``."""

    @property
    def pages(self) -> int:
        """How many pages of 10 the hits fill."""
        return -(-self.total // PAGE_SIZE)


@redacted_repr("party", "imported", "import_error", "customer")
@attrs.frozen(kw_only=True)
class Selection:
    """What selecting a candidate gives: the party, and for a KP candidate the import (R8-R10).

    Example::

        selection = lookup.select(kp_result.candidates[0])
        selection.imported, selection.party.driver2_number
        # (True, '100001')
    """

    party: Party
    """The PlanManager party. From KP data for a KP candidate, whatever the import's outcome."""
    imported: bool = False
    """Whether a KP candidate now has its Driver2 customer: created now, or found already there."""
    import_error: Driver2KPError | None = None
    """Why the import failed; the party is then made from the KP data alone (R9).

    When Driver2 answered that the customer exists but it could not be read, the
    party's ``driver2_number`` still names that customer.
    """
    customer: Customer | None = None
    """The Driver2 customer: the one selected, created by the import, or found already there."""


@attrs.frozen
class AppliedParties:
    """The parties after applying a vehicle's over the ones held (R12).

    Example::

        applied = apply_vehicle_parties(held, lookup.vehicle_parties(plate="1-ABC-123"))
        applied.overwritten
        # frozenset({<PartyRole.DRIVER: 'driver'>})
    """

    parties: dict[PartyRole, Party]
    """Every party: the vehicle's, and those held for the other roles."""
    overwritten: frozenset[PartyRole]
    """The roles whose held party was replaced by a different one from the vehicle."""


# --- pure rules -----------------------------------------------------------------------


def check_role(role: PartyRole | str | None) -> PartyRole | None:
    """R11: the role asked for, refused if it cannot be loaded from Driver2.

    A role may be given by its value or its name, in any case:

    >>> check_role("Driver")
    <PartyRole.DRIVER: 'driver'>
    """
    if role is None:
        return None
    if not isinstance(role, PartyRole):
        try:
            role = PartyRole(role.strip().lower() if isinstance(role, str) else role)
        except ValueError:
            roles = ", ".join(r.value for r in PartyRole)
            raise CriteriaError("role", f"is not a party role; the roles are {roles}") from None
    if not role.loadable:
        loadable = ", ".join(r.value for r in PartyRole if r.loadable)
        raise CriteriaError("role", f"{role.value} cannot be loaded from Driver2, only {loadable}")
    return role


def _check_page(page: int) -> None:
    if isinstance(page, bool) or not isinstance(page, int):
        raise CriteriaError("page", f"must be a whole number, not {type(page).__name__}")
    if page < 1:
        raise CriteriaError("page", "pages are numbered from 1")


def driver2_query(criteria: SearchCriteria) -> CustomerQuery:
    """R1: every criterion given goes to Driver2; at least one is needed."""
    if criteria.is_empty():
        raise CriteriaError("criteria", "a search needs at least one criterion")
    return CustomerQuery(
        customer_number=criteria.customer_number,
        vat_number=criteria.vat_number,
        name=criteria.last_name,
        first_name=criteria.first_name,
        email=criteria.email,
        phone=criteria.phone,
        postcode=criteria.postcode,
        country=criteria.country,
    )


def kp_skip_reason(criteria: SearchCriteria) -> KPSkipReason | None:
    """R5: why KP cannot be searched with these criteria, or ``None`` if it can."""
    if criteria.last_name is None:
        return KPSkipReason.NO_LAST_NAME
    if len(criteria.last_name) < _KP_MIN_LAST_NAME:
        return KPSkipReason.LAST_NAME_TOO_SHORT
    return None


def kp_query(criteria: SearchCriteria) -> PersonQuery:
    """R5-R7: the KP search for these criteria; `CriteriaError` naming ``last_name`` if none.

    Only the last name, the first name and the postcode are forwarded; a first
    name restricts the search to private persons.
    """
    reason = kp_skip_reason(criteria)
    if reason is not None or criteria.last_name is None:
        raise CriteriaError("last_name", str(reason))
    return PersonQuery(
        last_name=criteria.last_name,
        first_name=criteria.first_name,
        postcode=criteria.postcode,
        kind=PersonKind.PRIVATE if criteria.first_name else None,
    )


def dropped_for_kp(criteria: SearchCriteria) -> tuple[str, ...]:
    """R7: the criteria given that KP is not told, in the form's order."""
    return tuple(name for name in criteria.given() if name not in KP_CRITERIA)


def _candidate(party: Party) -> Candidate:
    """A result table row: the columns of the party the candidate would become."""
    return Candidate(
        source=party.source,
        record=party.record,
        name=party.name,
        first_name=party.first_name,
        driver2_number=party.driver2_number,
        kp_id=party.kp_id,
        postcode=party.postcode,
        phone=party.phone or party.mobile,
        email=party.email,
        vat_number=party.vat_number,
    )


def candidates_of(answer: CustomerPage | PersonPage) -> tuple[Candidate, ...]:
    """The candidates of one page, in the order the service gave them."""
    if isinstance(answer, CustomerPage):
        return tuple(_candidate(party_from_customer(c)) for c in answer.items)
    return tuple(_candidate(party_from_person(p)) for p in answer.items)


def import_key(new: NewCustomer) -> str:
    """R8: the ``Idempotency-Key`` of creating ``new``, the import of a KP person.

    The same person with the same data always gets the same key, so a retried or
    repeated import replays the first one instead of creating a second customer;
    changed data gets a new key, and Driver2's unique ``kpReference`` answers 409.
    """
    body = json.dumps(write(new), sort_keys=True)
    return str(uuid.uuid5(_IMPORT_KEYS, hashlib.sha256(body.encode()).hexdigest()))


def vehicle_parties_of(vehicle: Vehicle) -> dict[PartyRole, Party]:
    """R12: the vehicle's owner, driver and lessee as the parties owner, driver and insured."""
    people = {
        PartyRole.OWNER: vehicle.owner,
        PartyRole.DRIVER: vehicle.driver,
        PartyRole.INSURED: vehicle.lessee,
    }
    return {role: party_from_customer(c) for role, c in people.items() if c is not None}


def apply_vehicle_parties(
    held: Mapping[PartyRole, Party], loaded: Mapping[PartyRole, Party]
) -> AppliedParties:
    """R12: put a vehicle's parties over those held, and say which were overwritten.

    ``held`` is left as it was. A role counts as overwritten when a party was held
    for it and the vehicle brings a different one.

    Example::

        applied = apply_vehicle_parties({PartyRole.DRIVER: someone}, vehicle_parties)
        applied.overwritten
        # frozenset({<PartyRole.DRIVER: 'driver'>})
    """
    overwritten = frozenset(
        role for role, party in loaded.items() if role in held and held[role] != party
    )
    return AppliedParties({**held, **loaded}, overwritten)


# --- flows ----------------------------------------------------------------------------


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


def _kp_ask(query: PersonQuery, page: int, step: Step = Step.SEARCH_KP) -> Ask[PersonPage]:
    offset = (page - 1) * PAGE_SIZE
    return Ask(Source.KP, step, search_persons_request(query, limit=PAGE_SIZE, offset=offset))


def _driver2_ask(query: CustomerQuery, page: int, step: Step) -> Ask[CustomerPage]:
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
        total=answer.total_items if isinstance(answer, CustomerPage) else answer.total,
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
    _check_page(page)
    query = driver2_query(criteria)
    try:
        customers = yield from _driver2_ask(query, page, Step.SEARCH_DRIVER2)
    except BadRequestError as refused:
        if page == 1:
            raise
        # Is it the page? Driver2 says so in words of its own: ask how many there are.
        first = yield from _driver2_ask(query, 1, Step.SEARCH_DRIVER2)
        if page <= first.total_pages:
            raise
        raise _beyond_the_last(refused, page, first.total_pages) from refused
    reason = KPSkipReason.DRIVER2_FOUND_CUSTOMERS if customers.total_items else None
    reason = reason or kp_skip_reason(criteria)
    if reason is not None:
        return _result(criteria, role, query, customers, page, kp_skipped_reason=reason)
    persons_query = kp_query(criteria)
    try:
        persons = yield from _kp_ask(persons_query, page)
    except Driver2KPError as error:
        error.add_note(_KP_FAILED_NOTE)
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
    _check_page(page)
    query = kp_query(criteria)
    persons = yield from _kp_ask(query, page)
    return _result(criteria, role, query, persons, page)


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
        return [_driver2_ask(query, number, Step.NEXT_PAGE) for number in numbers]
    if not isinstance(query, PersonQuery) or not answer.items:
        return []
    offsets = range(answer.offset + len(answer.items), answer.total, PAGE_SIZE)
    asks: list[Ask[CustomerPage] | Ask[PersonPage]] = [
        _kp_ask(query, offset // PAGE_SIZE + 1, Step.NEXT_PAGE) for offset in offsets
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
