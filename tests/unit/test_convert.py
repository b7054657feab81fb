"""The one converter: wire shapes in, typed models out, and nothing else gets through."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from driver2_kp import (
    Address,
    Customer,
    CustomerPage,
    CustomerType,
    KPSalutation,
    LegalForm,
    NewCustomer,
    Person,
    PersonKind,
    PersonPage,
    ResponseFormatError,
    Vehicle,
)
from driver2_kp._convert import read, write
from driver2_kp._models import VehicleList
from driver2_kp.sandbox import generate
from tests._contract import JSONObject, customer, customer_page, person, person_page, vehicle

DATASET = generate(7, 10, 10)
DRIVER2 = {"service": "Driver2", "endpoint": "GET /customers/{customerNumber}"}
KP = {"service": "KP", "endpoint": "GET /personen"}


def read_customer(data: object) -> Customer:
    return read(data, Customer, **DRIVER2)


# --- every resource reads from its wire shape ---------------------------------------


def test_the_contract_customer_example_reads_into_every_attribute() -> None:
    got = read_customer(customer())
    assert got == Customer(
        customer_number="74050",
        legal_form=LegalForm.NATURAL_PERSON,
        salutation="De heer",
        name="Goderis",
        first_name="Thiemen",
        address=Address(
            street="Kortrijksesteenweg",
            house_number="112",
            box="B",
            line2=None,
            postcode="9000",
            city="Gent",
            province="Oost-Vlaanderen",
            country="BE",
        ),
        phone="+3292234455",
        fax=None,
        mobile="+32475123456",
        email="thiemen.goderis@example.be",
        vat_liable=False,
        vat_number=None,
        language="nl-BE",
        customer_type=CustomerType.PRIVATE,
        disabled_person=False,
        driving_licence="1234567890",
        kp_reference=None,
        remarks=None,
        created_at=datetime(2019, 7, 15, 9, 7, tzinfo=UTC),
        updated_at=datetime(2024, 2, 1, 13, 45, 10, tzinfo=UTC),
    )


def test_the_contract_person_example_reads_from_its_german_names() -> None:
    got = read(person(), Person, **KP)
    assert got == Person(
        kp_id="KP-0012345",
        kind=PersonKind.PRIVATE,
        salutation=KPSalutation.HERR,
        last_name="Goderis",
        first_name="Thiemen",
        company=None,
        street="Kortrijksesteenweg",
        house_number="112 B",
        address_line2=None,
        postcode="9000",
        city="Gent",
        country="BE",
        phone="+3292234455",
        mobile="+32475123456",
        fax=None,
        email="thiemen.goderis@example.be",
        vat_number=None,
        language="nl",
        changed_at=datetime(2024, 2, 1, 13, 45, 10, tzinfo=UTC),
    )


def test_the_contract_vehicle_example_reads_with_its_embedded_customers() -> None:
    answer = {"items": [vehicle(owner=customer(), driver=None, lessee=customer())]}
    got = read(answer, VehicleList, service="Driver2", endpoint="GET /vehicles")
    assert got.items == (
        Vehicle(
            vin="WVWZZZ1JZXW000001",
            plate="1-ABC-123",
            make="Volkswagen",
            model="Golf",
            first_registration=date(2019, 3, 1),
            owner=read_customer(customer()),
            driver=None,
            lessee=read_customer(customer()),
        ),
    )


def test_a_customer_page_reads_its_items_and_counts() -> None:
    answer = {**customer_page(customer()), "page": 2, "totalItems": 23, "totalPages": 3}
    got = read(answer, CustomerPage, service="Driver2", endpoint="GET /customers")
    assert got == CustomerPage(
        items=(read_customer(customer()),), page=2, page_size=10, total_items=23, total_pages=3
    )


def test_the_no_match_customer_page_reads_as_an_empty_page() -> None:
    answer = {"items": [], "page": 1, "pageSize": 10, "totalItems": 0, "totalPages": 0}
    got = read(answer, CustomerPage, service="Driver2", endpoint="GET /customers")
    assert got == CustomerPage(items=(), page=1, page_size=10, total_items=0, total_pages=0)


def test_a_person_page_reads_from_treffer_and_gesamt() -> None:
    got = read(person_page(person(), total=57), PersonPage, **KP)
    assert got == PersonPage(items=(read(person(), Person, **KP),), total=57, limit=25, offset=0)


@pytest.mark.parametrize("record", DATASET.customers, ids=lambda r: r["customerNumber"])
def test_every_generated_sandbox_customer_reads(record: JSONObject) -> None:
    got = read_customer(record)
    assert got.customer_number == record["customerNumber"]
    assert got.address.country == record["address"]["country"]
    assert got.vat_number == record["vatNumber"]
    assert got.kp_reference == record["kpReference"]


@pytest.mark.parametrize("record", DATASET.persons, ids=lambda r: r["kpId"])
def test_every_generated_sandbox_person_reads(record: JSONObject) -> None:
    got = read(record, Person, **KP)
    assert got.kp_id == record["kpId"]
    assert got.kind.value == record["kundenart"]
    assert got.postcode == record["plz"]
    assert got.vat_number == record["ustIdNr"]


def test_every_generated_sandbox_vehicle_reads_with_its_customers() -> None:
    by_number = {c["customerNumber"]: c for c in DATASET.customers}

    def embedded(number: str | None) -> JSONObject | None:
        return None if number is None else by_number[number]

    items = []
    for record in DATASET.vehicles:
        wire = {k: v for k, v in record.items() if not k.endswith("Number")}
        wire |= {
            "owner": embedded(record["ownerNumber"]),
            "driver": embedded(record["driverNumber"]),
            "lessee": embedded(record["lesseeNumber"]),
        }
        items.append(wire)
    got = read({"items": items}, VehicleList, service="Driver2", endpoint="GET /vehicles")
    assert [v.vin for v in got.items] == [v["vin"] for v in DATASET.vehicles]
    for read_vehicle, record in zip(got.items, DATASET.vehicles, strict=True):
        owner = read_vehicle.owner.customer_number if read_vehicle.owner else None
        assert owner == record["ownerNumber"]
        assert isinstance(read_vehicle.first_registration, date)


# --- unknown fields are ignored -----------------------------------------------------


def test_unknown_fields_of_a_customer_and_its_address_are_ignored() -> None:
    wire = customer()
    wire["loyaltyTier"] = "gold"
    wire["address"]["geo"] = {"lat": 51.05, "lon": 3.72}
    assert read_customer(wire) == read_customer(customer())


def test_unknown_fields_of_pages_vehicles_and_persons_are_ignored() -> None:
    page = {**customer_page(customer()), "links": {"next": None}}
    assert read(page, CustomerPage, service="Driver2", endpoint="GET /customers").items
    cars = {"items": [{**vehicle(), "colour": "blue"}], "count": 1}
    assert read(cars, VehicleList, service="Driver2", endpoint="GET /vehicles").items
    persons = {**person_page({**person(), "kundennummer": 7}), "seite": 1}
    assert read(persons, PersonPage, **KP).items[0].kp_id == "KP-0012345"


# --- what does not fit is a ResponseFormatError naming the wire field -----------------


def _without(key: str) -> Callable[[JSONObject], None]:
    def change(wire: JSONObject) -> None:
        del wire[key]

    return change


def _set(key: str, value: object) -> Callable[[JSONObject], None]:
    def change(wire: JSONObject) -> None:
        wire[key] = value

    return change


def _set_address(key: str, value: object) -> Callable[[JSONObject], None]:
    def change(wire: JSONObject) -> None:
        wire["address"][key] = value

    return change


def _without_country(wire: JSONObject) -> None:
    del wire["address"]["country"]


CUSTOMER_FAULTS = [
    pytest.param(_without("customerNumber"), "body.customerNumber", None, id="missing"),
    pytest.param(_without_country, "body.address.country", None, id="missing-nested"),
    pytest.param(_set("vatLiable", "false"), "body.vatLiable", "false", id="str-for-bool"),
    pytest.param(_set("disabledPerson", 0), "body.disabledPerson", "0", id="int-for-bool"),
    pytest.param(_set("name", 987654), "body.name", "987654", id="int-for-str"),
    pytest.param(_set("email", ["x@y.be"]), "body.email", "x@y.be", id="list-for-str"),
    pytest.param(_set_address("postcode", 9000), "body.address.postcode", "9000", id="nested"),
    pytest.param(_set("legalForm", "corporation"), "body.legalForm", "corporation", id="enum"),
    pytest.param(_set("customerType", "PRIVATE"), "body.customerType", "PRIVATE", id="enum-case"),
    pytest.param(_set("createdAt", "gisteren"), "body.createdAt", "gisteren", id="bad-date"),
    pytest.param(
        _set("updatedAt", "2024-02-30T13:45:10Z"), "body.updatedAt", "2024-02-30", id="no-such-day"
    ),
    pytest.param(_set("createdAt", 1563181620), "body.createdAt", "1563181620", id="epoch"),
    pytest.param(_set("address", None), "body.address", None, id="null-object"),
    pytest.param(_set("address", "Kortrijksesteenweg 112"), "body.address", "Kortrijk", id="str"),
]


@pytest.mark.parametrize(("change", "path", "bad"), CUSTOMER_FAULTS)
def test_a_customer_that_does_not_fit_is_a_response_format_error_naming_the_wire_field(
    change: Callable[[JSONObject], None], path: str, bad: str | None
) -> None:
    wire = customer()
    change(wire)
    with pytest.raises(ResponseFormatError) as caught:
        read_customer(wire)
    message = str(caught.value)
    assert path in message
    assert message.startswith("Driver2 GET /customers/{customerNumber}: ")
    assert caught.value.service == "Driver2"
    assert caught.value.endpoint == "GET /customers/{customerNumber}"
    if bad is not None:
        assert bad not in message


PAGE_FAULTS = [
    pytest.param("page", 1.9, "body.page", "1.9", id="float-for-int"),
    pytest.param("totalItems", "23", "body.totalItems", "23", id="str-for-int"),
    pytest.param("pageSize", True, "body.pageSize", "True", id="bool-for-int"),
    pytest.param("totalPages", None, "body.totalPages", None, id="null-for-int"),
]


@pytest.mark.parametrize(("key", "value", "path", "bad"), PAGE_FAULTS)
def test_a_wrong_json_type_in_a_page_is_a_response_format_error(
    key: str, value: object, path: str, bad: str | None
) -> None:
    wire = customer_page(customer())
    wire[key] = value
    with pytest.raises(ResponseFormatError) as caught:
        read(wire, CustomerPage, service="Driver2", endpoint="GET /customers")
    message = str(caught.value)
    assert path in message
    assert "Driver2 GET /customers" in message
    if bad is not None:
        assert bad not in message


def test_a_fault_inside_a_list_names_the_item_index_and_its_wire_field() -> None:
    bad_person = person()
    del bad_person["kpId"]
    wire = person_page(person(), bad_person)
    wire["treffer"][0]["plz"] = 9000
    with pytest.raises(ResponseFormatError) as caught:
        read(wire, PersonPage, **KP)
    message = str(caught.value)
    assert "body.treffer[1].kpId" in message
    assert "body.treffer[0].plz" in message
    assert message.startswith("KP GET /personen: ")


def test_a_bool_for_kp_gesamt_is_a_response_format_error() -> None:
    wire = person_page(person())
    wire["gesamt"] = True
    with pytest.raises(ResponseFormatError, match=r"body\.gesamt"):
        read(wire, PersonPage, **KP)


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("kundenart", "privatperson", "body.kundenart"),
        ("anrede", "Dr.", "body.anrede"),
        ("geaendertAm", "01.02.2024", "body.geaendertAm"),
        ("ustIdNr", 123456749, "body.ustIdNr"),
    ],
)
def test_a_kp_person_that_does_not_fit_names_the_german_field(
    key: str, value: object, path: str
) -> None:
    wire = person()
    wire[key] = value
    with pytest.raises(ResponseFormatError) as caught:
        read(wire, Person, **KP)
    assert path in str(caught.value)
    assert str(value) not in str(caught.value)


def test_a_bad_vehicle_date_names_the_item_and_field() -> None:
    wire = {"items": [{**vehicle(), "firstRegistration": "01/03/2019"}]}
    with pytest.raises(ResponseFormatError) as caught:
        read(wire, VehicleList, service="Driver2", endpoint="GET /vehicles")
    assert "body.items[0].firstRegistration" in str(caught.value)
    assert "01/03/2019" not in str(caught.value)


@pytest.mark.parametrize(
    "value", ["2019-07-15", "2019-07-15T09:07:00"], ids=["date-only", "no-offset"]
)
def test_a_date_time_without_a_time_or_an_offset_is_not_rfc_3339(value: str) -> None:
    # createdAt is an RFC 3339 date-time in UTC: a bare date, or a local time
    # without offset (which Python could not even compare with an aware one), is not.
    wire = customer()
    wire["createdAt"] = value
    with pytest.raises(ResponseFormatError, match=r"body\.createdAt"):
        read_customer(wire)


@pytest.mark.parametrize("value", ["", {}, "abc", 5], ids=["empty-str", "object", "str", "int"])
def test_a_list_field_that_is_not_a_json_array_is_a_response_format_error(value: object) -> None:
    wire = customer_page()
    wire["items"] = value
    with pytest.raises(ResponseFormatError, match=r"body\.items"):
        read(wire, CustomerPage, service="Driver2", endpoint="GET /customers")


@pytest.mark.parametrize("body", [[customer()], "74050", None, 74050, True])
def test_a_body_that_is_not_a_json_object_is_a_response_format_error(body: object) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        read_customer(body)
    assert str(caught.value).startswith("Driver2 GET /customers/{customerNumber}: ")
    assert "object" in str(caught.value)


def test_a_format_error_is_neither_a_key_error_nor_a_type_error() -> None:
    wire = customer()
    del wire["name"]
    with pytest.raises(ResponseFormatError) as caught:
        read_customer(wire)
    assert not isinstance(caught.value, KeyError | TypeError)


# --- the quicker type and enum checks refuse what they refused, saying the same ---------


def read_page_of_ten(change: Callable[[JSONObject], None]) -> str:
    wire = customer_page(*(customer() for _ in range(10)))
    change(wire)
    with pytest.raises(ResponseFormatError) as caught:
        read(wire, CustomerPage, service="Driver2", endpoint="GET /customers")
    return str(caught.value).removeprefix(
        "Driver2 GET /customers: the answer is not a valid CustomerPage: "
    )


def test_a_numeral_string_for_an_int_is_still_refused() -> None:
    message = read_page_of_ten(_set("page", "1"))
    assert message == "body.page: expected int, got str"


def test_a_whole_float_for_an_int_is_still_refused() -> None:
    message = read_page_of_ten(_set("totalItems", 23.0))
    assert message == "body.totalItems: expected int, got float"


def _in_item(index: int, change: Callable[[JSONObject], None]) -> Callable[[JSONObject], None]:
    def change_item(wire: JSONObject) -> None:
        change(wire["items"][index])

    return change_item


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            _in_item(3, _set_address("postcode", 9000)),
            "body.items[3].address.postcode: expected str, got int",
            id="address-postcode",
        ),
        pytest.param(
            _in_item(5, _set("customerNumber", 74050)),
            "body.items[5].customerNumber: expected str, got int",
            id="customer-number",
        ),
        pytest.param(
            _in_item(5, _set("phone", 3292234455)),
            "body.items[5].phone: expected str, got int",
            id="optional-phone",
        ),
        pytest.param(
            _in_item(9, _set("vatLiable", 1)),
            "body.items[9].vatLiable: expected bool, got int",
            id="int-for-bool",
        ),
        pytest.param(
            _in_item(9, _set("createdAt", "2024-02-30T13:45:10Z")),
            "body.items[9].createdAt: expected an RFC 3339 date-time with its offset",
            id="no-such-day",
        ),
    ],
)
def test_a_wrong_type_deep_in_a_page_gives_the_precise_message(
    change: Callable[[JSONObject], None], expected: str
) -> None:
    assert read_page_of_ten(change) == expected


@pytest.mark.parametrize(
    "value",
    ["corporation", "NATURAL_PERSON", "private", None, 1, True, ["natural_person"], {}],
    ids=["unknown", "name-not-value", "other-enum", "null", "int", "bool", "array", "object"],
)
def test_an_unknown_enum_value_is_refused_listing_the_values(value: object) -> None:
    message = read_page_of_ten(_in_item(7, _set("legalForm", value)))
    assert message == "body.items[7].legalForm: expected one of natural_person, legal_entity"


def test_a_kp_salutation_may_be_null_but_not_unknown() -> None:
    wire = person_page(person(), {**person(), "anrede": None})
    assert read(wire, PersonPage, **KP).items[1].salutation is None
    wire["treffer"][0]["anrede"] = "Dr."
    with pytest.raises(ResponseFormatError) as caught:
        read(wire, PersonPage, **KP)
    assert str(caught.value).endswith("body.treffer[0].anrede: expected one of Herr, Frau, Firma")


def test_a_lower_case_t_and_z_still_read_as_rfc_3339() -> None:
    wire = customer()
    wire["createdAt"] = "2019-07-15t09:07:00z"
    assert read_customer(wire).created_at == datetime(2019, 7, 15, 9, 7, tzinfo=UTC)


# --- writing a new customer ---------------------------------------------------------


def _new_customer() -> NewCustomer:
    return NewCustomer(
        legal_form=LegalForm.NATURAL_PERSON,
        name="Goderis",
        first_name="Thiemen",
        address=Address(country="BE", street="Kortrijksesteenweg", house_number="112", box="B"),
        language="nl-BE",
        customer_type=CustomerType.PRIVATE,
        vat_liable=True,
        disabled_person=False,
        driving_licence="1234567890",
        kp_reference="KP-0012345",
    )


def test_writing_a_new_customer_gives_driver2_camel_case_json() -> None:
    wire = json.loads(json.dumps(write(_new_customer())))
    assert wire["legalForm"] == "natural_person"
    assert wire["customerType"] == "private"
    assert wire["firstName"] == "Thiemen"
    assert wire["vatLiable"] is True
    assert wire["disabledPerson"] is False
    assert wire["drivingLicence"] == "1234567890"
    assert wire["kpReference"] == "KP-0012345"
    assert wire["address"]["houseNumber"] == "112"
    assert wire["address"]["country"] == "BE"
    assert all("_" not in key for key in wire)
    assert all("_" not in key for key in wire["address"])


def test_writing_a_new_customer_never_sends_a_vat_number_key() -> None:
    wire = write(_new_customer())
    assert "vatNumber" not in wire
    assert not any("vat" in key.lower() and key != "vatLiable" for key in wire)


def test_a_new_customer_has_no_vat_number_attribute_at_all() -> None:
    names = {field.name for field in attrs.fields(NewCustomer)}
    assert "vat_number" not in names
    assert {name for name in names if "vat" in name} == {"vat_liable"}
    extra: dict[str, Any] = {"vat_number": "BE0123456749"}
    with pytest.raises(TypeError):
        NewCustomer(
            legal_form=LegalForm.LEGAL_ENTITY,
            name="Peeters Bouw",
            address=Address(country="BE"),
            language="nl-BE",
            customer_type=CustomerType.BUSINESS,
            **extra,
        )


# --- property: whatever the models can hold survives the wire -----------------------

_texts = st.text(max_size=30)
_optional_texts = st.none() | _texts
_utc_times = st.datetimes(timezones=st.just(UTC))


def _inferred(cls: type[Any], **given_: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Every attribute, optional ones too (builds leaves defaults alone unless asked).
    fields: dict[str, Any] = {field.name: ... for field in attrs.fields(cls)}
    return st.builds(cls, **(fields | given_))


_addresses = _inferred(Address)
_customers = _inferred(Customer, address=_addresses, created_at=_utc_times, updated_at=_utc_times)
_persons = _inferred(Person, changed_at=_utc_times)


@given(_customers)
def test_any_customer_round_trips_through_its_wire_json(value: Customer) -> None:
    wire = json.loads(json.dumps(write(value)))
    assert read_customer(wire) == value


@given(_persons)
def test_any_person_round_trips_through_its_german_wire_json(value: Person) -> None:
    wire = json.loads(json.dumps(write(value)))
    assert set(wire) == set(person())
    assert read(wire, Person, **KP) == value


@given(st.lists(_customers, max_size=3), st.integers(min_value=0, max_value=10**6))
def test_any_customer_page_round_trips(items: list[Customer], total: int) -> None:
    page = CustomerPage(items=tuple(items), page=1, page_size=10, total_items=total, total_pages=1)
    wire = json.loads(json.dumps(write(page)))
    assert read(wire, CustomerPage, service="Driver2", endpoint="GET /customers") == page
