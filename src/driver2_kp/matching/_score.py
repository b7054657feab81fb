"""A candidate's score against a record, the ranking, and whether one is clearly the best.

Record linkage as Fellegi and Sunter defined it, and as Splink does it: each
field given on both sides is compared at a level (`driver2_kp.matching._compare`),
each level weighs a number of bits for the match or against it
(`driver2_kp.matching._weights`), and the sum, on top of a prior, becomes a
score in [0, 1]: ``score = 1 / (1 + 2 ** -(PRIOR + weights))``.

On top of the sum, the rules that keep a match from naming another person:

- evidence a household shares (the postcode, the address, the city, a family
  e-mail, a landline) supports only a candidate whose name agrees: with a first
  name or last name against it, that evidence weighs nothing;
- a company and a natural person are never each other's best: the level
  "legal_form different" weighs so much against that no sum outweighs it;
- a common last name weighs less than a rare one, and a postcode where many
  customers live less than one where few do, when Driver2 told how many share
  the record's (`count_adjustment`).

The same record, candidates and counts always give the same scores, reasons and
order.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs

from driver2_kp._candidate import Candidate
from driver2_kp._criteria import SearchCriteria
from driver2_kp._models import LegalForm
from driver2_kp._party import Source
from driver2_kp._redact import redacted_repr

from ._compare import (
    Compared,
    Profile,
    compare_names,
    compare_others,
    kind_of,
    profile,
)
from ._normal import vat_key
from ._weights import (
    BEST_MARGIN,
    BEST_SCORE,
    KP_PRIOR,
    PLAUSIBLE_SCORE,
    PRIOR,
    WEIGHTS,
    count_adjustment,
)

__all__ = [
    "Match",
    "NoBestReason",
    "Verdict",
    "best_of",
    "is_plausible",
    "match",
    "rank",
    "ranked",
    "record_kind",
    "verdict",
]

SWAPPED_PENALTY: Final = 1.0
"""Bits taken off when the names agree only once first and last name are swapped."""
_NAME_AGREES: Final = frozenset({"equal", "very similar", "similar"})
"""Name levels at which a household's evidence may count for the candidate."""
_KEYS_EQUAL: Final = frozenset({"vat_number equal", "customer_number equal"})


class NoBestReason(enum.StrEnum):
    """Why a result names no best candidate.

    >>> str(NoBestReason.TIE)
    'tie'
    """

    NOBODY_FOUND = "nobody found"
    """No candidate at all."""
    ANOTHER_KIND = "another kind"
    """The closest candidate is a company and the record a person, or the other way round."""
    WEAK = "weak"
    """The leader agrees too little: its score is below 0.9."""
    TIE = "tie"
    """The runner-up is too close: less than 4 bits (16 times the odds) behind."""
    UNREAD_HITS = "unread hits"
    """Hits were left unread, and one of them could agree better."""


@redacted_repr("score", "reasons", "weight")
@attrs.frozen
class Match:
    """A candidate, and how well it agrees with the criteria.

    Example::

        thiemen = SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="9000")
        match = lookup.search(thiemen).matches[0]
        assert match.reasons == ("last_name equal", "first_name equal", "postcode equal")
        assert match.score > 0.999
    """

    candidate: Candidate
    score: float
    """In [0, 1]: how sure the criteria and the candidate are the same customer."""
    reasons: tuple[str, ...]
    """Each compared field and its level, e.g. ``"last_name similar 0.93"``."""
    weight: float
    """The match weight in bits (log2 of the odds) that ``score`` comes from."""


@attrs.frozen
class Verdict:
    """Whether ranked matches name a best, and if not, why; the leader's lead in bits."""

    best: Candidate | None
    why_no_best: NoBestReason | None
    margin: float | None
    """Bits by which the leader leads the runner-up; ``None`` without a runner-up."""


def record_kind(record: SearchCriteria, candidates: Iterable[Candidate]) -> LegalForm | None:
    """What a record names: a company or a person, or ``None`` when nothing tells.

    As `driver2_kp.matching._compare.kind_of` reads the record itself; when that
    does not tell, a candidate whose VAT number is the record's tells it: the
    number belongs to a company, or to a self-employed person.
    """
    kind = kind_of(record)
    if kind is not None and not (record.vat_number and kind is LegalForm.NATURAL_PERSON):
        return kind
    if record.vat_number is not None:
        key = vat_key(record.vat_number)
        for candidate in candidates:
            found = profile(candidate)
            if found.vat_number is not None and vat_key(found.vat_number) == key:
                return found.kind
    return kind


def _bits(compared: Compared) -> float:
    return WEIGHTS[compared.field][compared.level].bits


def _names(record: SearchCriteria, found: Profile) -> tuple[list[Compared], float]:
    """The names compared, and the penalty of reading them swapped when that agrees better."""
    straight = compare_names(record.last_name, record.first_name, found)
    if record.last_name is None or record.first_name is None or found.first_name is None:
        return straight, 0.0
    swapped = compare_names(record.first_name, record.last_name, found)
    if sum(map(_bits, swapped)) - SWAPPED_PENALTY <= sum(map(_bits, straight)):
        return straight, 0.0
    return swapped, SWAPPED_PENALTY


