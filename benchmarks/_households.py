"""Look-alikes of Driver2 customers for the matching benchmark: households, namesake companies.

Records of people and companies that Driver2 does not hold, made to look like
customers it does hold, as a dealer's files are full of them:

- `households`: a customer's relative, who is not a customer: the customer's
  last name, postcode and address, *another* first name. Half of them bear a
  gendered form of the customer's own first name (Jan and Jana, Michel and
  Michèle, and the other way round), the others an unrelated one; half carry
  the family's e-mail, some its landline (the customer's ``phone``, never its
  ``mobile``);
- `companies`: ``"<family name> BV"`` (NV, or SRL where French is spoken), no
  first name, in the postcode of a private customer of that family name, where
  Driver2 holds no company bearing the family name.

Every best either gets is wrong: `Known` keeps each one out of what Driver2 and
KP hold (the same folded last name, first name and postcode; a company bearing
the family name in Driver2; an e-mail address or VAT number), so none of them
is a customer or a KP person under another spelling. They are written as held,
without typos: a typo could turn a relative's first name into the customer's own.

`Known` also serves ``benchmarks/matching.py`` to keep its strangers out of both
databases. Everything is drawn from the `random.Random` given: the same seed
and data give the same look-alikes.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from driver2_kp.sandbox import Dataset
from driver2_kp.sandbox._places import STREETS

__all__ = [
    "ADDRESS_COLUMNS",
    "COLUMNS",
    "GENDERED",
    "Fields",
    "Known",
    "Lookalike",
    "companies",
    "fold",
    "house_number",
    "households",
]

JSONObject = Mapping[str, Any]

COLUMNS: Final = ("last_name", "first_name", "postcode", "email", "phone", "vat_number")
"""The columns of every record's frame."""
ADDRESS_COLUMNS: Final = ("street", "house_number", "city")
"""The columns a record's frame has too, when matched with the address."""
GENDERED: Final = (
    ("Jan", "Jana"),
    ("Michel", "Michèle"),
    ("Daniel", "Danielle"),
    ("Louis", "Louise"),
    ("Christian", "Christiane"),
    ("Pascal", "Pascale"),
    ("Marcel", "Marcelle"),
    ("Paul", "Paula"),
    ("Jean", "Jeanne"),
    ("Denis", "Denise"),
    ("Gabriel", "Gabrielle"),
    ("Frédéric", "Frédérique"),
    ("André", "Andrée"),
    ("Martin", "Martine"),
    ("Emmanuel", "Emmanuelle"),
)
"""A man's first name and a woman's form of it: each other's relatives, never the same person."""
FAMILY_EMAIL: Final = 0.5
"""Share of households whose record carries the family's e-mail (the customer's)."""
FAMILY_PHONE: Final = 0.3
"""Share of households whose record carries the family's landline (the customer's ``phone``)."""
COMPANY_EMAIL: Final = 0.5
COMPANY_VAT: Final = 0.5
"""Share of companies whose record carries a VAT number (valid, held by nobody)."""
_FRENCH_FORMS: Final = ("SRL",)
_DUTCH_FORMS: Final = ("BV", "NV")
_TRIES: Final = 20
"""Draws of an unrelated first name before a customer is passed over."""


def fold(text: str | None) -> str:
    """A name as a key: no case, accents, spaces or punctuation ("Van de Velde" is "vandevelde")."""
    plain = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c)).casefold()


def _words(name: str | None) -> tuple[str, ...]:
    return tuple(fold(word) for word in (name or "").replace("-", " ").split() if fold(word))


def _within(few: Sequence[str], many: Sequence[str]) -> bool:
    """Whether the words ``few`` occur together, in order, among ``many``."""
    return any(tuple(many[at : at + len(few)]) == tuple(few) for at in range(len(many)))


