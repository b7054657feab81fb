"""How well a candidate agrees with the criteria: fields normalised, compared in levels, weighed.

Record linkage as Fellegi and Sunter defined it, and as Splink does it: each
field given on both sides is compared at one of a few *levels* (equal, similar,
different), each level adds a *match weight* in bits for the match or against
it, and the sum, on top of a prior, becomes a score in [0, 1]:
``score = 1 / (1 + 2 ** -(PRIOR + weights))``. A field missing on either side
weighs nothing. The same criteria and candidate always give the same score,
reasons and order.

Fields are normalised before they are compared:

- VAT and customer numbers: compacted (letters and digits, upper case);
- e-mail addresses: case-folded;
- phone numbers: E.164 (``phonenumbers``), the phone and the mobile both tried;
- names: case, accents, hyphens, spaces and apostrophes folded away, so that
  "Van de Velde", "Vandevelde" and "van-de-velde" are equal, and a company's
  legal form (NV, BV, SA...) dropped; similarity is rapidfuzz's Jaro-Winkler;
- first and last name are also tried swapped, for a small penalty.

`WEIGHTS` holds every level's weight; docs/matching.md explains them.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

import attrs
import phonenumbers
from rapidfuzz.distance import JaroWinkler

from ._models import Person
from ._redact import redacted_repr

if TYPE_CHECKING:
    from ._criteria import SearchCriteria
    from ._results import Candidate

__all__ = [
    "BEST_MARGIN",
    "BEST_SCORE",
    "PRIOR",
    "WEIGHTS",
    "Match",
    "best_of",
    "fold_name",
    "match",
    "phone_key",
    "rank",
    "ranked",
]

PRIOR: Final = -8.0
"""The match weight, in bits, of a candidate about whom nothing agrees yet."""
WEIGHTS: Final[dict[str, dict[str, float]]] = {
    "customer_number": {"equal": 16.0, "different": -14.0},
    "vat_number": {"equal": 14.0, "different": -12.0, "missing": -3.0},
    "last_name": {"equal": 9.0, "very similar": 7.0, "similar": 4.0, "different": -7.0},
    "first_name": {
        "equal": 6.0,
        "very similar": 4.5,
        "similar": 2.5,
        "initial": 1.0,
        "different": -5.0,
        "missing": -2.0,
    },
    "email": {"equal": 9.0, "different": -1.5},
    "phone": {"equal": 8.0, "different": -1.5},
    "postcode": {"equal": 4.0, "different": -3.0},
    "country": {"equal": 0.5, "different": -4.0},
}
"""Each field's weight in bits at each level.

``different`` weighs little against e-mail and phone (they go stale) and the
postcode (people move), and much against the numbers a customer keeps.
``missing``: given in the criteria, absent on a candidate that should have it
(a VAT number on a private person, a first name on a company).
"""
VERY_SIMILAR: Final = 0.94
"""Jaro-Winkler similarity from which two names are "very similar" (one typo in a long name)."""
SIMILAR: Final = 0.88
"""Jaro-Winkler similarity from which two names are "similar"."""
TYPO_LETTERS: Final = 1
"""Letters a name may have more than another that it begins, and still be "similar"."""
SWAPPED_PENALTY: Final = 1.0
"""Bits taken off when the names agree only once first and last name are swapped."""
BEST_SCORE: Final = 0.9
"""The least score of a `SearchResult.best`."""
BEST_MARGIN: Final = 4.0
"""Bits by which the best must lead the runner-up: 16 times the odds."""

_LEGAL_FORMS: Final = frozenset(
    {"nv", "bv", "bvba", "cv", "cvba", "commv", "vof", "vzw", "sa", "srl", "sprl", "scrl"}
    | {"sarl", "sas", "asbl", "gmbh", "ag", "kg", "ohg", "ltd", "llc", "inc", "plc"}
)
_DEFAULT_REGION: Final = "BE"
_KEYS_EQUAL: Final = frozenset({"vat_number equal", "customer_number equal"})


@redacted_repr("score", "reasons", "weight")
@attrs.frozen
class Match:
    """A candidate, and how well it agrees with the criteria searched for.

    Example::

        match = result.matches[0]
        match.score, match.reasons
        # (0.999, ('last_name equal', 'first_name equal', 'postcode equal'))
    """

    candidate: Candidate
    score: float
    """In [0, 1]: how sure the criteria and the candidate are the same customer."""
    reasons: tuple[str, ...]
    """Each compared field and its level, e.g. ``"last_name similar 0.93"``."""
    weight: float
    """The match weight in bits (log2 of the odds) that ``score`` comes from."""


# --- normalising ----------------------------------------------------------------------


_LETTERS: Final = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
"""Letters that Unicode does not decompose into a base letter and an accent."""


@functools.lru_cache(maxsize=4096)
def _words(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", name.casefold().translate(_LETTERS))
    kept = "".join(
        "" if c == "." else c if c.isalnum() else " "  # "B.V." is "bv"; "Van-de" is "van de"
        for c in plain
        if not unicodedata.combining(c)
    )
    return tuple(kept.split())


def fold_name(name: str) -> str:
    """A name folded for comparing: no case, accents, spaces, hyphens, dots or apostrophes.

    >>> fold_name("Van de Velde") == fold_name("Vandevelde") == fold_name("van-de-velde")
    True
    >>> fold_name("Élodie"), fold_name("Łukasz"), fold_name("Peeters Bouw B.V.")
    ('elodie', 'lukasz', 'peetersbouwbv')
    """
    return "".join(_words(name))


def _without_legal_form(name: str) -> str:
    """The folded name without a company's legal form (NV, BV, SA...), if anything is left."""
    words = _words(name)
    kept = [word for word in words if word not in _LEGAL_FORMS]
    return "".join(kept or words)