def _name_agrees(names: list[Compared]) -> bool:
    """Whether the candidate is named as the record's person, not another of the household.

    The first name tells the members of a household apart: when both sides
    have one, it must agree (a typo is fine; an initial, another name or none
    is not). Without first names, the last (or company) name must agree; a
    record without a name has nothing to tell them apart by.
    """
    levels = {compared.field: compared.level for compared in names}
    if "first_name" in levels:
        return levels["first_name"] in _NAME_AGREES
    return levels.get("last_name", "equal") in _NAME_AGREES


def _score(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def match(
    record: SearchCriteria,
    candidate: Candidate,
    *,
    kind: LegalForm | None = None,
    counts: Mapping[str, int] | None = None,
) -> Match:
    """How well ``candidate`` agrees with ``record``: its score and the reasons.

    ``kind`` is what the record names (`record_kind`); ``counts`` how many
    Driver2 customers share the record's last name, or its postcode, where
    Driver2 told (``{"last_name": 54}``).
    """
    found = profile(candidate)
    names, penalty = _names(record, found)
    weight = PRIOR - penalty + (KP_PRIOR if candidate.source is Source.KP else 0.0)
    reasons = ["names swapped"] if penalty else []
    if kind is not None and found.kind is not kind:
        weight += WEIGHTS["legal_form"]["different"].bits
        reasons.append("legal_form different")
    against = not _name_agrees(names)
    counts = {} if penalty or counts is None else counts  # counted for the names as given
    for compared in names:
        bits, reason = _weighed(compared, counts)
        weight += bits
        reasons.append(reason + (" (swapped)" if penalty else ""))
    for compared in compare_others(record, found):
        bits, reason = _weighed(compared, counts)
        counted = not (compared.household and against)
        weight += bits if counted else 0.0
        reasons.append(reason if counted else f"{reason} (household only)")
    return Match(candidate, _score(weight), tuple(reasons), weight)


def _weighed(compared: Compared, counts: Mapping[str, int]) -> tuple[float, str]:
    """A level's bits and reason; an equal value's adjusted by how many share it."""
    count = counts.get(compared.field) if compared.level == "equal" else None
    if count is None:
        return _bits(compared), compared.reason
    return (
        _bits(compared) + count_adjustment(compared.field, count),
        f"{compared.reason} ({count} share it)",
    )


def _key(found: Match) -> tuple[float, str, str, str]:
    candidate = found.candidate
    number = (candidate.driver2_number or "").zfill(12)  # in number order: 74050 before 100001
    return (-found.weight, number, candidate.kp_id or "", candidate.name)


def rank(
    record: SearchCriteria,
    candidates: Iterable[Candidate],
    counts: Mapping[str, int] | None = None,
) -> tuple[Match, ...]:
    """Every candidate's `Match`, the best first; ties in the services' own keys' order."""
    everyone = tuple(candidates)
    kind = record_kind(record, everyone)
    return ranked(match(record, c, kind=kind, counts=counts) for c in everyone)


def ranked(matches: Iterable[Match]) -> tuple[Match, ...]:
    """``matches``, the best first; ties in the services' own keys' order."""
    return tuple(sorted(matches, key=_key))


def verdict(matches: Sequence[Match], *, unread: int = 0) -> Verdict:
    """Whether the first of ranked ``matches`` is clearly the one, and if not, why.

    Clearly the one: of the record's kind, a score of at least `BEST_SCORE`, a
    match weight at least `BEST_MARGIN` bits above the runner-up's, and, with
    ``unread`` hits not among ``matches`` (one of which could be better), an
    equal VAT or customer number.
    """
    if not matches:
        return Verdict(None, NoBestReason.NOBODY_FOUND, None)
    leader = matches[0]
    margin = leader.weight - matches[1].weight if len(matches) > 1 else None
    reason = None
    if "legal_form different" in leader.reasons:
        reason = NoBestReason.ANOTHER_KIND
    elif leader.score < BEST_SCORE:
        reason = NoBestReason.WEAK
    elif margin is not None and margin < BEST_MARGIN:
        reason = NoBestReason.TIE
    elif unread and not _KEYS_EQUAL.intersection(leader.reasons):
        reason = NoBestReason.UNREAD_HITS
    return Verdict(leader.candidate if reason is None else None, reason, margin)


def best_of(matches: Sequence[Match], *, unread: int = 0) -> Candidate | None:
    """The first of ranked ``matches`` when it is clearly the one (`verdict`), else ``None``."""
    return verdict(matches, unread=unread).best


def is_plausible(found: Match) -> bool:
    """Whether a candidate plausibly is the record's: of its kind, and a score of 0.5 or more."""
    return found.score >= PLAUSIBLE_SCORE and "legal_form different" not in found.reasons
