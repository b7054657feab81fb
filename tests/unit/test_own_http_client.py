"""Callers may bring their own httpx client or transport; theirs stays open, bulk runs use it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import attrs
import httpx
import pytest

from driver2_kp import (
    AsyncKPClient,
    BulkItem,
    CustomerLookup,
    Driver2Client,
    KPClient,
    SearchCriteria,
    SearchResult,
    Settings,
    TransportError,
)
from tests._contract import customer
from tests.unit._matching import GODERIS, FakeServices, nowhere

SETTINGS = Settings(
    driver2_base_url="http://driver2.test/api/v2",
    driver2_client_id="client",
    driver2_client_secret="secret-value",
    kp_base_url="http://kp.test/api/v1",
    kp_api_key="key-value",
)
PERSON = {
    "kpId": "KP-0012345",
    "kundenart": "privat",
    "land": "BE",
    "sprache": "nl",
    "geaendertAm": "2024-02-01T13:45:10Z",
}


def _answer(request: httpx.Request) -> httpx.Response:
    assert request.headers["X-API-Key"] == "key-value"
    assert request.headers["X-Caller"] == "mine"
    return httpx.Response(200, json=PERSON)


def test_a_callers_http_client_is_used_and_left_open() -> None:
    own = httpx.Client(transport=httpx.MockTransport(_answer), headers={"X-Caller": "mine"})
    with KPClient(SETTINGS, http_client=own) as kp:
        assert kp.get_person("KP-0012345").kp_id == "KP-0012345"
    assert not own.is_closed
    own.close()


@pytest.mark.anyio
async def test_a_callers_async_http_client_is_used_and_left_open() -> None:
    own = httpx.AsyncClient(transport=httpx.MockTransport(_answer), headers={"X-Caller": "mine"})
    async with AsyncKPClient(SETTINGS, http_client=own) as kp:
        assert (await kp.get_person("KP-0012345")).kp_id == "KP-0012345"
    assert not own.is_closed
    await own.aclose()


def test_a_client_and_a_transport_together_are_refused() -> None:
    with httpx.Client() as own, pytest.raises(TypeError, match="not both"):
        KPClient(SETTINGS, http_client=own, transport=httpx.MockTransport(_answer))


def test_the_clients_own_pool_is_closed_with_it() -> None:
    kp = KPClient(SETTINGS, transport=httpx.MockTransport(_answer))
    kp.close()
    with pytest.raises(TransportError, match="the client is closed"):
        kp.get_person("KP-0012345")


# --- bulk runs: the caller's clients, their transport and their gate -----------------------

HITS = {
    "name=Goderis firstName=Thiemen postcode=9000": [customer()],  # as search asks
    "name=God postcode=9000": [customer()],  # as match asks first
}
One = Callable[[CustomerLookup, SearchCriteria], SearchResult]
Many = Callable[[CustomerLookup, Iterable[SearchCriteria]], Iterator[BulkItem[SearchResult]]]


@pytest.mark.parametrize(
    ("one", "many"),
    [
        (CustomerLookup.search, CustomerLookup.search_many),
        (CustomerLookup.match, CustomerLookup.match_many),
    ],
    ids=["search_many", "match_many"],
)
def test_a_sync_bulk_run_asks_the_callers_transport(one: One, many: Many) -> None:
    fake = FakeServices(HITS)
    transport = httpx.MockTransport(fake.handle)
    with (
        nowhere() as settings,  # what goes around the transport is refused
        Driver2Client(settings, transport=transport) as driver2,
        KPClient(settings, transport=transport) as kp,
    ):
        lookup = CustomerLookup(driver2, kp)
        alone = one(lookup, GODERIS)
        asked = len(fake.searches)
        items = list(many(lookup, [GODERIS] * 5))
    assert [item.error for item in items] == [None] * 5
    assert {item.result.candidates if item.result else () for item in items} == {alone.candidates}
    assert len(fake.searches) == 6 * asked  # each search of the run, as the one alone


def test_a_sync_bulk_run_and_the_lookups_own_searches_share_one_gate() -> None:
    fake, lock = FakeServices(HITS), threading.Lock()
    full = threading.Barrier(4, timeout=60)  # the first 4 searches are answered together
    at_transport = 0
    seen: list[tuple[int, int]] = []
    """For each Driver2 search: how many the transport then had, how many the gate counted."""

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal at_transport
        if not request.url.path.endswith("/customers"):
            return fake.handle(request)
        with lock:
            at_transport += 1
            seen.append((at_transport, driver2._gate_state.in_flight))
            first = len(seen) <= full.parties
        try:
            if first:
                full.wait()
            return fake.handle(request)
        finally:
            with lock:
                at_transport -= 1

    transport = httpx.MockTransport(handle)
    with nowhere() as anywhere:
        settings = attrs.evolve(anywhere, driver2_max_in_flight=4)
        with (
            Driver2Client(settings, transport=transport) as driver2,
            KPClient(settings, transport=transport) as kp,
            ThreadPoolExecutor(1) as backend,
        ):
            lookup = CustomerLookup(driver2, kp)
            alongside = backend.submit(lambda: [lookup.search(GODERIS) for _ in range(10)])
            items = list(lookup.search_many([GODERIS] * 20))
            assert len(alongside.result()) == 10
    assert all(item.ok for item in items)
    assert len(seen) == 30
    # Every search reached Driver2 through this client's gate, which let 4 go at most.
    assert all(1 <= sent <= counted <= 4 for sent, counted in seen)
    assert max(sent for sent, _ in seen) == 4
