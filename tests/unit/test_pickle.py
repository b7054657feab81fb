"""Every public error and value pickles to an equal one: process pools, joblib and Dask work."""

from __future__ import annotations

import inspect
import pickle
from typing import Any

import pytest

import driver2_kp
from driver2_kp import (
    APIError,
    AppliedParties,
    AuthenticationError,
    BadRequestError,
    BulkItem,
    BulkProgress,
    ColumnError,
    ConfigurationError,
    ConflictError,
    CriteriaError,
    Customer,
    CustomerPage,
    CustomerQuery,
    Deadline,
    DeadlineExceededError,
    DuplicateCustomerError,
    FieldError,
    IdempotencyKeyReuseError,
    NotFoundError,
    Person,
    PersonKind,
    PersonPage,
    PersonQuery,
    Progress,
    RateLimitError,
    RequestTimeoutError,
    ResponseFormatError,
    RetryPolicy,
    SearchCriteria,
    Secret,
    ServerError,
    ServiceDownError,
    Settings,
    Step,
    Timeouts,
    TransportError,
    ValidationError,
    Vehicle,
    VehicleNotFoundError,
)
from driver2_kp._convert import read
from driver2_kp._flows import search_flow
from driver2_kp._party import new_customer_from_person, party_from_person
from driver2_kp._results import Selection
from driver2_kp._rules import candidates_of
from tests._contract import customer, customer_page, person, person_page, vehicle

WHERE = {"service": "Driver2", "endpoint": "GET /customers"}
UNAVAILABLE = ServerError("503 Service Unavailable", status=503, code="maintenance", **WHERE)
ERRORS: dict[type[Exception], Exception] = {
    driver2_kp.Driver2KPError: driver2_kp.Driver2KPError("something failed"),
    ConfigurationError: ConfigurationError("missing environment variable(s): KP_API_KEY"),
    ColumnError: ColumnError("columns names 'Naam', which the frame does not have"),
    CriteriaError: CriteriaError("last_name", "KP needs a last name"),
    TransportError: TransportError("could not connect to 127.0.0.1:1 (ConnectError)", **WHERE),
    RequestTimeoutError: RequestTimeoutError("127.0.0.1:1 timed out (ReadTimeout)", **WHERE),
    DeadlineExceededError: DeadlineExceededError(
        "the deadline of 2 s ran out while searching Driver2 (3 attempts)",
        deadline=2.0,
        step="searching Driver2",
        attempts=3,
        last_error=UNAVAILABLE,
        **WHERE,
    ),
    ServiceDownError: ServiceDownError(
        "Driver2 does not answer: nothing but failures for 15.2 s",
        silent_for=15.2,
        patience=15.0,
        attempts=6,
        last_error=UNAVAILABLE,
        **WHERE,
    ),
    ResponseFormatError: ResponseFormatError("the answer is not JSON (text/html)", **WHERE),
    VehicleNotFoundError: VehicleNotFoundError("no vehicle with this plate", **WHERE),
    APIError: APIError("418 I'm a Teapot", status=418, **WHERE),
    BadRequestError: BadRequestError("400 Bad Request", status=400, detail="page 9", **WHERE),
    AuthenticationError: AuthenticationError("401 Unauthorized", status=401, **WHERE),
    NotFoundError: NotFoundError("404 Not Found", status=404, code="not-found", **WHERE),
    ConflictError: ConflictError("409 Conflict", status=409, **WHERE),
    DuplicateCustomerError: DuplicateCustomerError(
        "409 Conflict (duplicate)", existing_customer_number="74050", status=409, **WHERE
    ),
    IdempotencyKeyReuseError: IdempotencyKeyReuseError("409 Conflict", status=409, **WHERE),
    ValidationError: ValidationError(
        "422 Unprocessable Entity: invalid address.postcode",
        errors=[FieldError("address.postcode", "must be 4 digits for BE")],
        status=422,
        **WHERE,
    ),
    RateLimitError: RateLimitError("429 Too Many Requests", retry_after=1.5, status=429, **WHERE),
    ServerError: UNAVAILABLE,
}
NOT_PICKLED = {
    # They hold connection pools, locks and a gate: make one per process from Settings.
    "CustomerLookup",
    "AsyncCustomerLookup",
    "Driver2Client",
    "AsyncDriver2Client",
    "KPClient",
    "AsyncKPClient",
}


