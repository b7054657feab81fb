"""What a user without an extra, or with a client made by the library, sees."""

from __future__ import annotations

import importlib
import sys

import attrs
import pytest

from driver2_kp import AsyncKPClient, Driver2Client
from driver2_kp._client import USER_AGENT
from tests._contract import SETTINGS


@pytest.mark.parametrize("missing", ["starlette", "uvicorn", "faker"])
def test_importing_the_sandbox_without_its_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)
    for name in [n for n in sys.modules if n.startswith("driver2_kp.sandbox")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ModuleNotFoundError) as caught:
        importlib.import_module("driver2_kp.sandbox")
    assert "pip install 'driver2-kp[sandbox]'" in str(caught.value)
    assert caught.value.name == missing


def test_the_user_agent_names_the_library_httpx_and_python() -> None:
    library, client, python = USER_AGENT.split(" ")
    assert library.startswith("driver2-kp/")
    assert client.startswith("httpx/")
    assert python.startswith("python/3.")


def test_the_connection_pool_follows_the_bound_in_flight() -> None:
    settings = attrs.evolve(SETTINGS, driver2_max_in_flight=7, kp_max_in_flight=3)
    with Driver2Client(settings) as driver2:
        assert driver2._limits.max_connections == driver2._limits.max_keepalive_connections == 7
        assert driver2.in_flight_limit == 7  # where the contract says (20), within the bound
    kp = AsyncKPClient(settings)
    assert kp._limits.max_connections == 3
    assert kp.in_flight_limit == 1  # no figure in KP's contract: half the bound
    with Driver2Client(SETTINGS) as driver2:
        assert driver2.in_flight_limit == 20