def _compact(number: str) -> str:
    return "".join(c for c in number if c.isalnum()).upper()


def _vat_key(number: str) -> str:
    # As SearchCriteria reads one: no country prefix means Belgian.
    compact = _compact(number)
    return "BE" + compact if compact[:1].isdigit() else compact


@functools.lru_cache(maxsize=4096)
def phone_key(number: str, region: str = _DEFAULT_REGION) -> str:
    """A phone number in E.164, as dialled from ``region``; its digits if it cannot be read.

    >>> phone_key("0475 12 34 56"), phone_key("32475123456"), phone_key("+32 475 12 34 56")
    ('+32475123456', '+32475123456', '+32475123456')
    >>> phone_key("621 123 456", "LU")  # Luxembourg dials without a trunk 0
    '+352621123456'
    """
    digits = "".join(c for c in number if c.isdigit())
    if number.lstrip().startswith("+") or digits.startswith("00"):
        readings = ["+" + digits.removeprefix("00")]
    else:  # as dialled in the region; else the digits of an international number, "+" dropped
        readings = [digits, "+" + digits]
    for text in readings:
        try:
            parsed = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return digits.lstrip("0")


# --- comparing ------------------------------------------------------------------------


@attrs.frozen
class _Level:
    weight: float
    reason: str


def _level(field: str, level: str, shown: str | None = None) -> _Level:
    reason = f"{field} {level}" if shown is None else f"{field} {level} {shown}"
    return _Level(WEIGHTS[field][level], reason)


def _compare_names(field: str, given: str, found: str) -> _Level:
    # With and without a legal form: "Peeters Bouw BV" is "Peeters Bouw", "De Sá" stays itself.
    pairs = (
        (fold_name(given), fold_name(found)),
        (_without_legal_form(given), _without_legal_form(found)),
    )
    if any(a == b for a, b in pairs):
        return _level(field, "equal")
    a, b = pairs[0]
    if field == "first_name" and min(len(a), len(b)) == 1 and a[:1] == b[:1]:
        return _level(field, "initial")
    if _only_begins(given, found):
        return _level(field, "different")  # Jans is not Janssens, nor Jan Janine
    similarity = max(JaroWinkler.similarity(a, b) for a, b in pairs)
    if similarity >= VERY_SIMILAR:
        return _level(field, "very similar", f"{similarity:.2f}")
    if similarity >= SIMILAR:
        return _level(field, "similar", f"{similarity:.2f}")
    return _level(field, "different")


def _only_begins(given: str, found: str) -> bool:
    """Whether one name is the start of the other, longer by more than a typo, mid-word.

    Driver2 searches names by their start, and Jaro-Winkler rewards a shared
    start: without this, every longer name that a search brings back would look
    "similar". Whole words are not held against a name: "Peeters" may well be
    "Peeters Bouw NV".
    """
    (short, long) = sorted((fold_name(given), fold_name(found)), key=len)
    if not long.startswith(short) or len(long) - len(short) <= TYPO_LETTERS:
        return False
    (few, many) = sorted((_words(given), _words(found)), key=len)
    return many[: len(few)] != few


