"""Whatever the services answer, only a `Driver2KPError` escapes, and it never shows a secret.

Hypothesis makes the answers: any status, any ``Retry-After`` and content type,
any body (arbitrary JSON, the contract's examples with fields replaced by
arbitrary JSON, or bytes), for the token endpoint as for every other. The
services are fakes (`httpx.MockTransport`): no network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeAlias

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driver2_kp import (
    AsyncCustomerLookup,
    AsyncDriver2Client,
    AsyncKPClient,
    CustomerLookup,
    CustomerQuery,
    Driver2Client,
    Driver2KPError,
    KPClient,
    PersonQuery,
    RetryPolicy,
    SearchCriteria,
    Settings,
    Timeouts,
)
from driver2_kp.driver2 import create_customer_request
from tests._contract import customer, customer_page, person, person_page, vehicle
from tests.unit.test_requests import new_customer

SECRET = "cl13nt-s3cr3t"
KEY = "kp-4p1-k3y"
TOKEN = "t0k3n-v4lu3"
ODD_TOKENS = ("tökén-v4lu3", "t0k3n v4lu3", "t0k3n\nv4lu3")
"""Tokens no header can carry: refused as a malformed answer, never shown."""
SETTINGS = Settings(
    driver2_base_url="https://driver2.example.be/api/v2",
    driver2_client_id="planmanager",
    driver2_client_secret=SECRET,
    kp_base_url="https://kp.example.de/api/v1",
    kp_api_key=KEY,
    driver2_timeouts=Timeouts(deadline=5.0),
    kp_timeouts=Timeouts(deadline=5.0),
    retry=RetryPolicy(attempts=2, wait=False),
)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Answer: TypeAlias = tuple[int, dict[str, str], bytes]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
EXAMPLES = [customer(), customer_page(customer()), person_page(person()), person(), vehicle()]


@st.composite
def contract_like(draw: st.DrawFn) -> object:
    """One of the contracts' examples, some fields replaced by arbitrary JSON."""
    example: dict[str, Any] = dict(draw(st.sampled_from(EXAMPLES)))
    for name in draw(st.lists(st.sampled_from(sorted(example)), max_size=3)):
        example[name] = draw(JSON)
    if draw(st.booleans()):
        example["items"] = [dict(example)]
    return example


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    """An HTTP answer: status, headers, body."""
    status = draw(
        st.sampled_from([200, 201, 400, 401, 403, 404, 409, 422, 429, 503]) | st.integers(100, 599)
    )
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["Retry-After"] = draw(
            st.sampled_from(["0", "1", "-3", "1e9", "nan", "Wed, 21 Oct 2015 07:28:00 GMT"])
            | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
        )
    kind = draw(st.sampled_from(["application/json", "application/problem+json", "text/html", ""]))
    if kind:
        headers["Content-Type"] = kind
    body = draw(
        JSON.map(lambda value: json.dumps(value).encode())
        | contract_like().map(lambda value: json.dumps(value).encode())
        | st.sampled_from([b"", b"<html>502 Bad Gateway</html>", b"{", TOKEN.encode()])
        | st.binary(max_size=40)
    )
    if status == 200 and draw(st.booleans()):
        value = draw(st.sampled_from([TOKEN, *ODD_TOKENS]))
        lifetime = draw(st.sampled_from([3600, 1e999, -5, 0]) | JSON)
        token = {"access_token": value, "expires_in": lifetime}
        body = json.dumps(token).encode() if draw(st.booleans()) else body
    return status, headers, body


def _service(token: Answer, other: list[Answer]) -> Callable[[httpx.Request], httpx.Response]:
    """A fake Driver2 and KP: the token endpoint gives ``token``, the others ``other`` in turn."""
    turn = iter(range(10_000))

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, body = (
            token if request.url.path.endswith("/oauth/token") else other[next(turn) % len(other)]
        )
        return httpx.Response(status, headers=headers, content=body)

    return handler


def _check(error: Driver2KPError) -> None:
    shown = f"{error} {error!r} {getattr(error, 'detail', '')} {getattr(error, '__notes__', '')}"
    for secret in (SECRET, KEY, TOKEN, *ODD_TOKENS):
        assert secret not in shown


def _sync_calls(handler: Callable[[httpx.Request], httpx.Response]) -> None:
    transport = httpx.MockTransport(handler)
    with (
        Driver2Client(SETTINGS, transport=transport) as driver2,
        KPClient(SETTINGS, transport=transport) as kp,
    ):
        lookup = CustomerLookup(driver2, kp, deadline=5.0)
        calls: list[Callable[[], object]] = [
            lambda: driver2.search_customers(CustomerQuery(name="Goderis")),
            lambda: driver2.get_customer("74050"),
            lambda: driver2.perform(create_customer_request(new_customer(), idempotency_key="k")),
            lambda: driver2.find_vehicles(plate="1-ABC-123"),
            lambda: kp.search_persons(PersonQuery(last_name="Peeters")),
            lambda: kp.get_person("KP-0012345"),
            lambda: lookup.search(SearchCriteria(last_name="Peeters", postcode="2000")),
        ]
        for call in calls:
            try:
                call()
            except Driver2KPError as error:
                _check(error)


async def _async_calls(handler: Callable[[httpx.Request], httpx.Response]) -> None:
    transport = httpx.MockTransport(handler)
    async with (
        AsyncDriver2Client(SETTINGS, transport=transport) as driver2,
        AsyncKPClient(SETTINGS, transport=transport) as kp,
    ):
        lookup = AsyncCustomerLookup(driver2, kp, deadline=5.0)
        for call in (
            driver2.get_customer("74050"),
            kp.search_persons(PersonQuery(last_name="Peeters")),
            lookup.search(SearchCriteria(last_name="Peeters", postcode="2000")),
        ):
            try:
                await call
            except Driver2KPError as error:
                _check(error)


@FUZZ
@given(token=answers(), other=st.lists(answers(), min_size=1, max_size=3))
def test_only_our_errors_escape_the_sync_clients_and_never_with_a_secret(
    token: Answer, other: list[Answer]
) -> None:
    _sync_calls(_service(token, other))


@FUZZ
@given(token=answers(), other=st.lists(answers(), min_size=1, max_size=3))
def test_only_our_errors_escape_the_async_clients_and_never_with_a_secret(
    token: Answer, other: list[Answer]
) -> None:
    asyncio.run(_async_calls(_service(token, other)))
