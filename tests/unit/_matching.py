"""Records and candidates for the matching tests, from the contracts' examples; a match driven."""

from __future__ import annotations

import contextlib
import socket
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs
import httpx
from hypothesis import strategies as st

from driver2_kp import CustomerPage, LegalForm, MatchRecord, PersonPage, RetryPolicy, Settings
from driver2_kp._candidate import Candidate
from driver2_kp._convert import read
from driver2_kp._criteria import SearchCriteria
from driver2_kp._flows import Ask, Finished, advance
from driver2_kp._party import PartyRole, Source
from driver2_kp._results import PAGE_SIZE, SearchResult, Step
from driver2_kp._rules import candidates_of
from driver2_kp.matching import Match
from driver2_kp.matching._flow import MOST_DRIVER2_REQUESTS, MOST_KP_REQUESTS, match_flow
from tests._contract import SETTINGS, JSONObject, customer, customer_page, person, person_page

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
UNBLOCKABLE: Final = {
    "postcode": SearchCriteria(postcode="9000"),
    "country": SearchCriteria(country="BE"),
    "first name": SearchCriteria(first_name="Thiemen"),
    "postcode and country": SearchCriteria(postcode="9000", country="BE"),
    "all three": SearchCriteria(first_name="Thiemen", postcode="9000", country="BE"),
}
"""Records without a value a blocking search takes: searched with them all, as R1 does."""


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


# --- driving a match on plain values ------------------------------------------------------

PAGING: Final = frozenset({"page", "limit", "offset"})

Hits = Mapping[str, Sequence[JSONObject]]
"""Who each search finds, by its wire parameters (`searched`), in order; others find nobody.

A search finds ``len(hits[search])`` in all, served 10 a page: list 45 records
and the search has 5 pages.
"""


def searched(ask: Ask[Any]) -> str:
    """An ask's search as one line of its wire parameters, paging left out."""
    return search_of(ask.operation.call.params)


def search_of(params: Iterable[tuple[str, str]]) -> str:
    """A search's wire parameters as one line, paging left out: ``name=God postcode=9000``."""
    return " ".join(f"{k}={v}" for k, v in params if k not in PAGING)


def page_of(source: Source, params: Iterable[tuple[str, str]]) -> int:
    """The page a search asks for, from 1: Driver2 numbers them, KP counts an offset."""
    given = dict(params)
    if source is Source.DRIVER2:
        return int(given["page"])
    return int(given["offset"]) // int(given["limit"]) + 1


def page_asked(ask: Ask[Any]) -> int:
    """The page an ask asks for, from 1."""
    return page_of(ask.source, ask.operation.call.params)


def described(ask: Ask[Any]) -> str:
    """An ask as `run` lists it: ``driver2 name=God postcode=9000``, then ``page=2`` if later."""
    page = page_asked(ask)
    return f"{ask.source} {searched(ask)}" + (f" page={page}" if page > 1 else "")


def wire_page(source: Source, params: Iterable[tuple[str, str]], hits: Hits) -> JSONObject:
    """The answer of Driver2 or KP to a search, as sent on the wire: its page of ``hits``."""
    params = tuple(params)
    records = list(hits.get(search_of(params), ()))
    page = page_of(source, params)
    if source is Source.DRIVER2:
        return customer_page(*records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]) | {
            "page": page,
            "totalItems": len(records),
            "totalPages": -(-len(records) // PAGE_SIZE),
        }
    offset = (page - 1) * PAGE_SIZE
    slice_ = records[offset : offset + PAGE_SIZE]
    return person_page(*slice_, total=len(records)) | {"limit": PAGE_SIZE, "offset": offset}


class FakeServices:
    """Driver2 and KP answering their searches from ``hits``, as their contracts say."""

    def __init__(self, hits: Hits) -> None:
        self.hits = hits
        self.searches: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json={"access_token": "t-1", "expires_in": 3600})
        params = tuple(request.url.params.multi_items())
        source = Source.DRIVER2 if request.url.path.endswith("/customers") else Source.KP
        assert request.url.path.endswith(("/customers", "/personen")), request.url.path
        self.searches.append(f"{source} {search_of(params)}")
        page: JSONObject = wire_page(source, params, self.hits)
        return httpx.Response(200, json=page)


@contextlib.contextmanager
def nowhere() -> Iterator[Settings]:
    """`SETTINGS` of services where nothing listens, tried once: only a transport answers."""
    with socket.socket() as nobody:  # bound, not listening: whatever goes around is refused
        nobody.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{nobody.getsockname()[1]}"
        yield attrs.evolve(
            SETTINGS,
            driver2_base_url=f"{base}/api/v2",
            kp_base_url=f"{base}/api/v1",
            retry=RetryPolicy(attempts=1, wait=False),
        )


def answer(ask: Ask[Any], hits: Hits) -> CustomerPage | PersonPage:
    """The page ``ask`` asks for of the records ``hits`` holds for its search."""
    wire = wire_page(ask.source, ask.operation.call.params, hits)
    later = page_asked(ask) > 1
    if ask.source is Source.DRIVER2:
        assert ask.step is (Step.NEXT_PAGE if later else Step.SEARCH_DRIVER2)
        return read(wire, CustomerPage, service="Driver2", endpoint="GET /customers")
    assert ask.step is (Step.NEXT_PAGE if later else Step.SEARCH_KP)
    return read(wire, PersonPage, service="KP", endpoint="GET /personen")


def asked(step: Ask[Any] | Finished[Any]) -> Ask[Any]:
    assert isinstance(step, Ask), f"expected an ask, the flow ended with {step!r}"
    return step


