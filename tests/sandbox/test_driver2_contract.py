"""The sandbox's Driver2 side against the Driver2 HTTP contract (driver2-api.md).

Every row of the contract's status tables is provoked here, and every matching
rule of the customer search is checked against a reference implementation of
the rule run over the sandbox's own generated data.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, Final

import httpx
import pytest

from driver2_kp.sandbox import (
    CLIENT_ID,
    CLIENT_SECRET,
    FIXED,
    Dataset,
    FaultScript,
    Sandbox,
    SandboxConfig,
    generate,
)
from tests._contract import customer as contract_customer

JSON = dict[str, Any]

# The contract's example customer, as the sandbox must serve 74050 (imported from KP).
GODERIS: Final[JSON] = contract_customer() | {"kpReference": FIXED.goderis_kp_id}

CUSTOMER_FIELDS: Final = frozenset(GODERIS)
ADDRESS_FIELDS: Final = frozenset(GODERIS["address"])
NULLABLE_STRINGS: Final = (
    "salutation",
    "firstName",
    "phone",
    "fax",
    "mobile",
    "email",
    "vatNumber",
    "drivingLicence",
    "kpReference",
    "remarks",
)
NO_MATCH: Final[JSON] = {"items": [], "page": 1, "pageSize": 10, "totalItems": 0, "totalPages": 0}
NEW_NAME: Final = "Testklant-Contract"
"""The surname of the customers these tests create: no generated customer has it."""


# --- helpers ----------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text``, as the contract's name match needs."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def phone_digits(text: str) -> str:
    return "".join(c for c in text if c in "0123456789")


def contract_order(customer: JSON) -> tuple[str, str, int]:
    """The contract's result order: name, then firstName, then customerNumber."""
    return (
        fold(customer["name"]),
        fold(customer["firstName"] or ""),
        int(customer["customerNumber"]),
    )


def expected_numbers(dataset: Dataset, matches: Callable[[JSON], bool]) -> list[str]:
    """The customer numbers of the generated customers that match, in the contract's order."""
    found = sorted((c for c in dataset.customers if matches(c)), key=contract_order)
    return [c["customerNumber"] for c in found]


def numbers(customers: list[JSON]) -> list[str]:
    return [c["customerNumber"] for c in customers]


def search_all(client: httpx.Client, **criteria: str) -> list[JSON]:
    """Every customer a search finds, page after page, checking each page's counts."""
    items: list[JSON] = []
    page = 1
    while True:
        response = client.get("/customers", params={**criteria, "page": str(page)})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["page"] == page
        items += body["items"]
        if page >= body["totalPages"]:
            assert len(items) == body["totalItems"]
            return items
        assert len(body["items"]) == body["pageSize"]
        page += 1


def assert_problem(response: httpx.Response, status: int, kind: str) -> JSON:
    """Check an RFC 9457 problem answer of the contract; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: JSON = response.json()
    assert body["type"].endswith("/" + kind), body
    assert body["status"] == status
    assert isinstance(body["title"], str)
    return body


def error_fields(problem: JSON) -> set[str]:
    errors = problem["errors"]
    assert all(isinstance(error["message"], str) for error in errors)
    return {error["field"] for error in errors}


def assert_utc_timestamp(value: object) -> None:
    assert isinstance(value, str)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.utcoffset() == timedelta(0)


def assert_customer(customer: JSON) -> None:
    """Every documented field of a Customer is there, with its documented type."""
    assert set(customer) >= CUSTOMER_FIELDS, CUSTOMER_FIELDS - set(customer)
    assert isinstance(customer["customerNumber"], str)
    assert customer["customerNumber"].isdigit()
    assert customer["legalForm"] in ("natural_person", "legal_entity")
    assert isinstance(customer["name"], str)
    for field in NULLABLE_STRINGS:
        assert customer[field] is None or isinstance(customer[field], str), field
    if customer["legalForm"] == "legal_entity":
        assert customer["firstName"] is None
    address = customer["address"]
    assert set(address) >= ADDRESS_FIELDS, ADDRESS_FIELDS - set(address)
    for field in ADDRESS_FIELDS - {"country"}:
        assert address[field] is None or isinstance(address[field], str), field
    assert isinstance(address["country"], str)
    assert len(address["country"]) == 2
    assert address["country"].isupper()
    assert isinstance(customer["vatLiable"], bool)
    assert isinstance(customer["disabledPerson"], bool)
    assert isinstance(customer["language"], str)
    assert customer["customerType"] in ("private", "business", "fleet")
    assert_utc_timestamp(customer["createdAt"])
    assert_utc_timestamp(customer["updatedAt"])


def new_customer(kp_reference: str, name: str = NEW_NAME, **changes: Any) -> JSON:
    """A valid create body (a Customer without number, timestamps and vatNumber)."""
    body: JSON = {
        "legalForm": "natural_person",
        "salutation": "Mevrouw",
        "name": name,
        "firstName": "Lotte",
        "address": {
            "street": "Veldstraat",
            "houseNumber": "10",
            "box": None,
            "line2": None,
            "postcode": "9000",
            "city": "Gent",
            "province": "Oost-Vlaanderen",
            "country": "BE",
        },
        "phone": "+3292345678",
        "fax": None,
        "mobile": "+32476543210",
        "email": "lotte.testklant@example.be",
        "vatLiable": False,
        "language": "nl-BE",
        "customerType": "private",
        "disabledPerson": False,
        "drivingLicence": None,
        "kpReference": kp_reference,
        "remarks": None,
    }
    return body | changes


def create(client: httpx.Client, body: object, key: str) -> httpx.Response:
    return client.post("/customers", json=body, headers={"Idempotency-Key": key})


def customers_named(client: httpx.Client, name: str) -> int:
    """How many customers a name search finds."""
    response = client.get("/customers", params={"name": name})
    assert response.status_code == 200, response.text
    total: int = response.json()["totalItems"]
    return total


def token_request(sandbox: Sandbox, **fields: str) -> httpx.Response:
    return httpx.post(sandbox.driver2_url + "/oauth/token", data=fields)


# --- fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(driver2_kp_sandbox_config: SandboxConfig) -> Dataset:
    """The data the session sandbox was generated with (same seed and sizes)."""
    config = driver2_kp_sandbox_config
    return generate(config.seed, config.customers, config.persons)


@pytest.fixture
def kp_ids(dataset: Dataset) -> list[str]:
    """KP ids that no Driver2 customer has as its kpReference, for new customers."""
    taken = {c["kpReference"] for c in dataset.customers}
    free = [f"KP-99{n:05d}" for n in range(100)]
    return [kp_id for kp_id in free if kp_id not in taken][:5]


@pytest.fixture
def anonymous(driver2_kp_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client on Driver2 without a token."""
    with httpx.Client(base_url=driver2_kp_sandbox.driver2_url) as client:
        yield client