def _names(criteria: SearchCriteria, candidate: Candidate) -> list[_Level]:
    """The last and first name compared, the swapped reading kept when it agrees better."""
    straight = _name_levels(criteria.last_name, criteria.first_name, candidate)
    if criteria.last_name is None or criteria.first_name is None or candidate.first_name is None:
        return straight
    swapped = _name_levels(criteria.first_name, criteria.last_name, candidate)
    if sum(level.weight for level in swapped) - SWAPPED_PENALTY <= sum(
        level.weight for level in straight
    ):
        return straight
    return [
        _Level(-SWAPPED_PENALTY, "names swapped"),
        *(_Level(level.weight, level.reason + " (swapped)") for level in swapped),
    ]


def _name_levels(last: str | None, first: str | None, candidate: Candidate) -> list[_Level]:
    levels = []
    if last is not None:
        levels.append(_compare_names("last_name", last, candidate.name))
    if first is not None:
        if candidate.first_name is None:
            levels.append(_level("first_name", "missing"))
        else:
            levels.append(_compare_names("first_name", first, candidate.first_name))
    return levels


def _phones(candidate: Candidate) -> list[str]:
    record = candidate.record
    return [number for number in (record.phone, record.mobile) if number]


def _country(candidate: Candidate) -> str:
    record = candidate.record
    return record.country if isinstance(record, Person) else record.address.country


def _compare(criteria: SearchCriteria, candidate: Candidate) -> list[_Level]:
    levels: list[_Level] = []
    if criteria.customer_number is not None and candidate.driver2_number is not None:
        same = criteria.customer_number.lstrip("0") == candidate.driver2_number.lstrip("0")
        levels.append(_level("customer_number", "equal" if same else "different"))
    if criteria.vat_number is not None:
        if candidate.vat_number is None:
            levels.append(_level("vat_number", "missing"))
        else:
            same = _vat_key(criteria.vat_number) == _vat_key(candidate.vat_number)
            levels.append(_level("vat_number", "equal" if same else "different"))
    levels.extend(_names(criteria, candidate))
    if criteria.postcode is not None and candidate.postcode is not None:
        same = _compact(criteria.postcode) == _compact(candidate.postcode)
        levels.append(_level("postcode", "equal" if same else "different"))
    if criteria.email is not None and candidate.email is not None:
        same = criteria.email.casefold() == candidate.email.casefold()
        levels.append(_level("email", "equal" if same else "different"))
    phones = _phones(candidate)
    if criteria.phone is not None and phones:
        region = criteria.country or _country(candidate)
        given = phone_key(criteria.phone, region)
        same = any(given == phone_key(number, region) for number in phones)
        levels.append(_level("phone", "equal" if same else "different"))
    if criteria.country is not None:
        same = criteria.country == _country(candidate)
        levels.append(_level("country", "equal" if same else "different"))
    return levels


def _score(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def match(criteria: SearchCriteria, candidate: Candidate) -> Match:
    """How well ``candidate`` agrees with ``criteria``: its score and the reasons."""
    levels = _compare(criteria, candidate)
    weight = PRIOR + sum(level.weight for level in levels)
    return Match(candidate, _score(weight), tuple(level.reason for level in levels), weight)


def _key(found: Match) -> tuple[float, str, str, str]:
    candidate = found.candidate
    number = (candidate.driver2_number or "").zfill(12)  # in number order: 74050 before 100001
    return (-found.weight, number, candidate.kp_id or "", candidate.name)


def rank(criteria: SearchCriteria, candidates: Iterable[Candidate]) -> tuple[Match, ...]:
    """Every candidate's `Match`, the best first; ties in the services' own keys' order."""
    return ranked(match(criteria, c) for c in candidates)


def ranked(matches: Iterable[Match]) -> tuple[Match, ...]:
    """``matches``, the best first; ties in the services' own keys' order."""
    return tuple(sorted(matches, key=_key))


def best_of(matches: Sequence[Match], *, unread: int = 0) -> Candidate | None:
    """The first of ranked ``matches`` when it is clearly ahead; ``None`` for a tie or a weak one.

    Clearly ahead: a score of at least `BEST_SCORE`, and a match weight at least
    `BEST_MARGIN` bits above the runner-up's. With ``unread`` hits not among
    ``matches``, one of those could be better: only a leader whose VAT or
    customer number is equal is then clear.
    """
    if not matches or matches[0].score < BEST_SCORE:
        return None
    if len(matches) > 1 and matches[0].weight - matches[1].weight < BEST_MARGIN:
        return None
    if unread and not _KEYS_EQUAL.intersection(matches[0].reasons):
        return None
    return matches[0].candidate
