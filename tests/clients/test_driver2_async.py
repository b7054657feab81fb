"""`AsyncDriver2Client` against the Driver2 contract: every endpoint, error, retry and refresh.

The mirror of ``test_driver2_sync.py``: keep the two in step.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing

import attrs
import httpx
import pytest

from driver2_kp import (
    Address,
    AsyncDriver2Client,
    AuthenticationError,
    BadRequestError,
    CriteriaError,
    Customer,
    CustomerQuery,
    CustomerType,
    DeadlineExceededError,
    DuplicateCustomerError,
    IdempotencyKeyReuseError,
    LegalForm,
    NewCustomer,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    Timeouts,
    ValidationError,
)
from driver2_kp.sandbox import FIXED, FaultScript

from ._scene import Scene

pytestmark = [pytest.mark.anyio, pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]

GODERIS: str = FIXED.goderis_customer_number
SEARCH: str = "Driver2 GET /customers"
GET_ONE: str = "Driver2 GET /customers/{customerNumber}"
CREATE: str = "Driver2 POST /customers"
TRANSIENT: tuple[tuple[int, type[Exception]], ...] = (
    (429, RateLimitError),
    (500, ServerError),
    (502, ServerError),
    (503, ServerError),
    (504, ServerError),
)
THREE_ATTEMPTS = RetryPolicy(attempts=3, wait=False)
NO_RETRIES = RetryPolicy(attempts=1, wait=False)

ANN_PEETERS = NewCustomer(
    legal_form=LegalForm.NATURAL_PERSON,
    salutation="Mevrouw",
    name="Peeters",
    first_name="Ann",
    address=Address(
        country="BE", street="Meir", house_number="12", postcode="2000", city="Antwerpen"
    ),
    language="nl-BE",
    customer_type=CustomerType.PRIVATE,
    phone="+3232310000",
    mobile="+32478000111",
    email="ann.peeters@example.be",
    kp_reference=FIXED.ann_peeters_kp_id,
)
"""KP's Ann Peeters, who is not in Driver2 yet."""
MARC_DUBOIS = NewCustomer(
    legal_form=LegalForm.NATURAL_PERSON,
    name="Dubois",
    first_name="Marc",
    address=Address(country="BE", street="Rue Haute", house_number="5", postcode="75001"),
    language="fr-BE",
    customer_type=CustomerType.PRIVATE,
    kp_reference=FIXED.import_rejected_kp_id,
)
"""KP's Marc Dubois, whose postcode 75001 is impossible in Belgium."""
THIEMEN_GODERIS_AGAIN = NewCustomer(
    legal_form=LegalForm.NATURAL_PERSON,
    name="Goderis",
    first_name="Thiemen",
    address=Address(country="BE", postcode="9000", city="Gent"),
    language="nl-BE",
    customer_type=CustomerType.PRIVATE,
    kp_reference=FIXED.goderis_kp_id,
)
"""KP's Thiemen Goderis, imported into Driver2 long ago as customer 74050."""


def _numbers(customers: tuple[Customer, ...] | list[Customer]) -> list[str]:
    return [c.customer_number for c in customers]


# --- search ---------------------------------------------------------------------------

CRITERIA: list[tuple[CustomerQuery, str, Callable[[Customer], bool]]] = [
    (CustomerQuery(customer_number=GODERIS), GODERIS, lambda c: c.customer_number == GODERIS),
    (CustomerQuery(name="goder"), GODERIS, lambda c: c.name.lower().startswith("goder")),
    (
        CustomerQuery(name="Goderis", first_name="thiem"),
        GODERIS,
        lambda c: (c.first_name or "").lower().startswith("thiem"),
    ),
    (
        CustomerQuery(email="THIEMEN.GODERIS@example.be"),
        GODERIS,
        lambda c: c.email == "thiemen.goderis@example.be",
    ),
    (CustomerQuery(phone="0475 12 34 56"), GODERIS, lambda c: c.mobile == "+32475123456"),
    (
        CustomerQuery(name="G", postcode="9000"),
        GODERIS,
        lambda c: c.address.postcode == "9000",
    ),
    (CustomerQuery(name="Goderis", country="BE"), GODERIS, lambda c: c.address.country == "BE"),
    (
        CustomerQuery(vat_number="BE0811472504"),
        FIXED.lessee_customer_number,
        lambda c: c.vat_number == "BE0811472504",
    ),
]


