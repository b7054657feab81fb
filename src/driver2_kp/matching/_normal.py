"""Values in the form they are compared in: names folded, numbers compacted, phones in E.164.

Pure functions on strings. Names lose case, accents, hyphens, spaces, dots and
apostrophes, so that "Van de Velde", "Vandevelde" and "van-de-velde" are one
name; a company's legal form (NV, BV, SRL, GmbH...) can be told and left out.
Phone numbers are read with ``phonenumbers``, as dialled from a country.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final

import phonenumbers

__all__ = [
    "LEGAL_FORMS",
    "compact",
    "fold_name",
    "names_a_company",
    "phone_key",
    "vat_key",
    "without_legal_form",
    "words",
]

LEGAL_FORMS: Final = frozenset(
    {"nv", "bv", "bvba", "cv", "cvba", "commv", "vof", "vzw", "sa", "srl", "sprl", "scrl", "sc"}
    | {"sarl", "sas", "asbl", "gmbh", "ag", "kg", "ohg", "ltd", "llc", "inc", "plc", "bvba"}
)
"""Legal forms of companies, folded: Belgian, Dutch, French, German and English."""
_PARTICLES: Final = frozenset({"de", "van", "der", "den", "da", "du", "le", "la", "von", "di"})
"""Words that begin a family name ("De Sá"), never a company's whole name beside a form."""
_LETTERS: Final = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
"""Letters that Unicode does not decompose into a base letter and an accent."""
_DEFAULT_REGION: Final = "BE"


@functools.lru_cache(maxsize=8192)
def words(name: str) -> tuple[str, ...]:
    """The words of a name, folded: no case, accents or punctuation; "B.V." is one word.

    >>> words("Peeters Bouw B.V."), words("Van-de Velde")
    (('peeters', 'bouw', 'bv'), ('van', 'de', 'velde'))
    """
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
    return "".join(words(name))


def without_legal_form(name: str) -> str:
    """The folded name without a company's legal form (NV, BV, SA...), if anything is left.

    >>> without_legal_form("Peeters Bouw BV"), without_legal_form("BV")
    ('peetersbouw', 'bv')
    """
    kept = [word for word in words(name) if word not in LEGAL_FORMS]
    return "".join(kept) or fold_name(name)


def names_a_company(name: str) -> bool:
    """Whether a name carries a company's legal form as its first or last word.

    A family name that happens to end in such a word ("De Sa") is not a company:
    a particle beside the form is not a company's name.

    >>> names_a_company("Peeters BV"), names_a_company("NV Peeters Bouw")
    (True, True)
    >>> names_a_company("Peeters"), names_a_company("De Sa"), names_a_company("BV")
    (False, False, False)
    """
    folded = words(name)
    if len(folded) < 2:
        return False
    for form, rest in ((folded[-1], folded[:-1]), (folded[0], folded[1:])):
        if form in LEGAL_FORMS and not set(rest) <= _PARTICLES:
            return True
    return False


def compact(number: str) -> str:
    """Letters and digits only, in capitals: ``"BE 0403.019.261"`` is ``"BE0403019261"``."""
    return "".join(c for c in number if c.isalnum()).upper()


def vat_key(number: str) -> str:
    """A VAT number compacted, Belgian when it has no country prefix (as `SearchCriteria` reads it).

    >>> vat_key("0403.019.261")
    'BE0403019261'
    """
    key = compact(number)
    return "BE" + key if key[:1].isdigit() else key


def _parsed(number: str, region: str) -> phonenumbers.PhoneNumber | None:
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
            return parsed
    return None


@functools.lru_cache(maxsize=8192)
def phone_key(number: str, region: str = _DEFAULT_REGION) -> str:
    """A phone number in E.164, as dialled from ``region``; its digits if it cannot be read.

    >>> phone_key("0475 12 34 56"), phone_key("32475123456"), phone_key("+32 475 12 34 56")
    ('+32475123456', '+32475123456', '+32475123456')
    >>> phone_key("621 123 456", "LU")  # Luxembourg dials without a trunk 0
    '+352621123456'
    """
    parsed = _parsed(number, region)
    if parsed is None:
        return "".join(c for c in number if c.isdigit()).lstrip("0")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
