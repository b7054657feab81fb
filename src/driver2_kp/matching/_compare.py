"""Comparing a record with a candidate, field by field, in levels: equal, similar, different.

Pure functions. Each field given on both sides is compared at one level (see
`LEVELS`); a field missing on either side is not compared. What a level weighs
is not decided here but in `driver2_kp.matching._weights`, so that the levels
can be counted on pairs of known truth to estimate those weights.

A candidate is read through its party (`Profile`): a Driver2 customer and a KP
person are compared on the same footing.
"""

from __future__ import annotations

import functools
from typing import Final

import attrs
from rapidfuzz.distance import OSA

from driver2_kp._candidate import Candidate
from driver2_kp._criteria import MatchRecord, SearchCriteria
from driver2_kp._models import Customer, LegalForm
from driver2_kp._party import party_from_customer, party_from_person

from ._normal import (
    compact,
    fold_name,
    names_a_company,
    phone_key,
    vat_key,
    without_legal_form,
    words,
)

__all__ = [
    "HOUSEHOLD",
    "LEVELS",
    "Compared",
    "Profile",
    "compare",
    "compare_names",
    "first_name_level",
    "kind_of",
    "last_name_level",
    "profile",
]

LEVELS: Final[dict[str, tuple[str, ...]]] = {
    "customer_number": ("equal", "different"),
    "vat_number": ("equal", "different", "missing"),
    "legal_form": ("different",),
    "last_name": ("equal", "very similar", "similar", "different"),
    "first_name": ("equal", "very similar", "similar", "initial", "different", "missing"),
    "email": ("equal", "different"),
    "phone": ("equal", "different"),
    "postcode": ("equal", "typo", "different"),
    "address": ("equal", "same street", "different"),
    "city": ("equal", "different"),
    "country": ("equal", "different"),
}
"""Every field compared, and its levels, from the most to the least alike."""
HOUSEHOLD: Final = frozenset({"email", "phone", "postcode", "address", "city"})
"""Fields a household shares, or may: their agreement supports only a candidate whose name agrees.

A family shares its address, often an e-mail and a landline, and a partner's
mobile number is given for both often enough.
"""
TYPO_LETTERS: Final = 1
"""Letters a last name may have more than another that it begins, and still be "similar"."""
_GENDERED_ENDINGS: Final = (
    ("", "a"),
    ("", "e"),
    ("o", "a"),
    ("us", "a"),
    ("er", "ra"),
    ("c", "que"),
    ("ck", "cia"),
)
"""Endings that turn a man's first name into a woman's: Jan/Jana, Michel/Michèle, Antonio/Antonia.

A name that begins the other and is shorter by more than a letter is
another person's too (Jan/Janine, Daniel/Danielle, Chris/Christine).
"""
_MIN_STEM: Final = 3
_SHORT_NAME: Final = 4
"""Letters from which a name with a letter replaced is a typo: Tom and Tim are two people."""
_LONG_NAME: Final = 7
"""Letters from which a last name two typos off is still "similar"."""
_LONG_FIRST_NAME: Final = 5
"""Letters from which a first name two typos off is still "similar" (Brianna and Brinaa)."""


@attrs.frozen
class Compared:
    """One field of a record compared with a candidate: the level it agrees at."""

    field: str
    level: str
    shown: str | None = None
    """A detail worth showing, such as the similarity ``"0.93"``."""
    household: bool = False
    """Whether it agrees on what a household shares (`HOUSEHOLD`): no proof of the person."""

    @property
    def reason(self) -> str:
        """How the field compared, for people: ``"last_name similar 0.93"``."""
        text = f"{self.field} {self.level}"
        return text if self.shown is None else f"{text} {self.shown}"


@attrs.frozen
class Profile:
    """What a candidate is compared on, the same for a Driver2 customer and a KP person."""

    kind: LegalForm
    name: str
    first_name: str | None
    driver2_number: str | None
    vat_number: str | None
    email: str | None
    phones: tuple[str, ...]
    postcode: str | None
    street: str | None
    house_number: str | None
    city: str | None
    country: str


@functools.lru_cache(maxsize=4096)
def profile(candidate: Candidate) -> Profile:
    """The candidate as its party reads: kind, names, keys, contacts and address."""
    record = candidate.record
    party = (
        party_from_customer(record) if isinstance(record, Customer) else party_from_person(record)
    )
    return Profile(
        kind=party.legal_form,
        name=party.name,
        first_name=party.first_name,
        driver2_number=candidate.driver2_number,
        vat_number=party.vat_number,
        email=party.email,
        phones=tuple(number for number in (party.mobile, party.phone) if number),
        postcode=party.postcode,
        street=party.street,
        house_number=party.house_number,
        city=party.city,
        country=party.country,
    )