@attrs.frozen
class Known:
    """Who Driver2 and KP hold, as keys: a record made up here must name none of them."""

    people: frozenset[tuple[str, str, str]]
    """Folded last name, first name and postcode of every customer and KP person."""
    emails: frozenset[str]
    """Every e-mail address held, case-folded: nobody else's record may carry one."""
    phones: frozenset[str]
    """Every phone, mobile and fax number held, as its digits."""
    vat_numbers: frozenset[str]
    companies: tuple[tuple[str, ...], ...]
    """The words of every company's name in Driver2."""

    @classmethod
    def of(cls, dataset: Dataset) -> Known:
        """What the sandbox's data holds."""
        people: set[tuple[str, str, str]] = set()
        emails: set[str] = set()
        phones: set[str] = set()
        vat_numbers: set[str | None] = set()
        companies: list[tuple[str, ...]] = []
        for customer in dataset.customers:
            address = customer["address"]
            people.add(_key(customer["name"], customer["firstName"], address["postcode"]))
            if customer["legalForm"] == "legal_entity":
                companies.append(_words(customer["name"]))
            emails.add((customer["email"] or "").casefold())
            phones.update(_digits(customer[f]) for f in ("phone", "mobile", "fax"))
            vat_numbers.add(customer["vatNumber"])
        for person in dataset.persons:
            people.add(_key(person["nachname"], person["vorname"], person["plz"]))
            emails.add((person["email"] or "").casefold())
            phones.update(_digits(person[f]) for f in ("telefon", "mobil", "fax"))
            vat_numbers.add(person["ustIdNr"])
        return cls(
            frozenset(people),
            frozenset(emails - {""}),
            frozenset(phones - {""}),
            frozenset(number for number in vat_numbers if number is not None),
            tuple(companies),
        )

    def holds(self, last: str | None, first: str | None, postcode: str | None) -> bool:
        """Whether Driver2 or KP holds someone of this last name, first name and postcode."""
        return _key(last, first, postcode) in self.people

    def has_company(self, family: str) -> bool:
        """Whether Driver2 holds a company that bears the family name ("Peeters Bouw NV")."""
        words = _words(family)
        return any(_within(words, company) for company in self.companies)


def _key(last: str | None, first: str | None, postcode: str | None) -> tuple[str, str, str]:
    return fold(last), fold(first), (postcode or "").strip()


def _digits(number: str | None) -> str:
    return "".join(c for c in number or "" if c.isdigit())


@attrs.frozen(kw_only=True)
class Fields:
    """A record as a data engineer holds it: text, ``None`` where it is not known."""

    last_name: str | None = None
    first_name: str | None = None
    postcode: str | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    street: str | None = None
    house_number: str | None = None
    """With its box, if any: ``"112 B"``."""
    city: str | None = None

    def row(self, *, address: bool) -> dict[str, str | None]:
        """The record as a frame's row: `COLUMNS`, and `ADDRESS_COLUMNS` with ``address``."""
        names = COLUMNS + (ADDRESS_COLUMNS if address else ())
        return {name: getattr(self, name) for name in names}


@attrs.frozen
class Lookalike:
    """A record made to look like a customer's, and how it was made."""

    of: str
    """The customer number of the customer it resembles."""
    fields: Fields
    how: tuple[str, ...]
    """How it was made, for reading: ``"gendered: Jan / Jana"``, ``"family e-mail"``..."""


def _private(dataset: Dataset) -> list[JSONObject]:
    return [c for c in dataset.customers if c["legalForm"] == "natural_person" and c["firstName"]]


def house_number(address: JSONObject) -> str | None:
    """A Driver2 address's house number with its box, as a record holds it: ``"112 B"``."""
    return " ".join(filter(None, (address["houseNumber"], address["box"]))) or None


def _related(one: str, other: str) -> bool:
    """Whether two first names are one, or a form of the other (Jan, Jana, Janine)."""
    a, b = fold(one), fold(other)
    gendered = any({a, b} == {fold(male), fold(female)} for male, female in GENDERED)
    return a.startswith(b) or b.startswith(a) or gendered


def _variant(first: str) -> str | None:
    """The other gender's form of ``first``, if `GENDERED` knows it."""
    for male, female in GENDERED:
        if fold(first) == fold(male):
            return female
        if fold(first) == fold(female):
            return male
    return None


def _household(customer: JSONObject, first: str, how: str, rng: random.Random) -> Lookalike | None:
    """The relative's record; ``None`` when it is to carry an e-mail the family lacks.

    Passing such a family over keeps the share with the family's e-mail at
    `FAMILY_EMAIL`: 15 % of customers have none.
    """
    address = customer["address"]
    carries = rng.random() < FAMILY_EMAIL
    if carries and not customer["email"]:
        return None
    email = customer["email"] if carries else None
    phone = customer["phone"] if customer["phone"] and rng.random() < FAMILY_PHONE else None
    fields = Fields(
        last_name=customer["name"],
        first_name=first,
        postcode=address["postcode"],
        email=email,
        phone=phone,
        street=address["street"],
        house_number=house_number(address),
        city=address["city"],
    )
    shared = ("family e-mail",) * (email is not None) + ("family landline",) * (phone is not None)
    return Lookalike(customer["customerNumber"], fields, (how, *shared))


