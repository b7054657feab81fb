"""One table from an error answer to an exception, for both contracts."""

from __future__ import annotations

import email.utils
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from driver2_kp import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DuplicateCustomerError,
    FieldError,
    IdempotencyKeyReuseError,
    KPClient,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Settings,
    TransportError,
    ValidationError,
)
from driver2_kp._http import ErrorBody, api_error
from driver2_kp.driver2 import read_problem
from driver2_kp.kp import read_fehler

PROBLEM_JSON = {"Content-Type": "application/problem+json"}
PERSONAL = "Thiemen Goderis, Kortrijksesteenweg 112"
"""A detail a service might write: it must stay on .detail, out of the message."""

PROXY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><hr>nginx</body></html>"
)


def problem(status: int, kind: str, **extra: Any) -> httpx.Response:
    body = {
        "type": f"https://driver2.example.be/problems/{kind}",
        "title": kind.replace("-", " ").capitalize(),
        "status": status,
        "detail": PERSONAL,
        **extra,
    }
    return httpx.Response(status, json=body, headers=PROBLEM_JSON)


def fehler(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"fehler": {"code": code, "meldung": PERSONAL}}
    return httpx.Response(status, json=body, headers=headers)


def driver2_error(response: httpx.Response, endpoint: str = "GET /customers") -> APIError:
    return api_error("Driver2", endpoint, response, read_problem(response))


def kp_error(response: httpx.Response, endpoint: str = "GET /personen") -> APIError:
    return api_error("KP", endpoint, response, read_fehler(response))


def http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


# --- Driver2: every status of the contract ------------------------------------------


DRIVER2_STATUSES = [
    pytest.param(problem(400, "bad-request"), BadRequestError, id="400"),
    pytest.param(problem(401, "unauthorized"), AuthenticationError, id="401"),
    pytest.param(problem(404, "not-found"), NotFoundError, id="404"),
    pytest.param(
        problem(409, "duplicate", existingCustomerNumber="74050"),
        DuplicateCustomerError,
        id="409-duplicate",
    ),
    pytest.param(
        problem(409, "idempotency-key-reuse"), IdempotencyKeyReuseError, id="409-key-reuse"
    ),
    pytest.param(problem(422, "validation", errors=[]), ValidationError, id="422"),
    pytest.param(problem(429, "rate-limited"), RateLimitError, id="429"),
    pytest.param(problem(500, "internal"), ServerError, id="500"),
    pytest.param(httpx.Response(502, text=PROXY_PAGE), ServerError, id="502-html"),
    pytest.param(httpx.Response(503, text="Service Unavailable"), ServerError, id="503-text"),
    pytest.param(httpx.Response(504, text=""), ServerError, id="504-empty"),
]


@pytest.mark.parametrize(("response", "cls"), DRIVER2_STATUSES)
def test_each_driver2_error_status_maps_to_its_class(
    response: httpx.Response, cls: type[APIError]
) -> None:
    error = driver2_error(response)
    assert type(error) is cls
    assert error.status == response.status_code
    assert error.service == "Driver2"
    assert error.endpoint == "GET /customers"


@pytest.mark.parametrize(("response", "cls"), DRIVER2_STATUSES)
def test_every_driver2_message_names_the_service_endpoint_and_status_but_not_the_detail(
    response: httpx.Response, cls: type[APIError]
) -> None:
    error = driver2_error(response, "POST /customers")
    message = str(error)
    assert message.startswith("Driver2 POST /customers: ")
    assert str(response.status_code) in message
    assert PERSONAL not in message
    assert "Goderis" not in message


def test_the_driver2_detail_is_kept_on_the_error() -> None:
    error = driver2_error(problem(404, "not-found"), "GET /customers/{customerNumber}")
    assert error.detail == PERSONAL
    assert error.code == "not-found"


def test_a_duplicate_carries_the_existing_customer_number() -> None:
    error = driver2_error(problem(409, "duplicate", existingCustomerNumber="74050"))
    assert isinstance(error, DuplicateCustomerError)
    assert isinstance(error, ConflictError)
    assert error.existing_customer_number == "74050"


def test_a_409_of_unknown_type_is_a_plain_conflict() -> None:
    error = driver2_error(problem(409, "locked"))
    assert type(error) is ConflictError


def test_a_validation_error_carries_the_field_errors_and_names_the_fields() -> None:
    errors = [
        {"field": "address.postcode", "message": "must be 4 digits for BE"},
        {"field": "vatNumber", "message": "must not be sent"},
    ]
    error = driver2_error(problem(422, "validation", errors=errors), "POST /customers")
    assert isinstance(error, ValidationError)
    assert error.errors == (
        FieldError("address.postcode", "must be 4 digits for BE"),
        FieldError("vatNumber", "must not be sent"),
    )
    assert "address.postcode" in str(error)
    assert "vatNumber" in str(error)
    assert PERSONAL not in str(error)


