"""What each comparison level weighs: its m and u probabilities, and where they come from.

Fellegi and Sunter's match weights, kept as data as Splink keeps its comparison
levels. For each level of each field:

- ``m``: how often a record and its own customer agree at this level;
- ``u``: how often a record and somebody else agree at this level by chance;
- the weight, in bits, is ``log2(m / u)``: positive for evidence of the match.

`WEIGHTS` says for each level where ``m`` and ``u`` come from; docs/matching.md
prints the whole table. ``benchmarks/weights.py`` estimates the ones marked
"FEBRL 1-3" again from those public data sets.
"""

from __future__ import annotations

import math
from typing import Final

import attrs

__all__ = [
    "ANOTHER_KIND",
    "BEST_MARGIN",
    "BEST_SCORE",
    "KP_PRIOR",
    "PLAUSIBLE_SCORE",
    "PRIOR",
    "TYPICAL_COUNTS",
    "WEIGHTS",
    "Weight",
    "count_adjustment",
]


@attrs.frozen
class Weight:
    """One comparison level's m and u probabilities, and their source."""

    m: float
    """How often a record and its own customer agree at this level."""
    u: float
    """How often a record and another customer agree at this level by chance."""
    source: str
    """Where ``m`` and ``u`` come from."""

    @property
    def bits(self) -> float:
        """The match weight: ``log2(m / u)``."""
        return math.log2(self.m / self.u)


_ESTIMATED: Final = "m: FEBRL 1-3; u: the sandbox's customers (benchmarks/weights.py)"
_KEYS: Final = "a key: u is one customer in Driver2's many; m allows for a mistyped key"
_CONTACT: Final = (
    "m: the benchmark's stale e-mails and phones (30 %); u: one household in thousands"
)
_NEIGHBOURS: Final = (
    "u: the sandbox's customers; m set to u, not FEBRL's 0.132: a Belgian postcode is rarely"
    " mistyped, and one a digit off is a neighbouring place as often as not (docs/matching.md)"
)
_CITY: Final = _ESTIMATED + "; compared only where the postcode is not equal"
_NOT_SEEN: Final = "not in FEBRL nor in the sandbox's data: set to weigh a little for the name"

WEIGHTS: Final[dict[str, dict[str, Weight]]] = {
    "customer_number": {
        "equal": Weight(0.98, 1e-5, _KEYS),
        "different": Weight(0.02, 0.99999, _KEYS),
    },
    "vat_number": {
        "equal": Weight(0.97, 6e-5, _KEYS),
        "different": Weight(0.01, 0.9, _KEYS),
        "missing": Weight(0.02, 0.2, "m: a VAT number not kept; u: persons without one"),
    },
    "legal_form": {
        "different": Weight(1e-12, 0.5, "never: a company is not a natural person"),
    },
    "last_name": {
        "equal": Weight(0.685, 0.00216, _ESTIMATED),
        "very similar": Weight(0.171, 0.00106, _ESTIMATED),
        "similar": Weight(0.0052, 0.00046, _ESTIMATED),
        "different": Weight(0.138, 0.996, _ESTIMATED),
    },
    "first_name": {
        "equal": Weight(0.710, 0.00205, _ESTIMATED),
        "very similar": Weight(0.119, 0.00127, _ESTIMATED),
        "similar": Weight(0.0028, 0.00283, _ESTIMATED),
        "initial": Weight(0.02, 0.01, _NOT_SEEN),
        "different": Weight(0.169, 0.996, _ESTIMATED),
        "missing": Weight(0.02, 0.1, "m: a first name not kept; u: persons without one"),
    },
    "email": {
        "equal": Weight(0.7, 0.0005, _CONTACT),
        "different": Weight(0.3, 0.9995, _CONTACT),
    },
    "phone": {
        "equal": Weight(0.7, 0.0005, _CONTACT),
        "different": Weight(0.3, 0.9995, _CONTACT),
    },
    "postcode": {
        "equal": Weight(0.833, 0.0162, _ESTIMATED),
        "typo": Weight(0.00688, 0.00688, _NEIGHBOURS),
        "different": Weight(0.0347, 0.977, _ESTIMATED),
    },
    "address": {
        "equal": Weight(0.749, 0.00028, _ESTIMATED),
        "same street": Weight(0.183, 0.0263, _ESTIMATED),
        "different": Weight(0.0686, 0.973, _ESTIMATED),
    },
    "city": {
        "equal": Weight(0.780, 0.00122, _CITY),
        "different": Weight(0.220, 0.999, _CITY),
    },
    "country": {
        "equal": Weight(0.99, 0.9, "m: a country rarely changes; u: most customers are Belgian"),
        "different": Weight(
            0.01, 0.1, "m: a country rarely changes; u: most customers are Belgian"
        ),
    },
}
"""Each field's levels, and what they weigh."""

PRIOR: Final = -10.0
"""The match weight, in bits, of a candidate about whom nothing is known yet (log2 of its odds).

Chosen on the benchmarks (docs/matching.md): -12 loses 2 to 3 points of recall
on FEBRL and our own records and gives strangers no fewer bests; -9 gives
households and strangers more.
"""
TYPICAL_COUNTS: Final = {"last_name": 10, "postcode": 80}
"""How many customers share a record's last name, or its postcode, on average.

The ``u`` of each field's "equal" level times the customers it was counted on
(the sandbox's 5,000): the count at which a value weighs what the table says.
"""
MOST_COUNT_BITS: Final = 4.0
"""The most a value's count moves its weight, up or down."""
KP_PRIOR: Final = -2.0
"""Bits a KP candidate starts with below a Driver2 one: KP, the importer's, holds more people.

An importer's customer portal holds the customers of many dealers: the sandbox's
KP four times its Driver2. A namesake is so four times likelier there, and a KP
candidate found by name a quarter as likely to be the record's person.
"""
ANOTHER_KIND: Final = WEIGHTS["legal_form"]["different"].bits
BEST_SCORE: Final = 0.9
"""The least score of a `SearchResult.best`."""
BEST_MARGIN: Final = 4.0
"""Bits by which the best must lead the runner-up: 16 times the odds."""
PLAUSIBLE_SCORE: Final = 0.5
"""The least score of a Driver2 candidate who *plausibly* is the record's: below it, KP is asked."""


def count_adjustment(field: str, count: int) -> float:
    """Bits added to ``field``'s "equal" level when Driver2 holds ``count`` customers of that value.

    Splink's term-frequency adjustment: the ``u`` of an equal value is how often
    that very value occurs, not how often values agree on average, so a common
    last name, or a postcode where many customers live, weighs less and a rare
    one more: ``log2(TYPICAL_COUNTS[field] / count)``, at most `MOST_COUNT_BITS`
    either way.

    >>> count_adjustment("last_name", 10), count_adjustment("last_name", 40)
    (0.0, -2.0)
    >>> count_adjustment("postcode", 5)
    4.0
    """
    bits = math.log2(TYPICAL_COUNTS[field] / max(count, 1))
    return max(-MOST_COUNT_BITS, min(MOST_COUNT_BITS, bits))
