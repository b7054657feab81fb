"""Callers may bring their own httpx client or transport; theirs stays open."""

from __future__ import annotations

import httpx
import pytest

from driver2_kp import AsyncKPClient, KPClient, Settings, TransportError

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
