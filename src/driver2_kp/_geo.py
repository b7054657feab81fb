"""Places: Belgian provinces by postcode, and the postcode format of each country.

Plain data and pure functions, shared by the party mapping and the sandbox.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

__all__ = ["POSTCODE_COUNTRIES", "Province", "is_valid_postcode", "province_for_postcode"]


@attrs.frozen
class Province:
    """A Belgian province (or the Brussels-Capital Region) with its names."""

    nl: str
    fr: str
    de: str

    def name(self, language: str) -> str:
        """The name in ``language`` (a BCP 47 tag or its primary subtag); Dutch otherwise."""
        primary = language.split("-", 1)[0].lower()
        return {"fr": self.fr, "de": self.de}.get(primary, self.nl)


_BRUSSELS = Province("Brussel", "Bruxelles", "Brüssel")
_WALLOON_BRABANT = Province("Waals-Brabant", "Brabant wallon", "Wallonisch-Brabant")
_FLEMISH_BRABANT = Province("Vlaams-Brabant", "Brabant flamand", "Flämisch-Brabant")
_ANTWERP = Province("Antwerpen", "Anvers", "Antwerpen")
_LIMBURG = Province("Limburg", "Limbourg", "Limburg")
_LIEGE = Province("Luik", "Liège", "Lüttich")
_NAMUR = Province("Namen", "Namur", "Namur")
_HAINAUT = Province("Henegouwen", "Hainaut", "Hennegau")
_LUXEMBOURG = Province("Luxemburg", "Luxembourg", "Luxemburg")
_WEST_FLANDERS = Province("West-Vlaanderen", "Flandre-Occidentale", "Westflandern")
_EAST_FLANDERS = Province("Oost-Vlaanderen", "Flandre-Orientale", "Ostflandern")

# (first postcode, last postcode, province), from the spec's table.
_PROVINCE_RANGES: Final = (
    (1000, 1299, _BRUSSELS),
    (1300, 1499, _WALLOON_BRABANT),
    (1500, 1999, _FLEMISH_BRABANT),
    (2000, 2999, _ANTWERP),
    (3000, 3499, _FLEMISH_BRABANT),
    (3500, 3999, _LIMBURG),
    (4000, 4999, _LIEGE),
    (5000, 5999, _NAMUR),
    (6000, 6599, _HAINAUT),
    (6600, 6999, _LUXEMBOURG),
    (7000, 7999, _HAINAUT),
    (8000, 8999, _WEST_FLANDERS),
    (9000, 9999, _EAST_FLANDERS),
)


def province_for_postcode(postcode: str) -> Province | None:
    """The province of a Belgian postcode, or ``None`` if it is not one.

    >>> province_for_postcode("9000").nl
    'Oost-Vlaanderen'
    """
    if not is_valid_postcode("BE", postcode):
        return None
    number = int(postcode)
    for first, last, province in _PROVINCE_RANGES:
        if first <= number <= last:
            return province
    return None  # pragma: no cover - the ranges cover 1000-9999


# Postcode formats of the countries a Belgian body shop meets; others are not checked.
_POSTCODE_PATTERNS: Final = {
    "BE": re.compile(r"[1-9][0-9]{3}"),
    "LU": re.compile(r"[0-9]{4}"),
    "NL": re.compile(r"[1-9][0-9]{3} ?[A-Z]{2}"),
    "FR": re.compile(r"[0-9]{5}"),
    "DE": re.compile(r"[0-9]{5}"),
}
POSTCODE_COUNTRIES: Final = tuple(_POSTCODE_PATTERNS)
"""The countries whose postcode format is known: a postcode with no country must fit one."""


def is_valid_postcode(country: str, postcode: str) -> bool:
    """Whether ``postcode`` has the format of ``country`` (ISO 3166-1 alpha-2).

    Countries whose format is not known here accept any non-empty postcode.

    >>> is_valid_postcode("BE", "9000"), is_valid_postcode("BE", "75001")
    (True, False)
    """
    pattern = _POSTCODE_PATTERNS.get(country.upper())
    if pattern is None:
        return bool(postcode.strip())
    return pattern.fullmatch(postcode) is not None