# --- OAuth token endpoint ---------------------------------------------------------

GOOD_CREDENTIALS: Final = {
    "grant_type": "client_credentials",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
}


def test_token_endpoint_issues_a_bearer_token_for_the_configured_ttl(
    driver2_kp_sandbox: Sandbox, driver2_kp_sandbox_config: SandboxConfig
) -> None:
    response = token_request(driver2_kp_sandbox, **GOOD_CREDENTIALS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["access_token"], str)
    assert body["access_token"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == driver2_kp_sandbox_config.token_ttl


def test_token_expires_in_follows_the_token_ttl_set_at_run_time(
    driver2_kp_sandbox: Sandbox,
) -> None:
    driver2_kp_sandbox.configure(token_ttl=1234)
    response = token_request(driver2_kp_sandbox, **GOOD_CREDENTIALS)
    assert response.status_code == 200
    assert response.json()["expires_in"] == 1234


def test_an_issued_token_authorizes_requests(driver2_kp_sandbox: Sandbox) -> None:
    token = token_request(driver2_kp_sandbox, **GOOD_CREDENTIALS).json()["access_token"]
    response = httpx.get(
        f"{driver2_kp_sandbox.driver2_url}/customers/{FIXED.goderis_customer_number}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("client_secret", "wrong-secret"), ("client_id", "wrong-client")],
)
def test_token_endpoint_rejects_wrong_credentials_as_invalid_client(
    driver2_kp_sandbox: Sandbox, field: str, value: str
) -> None:
    response = token_request(driver2_kp_sandbox, **(GOOD_CREDENTIALS | {field: value}))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}


@pytest.mark.parametrize("missing", ["grant_type", "client_id", "client_secret"])
def test_token_endpoint_rejects_a_missing_field_as_invalid_request(
    driver2_kp_sandbox: Sandbox, missing: str
) -> None:
    fields = {name: value for name, value in GOOD_CREDENTIALS.items() if name != missing}
    response = token_request(driver2_kp_sandbox, **fields)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


def test_token_endpoint_rejects_another_grant_type_as_unsupported(
    driver2_kp_sandbox: Sandbox,
) -> None:
    response = token_request(driver2_kp_sandbox, **(GOOD_CREDENTIALS | {"grant_type": "password"}))
    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


# --- 401 on the API ---------------------------------------------------------------


def _search(client: httpx.Client) -> httpx.Response:
    return client.get("/customers", params={"name": "Goderis"})


def _get(client: httpx.Client) -> httpx.Response:
    return client.get(f"/customers/{FIXED.goderis_customer_number}")


def _create(client: httpx.Client) -> httpx.Response:
    return create(client, new_customer("KP-9912345"), "unauthorized-create")


def _vehicles(client: httpx.Client) -> httpx.Response:
    return client.get("/vehicles", params={"plate": FIXED.vehicle_plate})


