"""The sandbox's data (sandbox.md, "Data"), checked on `generate` directly, without a server.

The default data set (seed 42, 5000 customers, 20000 persons) is generated once
for the module; determinism and the fixed records are checked on small sets.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from typing import Any, Final

import pytest
from stdnum.be import vat

from driver2_kp._geo import is_valid_postcode, province_for_postcode
from driver2_kp.sandbox import FIXED, Dataset, generate

JSON = dict[str, Any]

SMALL: Final = {"customers": 60, "persons": 150}
"""Sizes of a small data set: enough for every fixed record, fast to generate."""
KP_ID: Final = re.compile(r"KP-[0-9]{7}")
BE_VAT: Final = re.compile(r"BE[01][0-9]{9}")
"""A Belgian VAT number in compact form, as the contracts carry it: ``BE0123456749``."""
E164: Final = re.compile(r"\+[1-9][0-9]{7,14}")
NATIONAL: Final = re.compile(r"0[0-9]{1,3}( ?[0-9]{2,3})+")
"""A Belgian number as typed, when Driver2 could not normalise it: ``09 223 44 55``."""
SEEDS: Final = pytest.mark.parametrize("seed", [0, 1, 42, 2024, 987654321])


def dumped(data: Dataset) -> str:
    """All records of a data set, in order, as one JSON text."""
    return json.dumps(
        {
            "customers": data.customers,
            "persons": data.persons,
            "vehicles": data.vehicles,
        },
        ensure_ascii=False,
    )


def customer_by_number(data: Dataset) -> dict[str, JSON]:
    return {c["customerNumber"]: c for c in data.customers}


def person_by_id(data: Dataset) -> dict[str, JSON]:
    return {p["kpId"]: p for p in data.persons}


def referenced_kp_ids(data: Dataset) -> set[str]:
    return {c["kpReference"] for c in data.customers if c["kpReference"] is not None}


def same_person(customer: JSON, person: JSON) -> bool:
    """Whether a Driver2 customer and a KP person have the same name and postcode."""
    if customer["legalForm"] == "natural_person":
        names_match = (customer["name"], customer["firstName"]) == (
            person["nachname"],
            person["vorname"],
        )
    else:
        names_match = customer["name"] == person["firma"]
    return names_match and customer["address"]["postcode"] == person["plz"]


# --- fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def default() -> Dataset:
    """The default data set, as ``driver2-kp sandbox`` serves it."""
    return generate()


# --- determinism and sizes --------------------------------------------------------


@SEEDS
def test_the_same_seed_gives_identical_data(seed: int) -> None:
    assert dumped(generate(seed, **SMALL)) == dumped(generate(seed, **SMALL))


def test_the_same_seed_gives_identical_data_in_another_process() -> None:
    code = (
        "import hashlib, json; from driver2_kp.sandbox import generate; "
        "d = generate(7, customers=60, persons=150); "
        "print(hashlib.sha256(json.dumps({'customers': d.customers, 'persons': d.persons, "
        "'vehicles': d.vehicles}, ensure_ascii=False).encode()).hexdigest())"
    )
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    here = hashlib.sha256(dumped(generate(7, **SMALL)).encode()).hexdigest()
    assert result.stdout.strip() == here


@pytest.mark.parametrize(("seed", "other"), [(42, 43), (1, 2), (0, 2024)])
def test_another_seed_gives_different_data(seed: int, other: int) -> None:
    one, two = generate(seed, **SMALL), generate(other, **SMALL)
    assert one.customers != two.customers
    assert one.persons != two.persons
    assert one.vehicles != two.vehicles


@pytest.mark.parametrize(
    ("customers", "persons"),
    [(3, 4), (10, 10), (60, 150), (200, 50), (50, 400)],
)
def test_the_requested_counts_are_honoured(customers: int, persons: int) -> None:
    data = generate(5, customers, persons)
    assert len(data.customers) == customers
    assert len(data.persons) == persons
    assert data.vehicles


def test_the_default_set_has_5000_customers_and_20000_persons(default: Dataset) -> None:
    assert (len(default.customers), len(default.persons)) == (5000, 20000)
    assert len(default.vehicles) > 100


# --- the fixed records, whatever the seed ------------------------------------------


@SEEDS
def test_goderis_74050_is_in_driver2_with_his_kp_reference(seed: int) -> None:
    goderis = customer_by_number(generate(seed, **SMALL))[FIXED.goderis_customer_number]
    assert (goderis["firstName"], goderis["name"]) == ("Thiemen", "Goderis")
    assert goderis["legalForm"] == "natural_person"
    assert (goderis["address"]["postcode"], goderis["address"]["city"]) == ("9000", "Gent")
    assert goderis["kpReference"] == FIXED.goderis_kp_id


@SEEDS
def test_goderis_has_a_kp_twin_with_the_same_name_and_address(seed: int) -> None:
    data = generate(seed, **SMALL)
    customer = customer_by_number(data)[FIXED.goderis_customer_number]
    person = person_by_id(data)[FIXED.goderis_kp_id]
    assert person["kundenart"] == "privat"
    assert same_person(customer, person)
    assert (person["ort"], person["strasse"], person["land"]) == (
        customer["address"]["city"],
        customer["address"]["street"],
        customer["address"]["country"],
    )
    assert (person["telefon"], person["email"]) == (customer["phone"], customer["email"])


@SEEDS
def test_ann_peeters_is_a_private_person_in_kp_only(seed: int) -> None:
    data = generate(seed, **SMALL)
    ann = person_by_id(data)[FIXED.ann_peeters_kp_id]
    assert (ann["vorname"], ann["nachname"], ann["plz"]) == ("Ann", "Peeters", "2000")
    assert ann["kundenart"] == "privat"
    assert FIXED.ann_peeters_kp_id not in referenced_kp_ids(data)


@SEEDS
def test_the_kp_only_business_has_a_valid_vat_number(seed: int) -> None:
    data = generate(seed, **SMALL)
    business = person_by_id(data)[FIXED.business_kp_id]
    assert business["kundenart"] == "gewerblich"
    assert business["firma"] == "Peeters Bouw BV"
    assert business["ustIdNr"] == FIXED.business_vat_number
    assert vat.is_valid(FIXED.business_vat_number)
    assert FIXED.business_kp_id not in referenced_kp_ids(data)


@SEEDS
def test_the_person_driver2_rejects_is_in_kp_only_with_an_invalid_postcode(seed: int) -> None:
    data = generate(seed, **SMALL)
    dubois = person_by_id(data)[FIXED.import_rejected_kp_id]
    assert not is_valid_postcode(dubois["land"], dubois["plz"])
    assert FIXED.import_rejected_kp_id not in referenced_kp_ids(data)


@SEEDS
def test_vehicle_1_abc_123_has_a_leasing_owner_goderis_as_driver_and_a_business_lessee(
    seed: int,
) -> None:
    data = generate(seed, **SMALL)
    customers = customer_by_number(data)
    (vehicle,) = [v for v in data.vehicles if v["plate"] == FIXED.vehicle_plate]
    assert vehicle["vin"] == FIXED.vehicle_vin
    owner = customers[vehicle["ownerNumber"]]
    assert (owner["customerType"], owner["legalForm"]) == ("fleet", "legal_entity")
    assert vehicle["driverNumber"] == FIXED.goderis_customer_number
    lessee = customers[vehicle["lesseeNumber"]]
    assert (lessee["customerType"], lessee["legalForm"]) == ("business", "legal_entity")


# --- the data properties of sandbox.md, on the default set -------------------------


def test_some_people_are_in_both_driver2_and_kp(default: Dataset) -> None:
    persons = person_by_id(default)
    twins = [
        c
        for c in default.customers
        if c["kpReference"] is not None and same_person(c, persons[c["kpReference"]])
    ]
    assert len(twins) > 100
    assert {c["legalForm"] for c in twins} == {"natural_person", "legal_entity"}


def test_some_people_are_only_in_kp(default: Dataset) -> None:
    kp_only = {p["kpId"] for p in default.persons} - referenced_kp_ids(default)
    assert len(kp_only) > 1000
    assert {FIXED.ann_peeters_kp_id, FIXED.business_kp_id} <= kp_only


def test_some_people_are_only_in_driver2(default: Dataset) -> None:
    driver2_only = [c for c in default.customers if c["kpReference"] is None]
    assert len(driver2_only) > 1000
    assert any(c["legalForm"] == "natural_person" for c in driver2_only)


def test_every_kp_reference_points_to_an_existing_kp_person(default: Dataset) -> None:
    persons = person_by_id(default)
    references = [c["kpReference"] for c in default.customers if c["kpReference"] is not None]
    assert references
    assert all(reference in persons for reference in references)
    assert len(set(references)) == len(references)  # kpReference is unique


@pytest.mark.parametrize(("customers", "persons"), [(200, 20), (60, 150)])
def test_every_kp_reference_points_to_an_existing_kp_person_in_small_sets(
    customers: int, persons: int
) -> None:
    data = generate(3, customers, persons)
    assert referenced_kp_ids(data) <= set(person_by_id(data))


def test_several_surnames_need_more_than_one_page_in_driver2_and_in_kp(default: Dataset) -> None:
    in_driver2 = Counter(c["name"] for c in default.customers)
    in_kp = Counter(p["nachname"] for p in default.persons if p["nachname"])
    common = [name for name, count in in_driver2.items() if count > 10 and in_kp[name] > 25]
    assert len(common) >= 3, common
    assert "Peeters" in common


def test_kp_businesses_share_a_surname_with_private_persons(default: Dataset) -> None:
    private_surnames = {p["nachname"] for p in default.persons if p["kundenart"] == "privat"}
    businesses = [
        p
        for p in default.persons
        if p["kundenart"] == "gewerblich"
        and p["vorname"] is not None
        and p["nachname"] in private_surnames
    ]
    assert len(businesses) > 10
    assert FIXED.business_kp_id in {p["kpId"] for p in businesses}


def test_kp_persons_with_a_vat_number_all_hold_valid_belgian_ones(default: Dataset) -> None:
    numbers = [p["ustIdNr"] for p in default.persons if p["ustIdNr"] is not None]
    assert len(numbers) > 100
    invalid = [n for n in numbers if not (n.startswith("BE") and vat.is_valid(n))]
    assert invalid == []
    assert [n for n in numbers if not BE_VAT.fullmatch(n)] == []  # compact: no dots or spaces


def test_every_driver2_vat_number_is_valid(default: Dataset) -> None:
    numbers = [c["vatNumber"] for c in default.customers if c["vatNumber"] is not None]
    assert len(numbers) > 100
    assert [n for n in numbers if not vat.is_valid(n)] == []
    assert [n for n in numbers if not BE_VAT.fullmatch(n)] == []


def test_driver2_customers_with_a_vat_number_are_vat_liable(default: Dataset) -> None:
    for customer in default.customers:
        assert customer["vatLiable"] == (customer["vatNumber"] is not None)


def test_some_kp_persons_have_a_postcode_driver2_would_reject(default: Dataset) -> None:
    rejected = [p for p in default.persons if not is_valid_postcode(p["land"], p["plz"])]
    assert len(rejected) > 10
    assert FIXED.import_rejected_kp_id in {p["kpId"] for p in rejected}


def test_no_driver2_customer_has_a_postcode_invalid_for_its_country(default: Dataset) -> None:
    invalid = [
        c["customerNumber"]
        for c in default.customers
        if not is_valid_postcode(c["address"]["country"], c["address"]["postcode"])
    ]
    assert invalid == []


def test_vehicles_have_owner_driver_and_lessee(default: Dataset) -> None:
    customers = customer_by_number(default)
    complete = [
        v for v in default.vehicles if v["ownerNumber"] and v["driverNumber"] and v["lesseeNumber"]
    ]
    assert len(complete) > 10
    for vehicle in default.vehicles:
        for role in ("ownerNumber", "driverNumber", "lesseeNumber"):
            assert vehicle[role] is None or vehicle[role] in customers, (vehicle, role)
        assert vehicle["ownerNumber"] is not None


def test_customer_numbers_are_unique_digits(default: Dataset) -> None:
    numbers = [c["customerNumber"] for c in default.customers]
    assert len(set(numbers)) == len(numbers)
    assert all(n.isdigit() for n in numbers)


def test_kp_ids_are_unique_kp_and_7_digits(default: Dataset) -> None:
    kp_ids = [p["kpId"] for p in default.persons]
    assert len(set(kp_ids)) == len(kp_ids)
    assert [k for k in kp_ids if not KP_ID.fullmatch(k)] == []


def test_plates_and_vins_are_unique_and_vins_have_17_characters(default: Dataset) -> None:
    plates = [v["plate"] for v in default.vehicles]
    vins = [v["vin"] for v in default.vehicles]
    assert len(set(plates)) == len(plates)
    assert len(set(vins)) == len(vins)
    assert [vin for vin in vins if len(vin) != 17] == []
    assert all(not set(vin) & set("IOQ") for vin in vins)


def test_every_belgian_driver2_customer_has_the_province_of_its_postcode(
    default: Dataset,
) -> None:
    belgian = [c for c in default.customers if c["address"]["country"] == "BE"]
    assert belgian
    for customer in belgian:
        province = province_for_postcode(customer["address"]["postcode"])
        assert province is not None, customer["address"]
        names = {province.nl, province.fr, province.de}
        assert customer["address"]["province"] in names, customer["address"]


def test_the_provinces_of_goderis_and_the_fixed_companies(default: Dataset) -> None:
    customers = customer_by_number(default)
    assert customers[FIXED.goderis_customer_number]["address"]["province"] == "Oost-Vlaanderen"
    assert customers[FIXED.lessee_customer_number]["address"]["province"] == "Oost-Vlaanderen"


def test_phones_are_e164_or_national_as_typed(default: Dataset) -> None:
    phones = [
        *(c[f] for c in default.customers for f in ("phone", "mobile", "fax")),
        *(p[f] for p in default.persons for f in ("telefon", "mobil", "fax")),
    ]
    given = [phone for phone in phones if phone is not None]
    e164 = [phone for phone in given if E164.fullmatch(phone)]
    national = [phone for phone in given if NATIONAL.fullmatch(phone)]
    assert [p for p in given if not (E164.fullmatch(p) or NATIONAL.fullmatch(p))] == []
    assert len(e164) > 0.9 * len(given)
    assert national  # a few as typed


def test_driver2_languages_include_dutch_french_and_german_belgians(default: Dataset) -> None:
    languages = Counter(c["language"] for c in default.customers)
    assert {"nl-BE", "fr-BE", "de-BE"} <= set(languages)
    assert languages["nl-BE"] > 1000
    assert languages["fr-BE"] > 1000


def test_kp_languages_include_dutch_french_and_german(default: Dataset) -> None:
    languages = Counter(p["sprache"] for p in default.persons)
    assert {"nl", "fr", "de"} <= set(languages)
    assert set(languages) <= {"nl", "fr", "de", "en"}


def test_a_few_customers_and_persons_live_outside_belgium(default: Dataset) -> None:
    for countries in (
        Counter(c["address"]["country"] for c in default.customers),
        Counter(p["land"] for p in default.persons),
    ):
        foreign = {country for country in countries if country != "BE"}
        assert len(foreign) >= 3, countries
        assert 0 < sum(countries[c] for c in foreign) < 0.1 * sum(countries.values())


def test_private_and_business_salutations_match_the_kind(default: Dataset) -> None:
    for person in default.persons:
        if person["kundenart"] == "privat":
            assert person["anrede"] in ("Herr", "Frau")
            assert person["firma"] is None
        else:
            assert isinstance(person["firma"], str)
    salutations = {c["salutation"] for c in default.customers if c["firstName"]}
    assert {"De heer", "Mevrouw", "Monsieur", "Madame", "Herr", "Frau"} <= salutations
