"""What the sync and async lookup tests share: the criteria, the fixed facts, small helpers."""

from __future__ import annotations

from driver2_kp import Candidate, PartyRole, SearchCriteria
from driver2_kp.sandbox import FaultScript

GODERIS = SearchCriteria(last_name="Goderis", postcode="9000")
ANN_PEETERS = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")
"""Nobody in Driver2; Ann Peeters (private) in KP."""
PEETERS = SearchCriteria(last_name="Peeters")
"""59 customers in Driver2 (6 pages), 224 persons in KP."""
PEETERS_IN_2000 = SearchCriteria(last_name="Peeters", postcode="2000")
"""In KP: Ann Peeters and her firm, Peeters Bouw BV, on the first page."""
EVERY_CRITERION = SearchCriteria(
    customer_number="74050",
    vat_number="BE 0403.019.261",
    last_name=" Peeters ",
    first_name="Ann",
    email="ann@example.be",
    phone="+32 (3) 226.00.00",
    postcode="2000",
    country="be",
)
NOT_FOR_KP = ("customer_number", "vat_number", "email", "phone", "country")
KP_PARAMETERS = {"nachname", "vorname", "plz", "kundenart", "limit", "offset"}
NOT_LOADABLE = [role for role in PartyRole if not role.loadable]
ATTEMPTS = 5
"""The default retry policy's attempts: a fault scripted this often outlasts every retry."""


def driver2_down(method: str = "GET", path: str = "/customers") -> FaultScript:
    """Driver2 answering 503 to every attempt of one call."""
    return FaultScript(service="driver2", method=method, path=path, status=503, times=ATTEMPTS)


def kp_ids(candidates: tuple[Candidate, ...] | list[Candidate]) -> list[str | None]:
    return [c.kp_id for c in candidates]


def numbers(candidates: tuple[Candidate, ...] | list[Candidate]) -> list[str | None]:
    return [c.driver2_number for c in candidates]


INVALID: list[tuple[str, dict[str, str]]] = [
    ("vat_number", {"vat_number": "BE0403019262"}),
    ("country", {"country": "XX"}),
    ("postcode", {"postcode": "75001", "country": "BE"}),
    ("email", {"email": "ann-at-example"}),
    ("phone", {"phone": "12 34"}),
    ("first_name", {"first_name": "Ann\x00"}),
    ("last_name", {"last_name": "Peeters" * 15}),
    ("customer_number", {"customer_number": "74O50"}),
]
"""Criteria refused when made (to a search for Peeters), each naming its field."""
