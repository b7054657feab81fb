from __future__ import annotations

import pytest

from driver2_kp._geo import is_valid_postcode, province_for_postcode


@pytest.mark.parametrize(
    ("postcode", "dutch"),
    [
        ("1000", "Brussel"),
        ("1299", "Brussel"),
        ("1300", "Waals-Brabant"),
        ("1500", "Vlaams-Brabant"),
        ("2000", "Antwerpen"),
        ("3000", "Vlaams-Brabant"),
        ("3500", "Limburg"),
        ("4000", "Luik"),
        ("5000", "Namen"),
        ("6000", "Henegouwen"),
        ("6600", "Luxemburg"),
        ("7000", "Henegouwen"),
        ("8000", "West-Vlaanderen"),
        ("9999", "Oost-Vlaanderen"),
    ],
)
def test_every_belgian_postcode_range_has_its_province(postcode: str, dutch: str) -> None:
    province = province_for_postcode(postcode)
    assert province is not None
    assert province.name("nl-BE") == dutch


def test_province_names_follow_the_language() -> None:
    province = province_for_postcode("4000")
    assert province is not None
    assert (province.name("fr-BE"), province.name("de"), province.name("en")) == (
        "Liège",
        "Lüttich",
        "Luik",
    )


@pytest.mark.parametrize("postcode", ["0999", "75001", "9OOO", "", "900"])
def test_no_province_for_what_is_not_a_belgian_postcode(postcode: str) -> None:
    assert province_for_postcode(postcode) is None


@pytest.mark.parametrize(
    ("country", "postcode", "valid"),
    [
        ("BE", "9000", True),
        ("BE", "75001", False),
        ("be", "1000", True),
        ("NL", "3011 AD", True),
        ("NL", "3011AD", True),
        ("NL", "3011", False),
        ("FR", "75008", True),
        ("DE", "5206", False),
        ("LU", "1009", True),
        ("CH", "8001", True),
        ("CH", " ", False),
    ],
)
def test_postcodes_are_checked_against_the_country(
    country: str, postcode: str, valid: bool
) -> None:
    assert is_valid_postcode(country, postcode) is valid
