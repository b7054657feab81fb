"""The lookup rules R1-R13 of FAQ #1267 as pure functions on plain values.

Nothing here sends a request. These functions decide what to ask Driver2 and KP
and how to read their answers; the flows of `driver2_kp._flows` string them
together, and the facades of `driver2_kp.lookup` only perform what the flows ask.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Final

from ._candidate import Candidate
from ._convert import write
from ._criteria import SearchCriteria
from ._errors import CriteriaError
from ._models import (
    CustomerPage,
    CustomerQuery,
    NewCustomer,
    PersonKind,
    PersonPage,
    PersonQuery,
    Vehicle,
)
from ._party import Party, PartyRole, party_from_customer, party_from_person
from ._results import AppliedParties, KPSkipReason

__all__ = [
    "KP_CRITERIA",
    "apply_vehicle_parties",
    "candidate_of",
    "candidates_of",
    "check_criteria",
    "check_page",
    "check_role",
    "driver2_query",
    "dropped_for_kp",
    "hits_of",
    "import_key",
    "kp_query",
    "kp_skip_reason",
    "vehicle_parties_of",
]

KP_CRITERIA: Final = ("last_name", "first_name", "postcode")
"""The only criteria forwarded to KP (R7)."""
_KP_MIN_LAST_NAME: Final = 2
_IMPORT_KEYS: Final = uuid.UUID("6f1b3c52-4a0e-4e7e-9a55-3d0c2b9f1e21")


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


def check_criteria(criteria: object) -> None:
    """Refuse criteria that are no `SearchCriteria` (a dict, a bare name) with `CriteriaError`.

    >>> check_criteria("Goderis")
    Traceback (most recent call last):
    ...
    driver2_kp._errors.CriteriaError: criteria: must be a SearchCriteria, not a str
    """
    if not isinstance(criteria, SearchCriteria):
        raise CriteriaError(
            "criteria", f"must be a SearchCriteria, not a {type(criteria).__name__}"
        )


def check_page(page: int) -> None:
    if isinstance(page, bool) or not isinstance(page, int):
        raise CriteriaError("page", f"must be a whole number, not {type(page).__name__}")
    if page < 1:
        raise CriteriaError("page", "pages are numbered from 1")


def driver2_query(criteria: SearchCriteria) -> CustomerQuery:
    """R1: every criterion given goes to Driver2; at least one is needed."""
    check_criteria(criteria)
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
    check_criteria(criteria)
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


def candidate_of(party: Party) -> Candidate:
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


def hits_of(answer: CustomerPage | PersonPage) -> int:
    """How many hits the search has in all, on this page and the others."""
    return answer.total_items if isinstance(answer, CustomerPage) else answer.total


def candidates_of(answer: CustomerPage | PersonPage) -> tuple[Candidate, ...]:
    """The candidates of one page, in the order the service gave them."""
    if isinstance(answer, CustomerPage):
        return tuple(candidate_of(party_from_customer(c)) for c in answer.items)
    return tuple(candidate_of(party_from_person(p)) for p in answer.items)


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
        assert applied.overwritten == {PartyRole.DRIVER}  # the vehicle's driver is not someone
        assert applied.parties[PartyRole.DRIVER] == vehicle_parties[PartyRole.DRIVER]
    """
    overwritten = frozenset(
        role for role, party in loaded.items() if role in held and held[role] != party
    )
    return AppliedParties({**held, **loaded}, overwritten)
