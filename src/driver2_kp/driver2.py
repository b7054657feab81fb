"""Driver2, the dealer-management customer database (contract: ``driver2-api.md``).

The request builders (``*_request``) are pure: from typed arguments they make an
`Operation`, the call to send and how to read its answer. `Driver2Client` and
`AsyncDriver2Client` only send them::

    from driver2_kp import CustomerQuery, Driver2Client, Settings

    with Driver2Client(Settings.from_env()) as driver2:
        page = driver2.search_customers(CustomerQuery(name="Goderis", postcode="9000"))
        for customer in driver2.iter_customers(CustomerQuery(name="Peeters")):
            print(customer.customer_number, customer.name)

Driver2 is slow: a call may take 30 s, and is retried on transient failures
within its deadline (`Settings.driver2_timeouts`, 5 minutes by default).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Final, TypeVar

import httpx

from ._client import AsyncClient, Endpoint, SyncClient
from ._convert import query_params, read, write
from ._errors import CriteriaError, FieldError
from ._http import Call, ErrorBody, Operation, json_body
from ._models import Customer, CustomerPage, CustomerQuery, NewCustomer, Vehicle, VehicleList
from ._retry import Timeouts
from ._settings import Settings
from ._token import token_request

__all__ = [
    "AsyncDriver2Client",
    "Driver2Client",
    "create_customer_request",
    "find_vehicles_request",
    "get_customer_request",
    "next_page",
    "read_problem",
    "search_customers_request",
]

T = TypeVar("T")

SERVICE: Final = "Driver2"
CONCURRENCY: Final = 20
"""Requests Driver2 runs at once for one client; more get 429 (its contract)."""
_DIGITS: Final = re.compile(r"[0-9]+")
_CREDENTIALS: Final = {
    401: "check DRIVER2_CLIENT_ID and DRIVER2_CLIENT_SECRET",
    403: "the Driver2 client DRIVER2_CLIENT_ID has no rights for this",
}
"""What to check when Driver2 refuses the credentials: the variables of `Settings.from_env`."""


def read_problem(response: httpx.Response) -> ErrorBody:
    """Read an RFC 9457 problem body; anything else (a proxy's HTML page) reads as empty."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        return ErrorBody(hint=_CREDENTIALS.get(response.status_code))
    kind = problem.get("type")
    detail = problem.get("detail")
    existing = problem.get("existingCustomerNumber")
    errors = problem.get("errors")
    return ErrorBody(
        hint=_CREDENTIALS.get(response.status_code),
        code=kind.rsplit("/", 1)[-1] if isinstance(kind, str) else None,
        detail=detail if isinstance(detail, str) else None,
        errors=tuple(
            FieldError(str(e.get("field") or "body"), str(e.get("message") or "is invalid"))
            for e in (errors if isinstance(errors, list) else [])
            if isinstance(e, dict)
        ),
        existing_customer_number=existing if isinstance(existing, str) else None,
    )


def _call(
    method: str,
    path: str,
    endpoint: str,
    step: str,
    *,
    params: tuple[tuple[str, str], ...] = (),
    json: object = None,
    headers: dict[str, str] | None = None,
) -> Call:
    return Call(
        service=SERVICE,
        method=method,
        path=path,
        endpoint=endpoint,
        step=step,
        read_error=read_problem,
        params=params,
        json=json,
        headers=headers or {},
    )


def _reader(cls: type[T], call: Call) -> Callable[[httpx.Response], T]:
    def read_answer(response: httpx.Response) -> T:
        return read(json_body(response, call), cls, service=SERVICE, endpoint=call.endpoint)

    return read_answer


def search_customers_request(query: CustomerQuery, *, page: int = 1) -> Operation[CustomerPage]:
    """``GET /customers``: one page (of 10) of the customers matching every criterion."""
    if query.is_empty():
        raise CriteriaError("query", "a Driver2 search needs at least one criterion")
    if page < 1:
        raise CriteriaError("page", "pages are numbered from 1")
    params = query_params(query, page=page)
    call = _call("GET", "/customers", "GET /customers", "searching Driver2", params=params)
    return Operation(call, _reader(CustomerPage, call))


def next_page(page: CustomerPage) -> int | None:
    """The number of the page after ``page``, or ``None`` if it was the last."""
    return page.page + 1 if page.page < page.total_pages else None


def get_customer_request(customer_number: str) -> Operation[Customer]:
    """``GET /customers/{customerNumber}``: one customer, or `NotFoundError`."""
    if not _DIGITS.fullmatch(customer_number):
        raise CriteriaError("customer_number", "a Driver2 customer number is digits only")
    call = _call(
        "GET",
        f"/customers/{customer_number}",
        "GET /customers/{customerNumber}",
        "fetching a Driver2 customer",
    )
    return Operation(call, _reader(Customer, call))


def create_customer_request(new: NewCustomer, *, idempotency_key: str) -> Operation[Customer]:
    """``POST /customers``: create a customer; the key makes retries safe.

    The same key with the same customer gives the same answer, however often it
    is sent: never two customers.
    """
    if not 1 <= len(idempotency_key) <= 255:
        raise CriteriaError("idempotency_key", "must be 1 to 255 characters")
    call = _call(
        "POST",
        "/customers",
        "POST /customers",
        "creating a Driver2 customer",
        json=write(new),
        headers={"Idempotency-Key": idempotency_key},
    )
    return Operation(call, _reader(Customer, call))


def find_vehicles_request(
    *, plate: str | None = None, vin: str | None = None
) -> Operation[list[Vehicle]]:
    """``GET /vehicles``: the vehicles with this plate (dashes, spaces, case ignored) or VIN."""
    plate, vin = (plate or "").strip() or None, (vin or "").strip() or None
    if (plate is None) == (vin is None):
        raise CriteriaError(
            "plate" if plate is None else "vin", "give exactly one of plate and vin"
        )
    params = (("plate", plate),) if plate is not None else (("vin", vin or ""),)
    call = _call(
        "GET", "/vehicles", "GET /vehicles", "loading vehicles from Driver2", params=params
    )
    read_list = _reader(VehicleList, call)
    return Operation(call, lambda response: list(read_list(response).items))


def _driver2_endpoint(settings: Settings) -> Endpoint:
    return Endpoint(
        settings.driver2_base_url,
        settings.driver2_timeouts,
        settings.driver2_max_in_flight,
        start_in_flight=CONCURRENCY,
        token=token_request(settings.driver2_client_id, settings.driver2_client_secret),
        budget=settings.driver2_budget,
    )


class Driver2Client(SyncClient):
    """A blocking Driver2 client; a context manager reusing one connection pool.

    Pass ``http_client`` (your own `httpx.Client`, for proxies, certificates or
    HTTP/2; it is not closed here) or ``transport``. ``timeouts`` and ``retry``
    override those of ``settings``; every method also takes ``timeouts``.
    """

    _endpoint = staticmethod(_driver2_endpoint)

    def search_customers(
        self, query: CustomerQuery, *, page: int = 1, timeouts: Timeouts | None = None
    ) -> CustomerPage:
        """One page (of 10) of the customers matching every criterion of ``query``."""
        return self.perform(search_customers_request(query, page=page), timeouts=timeouts)

    def iter_customers(self, query: CustomerQuery) -> Iterator[Customer]:
        """Every matching customer, lazily: a page is fetched only when it is reached."""
        number: int | None = 1
        while number is not None:
            page = self.search_customers(query, page=number)
            yield from page.items
            number = next_page(page)

    def get_customer(self, customer_number: str, *, timeouts: Timeouts | None = None) -> Customer:
        """The customer with this number; `NotFoundError` if there is none."""
        return self.perform(get_customer_request(customer_number), timeouts=timeouts)

    def create_customer(
        self,
        new: NewCustomer,
        *,
        idempotency_key: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> Customer:
        """Create a customer; retried safely under one ``idempotency_key`` (made if not given).

        A customer with the same ``kp_reference`` raises `DuplicateCustomerError`
        carrying the existing number.
        """
        key = idempotency_key or str(uuid.uuid4())
        return self.perform(create_customer_request(new, idempotency_key=key), timeouts=timeouts)

    def find_vehicles(
        self, *, plate: str | None = None, vin: str | None = None, timeouts: Timeouts | None = None
    ) -> list[Vehicle]:
        """The vehicles with this plate or VIN (exactly one of the two)."""
        return self.perform(find_vehicles_request(plate=plate, vin=vin), timeouts=timeouts)


class AsyncDriver2Client(AsyncClient):
    """The asyncio twin of `Driver2Client`: the same methods, awaited."""

    _endpoint = staticmethod(_driver2_endpoint)

    async def search_customers(
        self, query: CustomerQuery, *, page: int = 1, timeouts: Timeouts | None = None
    ) -> CustomerPage:
        """One page (of 10) of the customers matching every criterion of ``query``."""
        return await self.perform(search_customers_request(query, page=page), timeouts=timeouts)

    async def iter_customers(self, query: CustomerQuery) -> AsyncIterator[Customer]:
        """Every matching customer, lazily: a page is fetched only when it is reached."""
        number: int | None = 1
        while number is not None:
            page = await self.search_customers(query, page=number)
            for customer in page.items:
                yield customer
            number = next_page(page)

    async def get_customer(
        self, customer_number: str, *, timeouts: Timeouts | None = None
    ) -> Customer:
        """The customer with this number; `NotFoundError` if there is none."""
        return await self.perform(get_customer_request(customer_number), timeouts=timeouts)

    async def create_customer(
        self,
        new: NewCustomer,
        *,
        idempotency_key: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> Customer:
        """Create a customer; retried safely under one ``idempotency_key`` (made if not given)."""
        key = idempotency_key or str(uuid.uuid4())
        return await self.perform(
            create_customer_request(new, idempotency_key=key), timeouts=timeouts
        )

    async def find_vehicles(
        self, *, plate: str | None = None, vin: str | None = None, timeouts: Timeouts | None = None
    ) -> list[Vehicle]:
        """The vehicles with this plate or VIN (exactly one of the two)."""
        return await self.perform(find_vehicles_request(plate=plate, vin=vin), timeouts=timeouts)