def kind_of(record: SearchCriteria) -> LegalForm | None:
    """What a record names by itself: a company, a person, or ``None`` when it does not say.

    Its own ``legal_form`` first (a `MatchRecord`); else a legal form in its
    name (BV, NV, SRL, GmbH...) names a company, and a first name a person.
    A VAT number tells it too, through the candidate it belongs to: see
    `driver2_kp.matching._score.record_kind`.
    """
    if isinstance(record, MatchRecord) and record.legal_form is not None:
        return record.legal_form
    if record.last_name is not None and names_a_company(record.last_name):
        return None if record.first_name is not None else LegalForm.LEGAL_ENTITY
    return LegalForm.NATURAL_PERSON if record.first_name is not None else None


# --- names ----------------------------------------------------------------------------


def _equal(given: str, found: str) -> bool:
    return fold_name(given) == fold_name(found) or without_legal_form(given) == without_legal_form(
        found
    )


def _only_begins(given: str, found: str, typo_letters: int) -> bool:
    """Whether one name is the start of the other, longer by more than ``typo_letters``, mid-word.

    Driver2 searches names by their start: without this, a longer name that a
    search brings back could pass for a typo. Whole words are not held against
    a last name: "Peeters" may well be "Peeters Bouw NV".
    """
    short, long = sorted((fold_name(given), fold_name(found)), key=len)
    if not long.startswith(short) or len(long) - len(short) <= typo_letters:
        return False
    few, many = sorted((words(given), words(found)), key=len)
    return many[: len(few)] != few


def _by_typos(field: str, pairs: list[tuple[str, str]], long: int = _LONG_NAME) -> Compared:
    """Two names a typo apart are "very similar", two typos apart (long names) "similar".

    Typos are counted as they are made: a letter added, dropped, replaced, or
    two neighbouring letters swapped (optimal string alignment). In a short
    name, a letter replaced makes another name: Tom and Tim, Maes and Mees.
    """
    for one, other in pairs:
        edits, shorter = OSA.distance(one, other), min(len(one), len(other))
        typo = len(one) != len(other) or sorted(one) == sorted(other) or shorter >= _SHORT_NAME
        if edits == 1 and typo:
            return Compared(field, "very similar", "1 typo")
    for one, other in pairs:
        if OSA.distance(one, other) == 2 and min(len(one), len(other)) >= long:
            return Compared(field, "similar", "2 typos")
    return Compared(field, "different")


def last_name_level(given: str, found: str) -> Compared:
    """A last (or company) name compared: equal, very similar, similar or different.

    >>> [last_name_level("Goderis", name).level for name in ("GODERIS", "Godreis", "Janssens")]
    ['equal', 'very similar', 'different']
    >>> last_name_level("Michiels", "Michel").level  # two typos, in a short name
    'different'
    >>> last_name_level("Jans", "Janssens").level  # only its start
    'different'
    """
    if _equal(given, found):
        return Compared("last_name", "equal")
    if _only_begins(given, found, TYPO_LETTERS):
        return Compared("last_name", "different")  # Jans is not Janssens
    few, many = sorted((words(given), words(found)), key=len)
    if many[: len(few)] == few:  # Peeters of Peeters Bouw NV, or of Peeters-Smets
        return Compared("last_name", "similar", "its first words")
    pairs = [
        (fold_name(given), fold_name(found)),
        (without_legal_form(given), without_legal_form(found)),
    ]
    return _by_typos("last_name", pairs)


def _gendered(one: str, other: str) -> bool:
    """Whether two folded first names are a man's and a woman's form of one name."""
    for male, female in _GENDERED_ENDINGS:
        for a, b in ((one, other), (other, one)):
            stem = a.removesuffix(male)
            if a.endswith(male) and len(stem) >= _MIN_STEM and b == stem + female:
                return True
    return False


def first_name_level(given: str, found: str) -> Compared:
    """A first name compared: equal, very similar (a typo), similar (two), initial or different.

    Edits are counted as typos are made: a letter added, dropped, replaced, or
    two neighbouring letters swapped (optimal string alignment). Another first
    name is another person, however alike: a name that is only the start of
    the other (Jan and Jana, Michel and Michèle, Daniel and Danielle) and a
    gendered form (Antonio and Antonia) are "different"; so are two short
    names a letter apart (Tom and Tim).

    >>> [first_name_level("Thiemen", name).level for name in ("thiemen", "Theimen", "T.", "Jan")]
    ['equal', 'very similar', 'initial', 'different']
    >>> [first_name_level(a, b).level for a, b in (("Michel", "Michèle"), ("Jan", "Jana"))]
    ['different', 'different']
    """
    a, b = fold_name(given), fold_name(found)
    if a == b:
        return Compared("first_name", "equal")
    if min(len(a), len(b)) == 1:
        return Compared("first_name", "initial" if a[:1] == b[:1] else "different")
    if _gendered(a, b) or _only_begins(a, b, TYPO_LETTERS):
        return Compared("first_name", "different")
    return _by_typos("first_name", [(a, b)], _LONG_FIRST_NAME)