def test_a_rate_limit_carries_retry_after_in_seconds() -> None:
    response = httpx.Response(429, json={"type": "/rate-limited"}, headers={"Retry-After": "7"})
    error = driver2_error(response)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0


def test_a_rate_limit_carries_retry_after_from_an_http_date(frozen_now: datetime) -> None:
    later = http_date(frozen_now + timedelta(seconds=42))
    response = httpx.Response(429, json={}, headers={"Retry-After": later})
    error = driver2_error(response)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 42.0


def test_a_retry_after_date_in_the_past_means_no_wait(frozen_now: datetime) -> None:
    earlier = http_date(frozen_now - timedelta(minutes=5))
    error = driver2_error(httpx.Response(429, headers={"Retry-After": earlier}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 0.0


@pytest.mark.parametrize("value", [None, "soon", "", "nan"])
def test_a_rate_limit_without_a_usable_retry_after_has_none(value: str | None) -> None:
    headers = {} if value is None else {"Retry-After": value}
    error = driver2_error(httpx.Response(429, headers=headers))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


def test_an_unlisted_status_is_a_plain_api_error() -> None:
    error = driver2_error(httpx.Response(418, text="teapot"))
    assert type(error) is APIError
    assert str(error).startswith("Driver2 GET /customers: 418")


# --- KP: every status of the contract -----------------------------------------------


KP_STATUSES = [
    pytest.param(fehler(400, "NACHNAME_FEHLT"), BadRequestError, id="400-nachname"),
    pytest.param(fehler(400, "PARAMETER_UNGUELTIG"), BadRequestError, id="400-parameter"),
    pytest.param(fehler(401, "NICHT_AUTHENTIFIZIERT"), AuthenticationError, id="401"),
    pytest.param(fehler(403, "KEINE_BERECHTIGUNG"), AuthenticationError, id="403"),
    pytest.param(fehler(404, "NICHT_GEFUNDEN"), NotFoundError, id="404"),
    pytest.param(fehler(429, "ZU_VIELE_ANFRAGEN"), RateLimitError, id="429"),
    pytest.param(fehler(503, "WARTUNG"), ServerError, id="503"),
    pytest.param(httpx.Response(500, text="Internal Server Error"), ServerError, id="500"),
    pytest.param(httpx.Response(502, text=PROXY_PAGE), ServerError, id="502-html"),
    pytest.param(httpx.Response(504, json={"error": "timeout"}), ServerError, id="504-json"),
]


@pytest.mark.parametrize(("response", "cls"), KP_STATUSES)
def test_each_kp_error_status_maps_to_its_class(
    response: httpx.Response, cls: type[APIError]
) -> None:
    error = kp_error(response)
    assert type(error) is cls
    assert error.status == response.status_code
    assert error.service == "KP"


@pytest.mark.parametrize(("response", "cls"), KP_STATUSES)
def test_every_kp_message_names_the_service_and_endpoint_but_not_the_meldung(
    response: httpx.Response, cls: type[APIError]
) -> None:
    message = str(kp_error(response, "GET /personen/{kpId}"))
    assert message.startswith("KP GET /personen/{kpId}: ")
    assert str(response.status_code) in message
    assert PERSONAL not in message


def test_a_kp_error_carries_its_code_in_the_message_and_the_meldung_on_detail() -> None:
    error = kp_error(fehler(400, "NACHNAME_FEHLT"))
    assert error.code == "NACHNAME_FEHLT"
    assert "NACHNAME_FEHLT" in str(error)
    assert error.detail == PERSONAL


def test_a_kp_rate_limit_carries_retry_after() -> None:
    error = kp_error(fehler(429, "ZU_VIELE_ANFRAGEN", headers={"Retry-After": "3"}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 3.0


# --- the readers, on real and on odd bodies -----------------------------------------


def test_read_problem_reads_a_real_problem_body() -> None:
    response = problem(
        422,
        "validation",
        errors=[{"field": "address.postcode", "message": "must be 4 digits for BE"}],
    )
    assert read_problem(response) == ErrorBody(
        code="validation",
        detail=PERSONAL,
        errors=(FieldError("address.postcode", "must be 4 digits for BE"),),
    )


def test_read_problem_reads_the_existing_customer_number() -> None:
    body = read_problem(problem(409, "duplicate", existingCustomerNumber="30001"))
    assert body.code == "duplicate"
    assert body.existing_customer_number == "30001"


def test_read_fehler_reads_a_real_fehler_body() -> None:
    body = read_fehler(fehler(404, "NICHT_GEFUNDEN"))
    assert body == ErrorBody(code="NICHT_GEFUNDEN", detail=PERSONAL)


NOT_JSON = [
    pytest.param(httpx.Response(502, text=PROXY_PAGE, headers={"Content-Type": "text/html"})),
    pytest.param(httpx.Response(503, text="Service Unavailable")),
    pytest.param(httpx.Response(504, content=b"")),
    pytest.param(httpx.Response(500, content=b"\xff\xfe\x00garbage")),
    pytest.param(httpx.Response(500, text='{"type": "/internal", "detail": ')),
]


@pytest.mark.parametrize("response", NOT_JSON)
def test_read_problem_reads_a_body_that_is_not_json_as_empty(response: httpx.Response) -> None:
    assert read_problem(response) == ErrorBody()


@pytest.mark.parametrize("response", NOT_JSON)
def test_read_fehler_reads_a_body_that_is_not_json_as_empty(response: httpx.Response) -> None:
    assert read_fehler(response) == ErrorBody()


@pytest.mark.parametrize("response", NOT_JSON)
def test_a_body_that_is_not_json_still_gives_a_clear_error_with_the_status(
    response: httpx.Response,
) -> None:
    for error in (driver2_error(response), kp_error(response)):
        assert isinstance(error, ServerError)
        assert str(response.status_code) in str(error)
        assert error.code is None
        assert error.detail is None


ODD_JSON: list[object] = [
    None,
    42,
    "error",
    ["not", "an", "object"],
    {},
    {"type": 5, "detail": ["x"], "errors": "address", "existingCustomerNumber": 74050},
    {"errors": [1, "two", None]},
    {"fehler": "WARTUNG"},
    {"fehler": {"code": 503, "meldung": {"de": "Wartung"}}},
    {"fehler": None},
]


@pytest.mark.parametrize("body", ODD_JSON)
def test_read_problem_on_odd_json_gives_an_empty_error_body(body: object) -> None:
    assert read_problem(httpx.Response(500, json=body)) == ErrorBody()


@pytest.mark.parametrize("body", ODD_JSON)
def test_read_fehler_on_odd_json_gives_an_empty_error_body(body: object) -> None:
    assert read_fehler(httpx.Response(500, json=body)) == ErrorBody()


def test_read_problem_keeps_the_well_formed_parts_of_a_partly_odd_body() -> None:
    body = {
        "type": "https://driver2.example.be/problems/validation",
        "detail": 3,
        "errors": ["name", {"field": "name", "message": "required"}],
    }
    read = read_problem(httpx.Response(422, json=body))
    assert read == ErrorBody(code="validation", errors=(FieldError("name", "required"),))


# --- errors a user can act on: what to check ------------------------------------------


@pytest.mark.parametrize(
    ("response", "hint"),
    [
        (problem(401, "unauthorized"), "check DRIVER2_CLIENT_ID and DRIVER2_CLIENT_SECRET"),
        (httpx.Response(401, text=""), "check DRIVER2_CLIENT_ID and DRIVER2_CLIENT_SECRET"),
        (problem(403, "forbidden"), "DRIVER2_CLIENT_ID has no rights"),
    ],
)
def test_driver2_refusing_the_credentials_names_the_variables_to_check(
    response: httpx.Response, hint: str
) -> None:
    error = driver2_error(response)
    assert isinstance(error, AuthenticationError)
    assert hint in str(error)


@pytest.mark.parametrize(
    ("response", "hint"),
    [
        (fehler(401, "NICHT_AUTHENTIFIZIERT"), "check KP_API_KEY"),
        (fehler(403, "KEINE_BERECHTIGUNG"), "KP_API_KEY has no read rights"),
        (httpx.Response(401, text="<html>no</html>"), "check KP_API_KEY"),
    ],
)
def test_kp_refusing_the_key_names_the_variable_to_check(
    response: httpx.Response, hint: str
) -> None:
    error = kp_error(response)
    assert isinstance(error, AuthenticationError)
    assert hint in str(error)


def test_other_errors_carry_no_hint() -> None:
    assert read_problem(problem(404, "not-found")).hint is None
    assert read_fehler(fehler(503, "WARTUNG")).hint is None


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("https://driver2.example.be/api/v2/customers", "driver2.example.be:443"),
        ("http://127.0.0.1:8765/kp/api/v1/personen", "127.0.0.1:8765"),
    ],
)
def test_a_transport_error_names_the_host_and_port_it_tried(url: str, where: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    settings = Settings(
        driver2_base_url=url.rsplit("/", 1)[0],
        driver2_client_id="c",
        driver2_client_secret="s",
        kp_base_url=url.rsplit("/", 1)[0],
        kp_api_key="k",
        retry=RetryPolicy(attempts=1),
    )
    kp = KPClient(settings, transport=httpx.MockTransport(refuse))
    with kp, pytest.raises(TransportError) as caught:
        kp.get_person("KP-0012345")
    assert f"could not connect to {where} (ConnectError)" in str(caught.value)
