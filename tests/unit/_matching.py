"""Records and candidates for the matching tests, from the contracts' examples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from driver2_kp import CustomerPage, PersonPage
from driver2_kp._candidate import Candidate
from driver2_kp._convert import read
from driver2_kp._criteria import SearchCriteria
from driver2_kp._rules import candidates_of
from driver2_kp.matching import Match
from tests._contract import JSONObject, customer, customer_page, person, person_page

# customer() is Thiemen Goderis, 74050, Kortrijksesteenweg 112 B, 9000 Gent,
# mobile +32475123456, landline +3292234455, thiemen.goderis@example.be.
GODERIS: Final = SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="9000")
VAT: Final = "BE0403019261"
EVERY_CRITERION: Final = SearchCriteria(
    customer_number="74050",
    vat_number=VAT,
    last_name="Goderis",
    first_name="Thiemen",
    email="thiemen.goderis@example.be",
    phone="0475 12 34 56",
    postcode="9000",
    country="BE",
)


def namesake() -> JSONObject:
    """Another Goderis at the same address: Ann, 74051, her own mobile and e-mail."""
    return customer() | {
        "customerNumber": "74051",
        "firstName": "Ann",
        "salutation": "Mevrouw",
        "phone": None,
        "mobile": "+32486000111",
        "email": "ann.goderis@example.be",
    }


def duplicate() -> JSONObject:
    """Thiemen Goderis entered twice in Driver2: 74052, the same in every field."""
    return customer() | {"customerNumber": "74052"}


def company(**wire: Any) -> JSONObject:
    """Peeters Bouw NV, a business with a VAT number and no first name: 30001."""
    return (
        customer()
        | {
            "customerNumber": "30001",
            "legalForm": "legal_entity",
            "customerType": "business",
            "salutation": None,
            "name": "Peeters Bouw NV",
            "firstName": None,
            "email": "info@peetersbouw.example.be",
            "phone": "+3232000000",
            "mobile": None,
            "vatLiable": True,
            "vatNumber": VAT,
            "drivingLicence": None,
        }
        | wire
    )


def private_peeters() -> JSONObject:
    """Ann Peeters, a private person at the same address as the company: 30002."""
    return customer() | {
        "customerNumber": "30002",
        "name": "Peeters",
        "firstName": "Ann",
        "email": "ann.peeters@example.be",
    }


def driver2_page(*records: JSONObject) -> CustomerPage:
    """Driver2's first page of a search, holding ``records``."""
    return read(customer_page(*records), CustomerPage, service="Driver2", endpoint="GET /customers")


def kp_page(*records: JSONObject) -> PersonPage:
    """KP's first slice of a search, holding ``records``."""
    return read(person_page(*records), PersonPage, service="KP", endpoint="GET /personen")


def driver2_candidates(*records: JSONObject) -> tuple[Candidate, ...]:
    return candidates_of(driver2_page(*records))


def driver2_candidate(**wire: Any) -> Candidate:
    """The candidate of the Customer example, with some wire fields changed."""
    (candidate,) = driver2_candidates(customer() | wire)
    return candidate


def kp_candidate(**wire: Any) -> Candidate:
    """The candidate of the Person example, with some wire (German) fields changed."""
    (candidate,) = candidates_of(kp_page(person() | wire))
    return candidate


def numbers(matches: Sequence[Match]) -> list[str | None]:
    return [found.candidate.driver2_number for found in matches]
