"""The pure request builders: the documented request, or a CriteriaError before any."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from driver2_kp import (
    Address,
    CriteriaError,
    Customer,
    CustomerPage,
    CustomerQuery,
    CustomerType,
    LegalForm,
    NewCustomer,
    Person,
    PersonKind,
    PersonPage,
    PersonQuery,
    ResponseFormatError,
)
from driver2_kp._convert import read
from driver2_kp.driver2 import (
    create_customer_request,
    find_vehicles_request,
    get_customer_request,
    next_page,
    read_problem,
    search_customers_request,
)
from driver2_kp.kp import get_person_request, next_offset, read_fehler, search_persons_request
from tests._contract import customer, customer_page, person, person_page, vehicle

KP_PARAMETERS = {"nachname", "vorname", "plz", "kundenart", "limit", "offset"}


def new_customer() -> NewCustomer:
    return NewCustomer(
        legal_form=LegalForm.NATURAL_PERSON,
        name="Goderis",
        first_name="Thiemen",
        address=Address(country="BE", postcode="9000", city="Gent"),
        language="nl-BE",
        customer_type=CustomerType.PRIVATE,
        kp_reference="KP-0012345",
    )


# --- Driver2 ----------------------------------------------------------------------------


def test_a_customer_search_is_a_get_of_customers_with_camel_case_criteria() -> None:
    query = CustomerQuery(
        customer_number="74050",
        vat_number="BE0123456749",
        name="Goderis",
        first_name="Thiemen",
        email="thiemen.goderis@example.be",
        phone="0475 12 34 56",
        postcode="9000",
        country="BE",
    )
    call = search_customers_request(query, page=3).call
    assert (call.service, call.method, call.path) == ("Driver2", "GET", "/customers")
    assert call.endpoint == "GET /customers"
    assert dict(call.params) == {
        "customerNumber": "74050",
        "vatNumber": "BE0123456749",
        "name": "Goderis",
        "firstName": "Thiemen",
        "email": "thiemen.goderis@example.be",
        "phone": "0475 12 34 56",
        "postcode": "9000",
        "country": "BE",
        "page": "3",
    }
    assert len(call.params) == len(dict(call.params))
    assert call.json is None
    assert call.read_error is read_problem


def test_a_customer_search_sends_only_the_criteria_given_and_page_1_by_default() -> None:
    call = search_customers_request(CustomerQuery(name="Goderis", postcode="9000")).call
    assert call.params == (("name", "Goderis"), ("postcode", "9000"), ("page", "1"))


def test_a_customer_search_reads_a_customer_page() -> None:
    operation = search_customers_request(CustomerQuery(name="Goderis"))
    page = operation.read(httpx.Response(200, json=customer_page(customer())))
    assert isinstance(page, CustomerPage)
    assert page.items[0].customer_number == "74050"


def test_getting_a_customer_puts_the_number_in_the_path_and_not_in_the_endpoint() -> None:
    operation = get_customer_request("74050")
    call = operation.call
    assert (call.method, call.path) == ("GET", "/customers/74050")
    assert call.endpoint == "GET /customers/{customerNumber}"
    assert call.params == ()
    assert isinstance(operation.read(httpx.Response(200, json=customer())), Customer)


def test_a_customer_answer_that_is_not_json_is_a_response_format_error() -> None:
    operation = get_customer_request("74050")
    html = httpx.Response(
        200, text="<html>maintenance</html>", headers={"Content-Type": "text/html"}
    )
    with pytest.raises(ResponseFormatError, match=r"^Driver2 GET /customers/\{customerNumber\}: "):
        operation.read(html)


def test_creating_a_customer_posts_its_camel_case_json_with_the_idempotency_key() -> None:
    operation = create_customer_request(new_customer(), idempotency_key="3f1c2a9e")
    call = operation.call
    assert (call.method, call.path, call.endpoint) == ("POST", "/customers", "POST /customers")
    assert call.headers == {"Idempotency-Key": "3f1c2a9e"}
    assert call.replayable
    assert isinstance(call.json, dict)
    assert call.json["kpReference"] == "KP-0012345"
    assert call.json["address"]["postcode"] == "9000"
    assert "vatNumber" not in call.json
    created = operation.read(httpx.Response(201, json=customer()))
    assert created.customer_number == "74050"


def test_the_create_request_sends_the_json_body_and_the_key_as_httpx_sees_them() -> None:
    call = create_customer_request(new_customer(), idempotency_key="k-1").call
    with httpx.Client() as client:
        base = "https://driver2.example.be/api/v2"
        request = call.request(client, base, {}, {"read": 5.0})
    assert str(request.url) == "https://driver2.example.be/api/v2/customers"
    assert request.headers["Idempotency-Key"] == "k-1"
    assert request.headers["Content-Type"] == "application/json"
    assert b'"vatNumber"' not in request.content
    assert b'"legalForm":"natural_person"' in request.content


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_idempotency_key_must_be_1_to_255_characters(key: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        create_customer_request(new_customer(), idempotency_key=key)
    assert caught.value.field == "idempotency_key"


def test_finding_vehicles_by_plate_sends_only_the_plate() -> None:
    call = find_vehicles_request(plate="1-ABC-123").call
    assert (call.method, call.path, call.endpoint) == ("GET", "/vehicles", "GET /vehicles")
    assert call.params == (("plate", "1-ABC-123"),)


def test_finding_vehicles_by_vin_sends_only_the_vin() -> None:
    operation = find_vehicles_request(vin="WVWZZZ1JZXW000001")
    assert operation.call.params == (("vin", "WVWZZZ1JZXW000001"),)
    vehicles = operation.read(httpx.Response(200, json={"items": [vehicle(owner=customer())]}))
    assert [v.vin for v in vehicles] == ["WVWZZZ1JZXW000001"]
    assert isinstance(vehicles, list)


def test_next_page_is_the_following_page_until_the_last() -> None:
    page = read(
        {**customer_page(customer()), "page": 2, "totalItems": 23, "totalPages": 3},
        CustomerPage,
        service="Driver2",
        endpoint="GET /customers",
    )
    assert next_page(page) == 3
    last = CustomerPage(items=page.items, page=3, page_size=10, total_items=23, total_pages=3)
    assert next_page(last) is None


def test_next_page_of_an_empty_result_is_none() -> None:
    empty = CustomerPage(items=(), page=1, page_size=10, total_items=0, total_pages=0)
    assert next_page(empty) is None


# --- Driver2: refused before any request --------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        CustomerQuery(),
        CustomerQuery(name="", first_name="  "),
        CustomerQuery(email="\t", postcode=" \n"),
    ],
)
def test_an_empty_customer_query_is_refused(query: CustomerQuery) -> None:
    with pytest.raises(CriteriaError) as caught:
        search_customers_request(query)
    assert caught.value.field == "query"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("page", [0, -1])
def test_a_page_below_1_is_refused(page: int) -> None:
    with pytest.raises(CriteriaError) as caught:
        search_customers_request(CustomerQuery(name="Goderis"), page=page)
    assert caught.value.field == "page"
    assert str(caught.value).startswith("page: ")


@pytest.mark.parametrize("number", ["", "74 050", "74050/orders", "../oauth", "-1", "7405O"])
def test_a_customer_number_that_is_not_digits_is_refused(number: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        get_customer_request(number)
    assert caught.value.field == "customer_number"


@pytest.mark.parametrize(
    "number",
    ["\u00b2\u00b3", "\uff17\uff14\uff10\uff15\uff10", "\u0667\u0664"],
    ids=["superscript", "fullwidth", "arabic-indic"],
)
def test_a_customer_number_of_non_ascii_digits_is_refused(number: str) -> None:
    # str.isdigit() says yes to these; Driver2's numbers are ASCII digits.
    with pytest.raises(CriteriaError) as caught:
        get_customer_request(number)
    assert caught.value.field == "customer_number"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({}, "plate"),
        ({"plate": "", "vin": "  "}, "plate"),
        ({"plate": "1-ABC-123", "vin": "WVWZZZ1JZXW000001"}, "vin"),
    ],
)
def test_vehicles_need_exactly_one_of_plate_and_vin(given: dict[str, Any], field: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        find_vehicles_request(**given)
    assert caught.value.field == field
    assert "plate" in str(caught.value)
    assert "vin" in str(caught.value)


def test_a_customer_query_turns_blank_strings_into_none_and_strips_the_rest() -> None:
    query = CustomerQuery(name="  Goderis ", first_name="   ", email="", postcode=None)
    assert query.name == "Goderis"
    assert query.first_name is None
    assert query.email is None
    assert query.postcode is None
    assert not query.is_empty()
    assert search_customers_request(query).call.params == (("name", "Goderis"), ("page", "1"))


def test_a_criteria_error_does_not_repeat_the_value() -> None:
    with pytest.raises(CriteriaError) as caught:
        get_customer_request("Goderis")
    assert "Goderis" not in str(caught.value)


# --- KP ---------------------------------------------------------------------------------


def test_a_person_search_is_a_get_of_personen_with_german_parameters() -> None:
    query = PersonQuery(
        last_name="Goderis", first_name="Thiemen", postcode="9000", kind=PersonKind.PRIVATE
    )
    call = search_persons_request(query, limit=50, offset=100).call
    assert (call.service, call.method, call.path) == ("KP", "GET", "/personen")
    assert call.endpoint == "GET /personen"
    assert call.params == (
        ("nachname", "Goderis"),
        ("vorname", "Thiemen"),
        ("plz", "9000"),
        ("kundenart", "privat"),
        ("limit", "50"),
        ("offset", "100"),
    )
    assert call.read_error is read_fehler


def test_a_business_search_sends_kundenart_gewerblich() -> None:
    query = PersonQuery(last_name="Peeters", kind=PersonKind.BUSINESS)
    assert ("kundenart", "gewerblich") in search_persons_request(query).call.params


@pytest.mark.parametrize(
    "query",
    [
        PersonQuery(last_name="Goderis"),
        PersonQuery(last_name="Go", first_name=" ", postcode=""),
        PersonQuery(
            last_name="Peeters", first_name="Ann", postcode="2000", kind=PersonKind.BUSINESS
        ),
    ],
)
def test_a_person_search_only_ever_sends_kps_own_parameters(query: PersonQuery) -> None:
    params = search_persons_request(query).call.params
    assert {name for name, _ in params} <= KP_PARAMETERS
    assert len(params) == len(dict(params))
    assert dict(params)["nachname"] == query.last_name.strip()


def test_a_person_search_asks_for_25_from_0_by_default() -> None:
    params = dict(search_persons_request(PersonQuery(last_name="Goderis")).call.params)
    assert params == {"nachname": "Goderis", "limit": "25", "offset": "0"}


def test_a_person_search_reads_a_person_page() -> None:
    operation = search_persons_request(PersonQuery(last_name="Goderis"))
    page = operation.read(httpx.Response(200, json=person_page(person(), total=57)))
    assert isinstance(page, PersonPage)
    assert page.total == 57
    assert page.items[0].kp_id == "KP-0012345"


def test_getting_a_person_puts_the_kp_id_in_the_path_and_not_in_the_endpoint() -> None:
    operation = get_person_request("KP-0012345")
    call = operation.call
    assert (call.method, call.path) == ("GET", "/personen/KP-0012345")
    assert call.endpoint == "GET /personen/{kpId}"
    assert isinstance(operation.read(httpx.Response(200, json=person())), Person)


@pytest.mark.parametrize("kp_id", ["", "KP-12345", "kp-0012345", "KP-00123456", "0012345"])
def test_a_malformed_kp_id_is_refused(kp_id: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        get_person_request(kp_id)
    assert caught.value.field == "kp_id"


@pytest.mark.parametrize("last_name", ["", "G", " G ", "   "])
def test_a_last_name_shorter_than_2_characters_is_refused(last_name: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        search_persons_request(PersonQuery(last_name=last_name))
    assert caught.value.field == "last_name"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("limit", [0, 101, -5])
def test_a_limit_outside_1_to_100_is_refused(limit: int) -> None:
    with pytest.raises(CriteriaError) as caught:
        search_persons_request(PersonQuery(last_name="Goderis"), limit=limit)
    assert caught.value.field == "limit"


@pytest.mark.parametrize("limit", [1, 100])
def test_a_limit_of_1_or_100_is_accepted(limit: int) -> None:
    params = dict(search_persons_request(PersonQuery(last_name="Goderis"), limit=limit).call.params)
    assert params["limit"] == str(limit)


def test_a_negative_offset_is_refused() -> None:
    with pytest.raises(CriteriaError) as caught:
        search_persons_request(PersonQuery(last_name="Goderis"), offset=-1)
    assert caught.value.field == "offset"


def test_a_person_query_turns_blank_strings_into_none() -> None:
    query = PersonQuery(last_name="Goderis", first_name="  ", postcode="")
    assert query.first_name is None
    assert query.postcode is None


def _persons(offset: int, count: int, total: int) -> PersonPage:
    one = read(person(), Person, service="KP", endpoint="GET /personen")
    return PersonPage(items=(one,) * count, total=total, limit=25, offset=offset)


def test_next_offset_starts_after_the_persons_received() -> None:
    assert next_offset(_persons(offset=0, count=25, total=57)) == 25
    assert next_offset(_persons(offset=25, count=25, total=57)) == 50


def test_next_offset_is_none_after_the_last_slice() -> None:
    assert next_offset(_persons(offset=50, count=7, total=57)) is None
    assert next_offset(_persons(offset=0, count=0, total=0)) is None


def test_next_offset_is_none_when_kp_answers_an_empty_slice_before_the_total() -> None:
    # The total grew stale (persons deleted meanwhile): stop rather than ask forever.
    assert next_offset(_persons(offset=50, count=0, total=57)) is None