ENDPOINTS: Final = pytest.mark.parametrize(
    "call",
    [_search, _get, _create, _vehicles],
    ids=["search", "get", "create", "vehicles"],
)


def assert_unauthorized(response: httpx.Response) -> None:
    assert_problem(response, 401, "unauthorized")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge


@ENDPOINTS
def test_a_request_without_a_token_gets_401_invalid_token(
    anonymous: httpx.Client, call: Callable[[httpx.Client], httpx.Response]
) -> None:
    assert_unauthorized(call(anonymous))


@ENDPOINTS
def test_a_request_with_a_wrong_token_gets_401_invalid_token(
    anonymous: httpx.Client, call: Callable[[httpx.Client], httpx.Response]
) -> None:
    anonymous.headers["Authorization"] = "Bearer not-a-token-the-sandbox-issued"
    assert_unauthorized(call(anonymous))


@ENDPOINTS
def test_a_request_with_an_expired_token_gets_401_invalid_token(
    driver2: httpx.Client,
    driver2_kp_sandbox: Sandbox,
    call: Callable[[httpx.Client], httpx.Response],
) -> None:
    assert _get(driver2).status_code == 200
    driver2_kp_sandbox.expire_tokens()
    assert_unauthorized(call(driver2))


def test_a_new_token_works_after_the_old_one_expired(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.expire_tokens()
    assert _get(driver2).status_code == 401
    token = token_request(driver2_kp_sandbox, **GOOD_CREDENTIALS).json()["access_token"]
    driver2.headers["Authorization"] = f"Bearer {token}"
    assert _get(driver2).status_code == 200


def test_an_unauthorized_create_creates_nothing(
    anonymous: httpx.Client, driver2: httpx.Client
) -> None:
    assert_unauthorized(_create(anonymous))
    assert customers_named(driver2, NEW_NAME) == 0


# --- search: each criterion -------------------------------------------------------


def test_search_by_customer_number_is_exact(driver2: httpx.Client) -> None:
    found = search_all(driver2, customerNumber=FIXED.goderis_customer_number)
    assert numbers(found) == [FIXED.goderis_customer_number]
    assert search_all(driver2, customerNumber=FIXED.goderis_customer_number[:-1]) == []


@pytest.mark.parametrize("number", ["99999999999999999999999", "\u00b2", "\u0664\u0660"])
def test_a_customer_number_no_customer_can_have_is_not_found(
    driver2: httpx.Client, number: str
) -> None:
    assert driver2.get(f"/customers/{number}").status_code == 404
    found = driver2.get("/customers", params={"customerNumber": number})
    assert found.status_code == 200
    assert found.json()["totalItems"] == 0


def test_search_by_vat_number_finds_the_leasing_company(driver2: httpx.Client) -> None:
    leasing = driver2.get(f"/customers/{FIXED.leasing_customer_number}").json()
    vat_number = leasing["vatNumber"]
    assert isinstance(vat_number, str)
    assert vat_number.startswith("BE")
    assert numbers(search_all(driver2, vatNumber=vat_number)) == [FIXED.leasing_customer_number]
    assert search_all(driver2, vatNumber=vat_number[:-1]) == []


@pytest.mark.parametrize("name", ["Goderis", "GODER", "goderis", "gOdE", "Gödêris"])
def test_search_by_name_is_a_case_and_accent_insensitive_prefix(
    driver2: httpx.Client, dataset: Dataset, name: str
) -> None:
    found = search_all(driver2, name=name)
    assert FIXED.goderis_customer_number in numbers(found)
    assert numbers(found) == expected_numbers(
        dataset, lambda c: fold(c["name"]).startswith(fold(name))
    )


def test_search_by_name_matches_the_start_of_the_name_only(driver2: httpx.Client) -> None:
    assert search_all(driver2, name="oderis") == []


def test_search_by_name_matches_company_names(driver2: httpx.Client) -> None:
    found = search_all(driver2, name="flandria lease")
    assert numbers(found) == [FIXED.leasing_customer_number]


def _spelled_both_ways(names: list[str]) -> tuple[str, str]:
    """A name the data holds both with and without accents: (accented, plain)."""
    spellings: defaultdict[str, set[str]] = defaultdict(set)
    for name in names:
        spellings[fold(name)].add(name)
    for key in sorted(spellings):
        plain = [s for s in spellings[key] if fold(s) == s.casefold()]
        accented = [s for s in spellings[key] if fold(s) != s.casefold()]
        if plain and accented:
            return min(accented), min(plain)
    raise AssertionError("the data has no name spelled both with and without accents")


def test_search_by_name_folds_accents_both_ways(driver2: httpx.Client, dataset: Dataset) -> None:
    accented, plain = _spelled_both_ways([c["name"] for c in dataset.customers])
    expected = expected_numbers(dataset, lambda c: fold(c["name"]).startswith(fold(plain)))
    with_accents = search_all(driver2, name=accented.upper())
    without_accents = search_all(driver2, name=plain.lower())
    assert numbers(with_accents) == numbers(without_accents) == expected
    assert {accented, plain} <= {c["name"] for c in with_accents}


@pytest.mark.parametrize("first_name", ["Thiemen", "thiem", "THIEMEN", "Thïemen"])
def test_search_by_first_name_is_a_case_and_accent_insensitive_prefix(
    driver2: httpx.Client, dataset: Dataset, first_name: str
) -> None:
    found = search_all(driver2, firstName=first_name)
    assert FIXED.goderis_customer_number in numbers(found)
    assert numbers(found) == expected_numbers(
        dataset, lambda c: fold(c["firstName"] or "").startswith(fold(first_name))
    )


def test_search_by_first_name_folds_accents_both_ways(
    driver2: httpx.Client, dataset: Dataset
) -> None:
    accented, plain = _spelled_both_ways(
        [c["firstName"] for c in dataset.customers if c["firstName"]]
    )
    expected = expected_numbers(
        dataset, lambda c: fold(c["firstName"] or "").startswith(fold(plain))
    )
    with_accents = search_all(driver2, firstName=accented)
    without_accents = search_all(driver2, firstName=plain.upper())
    assert numbers(with_accents) == numbers(without_accents) == expected
    assert {accented, plain} <= {c["firstName"] for c in with_accents}


@pytest.mark.parametrize("email", ["thiemen.goderis@example.be", "THIEMEN.Goderis@Example.BE"])
def test_search_by_email_is_exact_and_case_insensitive(driver2: httpx.Client, email: str) -> None:
    assert numbers(search_all(driver2, email=email)) == [FIXED.goderis_customer_number]


@pytest.mark.parametrize("email", ["thiemen.goderis@example", "goderis@example.be"])
def test_search_by_email_does_not_match_part_of_an_address(
    driver2: httpx.Client, email: str
) -> None:
    assert search_all(driver2, email=email) == []


@pytest.mark.parametrize(
    "phone",
    [
        "0475 12 34 56",
        "+32475123456",
        "0032 475 12 34 56",
        "475123456",
        "09 223 44 55",
        "+3292234455",
    ],
)
def test_search_by_phone_matches_the_end_of_phone_or_mobile(
    driver2: httpx.Client, dataset: Dataset, phone: str
) -> None:
    wanted = phone_digits(phone).lstrip("0")

    def matches(customer: JSON) -> bool:
        return any(
            phone_digits(customer[field] or "").endswith(wanted) for field in ("phone", "mobile")
        )

    found = search_all(driver2, phone=phone)
    assert FIXED.goderis_customer_number in numbers(found)
    assert numbers(found) == expected_numbers(dataset, matches)


def test_search_by_phone_finds_a_number_stored_as_typed(
    driver2: httpx.Client, dataset: Dataset
) -> None:
    typed = next(c for c in dataset.customers if c["phone"] and not c["phone"].startswith("+"))
    found = search_all(driver2, phone=typed["phone"])
    assert typed["customerNumber"] in numbers(found)


@pytest.mark.parametrize("phone", ["12345", "0 12 34 5", "+3", "abc"])
def test_search_by_phone_with_fewer_than_6_digits_is_a_bad_request(
    driver2: httpx.Client, phone: str
) -> None:
    assert_problem(driver2.get("/customers", params={"phone": phone}), 400, "bad-request")


def test_search_by_postcode_is_exact(driver2: httpx.Client, dataset: Dataset) -> None:
    found = search_all(driver2, postcode="9000")
    assert {FIXED.goderis_customer_number, FIXED.lessee_customer_number} <= set(numbers(found))
    assert numbers(found) == expected_numbers(dataset, lambda c: c["address"]["postcode"] == "9000")
    assert search_all(driver2, postcode="900") == []


def test_search_by_country_is_exact(driver2: httpx.Client, dataset: Dataset) -> None:
    found = search_all(driver2, country="LU")
    assert found
    assert numbers(found) == expected_numbers(dataset, lambda c: c["address"]["country"] == "LU")


def test_search_by_country_counts_every_customer_of_that_country(
    driver2: httpx.Client, dataset: Dataset
) -> None:
    response = driver2.get("/customers", params={"country": "BE"})
    assert response.status_code == 200
    body = response.json()
    expected = sum(1 for c in dataset.customers if c["address"]["country"] == "BE")
    assert body["totalItems"] == expected
    assert body["totalPages"] == math.ceil(expected / 10)
    assert all(c["address"]["country"] == "BE" for c in body["items"])


def test_search_criteria_combine_with_and(driver2: httpx.Client, dataset: Dataset) -> None:
    by_name = search_all(driver2, name="Peeters")
    by_postcode = search_all(driver2, postcode="2000")
    both = search_all(driver2, name="Peeters", postcode="2000")
    expected = expected_numbers(
        dataset,
        lambda c: fold(c["name"]).startswith("peeters") and c["address"]["postcode"] == "2000",
    )
    assert numbers(both) == expected
    assert set(numbers(both)) == set(numbers(by_name)) & set(numbers(by_postcode))
    assert len(both) < min(len(by_name), len(by_postcode))


def test_search_criteria_that_match_nothing_together_find_nothing(driver2: httpx.Client) -> None:
    response = driver2.get("/customers", params={"name": "Goderis", "postcode": "1000"})
    assert response.status_code == 200
    assert response.json() == NO_MATCH


def test_search_by_every_criterion_at_once_finds_goderis(driver2: httpx.Client) -> None:
    found = search_all(
        driver2,
        customerNumber="74050",
        name="goderis",
        firstName="thiemen",
        email="thiemen.goderis@example.be",
        phone="0475 12 34 56",
        postcode="9000",
        country="BE",
    )
    assert numbers(found) == [FIXED.goderis_customer_number]


# --- search: order and pages ------------------------------------------------------


def test_search_results_are_ordered_by_name_first_name_and_customer_number_across_pages(
    driver2: httpx.Client, dataset: Dataset
) -> None:
    found = search_all(driver2, name="Peeters")
    assert len(found) > 10
    assert len(set(numbers(found))) == len(found)
    assert found == sorted(found, key=contract_order)
    assert numbers(found) == expected_numbers(
        dataset, lambda c: fold(c["name"]).startswith("peeters")
    )
    # The order is observable: some Peeters share a first name, so the number decides.
    pairs = Counter((c["name"], c["firstName"]) for c in found)
    assert max(pairs.values()) > 1


def test_search_pages_are_stable(driver2: httpx.Client) -> None:
    first = search_all(driver2, name="Peeters")
    again = search_all(driver2, name="Peeters")
    assert numbers(first) == numbers(again)


def test_search_with_more_than_10_hits_has_several_pages(
    driver2: httpx.Client, dataset: Dataset
) -> None:
    total = len(expected_numbers(dataset, lambda c: fold(c["name"]).startswith("peeters")))
    response = driver2.get("/customers", params={"name": "Peeters", "page": "2"})
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == 2
    assert body["pageSize"] == 10
    assert body["totalItems"] == total
    assert body["totalPages"] == math.ceil(total / 10)
    assert body["totalPages"] > 1
    assert len(body["items"]) == 10


def test_search_last_page_holds_the_remainder(driver2: httpx.Client, dataset: Dataset) -> None:
    total = len(expected_numbers(dataset, lambda c: fold(c["name"]).startswith("peeters")))
    pages = math.ceil(total / 10)
    response = driver2.get("/customers", params={"name": "Peeters", "page": str(pages)})
    assert response.status_code == 200
    assert len(response.json()["items"]) == total - (pages - 1) * 10


def test_search_page_defaults_to_1_and_page_size_to_10(driver2: httpx.Client) -> None:
    body = driver2.get("/customers", params={"name": "Peeters"}).json()
    assert (body["page"], body["pageSize"], len(body["items"])) == (1, 10, 10)


def test_search_honours_a_smaller_page_size(driver2: httpx.Client, dataset: Dataset) -> None:
    expected = expected_numbers(dataset, lambda c: fold(c["name"]).startswith("peeters"))
    response = driver2.get("/customers", params={"name": "Peeters", "pageSize": "5", "page": "2"})
    assert response.status_code == 200
    body = response.json()
    assert body["pageSize"] == 5
    assert body["totalItems"] == len(expected)
    assert body["totalPages"] == math.ceil(len(expected) / 5)
    assert numbers(body["items"]) == expected[5:10]


@pytest.mark.parametrize(
    ("name", "page"),
    [("Goderis", "2"), ("Peeters", "7"), ("Peeters", "1000")],
)
def test_search_page_beyond_the_last_is_a_bad_request(
    driver2: httpx.Client, name: str, page: str
) -> None:
    response = driver2.get("/customers", params={"name": name, "page": page})
    assert_problem(response, 400, "bad-request")


@pytest.mark.parametrize(
    "paging",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"pageSize": "11"},
        {"pageSize": "100"},
        {"pageSize": "ten"},
    ],
)
def test_search_with_a_malformed_page_or_page_size_is_a_bad_request(
    driver2: httpx.Client, paging: dict[str, str]
) -> None:
    response = driver2.get("/customers", params={"name": "Peeters", **paging})
    assert_problem(response, 400, "bad-request")