def compare_names(last: str | None, first: str | None, found: Profile) -> list[Compared]:
    """The last and first name of a record, as given, compared with the candidate's."""
    compared = []
    if last is not None:
        compared.append(last_name_level(last, found.name))
    if first is not None:
        if found.first_name is None:
            if found.kind is LegalForm.NATURAL_PERSON:
                compared.append(Compared("first_name", "missing"))
        else:
            compared.append(first_name_level(first, found.first_name))
    return compared


# --- the other fields -----------------------------------------------------------------


def _equal_or_not(field: str, same: bool, *, household: bool = False) -> Compared:
    return Compared(field, "equal" if same else "different", household=household and same)


def _numbers(record: SearchCriteria) -> list[str]:
    mobile = record.mobile if isinstance(record, MatchRecord) else None
    return [number for number in (mobile, record.phone) if number]


def _phone(record: SearchCriteria, found: Profile) -> Compared | None:
    given = _numbers(record)
    if not given or not found.phones:
        return None
    region = record.country or found.country
    theirs = {phone_key(number, region) for number in found.phones}
    same = any(phone_key(number, region) in theirs for number in given)
    return _equal_or_not("phone", same, household=True)


def _postcode(given: str, found: str) -> Compared:
    """Equal; a typo (the last digit off, or two neighbouring digits swapped); or different."""
    if given == found:
        return Compared("postcode", "equal", household=True)
    # Every digit but the last names a place (9000 Gent, 9030 Mariakerke, 1030 and 1050
    # two communes of Brussels): only the last may be mistyped, or two digits swapped.
    if len(given) == len(found) and OSA.distance(given, found) == 1:
        same_start = given[:-1] == found[:-1]
        if same_start or sorted(given) == sorted(found):
            return Compared("postcode", "typo", household=True)
    return Compared("postcode", "different")


def _address(record: MatchRecord, found: Profile) -> Compared | None:
    if record.street is None or found.street is None:
        return None
    street = last_name_level(record.street, found.street).level != "different"
    if not street:
        return Compared("address", "different")
    given_number = compact(record.house_number or "")
    found_number = compact(found.house_number or "")
    if given_number and found_number and given_number.startswith(found_number):
        return Compared("address", "equal", household=True)  # "112B" is at 112
    return Compared("address", "same street", household=True)


def compare_others(record: SearchCriteria, found: Profile) -> list[Compared]:
    """Every field but the names and the legal form, in the form's order, then the address."""
    compared: list[Compared] = []
    if record.customer_number is not None and found.driver2_number is not None:
        same = record.customer_number.lstrip("0") == found.driver2_number.lstrip("0")
        compared.append(_equal_or_not("customer_number", same))
    if record.vat_number is not None:
        if found.vat_number is None:
            compared.append(Compared("vat_number", "missing"))
        else:
            same = vat_key(record.vat_number) == vat_key(found.vat_number)
            compared.append(_equal_or_not("vat_number", same))
    if record.email is not None and found.email is not None:
        same = record.email.casefold() == found.email.casefold()
        compared.append(_equal_or_not("email", same, household=True))
    if (phone := _phone(record, found)) is not None:
        compared.append(phone)
    if record.postcode is not None and found.postcode is not None:
        compared.append(_postcode(compact(record.postcode), compact(found.postcode)))
    if isinstance(record, MatchRecord):
        if (address := _address(record, found)) is not None:
            compared.append(address)
        # An equal postcode says the city already: weighed twice, a namesake in town would pass.
        postcode_equal = any(c.field == "postcode" and c.level == "equal" for c in compared)
        if record.city is not None and found.city is not None and not postcode_equal:
            same = fold_name(record.city) == fold_name(found.city)
            compared.append(_equal_or_not("city", same, household=True))
    if record.country is not None:
        compared.append(_equal_or_not("country", record.country == found.country))
    return compared


def compare(record: SearchCriteria, candidate: Candidate) -> list[Compared]:
    """Every field compared as given (names not swapped), for counting levels on known pairs."""
    found = profile(candidate)
    return [
        *compare_names(record.last_name, record.first_name, found),
        *compare_others(record, found),
    ]
