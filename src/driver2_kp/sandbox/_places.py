"""Real places for the sandbox's data: Belgian postcodes and a few foreign ones.

Plain data. Each postcode comes with its city, the language spoken there and the
telephone zone, so that generated customers are consistent.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["FOREIGN_PLACES", "PLACES", "STREETS", "Place"]


@attrs.frozen
class Place:
    """A postcode with its city, as a customer's address would hold them."""

    postcode: str
    city: str
    country: str
    languages: tuple[str, ...]
    """Languages spoken there, most common first (ISO 639-1)."""
    phone_zone: str
    """International prefix and zone, digits only, e.g. ``329`` for Gent."""


def _be(postcode: str, city: str, languages: str, zone: str) -> Place:
    return Place(postcode, city, "BE", tuple(languages.split()), "32" + zone)


PLACES: Final = (
    _be("1000", "Brussel", "fr nl", "2"),
    _be("1030", "Schaerbeek", "fr nl", "2"),
    _be("1050", "Ixelles", "fr nl", "2"),
    _be("1070", "Anderlecht", "fr nl", "2"),
    _be("1080", "Sint-Jans-Molenbeek", "fr nl", "2"),
    _be("1180", "Uccle", "fr nl", "2"),
    _be("1200", "Woluwe-Saint-Lambert", "fr nl", "2"),
    _be("1300", "Wavre", "fr", "10"),
    _be("1348", "Louvain-la-Neuve", "fr", "10"),
    _be("1400", "Nivelles", "fr", "67"),
    _be("1410", "Waterloo", "fr", "2"),
    _be("1500", "Halle", "nl", "2"),
    _be("1700", "Dilbeek", "nl", "2"),
    _be("1800", "Vilvoorde", "nl", "2"),
    _be("1930", "Zaventem", "nl", "2"),
    _be("2000", "Antwerpen", "nl", "3"),
    _be("2018", "Antwerpen", "nl", "3"),
    _be("2100", "Deurne", "nl", "3"),
    _be("2300", "Turnhout", "nl", "14"),
    _be("2500", "Lier", "nl", "3"),
    _be("2600", "Berchem", "nl", "3"),
    _be("2800", "Mechelen", "nl", "15"),
    _be("2900", "Schoten", "nl", "3"),
    _be("3000", "Leuven", "nl", "16"),
    _be("3200", "Aarschot", "nl", "16"),
    _be("3300", "Tienen", "nl", "16"),
    _be("3500", "Hasselt", "nl", "11"),
    _be("3600", "Genk", "nl", "89"),
    _be("3700", "Tongeren", "nl", "12"),
    _be("3900", "Pelt", "nl", "11"),
    _be("4000", "Liège", "fr", "4"),
    _be("4020", "Liège", "fr", "4"),
    _be("4100", "Seraing", "fr", "4"),
    _be("4700", "Eupen", "de fr", "87"),
    _be("4720", "Kelmis", "de fr", "87"),
    _be("4780", "Sankt Vith", "de", "80"),
    _be("4800", "Verviers", "fr", "87"),
    _be("5000", "Namur", "fr", "81"),
    _be("5100", "Jambes", "fr", "81"),
    _be("5500", "Dinant", "fr", "82"),
    _be("6000", "Charleroi", "fr", "71"),
    _be("6700", "Arlon", "fr", "63"),
    _be("6800", "Libramont-Chevigny", "fr", "61"),
    _be("6900", "Marche-en-Famenne", "fr", "84"),
    _be("7000", "Mons", "fr", "65"),
    _be("7100", "La Louvière", "fr", "64"),
    _be("7500", "Tournai", "fr", "69"),
    _be("8000", "Brugge", "nl", "50"),
    _be("8400", "Oostende", "nl", "59"),
    _be("8500", "Kortrijk", "nl", "56"),
    _be("8800", "Roeselare", "nl", "51"),
    _be("8900", "Ieper", "nl", "57"),
    _be("9000", "Gent", "nl", "9"),
    _be("9100", "Sint-Niklaas", "nl", "3"),
    _be("9200", "Dendermonde", "nl", "52"),
    _be("9300", "Aalst", "nl", "53"),
    _be("9400", "Ninove", "nl", "54"),
    _be("9700", "Oudenaarde", "nl", "55"),
)

FOREIGN_PLACES: Final = (
    Place("4811 CE", "Breda", "NL", ("nl",), "3176"),
    Place("3011 AD", "Rotterdam", "NL", ("nl",), "3110"),
    Place("59000", "Lille", "FR", ("fr",), "333"),
    Place("75008", "Paris", "FR", ("fr",), "331"),
    Place("52062", "Aachen", "DE", ("de",), "49241"),
    Place("50667", "Köln", "DE", ("de",), "49221"),
    Place("1009", "Luxembourg", "LU", ("fr", "de"), "352"),
)

STREETS: Final = {
    "nl": (
        "Kerkstraat",
        "Stationsstraat",
        "Dorpsstraat",
        "Molenstraat",
        "Nieuwstraat",
        "Schoolstraat",
        "Kapelstraat",
        "Veldstraat",
        "Kortrijksesteenweg",
        "Brugsesteenweg",
        "Kasteelstraat",
        "Beekstraat",
        "Lindenlaan",
        "Hoogstraat",
        "Koning Albertlaan",
        "Leopoldlaan",
        "Heirweg",
        "Meersstraat",
        "Populierenlaan",
        "Vijverstraat",
    ),
    "fr": (
        "Rue de la Station",
        "Rue de l'Église",
        "Rue du Moulin",
        "Chaussée de Bruxelles",
        "Rue Haute",
        "Avenue Louise",
        "Rue de la Gare",
        "Place Communale",
        "Rue des Écoles",
        "Rue Neuve",
        "Avenue des Tilleuls",
        "Rue du Château",
        "Chaussée de Namur",
        "Rue Saint-Laurent",
        "Boulevard Tirou",
        "Rue des Champs",
    ),
    "de": (
        "Bahnhofstraße",
        "Kirchstraße",
        "Hauptstraße",
        "Aachener Straße",
        "Klosterstraße",
        "Neustraße",
        "Schulstraße",
        "Bergstraße",
        "Lindenweg",
        "Malmedyer Straße",
    ),
}
"""Common street names by language."""