def run(
    record: SearchCriteria, hits: Hits, *, role: PartyRole | str | None = None
) -> tuple[list[str], SearchResult]:
    """Match ``record``, answering from ``hits``: the asks made (`described`), and the result.

    Checks what holds for every match: no page of a search asked twice, the
    budget of requests kept, and the result counting exactly the asks made.
    """
    flow = match_flow(record, role=role)
    sent: list[str] = []
    step = advance(flow)
    while isinstance(step, Ask):
        ask = described(step)
        assert ask not in sent, f"{ask} asked twice"
        sent.append(ask)
        step = advance(flow, answer(step, hits))
    result = step.value
    assert isinstance(result, SearchResult)
    driver2 = sum(1 for ask in sent if ask.startswith("driver2 "))
    kp = len(sent) - driver2
    assert driver2 <= MOST_DRIVER2_REQUESTS
    assert kp <= MOST_KP_REQUESTS
    assert (result.driver2_requests, result.kp_requests) == (driver2, kp)
    return sent, result


def stranger(number: int, **wire: Any) -> JSONObject:
    """A Driver2 customer at the Goderis address, whom no record is about: 6xxxx, own e-mail."""
    letters = string.ascii_lowercase
    return (
        customer()
        | {
            "customerNumber": str(60000 + number),
            "firstName": "Zq" + letters[number % 26] + letters[number // 26 % 26] + "x",
            "salutation": None,
            "email": f"zq{number}@example.org",
            "phone": None,
            "mobile": None,
        }
        | wire
    )


def crowd(count: int, **wire: Any) -> list[JSONObject]:
    """``count`` Driver2 customers no record is about (`stranger`), with ``wire`` changed."""
    return [stranger(number, **wire) for number in range(count)]


def kp_crowd(count: int, **wire: Any) -> list[JSONObject]:
    """``count`` KP persons no record is about: KP-09xxxxx, with ``wire`` changed."""
    letters = string.ascii_lowercase
    return [
        person()
        | {
            "kpId": f"KP-09{n:05d}",
            "vorname": "Zq" + letters[n % 26] + letters[n // 26 % 26] + "x",
            "email": f"zq{n}@example.org",
            "telefon": None,
            "mobil": None,
        }
        | wire
        for n in range(count)
    ]


# --- any record, and any answers -------------------------------------------------------------

_WORD: Final = st.text(st.characters(categories=["L"]), min_size=1, max_size=9)
_NAME: Final = st.lists(_WORD, min_size=1, max_size=3).flatmap(
    lambda words: st.sampled_from([" ", "-"]).map(lambda joint: joint.join(words))
)
_PLACES: Final = st.sampled_from(
    [(None, None), ("9000", None), ("2500", "BE"), (None, "BE"), ("1012 AB", "NL"), ("75001", "FR")]
)
_PHONES: Final = st.sampled_from(["0475 12 34 56", "+32 9 223 44 55", "06 12 34 56 78"])


@st.composite
def records(draw: st.DrawFn) -> SearchCriteria:
    """Any record: a `SearchCriteria` or a `MatchRecord`, each field given or not."""
    postcode, country = draw(_PLACES)
    fields: dict[str, Any] = {
        "customer_number": draw(st.none() | st.sampled_from(["74050", "100001"])),
        "vat_number": draw(st.none() | st.sampled_from([VAT, "BE0477472701"])),
        "last_name": draw(st.none() | _NAME),
        "first_name": draw(st.none() | _NAME),
        "email": draw(st.none() | st.sampled_from(["thiemen.goderis@example.be", "a@b.example"])),
        "phone": draw(st.none() | _PHONES),
        "postcode": postcode,
        "country": country,
    }
    if draw(st.booleans()):
        return SearchCriteria(**fields)
    return MatchRecord(
        **fields,
        street=draw(st.none() | st.sampled_from(["Kortrijksesteenweg", "Rue Neuve"])),
        house_number=draw(st.none() | st.sampled_from(["112 B", "7"])),
        city=draw(st.none() | st.sampled_from(["Gent", "Bruxelles"])),
        mobile=draw(st.none() | _PHONES),
        legal_form=draw(st.none() | st.sampled_from(list(LegalForm))),
    )


class Finding(Mapping[str, Sequence[JSONObject]]):
    """`Hits` for every search at once: ``finds(search)`` are who it finds."""

    def __init__(self, finds: Callable[[str], Sequence[JSONObject]]) -> None:
        self._finds = finds

    def __getitem__(self, search: str) -> Sequence[JSONObject]:
        return self._finds(search)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class DrawnHits(Mapping[str, Sequence[JSONObject]]):
    """`Hits` drawn as each search is first asked: none, a page, or many pages of strangers.

    Each search keeps the records it was drawn, so its later pages agree with its first.
    """

    COUNTS: Final = (0, 1, 2, 9, 10, 11, 25, 30, 31, 45, 120)

    def __init__(self, data: st.DataObject) -> None:
        self._data = data
        self._drawn: dict[str, list[JSONObject]] = {}

    def __getitem__(self, search: str) -> list[JSONObject]:
        if search not in self._drawn:
            count = self._data.draw(st.sampled_from(self.COUNTS), label=search)
            kp = search.startswith("nachname=")
            self._drawn[search] = kp_crowd(count) if kp else crowd(count)
        return self._drawn[search]

    def __iter__(self) -> Iterator[str]:
        return iter(self._drawn)

    def __len__(self) -> int:
        return len(self._drawn)
