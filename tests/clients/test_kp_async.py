"""`AsyncKPClient` against the KP contract: every endpoint, error and retry.

The mirror of ``test_kp_sync.py``: keep the two in step.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing

import attrs
import httpx
import pytest

from driver2_kp import (
    AsyncKPClient,
    AuthenticationError,
    BadRequestError,
    CriteriaError,
    DeadlineExceededError,
    KPSalutation,
    NotFoundError,
    Person,
    PersonKind,
    PersonQuery,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from driver2_kp.sandbox import FIXED, KP_API_KEY_WITHOUT_RIGHTS, FaultScript

from ._scene import Scene

pytestmark = [pytest.mark.anyio, pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]

SEARCH: str = "KP GET /personen"
GET_ONE: str = "KP GET /personen/{kpId}"
TRANSIENT: tuple[tuple[int, type[Exception]], ...] = (
    (429, RateLimitError),
    (500, ServerError),
    (502, ServerError),
    (503, ServerError),
    (504, ServerError),
)
THREE_ATTEMPTS = RetryPolicy(attempts=3, wait=False)
NO_RETRIES = RetryPolicy(attempts=1, wait=False)
ANN_AND_HER_FIRM = [FIXED.ann_peeters_kp_id, FIXED.business_kp_id]


def _ids(persons: tuple[Person, ...] | list[Person]) -> list[str]:
    return [p.kp_id for p in persons]


# --- search ---------------------------------------------------------------------------

CRITERIA: list[tuple[PersonQuery, list[str], Callable[[Person], bool]]] = [
    (
        PersonQuery(last_name="goderis"),
        [FIXED.goderis_kp_id],
        lambda p: (p.last_name or "").startswith("Goderis"),
    ),
    (
        PersonQuery(last_name="Peeters", first_name="ann"),
        ANN_AND_HER_FIRM,
        lambda p: (p.first_name or "").lower().startswith("ann"),
    ),
    (
        PersonQuery(last_name="Peeters", first_name="Ann", postcode="2000"),
        ANN_AND_HER_FIRM,
        lambda p: p.postcode == "2000",
    ),
    (
        PersonQuery(
            last_name="Peeters", first_name="Ann", postcode="2000", kind=PersonKind.PRIVATE
        ),
        [FIXED.ann_peeters_kp_id],
        lambda p: p.kind is PersonKind.PRIVATE,
    ),
    (
        PersonQuery(
            last_name="Peeters", first_name="Ann", postcode="2000", kind=PersonKind.BUSINESS
        ),
        [FIXED.business_kp_id],
        lambda p: p.kind is PersonKind.BUSINESS,
    ),
]


@pytest.mark.parametrize(
    ("query", "expected", "matches"),
    CRITERIA,
    ids=["last_name", "first_name", "postcode", "kind_private", "kind_business"],
)
async def test_search_finds_the_persons_matching_each_criterion(
    scene: Scene, query: PersonQuery, expected: list[str], matches: Callable[[Person], bool]
) -> None:
    async with scene.async_kp() as kp:
        page = await kp.search_persons(query)
    assert set(expected) <= set(_ids(page.items))
    assert all(matches(p) for p in page.items)
    assert (page.limit, page.offset) == (25, 0)


async def test_search_sends_only_the_criteria_kp_knows(scene: Scene) -> None:
    query = PersonQuery(
        last_name="Peeters", first_name="Ann", postcode="2000", kind=PersonKind.PRIVATE
    )
    async with scene.async_kp() as kp:
        page = await kp.search_persons(query)
    assert _ids(page.items) == [FIXED.ann_peeters_kp_id]
    (search,) = scene.sent("kp", "GET", "/personen")
    assert dict(search.request.url.params) == {
        "nachname": "Peeters",
        "vorname": "Ann",
        "plz": "2000",
        "kundenart": "privat",
        "limit": "25",
        "offset": "0",
    }


async def test_search_answers_25_persons_by_default(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        page = await kp.search_persons(PersonQuery(last_name="Peeters"))
    assert len(page.items) == 25
    assert page.total > 25


async def test_limit_and_offset_select_a_slice_of_the_results(scene: Scene) -> None:
    query = PersonQuery(last_name="Goossens")
    async with scene.async_kp() as kp:
        first_ten = await kp.search_persons(query, limit=10)
        slice_ = await kp.search_persons(query, limit=5, offset=5)
    assert (slice_.limit, slice_.offset, slice_.total) == (5, 5, first_ten.total)
    assert _ids(slice_.items) == _ids(first_ten.items)[5:]


async def test_search_without_a_match_is_an_empty_page(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        page = await kp.search_persons(PersonQuery(last_name="Zzyzxwv"))
    assert (page.items, page.total) == ((), 0)


async def test_iter_persons_yields_every_person_of_every_slice(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        persons = [p async for p in kp.iter_persons(PersonQuery(last_name="Goossens"))]
    ids = _ids(persons)
    assert len(ids) == len(set(ids)) == 109
    offsets = [e.request.url.params["offset"] for e in scene.sent("kp", "GET", "/personen")]
    assert offsets == ["0", "100"]


async def test_iter_persons_fetches_a_slice_only_when_it_is_reached(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        persons = kp.iter_persons(PersonQuery(last_name="Goossens"))
        assert isinstance(persons, AsyncGenerator)
        async with aclosing(persons):
            first = [await anext(persons) for _ in range(100)]
    assert len(first) == 100
    assert len(scene.sent("kp", "GET", "/personen")) == 1


async def test_a_last_name_shorter_than_two_characters_is_refused_before_any_request(
    scene: Scene,
) -> None:
    async with scene.async_kp() as kp:
        with pytest.raises(CriteriaError) as refused:
            await kp.search_persons(PersonQuery(last_name=" P "))
    assert refused.value.field == "last_name"
    assert scene.exchanges == []


async def _without_nachname(request: httpx.Request) -> None:
    request.url = request.url.copy_remove_param("nachname")


async def _with_an_unknown_parameter(request: httpx.Request) -> None:
    request.url = request.url.copy_add_param("geburtsdatum", "1980-01-01")


@pytest.mark.parametrize(
    ("tamper", "code"),
    [(_without_nachname, "NACHNAME_FEHLT"), (_with_an_unknown_parameter, "PARAMETER_UNGUELTIG")],
    ids=["NACHNAME_FEHLT", "PARAMETER_UNGUELTIG"],
)
async def test_a_request_kp_refuses_is_a_bad_request_with_kps_code(
    scene: Scene, tamper: Callable[[httpx.Request], Awaitable[None]], code: str
) -> None:
    # PersonQuery cannot express either request: only something between the client
    # and KP (here an event hook on the caller's own httpx client) can send them.
    hooks = {"request": [tamper]}
    async with (
        httpx.AsyncClient(transport=scene.async_transport(), event_hooks=hooks) as http,
        AsyncKPClient(scene.settings, http_client=http) as kp,
    ):
        with pytest.raises(BadRequestError) as refused:
            await kp.search_persons(PersonQuery(last_name="Peeters"))
    assert (refused.value.status, refused.value.code) == (400, code)
    assert str(refused.value).startswith(f"{SEARCH}: 400 Bad Request ({code})")
    assert len(scene.exchanges) == 1  # not retried


# --- one person -----------------------------------------------------------------------


async def test_get_person_returns_every_field(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        person = await kp.get_person(FIXED.goderis_kp_id)
    assert (person.kp_id, person.first_name, person.last_name) == (
        FIXED.goderis_kp_id,
        "Thiemen",
        "Goderis",
    )
    assert (person.kind, person.salutation) == (PersonKind.PRIVATE, KPSalutation.HERR)
    assert (person.street, person.house_number, person.postcode, person.city) == (
        "Kortrijksesteenweg",
        "112 B",
        "9000",
        "Gent",
    )
    assert (person.country, person.language) == ("BE", "nl")
    assert person.mobile == "+32475123456"
    assert person.changed_at.year == 2024


async def test_get_person_of_a_business_has_its_company_and_vat_number(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        firm = await kp.get_person(FIXED.business_kp_id)
    assert (firm.kind, firm.company) == (PersonKind.BUSINESS, "Peeters Bouw BV")
    assert firm.vat_number == FIXED.business_vat_number


async def test_an_unknown_person_is_not_found(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        with pytest.raises(NotFoundError) as missing:
            await kp.get_person("KP-9999999")
    assert (missing.value.status, missing.value.code) == (404, "NICHT_GEFUNDEN")
    assert missing.value.service == "KP"
    assert str(missing.value).startswith(GET_ONE + ": 404")


async def test_a_malformed_kp_id_is_refused_before_any_request(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        with pytest.raises(CriteriaError):
            await kp.get_person("12345")
    assert scene.exchanges == []


# --- authentication -------------------------------------------------------------------


async def test_every_request_carries_the_api_key(scene: Scene) -> None:
    async with scene.async_kp() as kp:
        await kp.get_person(FIXED.goderis_kp_id)
        await kp.search_persons(PersonQuery(last_name="Goderis"))
    keys = [e.headers.get("X-API-Key") for e in scene.exchanges]
    assert keys == [scene.settings.kp_api_key.reveal()] * 2


async def test_a_wrong_api_key_is_an_authentication_error(scene: Scene) -> None:
    settings = attrs.evolve(scene.settings, kp_api_key="wrong-key")
    async with scene.async_kp(settings) as kp:
        with pytest.raises(AuthenticationError) as refused:
            await kp.get_person(FIXED.goderis_kp_id)
    assert (refused.value.status, refused.value.code) == (401, "NICHT_AUTHENTIFIZIERT")
    assert str(refused.value).startswith(GET_ONE + ": 401")
    assert "wrong-key" not in str(refused.value)
    assert len(scene.exchanges) == 1  # not retried


async def test_a_key_without_read_rights_is_an_authentication_error(scene: Scene) -> None:
    settings = attrs.evolve(scene.settings, kp_api_key=KP_API_KEY_WITHOUT_RIGHTS)
    async with scene.async_kp(settings) as kp:
        with pytest.raises(AuthenticationError) as refused:
            await kp.search_persons(PersonQuery(last_name="Goderis"))
    assert (refused.value.status, refused.value.code) == (403, "KEINE_BERECHTIGUNG")
    assert str(refused.value).startswith(SEARCH + ": 403")
    assert len(scene.exchanges) == 1  # not retried


# --- transient failures ---------------------------------------------------------------


@pytest.mark.parametrize("status", [status for status, _ in TRANSIENT])
async def test_a_search_is_retried_after_a_transient_status(scene: Scene, status: int) -> None:
    scene.script_faults(FaultScript(service="kp", method="GET", path="/personen", status=status))
    async with scene.async_kp() as kp:
        page = await kp.search_persons(PersonQuery(last_name="Goderis"))
    assert FIXED.goderis_kp_id in _ids(page.items)
    searches = scene.sent("kp", "GET", "/personen")
    assert [e.response.status_code for e in searches if e.response is not None] == [status, 200]


@pytest.mark.parametrize(("status", "error"), TRANSIENT)
async def test_a_transient_status_is_raised_once_the_attempts_are_spent(
    scene: Scene, status: int, error: type[Exception]
) -> None:
    scene.script_faults(
        FaultScript(service="kp", method="GET", path="/personen/*", status=status, times=3)
    )
    async with scene.async_kp(retry=THREE_ATTEMPTS) as kp:
        with pytest.raises(error) as failed:
            await kp.get_person(FIXED.goderis_kp_id)
    assert isinstance(failed.value, RateLimitError | ServerError)
    assert failed.value.status == status
    assert str(failed.value).startswith(f"{GET_ONE}: {status}")
    assert len(scene.sent("kp", "GET", "/personen/*")) == 3


@pytest.mark.parametrize(("status", "error"), TRANSIENT)
async def test_without_retries_a_transient_status_is_raised_at_once(
    scene: Scene, status: int, error: type[Exception]
) -> None:
    scene.script_faults(FaultScript(service="kp", method="GET", path="/personen", status=status))
    async with scene.async_kp(retry=NO_RETRIES) as kp:
        with pytest.raises(error) as failed:
            await kp.search_persons(PersonQuery(last_name="Goderis"))
    assert str(failed.value).startswith(f"{SEARCH}: {status}")
    assert len(scene.exchanges) == 1


async def test_maintenance_is_a_server_error_with_kps_code(scene: Scene) -> None:
    scene.script_faults(FaultScript(service="kp", method="GET", path="/personen/*", status=503))
    async with scene.async_kp(retry=NO_RETRIES) as kp:
        with pytest.raises(ServerError) as failed:
            await kp.get_person(FIXED.goderis_kp_id)
    assert (failed.value.status, failed.value.code) == (503, "WARTUNG")


@pytest.mark.parametrize("status", [502, 504])
async def test_a_proxys_html_error_page_is_a_server_error_not_a_decoding_crash(
    scene: Scene, status: int
) -> None:
    scene.script_faults(FaultScript(service="kp", method="GET", path="/personen/*", status=status))
    async with scene.async_kp(retry=NO_RETRIES) as kp:
        with pytest.raises(ServerError) as failed:
            await kp.get_person(FIXED.goderis_kp_id)
    (answer,) = [e.response for e in scene.exchanges]
    assert answer is not None
    assert answer.headers["Content-Type"].startswith("text/html")
    assert (failed.value.status, failed.value.code, failed.value.detail) == (status, None, None)
    assert str(failed.value).startswith(f"{GET_ONE}: {status}")


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_waited_as_given(
    scene: Scene, waits: list[float], status: int
) -> None:
    scene.script_faults(
        FaultScript(service="kp", method="GET", path="/personen/*", status=status, retry_after=4)
    )
    async with scene.async_kp(retry=RetryPolicy()) as kp:
        person = await kp.get_person(FIXED.goderis_kp_id)
    assert person.kp_id == FIXED.goderis_kp_id
    # Nobody else was answered meanwhile: a 503's wait is the same, cut in two at the
    # first backoff wait, where it looks whether the service answered others.
    assert len(waits) == (1 if status == 429 else 2)
    assert sum(waits) == pytest.approx(4.0)


async def test_a_retry_after_longer_than_the_time_left_ends_the_call_at_once(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(service="kp", method="GET", path="/personen/*", status=503, retry_after=30)
    )
    async with scene.async_kp() as kp:
        with pytest.raises(DeadlineExceededError) as failed:
            await kp.get_person(FIXED.goderis_kp_id, timeouts=Timeouts(deadline=10))
    assert isinstance(failed.value.last_error, ServerError)
    assert (failed.value.last_error.status, failed.value.last_error.code) == (503, "WARTUNG")
    assert "retry after 30 s" in str(failed.value)
    assert len(scene.exchanges) == 1


# --- live only ------------------------------------------------------------------------


@pytest.mark.live_only("a dropped connection cannot be recorded")
async def test_a_search_whose_connection_dropped_is_retried(scene: Scene) -> None:
    scene.script_faults(FaultScript(service="kp", method="GET", path="/personen", fault="drop"))
    async with scene.async_kp() as kp:
        page = await kp.search_persons(PersonQuery(last_name="Goderis"))
    assert FIXED.goderis_kp_id in _ids(page.items)
    assert [r.status for r in scene.requests("kp")] == [None, 200]


@pytest.mark.live_only("a timeout cannot be recorded")
async def test_the_deadline_bounds_the_whole_call(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(
            service="kp", method="GET", path="/personen/*", fault="delay", seconds=3, times=9
        )
    )
    async with scene.async_kp() as kp:
        with pytest.raises(RequestTimeoutError) as late:
            await kp.get_person(FIXED.goderis_kp_id, timeouts=Timeouts(deadline=0.3))
    assert late.value.service == "KP"
    assert str(late.value).startswith(GET_ONE + ":")
    assert all(e.response is None for e in scene.exchanges)