@pytest.mark.parametrize(
    "params",
    [{}, {"page": "1"}, {"page": "1", "pageSize": "10"}, {"unknown": "Goderis"}],
)
def test_search_without_a_criterion_is_a_bad_request(
    driver2: httpx.Client, params: dict[str, str]
) -> None:
    assert_problem(driver2.get("/customers", params=params), 400, "bad-request")


@pytest.mark.parametrize("criterion", ["name", "firstName", "customerNumber", "phone", "country"])
def test_search_with_only_an_empty_criterion_is_a_bad_request(
    driver2: httpx.Client, criterion: str
) -> None:
    assert_problem(driver2.get("/customers", params={criterion: ""}), 400, "bad-request")


def test_search_ignores_an_empty_criterion_next_to_a_real_one(driver2: httpx.Client) -> None:
    found = search_all(driver2, name="Goderis", firstName="")
    assert numbers(found) == [FIXED.goderis_customer_number]


def test_search_without_a_match_answers_an_empty_first_page(driver2: httpx.Client) -> None:
    response = driver2.get("/customers", params={"name": "Xyzzyqwv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == NO_MATCH


def test_search_results_carry_every_documented_customer_field(driver2: httpx.Client) -> None:
    found = search_all(driver2, name="Peeters") + search_all(driver2, country="LU")
    assert found
    for customer in found:
        assert_customer(customer)


def test_search_serves_the_same_customer_as_get(driver2: httpx.Client) -> None:
    (found,) = search_all(driver2, customerNumber=FIXED.goderis_customer_number)
    assert found == driver2.get(f"/customers/{FIXED.goderis_customer_number}").json()


# --- get one customer -------------------------------------------------------------


def test_get_customer_74050_is_the_contract_example_imported_from_kp(
    driver2: httpx.Client,
) -> None:
    response = driver2.get(f"/customers/{FIXED.goderis_customer_number}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    customer = response.json()
    assert_customer(customer)
    # Field by field, so that a difference names its field.
    assert {field: customer.get(field) for field in GODERIS} == GODERIS
    assert customer["createdAt"] == "2019-07-15T09:07:00Z"
    assert customer["updatedAt"] == "2024-02-01T13:45:10Z"


def test_get_unknown_customer_is_not_found(driver2: httpx.Client, dataset: Dataset) -> None:
    taken = {c["customerNumber"] for c in dataset.customers}
    unknown = next(str(n) for n in range(99999, 0, -1) if str(n) not in taken)
    assert_problem(driver2.get(f"/customers/{unknown}"), 404, "not-found")


@pytest.mark.parametrize("number", ["abc", "74050x", "7405O"])
def test_get_customer_with_a_non_digit_number_is_not_found(
    driver2: httpx.Client, number: str
) -> None:
    assert_problem(driver2.get(f"/customers/{number}"), 404, "not-found")


# --- create -----------------------------------------------------------------------


def test_create_answers_201_with_location_and_the_new_customer(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    body = new_customer(kp_ids[0])
    response = create(driver2, body, "create-1")
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "idempotent-replayed" not in response.headers
    created = response.json()
    assert_customer(created)
    number = created["customerNumber"]
    assert response.headers["location"] == f"/customers/{number}"
    assert created["vatNumber"] is None
    assert_utc_timestamp(created["createdAt"])
    assert {field: created[field] for field in body} == body


def test_a_created_customer_can_be_read_and_found(driver2: httpx.Client, kp_ids: list[str]) -> None:
    created = create(driver2, new_customer(kp_ids[0]), "create-1").json()
    number = created["customerNumber"]
    fetched = driver2.get(f"/customers/{number}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert numbers(search_all(driver2, name=NEW_NAME)) == [number]


def test_create_accepts_a_postcode_valid_for_a_foreign_country(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    address = {
        "street": "Rue de Rivoli",
        "houseNumber": "1",
        "box": None,
        "line2": None,
        "postcode": "75001",
        "city": "Paris",
        "province": None,
        "country": "FR",
    }
    body = new_customer(kp_ids[0], address=address, language="fr-FR")
    response = create(driver2, body, "create-fr")
    assert response.status_code == 201, response.text
    assert response.json()["address"] == address


def test_create_accepts_an_idempotency_key_of_255_characters(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    response = create(driver2, new_customer(kp_ids[0]), "k" * 255)
    assert response.status_code == 201, response.text


def test_create_without_idempotency_key_is_a_bad_request(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    response = driver2.post("/customers", json=new_customer(kp_ids[0]))
    assert_problem(response, 400, "bad-request")
    assert customers_named(driver2, NEW_NAME) == 0


def test_create_with_an_idempotency_key_over_255_characters_is_a_bad_request(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    assert_problem(create(driver2, new_customer(kp_ids[0]), "k" * 256), 400, "bad-request")
    assert customers_named(driver2, NEW_NAME) == 0


@pytest.mark.parametrize("content", [b"not json", b'{"name": "Testklant"', b""])
def test_create_with_a_body_that_is_not_json_is_a_bad_request(
    driver2: httpx.Client, content: bytes
) -> None:
    response = driver2.post(
        "/customers",
        content=content,
        headers={"Idempotency-Key": "not-json", "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "bad-request")


@pytest.mark.parametrize("body", [[], [new_customer("KP-9900001")], "text", 42, None])
def test_create_with_a_json_body_that_is_not_an_object_is_a_bad_request(
    driver2: httpx.Client, body: object
) -> None:
    response = driver2.post(
        "/customers",
        content=json.dumps(body).encode(),
        headers={"Idempotency-Key": "not-an-object", "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "bad-request")


@pytest.mark.parametrize("vat_number", [None, "BE0403019261", ""])
def test_create_with_a_vat_number_even_null_is_a_422_naming_vat_number(
    driver2: httpx.Client, kp_ids: list[str], vat_number: str | None
) -> None:
    body = new_customer(kp_ids[0], vatNumber=vat_number)
    problem = assert_problem(create(driver2, body, "with-vat"), 422, "validation")
    assert error_fields(problem) == {"vatNumber"}
    assert customers_named(driver2, NEW_NAME) == 0


def test_create_with_a_postcode_invalid_for_the_country_is_a_422_naming_it(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    body = new_customer(kp_ids[0])
    body["address"] = body["address"] | {"postcode": "75001", "city": "Paris"}
    problem = assert_problem(create(driver2, body, "bad-postcode"), 422, "validation")
    assert error_fields(problem) == {"address.postcode"}
    assert customers_named(driver2, NEW_NAME) == 0


@pytest.mark.parametrize(
    "missing", ["legalForm", "name", "address.country", "language", "customerType"]
)
def test_create_without_a_required_field_is_a_422_naming_it(
    driver2: httpx.Client, kp_ids: list[str], missing: str
) -> None:
    body = new_customer(kp_ids[0])
    if missing == "address.country":
        body["address"] = {k: v for k, v in body["address"].items() if k != "country"}
    else:
        del body[missing]
    problem = assert_problem(create(driver2, body, f"without-{missing}"), 422, "validation")
    assert missing in error_fields(problem)
    assert customers_named(driver2, NEW_NAME) == 0


def test_create_lists_every_invalid_field(driver2: httpx.Client, kp_ids: list[str]) -> None:
    body = {k: v for k, v in new_customer(kp_ids[0]).items() if k not in ("name", "language")}
    body["vatNumber"] = None
    problem = assert_problem(create(driver2, body, "many-errors"), 422, "validation")
    assert {"name", "language", "vatNumber"} <= error_fields(problem)


def test_create_with_an_existing_kp_reference_is_a_duplicate_naming_the_customer(
    driver2: httpx.Client,
) -> None:
    body = new_customer(FIXED.goderis_kp_id)
    problem = assert_problem(create(driver2, body, "duplicate"), 409, "duplicate")
    assert problem["existingCustomerNumber"] == FIXED.goderis_customer_number
    assert customers_named(driver2, NEW_NAME) == 0


def test_create_with_the_kp_reference_of_a_created_customer_is_a_duplicate(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    first = create(driver2, new_customer(kp_ids[0]), "first")
    assert first.status_code == 201
    again = create(driver2, new_customer(kp_ids[0], firstName="Other"), "second")
    problem = assert_problem(again, 409, "duplicate")
    assert problem["existingCustomerNumber"] == first.json()["customerNumber"]
    assert customers_named(driver2, NEW_NAME) == 1


def test_create_replayed_with_the_same_key_and_body_repeats_the_answer_once_created(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    body = new_customer(kp_ids[0])
    first = create(driver2, body, "replay-201")
    assert first.status_code == 201
    replay = create(driver2, body, "replay-201")
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert numbers(search_all(driver2, name=NEW_NAME)) == [first.json()["customerNumber"]]


def test_create_replay_of_a_422_repeats_the_422(driver2: httpx.Client, kp_ids: list[str]) -> None:
    body = new_customer(kp_ids[0], vatNumber=None)
    first = create(driver2, body, "replay-422")
    assert_problem(first, 422, "validation")
    assert "idempotent-replayed" not in first.headers
    replay = create(driver2, body, "replay-422")
    assert_problem(replay, 422, "validation")
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()


def test_create_replay_of_a_duplicate_repeats_the_409(driver2: httpx.Client) -> None:
    body = new_customer(FIXED.goderis_kp_id)
    first = create(driver2, body, "replay-409")
    assert_problem(first, 409, "duplicate")
    replay = create(driver2, body, "replay-409")
    assert_problem(replay, 409, "duplicate")
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()


def test_create_with_the_same_key_and_another_body_is_an_idempotency_key_reuse(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    first = create(driver2, new_customer(kp_ids[0]), "reused")
    assert first.status_code == 201
    other = new_customer(kp_ids[1], name=NEW_NAME + "-Other")
    assert_problem(create(driver2, other, "reused"), 409, "idempotency-key-reuse")
    assert customers_named(driver2, NEW_NAME + "-Other") == 0
    assert customers_named(driver2, NEW_NAME) == 1


def test_create_with_a_new_key_after_a_422_can_succeed(
    driver2: httpx.Client, kp_ids: list[str]
) -> None:
    body = new_customer(kp_ids[0])
    assert create(driver2, body | {"vatNumber": None}, "attempt-1").status_code == 422
    assert create(driver2, body, "attempt-2").status_code == 201
    assert customers_named(driver2, NEW_NAME) == 1


# --- vehicles ---------------------------------------------------------------------


def assert_fixed_vehicle(response: httpx.Response, goderis: JSON) -> None:
    assert response.status_code == 200, response.text
    (vehicle,) = response.json()["items"]
    assert vehicle["vin"] == FIXED.vehicle_vin
    assert vehicle["plate"] == FIXED.vehicle_plate
    assert (vehicle["make"], vehicle["model"]) == ("Volkswagen", "Golf")
    assert vehicle["firstRegistration"] == "2019-03-01"
    owner, driver, lessee = vehicle["owner"], vehicle["driver"], vehicle["lessee"]
    for customer in (owner, driver, lessee):
        assert_customer(customer)
    assert owner["customerNumber"] == FIXED.leasing_customer_number
    assert (owner["customerType"], owner["legalForm"]) == ("fleet", "legal_entity")
    assert driver == goderis
    assert lessee["customerNumber"] == FIXED.lessee_customer_number
    assert lessee["customerType"] == "business"


@pytest.mark.parametrize("plate", ["1-ABC-123", "1abc123", "1 abc 123", "1-abc 123"])
def test_vehicles_by_plate_ignore_dashes_spaces_and_case(driver2: httpx.Client, plate: str) -> None:
    goderis = driver2.get(f"/customers/{FIXED.goderis_customer_number}").json()
    assert_fixed_vehicle(driver2.get("/vehicles", params={"plate": plate}), goderis)


def test_vehicles_by_vin_embed_owner_driver_and_lessee(driver2: httpx.Client) -> None:
    goderis = driver2.get(f"/customers/{FIXED.goderis_customer_number}").json()
    assert_fixed_vehicle(driver2.get("/vehicles", params={"vin": FIXED.vehicle_vin}), goderis)


@pytest.mark.parametrize(
    "params",
    [
        {"plate": FIXED.vehicle_plate, "vin": FIXED.vehicle_vin},
        {},
        {"plate": ""},
        {"make": "Volkswagen"},
    ],
)
def test_vehicles_need_exactly_one_of_plate_and_vin(
    driver2: httpx.Client, params: dict[str, str]
) -> None:
    assert_problem(driver2.get("/vehicles", params=params), 400, "bad-request")


@pytest.mark.parametrize("params", [{"plate": "9-ZZZ-999"}, {"vin": "WVWZZZ1JZXW999999"}])
def test_vehicles_without_a_match_answer_an_empty_list(
    driver2: httpx.Client, params: dict[str, str]
) -> None:
    response = driver2.get("/vehicles", params=params)
    assert response.status_code == 200
    assert response.json() == {"items": []}


# --- faults: 429, 500, 502, 503, 504 and dropped connections ----------------------


@pytest.mark.parametrize("retry_after", [1, 7])
def test_rate_limited_is_a_429_problem_with_retry_after(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox, retry_after: int
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(
            service="driver2",
            method="GET",
            path="/customers",
            fault="status",
            status=429,
            retry_after=retry_after,
        )
    )
    response = _search(driver2)
    assert_problem(response, 429, "rate-limited")
    assert response.headers["retry-after"] == str(retry_after)
    assert _search(driver2).status_code == 200


def test_server_fault_is_a_500_internal_problem(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers/*", status=500)
    )
    assert_problem(_get(driver2), 500, "internal")
    assert _get(driver2).status_code == 200


def test_maintenance_is_a_503_with_retry_after(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="driver2", method="GET", path="/vehicles", status=503, retry_after=30)
    )
    response = _vehicles(driver2)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert _vehicles(driver2).status_code == 200


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_faults_answer_a_page_that_is_not_json(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox, status: int
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers", status=status)
    )
    response = _search(driver2)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert _search(driver2).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_create_answered_with_a_fault_can_be_retried_with_the_same_key(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox, kp_ids: list[str], status: int
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", status=status)
    )
    body = new_customer(kp_ids[0])
    assert create(driver2, body, "retried").status_code == status
    assert create(driver2, body, "retried").status_code == 201
    assert customers_named(driver2, NEW_NAME) == 1


def test_a_create_committed_then_dropped_is_replayed_on_retry_with_the_same_key(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox, kp_ids: list[str]
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", fault="commit-then-drop")
    )
    body = new_customer(kp_ids[0])
    with pytest.raises(httpx.TransportError):
        create(driver2, body, "dropped")
    assert customers_named(driver2, NEW_NAME) == 1
    retry = create(driver2, body, "dropped")
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert_customer(retry.json())
    assert retry.headers["location"] == f"/customers/{retry.json()['customerNumber']}"
    assert numbers(search_all(driver2, name=NEW_NAME)) == [retry.json()["customerNumber"]]