def households(dataset: Dataset, known: Known, count: int, rng: random.Random) -> list[Lookalike]:
    """``count`` relatives of private customers (fewer if the data has too few): half gendered."""
    private = _private(dataset)
    gendered = [c for c in private if _variant(c["firstName"]) is not None]
    rng.shuffle(gendered)
    made = list(_gendered(gendered, known, count // 2, rng))
    taken = {c["customerNumber"] for c in gendered}
    others = [c for c in private if c["customerNumber"] not in taken]
    rng.shuffle(others)
    made += _unrelated(others, private, known, count - len(made), rng)
    return made


def _gendered(
    customers: Iterable[JSONObject], known: Known, count: int, rng: random.Random
) -> Iterator[Lookalike]:
    made = 0
    for customer in customers:
        if made == count:
            return
        first = _variant(customer["firstName"])
        assert first is not None
        if known.holds(customer["name"], first, customer["address"]["postcode"]):
            continue  # the relative is a customer, or in KP: not a look-alike
        relative = _household(customer, first, f"gendered: {customer['firstName']} / {first}", rng)
        if relative is not None:
            made += 1
            yield relative


def _unrelated(
    customers: Iterable[JSONObject],
    names: Sequence[JSONObject],
    known: Known,
    count: int,
    rng: random.Random,
) -> list[Lookalike]:
    """Relatives with a first name drawn from the customers' own (so as common as theirs)."""
    made: list[Lookalike] = []
    for customer in customers:
        if len(made) == count:
            break
        own, postcode = customer["firstName"], customer["address"]["postcode"]
        for _ in range(_TRIES):
            first = rng.choice(names)["firstName"]
            if not _related(own, first) and not known.holds(customer["name"], first, postcode):
                relative = _household(customer, first, f"unrelated: {own} / {first}", rng)
                made += [relative] if relative is not None else []
                break
    return made


def _be_vat(rng: random.Random, known: Known) -> str:
    """A valid Belgian VAT number that nobody holds: 8 digits, then 97 minus them modulo 97."""
    while True:
        base = rng.randrange(2_000_000, 19_999_999)
        number = f"BE{base:08d}{97 - base % 97:02d}"
        if number not in known.vat_numbers:
            return number


def _company(customer: JSONObject, known: Known, rng: random.Random) -> Lookalike:
    family, address = customer["name"], customer["address"]
    french = customer["language"].startswith("fr")
    form = rng.choice(_FRENCH_FORMS if french else _DUTCH_FORMS)
    streets = STREETS["fr" if french else "nl"]
    email = f"info@{fold(family)}.example.be" if rng.random() < COMPANY_EMAIL else None
    vat_number = _be_vat(rng, known) if rng.random() < COMPANY_VAT else None
    fields = Fields(
        last_name=f"{family} {form}",
        postcode=address["postcode"],
        email=None if email in known.emails else email,
        vat_number=vat_number,
        # A company at an address of its own, in the family's postcode.
        street=rng.choice(streets),
        house_number=str(rng.randint(1, 250)),
        city=address["city"],
    )
    how = ("company e-mail",) * (fields.email is not None) + ("VAT number",) * bool(vat_number)
    return Lookalike(customer["customerNumber"], fields, (f"{family} {form}", *how))


def companies(dataset: Dataset, known: Known, count: int, rng: random.Random) -> list[Lookalike]:
    """``count`` companies named after families of private Belgian customers, one a family."""
    families: dict[str, list[JSONObject]] = {}
    for customer in _private(dataset):
        if customer["address"]["country"] == "BE":
            families.setdefault(fold(customer["name"]), []).append(customer)
    free = [key for key, members in families.items() if not known.has_company(members[0]["name"])]
    chosen = rng.sample(free, min(count, len(free)))
    return [_company(rng.choice(families[key]), known, rng) for key in chosen]