def _values() -> dict[str, object]:
    """One example of every public value type, by name."""
    a_customer = read(customer(), Customer, service="Driver2", endpoint="GET /customers")
    a_person = read(person(), Person, service="KP", endpoint="GET /personen")
    driver2_page = read(customer_page(customer()), CustomerPage, service="D", endpoint="GET")
    kp_page = read(person_page(person()), PersonPage, service="KP", endpoint="GET /personen")
    criteria = SearchCriteria(last_name="Goderis", postcode="9000", email="t@example.be")
    flow = search_flow(criteria)
    next(flow)
    try:
        flow.send(driver2_page)
    except StopIteration as done:
        result = done.value
    party = party_from_person(a_person)
    return {
        "Address": a_customer.address,
        "Customer": a_customer,
        "CustomerPage": driver2_page,
        "CustomerQuery": CustomerQuery(name="Goderis", postcode="9000"),
        "NewCustomer": new_customer_from_person(a_person),
        "Vehicle": read(vehicle(), Vehicle, service="Driver2", endpoint="GET /vehicles"),
        "Person": a_person,
        "PersonPage": kp_page,
        "PersonQuery": PersonQuery(last_name="Goderis", kind=PersonKind.PRIVATE),
        "SearchCriteria": criteria,
        "SearchResult": result,
        "Candidate": candidates_of(kp_page)[0],
        "Selection": Selection(party=party, import_error=UNAVAILABLE),
        "BulkItem": BulkItem(index=3, criteria=criteria, error=UNAVAILABLE),
        "BulkProgress": BulkProgress(done=3, failed=1, total=10, elapsed=2.5),
        "Match": result.matches[0],
        "Party": party,
        "AppliedParties": AppliedParties({driver2_kp.PartyRole.DRIVER: party}, frozenset()),
        "Progress": Progress(step=Step.IMPORT, attempt=2, elapsed=1.5, time_left=10, retry_in=1),
        "FieldError": FieldError("address.postcode", "must be 4 digits for BE"),
        "Settings": Settings(
            driver2_base_url="https://driver2.example.be/api/v2",
            driver2_client_id="planmanager",
            driver2_client_secret="s3cr3t",
            kp_base_url="https://kp.example.de/api/v1",
            kp_api_key="k3y",
        ),
        "Secret": Secret("s3cr3t"),
        "Timeouts": Timeouts(read=120.0),
        "RetryPolicy": RetryPolicy(attempts=3),
        "Deadline": Deadline.after(30.0),
    }


def _again(value: object) -> Any:
    return pickle.loads(pickle.dumps(value))


@pytest.mark.parametrize("error", list(ERRORS.values()), ids=lambda e: type(e).__name__)
def test_every_error_pickles_to_an_equal_error_of_the_same_type_and_message(
    error: Exception,
) -> None:
    error.add_note("noted on the way")
    copy = _again(error)
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy == error
    assert vars(copy) == vars(error)
    assert copy.__notes__ == ["noted on the way"]


def test_errors_differing_in_an_attribute_are_not_equal() -> None:
    limited = RateLimitError("429", retry_after=1.0, status=429, **WHERE)
    assert limited != RateLimitError("429", retry_after=2.0, status=429, **WHERE)
    assert limited == RateLimitError("429", retry_after=1.0, status=429, **WHERE)
    assert len({limited, RateLimitError("429", retry_after=1.0, status=429, **WHERE)}) == 1


def test_every_public_name_pickles_or_is_listed_with_the_reason() -> None:
    values = _values()
    unchecked = []
    for name in driver2_kp.__all__:
        public = getattr(driver2_kp, name)
        if name in NOT_PICKLED or name in {
            "__version__",
            "MATCH_COLUMNS",
            "ProgressCallback",
            "BulkProgressCallback",
        }:
            continue  # a string, a tuple of strings, type aliases: nothing of ours to pickle
        if inspect.isclass(public) and issubclass(public, Exception):
            copy = _again(ERRORS[public])
            assert (type(copy), copy) == (public, ERRORS[public])
        elif name in values:
            assert _again(values[name]) == values[name], name
        elif inspect.isfunction(public) or inspect.isclass(public):
            assert _again(public) is public  # enums, functions, aliases: by reference
            for member in getattr(public, "__members__", {}).values():
                assert _again(member) is member
        else:
            unchecked.append(name)
    assert unchecked == []


def test_a_pickled_secret_stays_masked_in_its_repr() -> None:
    copy = _again(Secret("s3cr3t"))
    assert copy.reveal() == "s3cr3t"
    assert "s3cr3t" not in repr(copy)
