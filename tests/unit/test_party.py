"""The party mappings: the spec's tables applied to Driver2 customers and KP persons."""

from __future__ import annotations

import attrs
import pytest

from driver2_kp import Customer, CustomerType, KPSalutation, LegalForm, Person
from driver2_kp._convert import read
from driver2_kp._party import (
    PartyRole,
    Source,
    new_customer_from_person,
    party_from_customer,
    party_from_person,
    salutation_for,
    split_house_number,
)
from driver2_kp.sandbox import FIXED, generate

DATA = generate(42, 20, 40)
CUSTOMERS = {
    c["customerNumber"]: read(c, Customer, service="T", endpoint="T") for c in DATA.customers
}
PERSONS = {p["kpId"]: read(p, Person, service="T", endpoint="T") for p in DATA.persons}


def test_r11_only_owner_driver_insured_and_sent_by_are_loadable() -> None:
    loadable = {role for role in PartyRole if role.loadable}
    assert loadable == {PartyRole.OWNER, PartyRole.DRIVER, PartyRole.INSURED, PartyRole.SENT_BY}


def test_a_driver2_customer_and_its_kp_twin_make_the_same_form() -> None:
    from_driver2 = party_from_customer(CUSTOMERS[FIXED.goderis_customer_number])
    from_kp = party_from_person(PERSONS[FIXED.goderis_kp_id])
    form = ["name", "first_name", "legal_form", "customer_type", "salutation", "street"]
    form += ["house_number", "box", "postcode", "city", "province", "country", "language"]
    form += ["phone", "mobile", "email", "vat_liable", "vat_number"]
    assert {f: getattr(from_kp, f) for f in form} == {f: getattr(from_driver2, f) for f in form}
    assert (from_driver2.source, from_kp.source) == (Source.DRIVER2, Source.KP)
    assert from_driver2.driver2_number == "74050"
    assert from_kp.kp_id == FIXED.goderis_kp_id


def test_a_kp_business_keeps_its_company_name_vat_number_and_contact() -> None:
    party = party_from_person(PERSONS[FIXED.business_kp_id])
    assert party.name == "Peeters Bouw BV"
    assert party.first_name is None
    assert party.contact_person == "Ann Peeters"
    assert (party.legal_form, party.customer_type) == (
        LegalForm.LEGAL_ENTITY,
        CustomerType.BUSINESS,
    )
    assert (party.vat_liable, party.vat_number) == (True, FIXED.business_vat_number)


def test_r10_the_new_driver2_customer_has_no_vat_number_but_the_kp_reference() -> None:
    new = new_customer_from_person(PERSONS[FIXED.business_kp_id])
    assert "vat_number" not in attrs.fields_dict(type(new))
    assert new.kp_reference == FIXED.business_kp_id
    assert new.vat_liable is True


@pytest.mark.parametrize(
    ("anrede", "language", "expected"),
    [
        (KPSalutation.HERR, "nl", "De heer"),
        (KPSalutation.HERR, "fr", "Monsieur"),
        (KPSalutation.HERR, "de", "Herr"),
        (KPSalutation.HERR, "en", "Mr"),
        (KPSalutation.FRAU, "nl", "Mevrouw"),
        (KPSalutation.FRAU, "fr", "Madame"),
        (KPSalutation.FRAU, "de", "Frau"),
        (KPSalutation.FRAU, "en", "Ms"),
        (KPSalutation.FIRMA, "nl", None),
        (None, "fr", None),
    ],
)
def test_salutations_follow_the_spec_table(
    anrede: KPSalutation | None, language: str, expected: str | None
) -> None:
    assert salutation_for(anrede, language) == expected


@pytest.mark.parametrize(
    ("packed", "number", "box"),
    [
        ("112 B", "112", "B"),
        ("12 bus 3", "12", "3"),
        ("12/4", "12", "4"),
        ("12 BUS 3", "12", "3"),
        ("12 bte. 3", "12", "3"),
        ("12 Box", "12", "Box"),
        ("7", "7", None),
        ("Kasteel", "Kasteel", None),
        (None, None, None),
    ],
)
def test_kp_house_numbers_are_split_into_number_and_box(
    packed: str | None, number: str | None, box: str | None
) -> None:
    assert split_house_number(packed) == (number, box)


def test_the_province_comes_from_a_belgian_postcode_only() -> None:
    assert party_from_person(PERSONS[FIXED.ann_peeters_kp_id]).province == "Antwerpen"
    assert party_from_person(PERSONS[FIXED.import_rejected_kp_id]).province is None


def test_the_language_tag_is_made_of_sprache_and_land() -> None:
    assert party_from_person(PERSONS[FIXED.import_rejected_kp_id]).language == "fr-BE"
