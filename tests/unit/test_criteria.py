"""SearchCriteria: every invalid value refused at once, naming the field; valid ones normalised."""

from __future__ import annotations

import pytest

from driver2_kp import CriteriaError
from driver2_kp._criteria import SearchCriteria


def test_valid_criteria_are_normalised() -> None:
    criteria = SearchCriteria(
        last_name="  Van   Damme ",
        first_name=" Koen",
        vat_number="BE 0403.019.261",
        phone="0475 12 34 56",
        country="be",
        postcode="9000",
        email="koen@example.be",
        customer_number="74050",
    )
    assert criteria.last_name == "Van Damme"
    assert criteria.first_name == "Koen"
    assert criteria.vat_number == "BE0403019261"
    assert criteria.phone == "0475123456"
    assert criteria.country == "BE"


def test_a_vat_number_without_prefix_is_taken_as_belgian() -> None:
    assert SearchCriteria(vat_number="0403019261").vat_number == "BE0403019261"


def test_blank_criteria_are_not_given() -> None:
    criteria = SearchCriteria(last_name="   ", postcode="")
    assert criteria.is_empty()
    assert SearchCriteria(postcode="9000").given() == {"postcode": "9000"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vat_number", "BE0403019262"),
        ("vat_number", "BE12"),
        ("country", "XX"),
        ("country", "Belgium"),
        ("last_name", "Go\x00deris"),
        ("first_name", "x" * 101),
        ("email", "not-an-address"),
        ("phone", "12345"),
        ("phone", "0475 12 34 56 ext. 4"),
        ("customer_number", "74O50"),
    ],
)
def test_an_invalid_value_is_refused_naming_its_field_not_its_value(field: str, value: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        SearchCriteria(**{field: value})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    if len(value) > 3:
        assert value not in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("postcode", "country"), [("75001", "BE"), ("9000", "FR"), ("3011", "NL"), ("123", "DE")]
)
def test_a_postcode_impossible_for_the_country_is_refused(postcode: str, country: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        SearchCriteria(postcode=postcode, country=country)
    assert caught.value.field == "postcode"


@pytest.mark.parametrize("postcode", ["9000", "1009", "3011 AD", "75001", "52062"])
def test_a_postcode_without_country_is_one_of_a_country_served(postcode: str) -> None:
    assert SearchCriteria(postcode=postcode).postcode == postcode


@pytest.mark.parametrize("postcode", ["900", "ABC", "123456", "SW1A 1AA", "L-1009"])
def test_a_postcode_without_country_possible_in_none_served_is_refused(postcode: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        SearchCriteria(postcode=postcode)
    assert caught.value.field == "postcode"
    assert "any of BE, LU, NL, FR, DE, and no country is given" in str(caught.value)
    assert postcode not in str(caught.value)  # the value is never repeated


def test_a_postcode_from_elsewhere_is_taken_with_its_country() -> None:
    assert SearchCriteria(postcode="SW1A 1AA", country="GB").postcode == "SW1A 1AA"