@pytest.mark.parametrize(
    ("query", "expected", "matches"),
    CRITERIA,
    ids=[
        "customer_number",
        "name",
        "first_name",
        "email",
        "phone",
        "postcode",
        "country",
        "vat_number",
    ],
)
async def test_search_finds_the_customers_matching_each_criterion(
    scene: Scene, query: CustomerQuery, expected: str, matches: Callable[[Customer], bool]
) -> None:
    async with scene.async_driver2() as driver2:
        page = await driver2.search_customers(query)
    assert expected in _numbers(page.items)
    assert all(matches(c) for c in page.items)
    assert page.page == 1
    assert page.total_items == len(page.items)


async def test_search_sends_every_criterion_by_its_driver2_name(scene: Scene) -> None:
    query = CustomerQuery(
        customer_number=GODERIS,
        name="Goderis",
        first_name="Thiemen",
        email="thiemen.goderis@example.be",
        phone="0475123456",
        postcode="9000",
        country="BE",
    )
    async with scene.async_driver2() as driver2:
        page = await driver2.search_customers(query)
    assert _numbers(page.items) == [GODERIS]
    (search,) = scene.sent("driver2", "GET", "/customers")
    assert dict(search.request.url.params) == {
        "customerNumber": GODERIS,
        "name": "Goderis",
        "firstName": "Thiemen",
        "email": "thiemen.goderis@example.be",
        "phone": "0475123456",
        "postcode": "9000",
        "country": "BE",
        "page": "1",
    }


async def test_search_without_a_match_is_an_empty_page(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        page = await driver2.search_customers(CustomerQuery(name="Zzyzxwv"))
    assert (page.items, page.total_items, page.total_pages) == ((), 0, 0)


async def test_search_pages_hold_ten_customers_each_and_never_the_same(scene: Scene) -> None:
    query = CustomerQuery(name="Wouters")
    async with scene.async_driver2() as driver2:
        first = await driver2.search_customers(query)
        second = await driver2.search_customers(query, page=2)
    assert (first.page, second.page) == (1, 2)
    assert len(first.items) == len(second.items) == 10
    assert first.total_pages == second.total_pages == 3
    assert not set(_numbers(first.items)) & set(_numbers(second.items))
    assert [e.request.url.params["page"] for e in scene.sent("driver2", "GET")] == ["1", "2"]


async def test_iter_customers_yields_every_customer_of_every_page(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        customers = [c async for c in driver2.iter_customers(CustomerQuery(name="Wouters"))]
    numbers = _numbers(customers)
    assert len(numbers) == len(set(numbers)) == 24
    assert all(c.name.startswith("Wouters") for c in customers)
    assert len(scene.sent("driver2", "GET", "/customers")) == 3


async def test_iter_customers_fetches_a_page_only_when_it_is_reached(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        customers = driver2.iter_customers(CustomerQuery(name="Wouters"))
        assert isinstance(customers, AsyncGenerator)
        async with aclosing(customers):
            first_ten = [await anext(customers) for _ in range(10)]
    assert len(first_ten) == 10
    assert len(scene.sent("driver2", "GET", "/customers")) == 1


async def test_an_empty_query_is_refused_before_any_request(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        with pytest.raises(CriteriaError) as refused:
            await driver2.search_customers(CustomerQuery(name="  "))
    assert refused.value.field == "query"
    assert scene.exchanges == []


async def test_a_page_beyond_the_last_is_a_bad_request(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        with pytest.raises(BadRequestError) as refused:
            await driver2.search_customers(CustomerQuery(customer_number=GODERIS), page=99)
    assert (refused.value.status, refused.value.code) == (400, "bad-request")
    assert str(refused.value).startswith(SEARCH + ": 400")
    assert len(scene.sent("driver2", "GET")) == 1


async def test_a_phone_of_fewer_than_six_digits_is_a_bad_request(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        with pytest.raises(BadRequestError) as refused:
            await driver2.search_customers(CustomerQuery(phone="12345"))
    assert refused.value.status == 400
    assert SEARCH in str(refused.value)


# --- one customer ---------------------------------------------------------------------


async def test_get_customer_returns_every_field(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        customer = await driver2.get_customer(GODERIS)
    assert (customer.customer_number, customer.first_name, customer.name) == (
        GODERIS,
        "Thiemen",
        "Goderis",
    )
    assert customer.address == Address(
        country="BE",
        street="Kortrijksesteenweg",
        house_number="112",
        box="B",
        postcode="9000",
        city="Gent",
        province="Oost-Vlaanderen",
    )
    assert (customer.legal_form, customer.customer_type) == (
        LegalForm.NATURAL_PERSON,
        CustomerType.PRIVATE,
    )
    assert customer.kp_reference == FIXED.goderis_kp_id
    assert customer.created_at.year == 2019


async def test_an_unknown_customer_is_not_found(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        with pytest.raises(NotFoundError) as missing:
            await driver2.get_customer("99999999")
    assert (missing.value.status, missing.value.code) == (404, "not-found")
    assert missing.value.service == "Driver2"
    assert str(missing.value).startswith(GET_ONE + ": 404")


# --- create ---------------------------------------------------------------------------


async def test_create_customer_returns_the_created_customer(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        created = await driver2.create_customer(ANN_PEETERS)
        fetched = await driver2.get_customer(created.customer_number)
    assert created.customer_number.isdigit()
    assert (created.name, created.first_name, created.address.postcode) == (
        "Peeters",
        "Ann",
        "2000",
    )
    assert created.kp_reference == FIXED.ann_peeters_kp_id
    assert created.vat_number is None
    assert fetched == created
    (create,) = scene.sent("driver2", "POST", "/customers")
    assert create.headers["Idempotency-Key"]


async def test_create_again_with_the_same_key_returns_the_same_customer(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        first = await driver2.create_customer(ANN_PEETERS, idempotency_key="import-KP-0020001")
        again = await driver2.create_customer(ANN_PEETERS, idempotency_key="import-KP-0020001")
    assert again == first
    replayed = [
        e.response.headers.get("Idempotent-Replayed")
        for e in scene.sent("driver2", "POST", "/customers")
        if e.response is not None
    ]
    assert replayed == [None, "true"]


async def test_create_of_an_existing_kp_reference_is_a_duplicate_carrying_its_number(
    scene: Scene,
) -> None:
    async with scene.async_driver2() as driver2:
        with pytest.raises(DuplicateCustomerError) as duplicate:
            await driver2.create_customer(THIEMEN_GODERIS_AGAIN)
    assert duplicate.value.existing_customer_number == GODERIS
    assert (duplicate.value.status, duplicate.value.code) == (409, "duplicate")
    assert str(duplicate.value).startswith(CREATE + ": 409")


async def test_the_same_key_with_another_customer_is_an_idempotency_key_reuse(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        await driver2.create_customer(ANN_PEETERS, idempotency_key="import-1")
        other = attrs.evolve(ANN_PEETERS, first_name="Anna")
        with pytest.raises(IdempotencyKeyReuseError) as reused:
            await driver2.create_customer(other, idempotency_key="import-1")
    assert (reused.value.status, reused.value.code) == (409, "idempotency-key-reuse")
    assert CREATE in str(reused.value)


async def test_create_with_an_invalid_postcode_is_a_validation_error_naming_the_field(
    scene: Scene,
) -> None:
    async with scene.async_driver2() as driver2:
        with pytest.raises(ValidationError) as invalid:
            await driver2.create_customer(MARC_DUBOIS)
    assert invalid.value.status == 422
    assert [e.field for e in invalid.value.errors] == ["address.postcode"]
    assert str(invalid.value).startswith(CREATE + ": 422")
    assert "address.postcode" in str(invalid.value)


async def test_create_never_sends_a_vat_number(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        await driver2.create_customer(ANN_PEETERS)
    (create,) = scene.sent("driver2", "POST", "/customers")
    assert b'"kpReference"' in create.request.content
    assert b"vatNumber" not in create.request.content


# --- vehicles -------------------------------------------------------------------------


@pytest.mark.parametrize("plate", ["1-ABC-123", "1abc123"])
async def test_find_vehicles_by_plate_returns_owner_driver_and_lessee(
    scene: Scene, plate: str
) -> None:
    async with scene.async_driver2() as driver2:
        (vehicle,) = await driver2.find_vehicles(plate=plate)
    assert (vehicle.plate, vehicle.vin) == (FIXED.vehicle_plate, FIXED.vehicle_vin)
    assert vehicle.owner is not None
    assert vehicle.driver is not None
    assert vehicle.lessee is not None
    assert vehicle.owner.customer_number == FIXED.leasing_customer_number
    assert vehicle.driver.customer_number == GODERIS
    assert vehicle.lessee.customer_number == FIXED.lessee_customer_number


async def test_find_vehicles_by_vin_returns_the_vehicle(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        vehicles = await driver2.find_vehicles(vin=FIXED.vehicle_vin)
    assert [v.plate for v in vehicles] == [FIXED.vehicle_plate]
    assert (vehicles[0].make, vehicles[0].model) == ("Volkswagen", "Golf")


async def test_find_vehicles_of_an_unknown_plate_is_an_empty_list(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        assert await driver2.find_vehicles(plate="9-ZZZ-999") == []


async def test_find_vehicles_needs_exactly_one_of_plate_and_vin(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        with pytest.raises(CriteriaError):
            await driver2.find_vehicles(plate="1-ABC-123", vin=FIXED.vehicle_vin)
    assert scene.exchanges == []


# --- authentication -------------------------------------------------------------------


async def test_a_wrong_client_secret_is_an_authentication_error(scene: Scene) -> None:
    settings = attrs.evolve(scene.settings, driver2_client_secret="wrong-secret")
    async with scene.async_driver2(settings) as driver2:
        with pytest.raises(AuthenticationError) as refused:
            await driver2.get_customer(GODERIS)
    assert (refused.value.status, refused.value.code) == (401, "invalid_client")
    assert str(refused.value).startswith("Driver2 POST /oauth/token: 401")
    assert "wrong-secret" not in str(refused.value)
    assert len(scene.exchanges) == 1  # not retried


async def test_one_token_serves_every_request(scene: Scene) -> None:
    async with scene.async_driver2() as driver2:
        await driver2.get_customer(GODERIS)
        await driver2.find_vehicles(plate=FIXED.vehicle_plate)
    assert len(scene.sent("driver2", "POST", "/oauth/token")) == 1
    assert all(
        e.headers["Authorization"].startswith("Bearer ") for e in scene.sent("driver2", "GET")
    )


async def test_an_expired_token_is_refreshed_once_and_the_request_repeated_once(
    scene: Scene,
) -> None:
    async with scene.async_driver2() as driver2:
        await driver2.get_customer(GODERIS)
        scene.expire_tokens()
        customer = await driver2.get_customer(GODERIS)
    assert customer.customer_number == GODERIS
    assert len(scene.sent("driver2", "POST", "/oauth/token")) == 2
    gets = scene.sent("driver2", "GET", "/customers/*")
    assert [e.response.status_code for e in gets if e.response is not None] == [200, 401, 200]
    assert gets[1].headers["Authorization"] != gets[2].headers["Authorization"]


# --- transient failures ---------------------------------------------------------------


@pytest.mark.parametrize("status", [status for status, _ in TRANSIENT])
async def test_a_get_is_retried_after_a_transient_status(scene: Scene, status: int) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers/*", status=status)
    )
    async with scene.async_driver2() as driver2:
        customer = await driver2.get_customer(GODERIS)
    assert customer.customer_number == GODERIS
    gets = scene.sent("driver2", "GET", "/customers/*")
    assert [e.response.status_code for e in gets if e.response is not None] == [status, 200]


@pytest.mark.parametrize(("status", "error"), TRANSIENT)
async def test_a_transient_status_is_raised_once_the_attempts_are_spent(
    scene: Scene, status: int, error: type[Exception]
) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers/*", status=status, times=3)
    )
    async with scene.async_driver2(retry=THREE_ATTEMPTS) as driver2:
        with pytest.raises(error) as failed:
            await driver2.get_customer(GODERIS)
    assert isinstance(failed.value, RateLimitError | ServerError)
    assert failed.value.status == status
    assert str(failed.value).startswith(f"{GET_ONE}: {status}")
    assert len(scene.sent("driver2", "GET", "/customers/*")) == 3


@pytest.mark.parametrize(("status", "error"), TRANSIENT)
async def test_without_retries_a_transient_status_is_raised_at_once(
    scene: Scene, status: int, error: type[Exception]
) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers", status=status)
    )
    async with scene.async_driver2(retry=NO_RETRIES) as driver2:
        with pytest.raises(error):
            await driver2.search_customers(CustomerQuery(customer_number=GODERIS))
    assert len(scene.sent("driver2", "GET", "/customers")) == 1


@pytest.mark.parametrize("status", [502, 504])
async def test_a_proxys_html_error_page_is_a_server_error_not_a_decoding_crash(
    scene: Scene, status: int
) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers/*", status=status)
    )
    async with scene.async_driver2(retry=NO_RETRIES) as driver2:
        with pytest.raises(ServerError) as failed:
            await driver2.get_customer(GODERIS)
    (answer,) = [e.response for e in scene.sent("driver2", "GET")]
    assert answer is not None
    assert answer.headers["Content-Type"].startswith("text/html")
    assert (failed.value.status, failed.value.code, failed.value.detail) == (status, None, None)
    assert str(failed.value).startswith(f"{GET_ONE}: {status}")


@pytest.mark.parametrize("status", [status for status, _ in TRANSIENT])
async def test_a_create_is_retried_with_the_same_idempotency_key(scene: Scene, status: int) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", status=status)
    )
    async with scene.async_driver2() as driver2:
        created = await driver2.create_customer(ANN_PEETERS)
    creates = scene.sent("driver2", "POST", "/customers")
    assert [e.response.status_code for e in creates if e.response is not None] == [status, 201]
    assert len({e.headers["Idempotency-Key"] for e in creates}) == 1
    assert created.kp_reference == FIXED.ann_peeters_kp_id


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_waited_as_given(
    scene: Scene, waits: list[float], status: int
) -> None:
    scene.script_faults(
        FaultScript(
            service="driver2", method="GET", path="/customers/*", status=status, retry_after=7
        )
    )
    async with scene.async_driver2(retry=RetryPolicy()) as driver2:
        customer = await driver2.get_customer(GODERIS)
    assert customer.customer_number == GODERIS
    # Nobody else was answered meanwhile: a 503's wait is the same, cut in two at the
    # first backoff wait, where it looks whether the service answered others.
    assert len(waits) == (1 if status == 429 else 2)
    assert sum(waits) == pytest.approx(7.0)


async def test_a_retry_after_longer_than_the_time_left_ends_the_call_at_once(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(
            service="driver2", method="GET", path="/customers/*", status=429, retry_after=30
        )
    )
    async with scene.async_driver2() as driver2:
        with pytest.raises(DeadlineExceededError) as limited:
            await driver2.get_customer(GODERIS, timeouts=Timeouts(deadline=10))
    assert isinstance(limited.value.last_error, RateLimitError)
    assert limited.value.last_error.retry_after == 30
    assert "retry after 30 s" in str(limited.value)
    assert len(scene.sent("driver2", "GET")) == 1


async def test_a_transient_failure_of_the_token_fetch_is_retried(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="POST", path="/oauth/token", status=503)
    )
    async with scene.async_driver2() as driver2:
        customer = await driver2.get_customer(GODERIS)
    assert customer.customer_number == GODERIS
    tokens = scene.sent("driver2", "POST", "/oauth/token")
    assert [e.response.status_code for e in tokens if e.response is not None] == [503, 200]


async def test_each_attempt_is_logged_once_at_debug_without_secrets_or_query_values(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="driver2_kp")
    scene.script_faults(FaultScript(service="driver2", method="GET", path="/customers"))
    async with scene.async_driver2() as driver2:
        await driver2.search_customers(CustomerQuery(name="Goderis", postcode="9000"))
    lines = [r for r in caplog.records if r.getMessage().startswith(SEARCH)]
    assert [r.levelno for r in lines] == [logging.DEBUG] * 2
    first, second = (r.getMessage() for r in lines)
    assert first.startswith(SEARCH + ": 503")
    assert first.endswith("(attempt 1)")
    assert second.startswith(SEARCH + ": 200")
    assert second.endswith("(attempt 2)")
    logged = caplog.text
    for private in ("Goderis", "9000", "sandbox-secret", "Bearer", "redacted-token", "sbx."):
        assert private not in logged


# --- live only ------------------------------------------------------------------------


@pytest.mark.live_only("a dropped connection cannot be recorded")
async def test_a_create_whose_answer_was_lost_is_retried_into_exactly_one_customer(
    scene: Scene,
) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", fault="commit-then-drop")
    )
    async with scene.async_driver2() as driver2:
        created = await driver2.create_customer(ANN_PEETERS)
        same = await driver2.search_customers(CustomerQuery(name="Peeters", first_name="Ann"))
    imported = [c for c in same.items if c.kp_reference == FIXED.ann_peeters_kp_id]
    assert _numbers(imported) == [created.customer_number]
    lost, retried = scene.requests("driver2")[1:3]  # after the token request
    assert (lost.path, lost.status, lost.committed_status) == ("/customers", None, 201)
    assert (retried.path, retried.status) == ("/customers", 201)
    assert lost.headers["idempotency-key"] == retried.headers["idempotency-key"]
    replayed = [
        e.response and e.response.headers.get("Idempotent-Replayed")
        for e in scene.sent("driver2", "POST", "/customers")
    ]
    assert replayed == [None, "true"]  # the first answer broke off after its status line


@pytest.mark.live_only("a dropped connection cannot be recorded")
async def test_a_get_whose_connection_dropped_is_retried(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers/*", fault="drop")
    )
    async with scene.async_driver2() as driver2:
        customer = await driver2.get_customer(GODERIS)
    assert customer.customer_number == GODERIS
    statuses = [r.status for r in scene.requests("driver2") if r.method == "GET"]
    assert statuses == [None, 200]


@pytest.mark.live_only("a timeout cannot be recorded")
async def test_the_deadline_bounds_the_whole_call(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(
            service="driver2", method="GET", path="/customers/*", fault="delay", seconds=3, times=9
        )
    )
    async with scene.async_driver2() as driver2:
        with pytest.raises(RequestTimeoutError) as late:
            await driver2.get_customer(GODERIS, timeouts=Timeouts(deadline=0.3))
    assert late.value.service == "Driver2"
    assert str(late.value).startswith(GET_ONE + ":")
    assert all(e.response is None for e in scene.sent("driver2", "GET"))


@pytest.mark.live_only("a timeout cannot be recorded")
async def test_the_deadline_bounds_the_token_fetch_too(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(
            service="driver2", method="POST", path="/oauth/token", fault="delay", seconds=3, times=9
        )
    )
    async with scene.async_driver2() as driver2:
        with pytest.raises(DeadlineExceededError) as late:
            await driver2.get_customer(GODERIS, timeouts=Timeouts(deadline=0.3))
    assert str(late.value).startswith("Driver2 POST /oauth/token:")
    assert (late.value.step, late.value.deadline) == ("requesting a Driver2 token", 0.3)
    assert "ReadTimeout" not in str(late.value)
    assert scene.sent("driver2", "GET") == []


@pytest.mark.live_only("counts the token requests of concurrent tasks in the request log")
async def test_concurrent_tasks_after_an_expired_token_share_one_token_fetch(scene: Scene) -> None:
    tasks = 8
    expired: list[str] = []
    together = asyncio.Barrier(tasks)

    async def send_the_expired_token_all_at_once(request: httpx.Request) -> None:
        # No task learns that the token expired before every task has sent it.
        if request.headers.get("Authorization") in expired:
            async with asyncio.timeout(30):  # only ends a hang
                await together.wait()

    hooks = {"request": [send_the_expired_token_all_at_once]}
    async with (
        httpx.AsyncClient(transport=scene.async_transport(), event_hooks=hooks) as http,
        AsyncDriver2Client(scene.settings, http_client=http) as driver2,
    ):
        await driver2.get_customer(GODERIS)
        expired.append(scene.exchanges[-1].headers["Authorization"])
        scene.expire_tokens()
        customers = await asyncio.gather(*(driver2.get_customer(GODERIS) for _ in range(tasks)))
    assert {c.customer_number for c in customers} == {GODERIS}
    answers = [e.response for e in scene.sent("driver2", "GET")[1:]]
    statuses = sorted(a.status_code for a in answers if a is not None)
    assert statuses == [200] * tasks + [401] * tasks  # each refused once, repeated once
    paths = [r.path for r in scene.requests("driver2")]
    assert paths.count("/oauth/token") == 2  # the first token, and one refresh
