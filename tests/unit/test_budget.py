"""A Driver2 budget shared beyond one client: named by a setting, checked before any request."""

from __future__ import annotations

import attrs
import pytest

from driver2_kp import ConfigurationError, Driver2Client, Settings
from driver2_kp._budget import Unbounded, _parse, budget_of
from tests._contract import ENVIRONMENT, SETTINGS

ENV = ENVIRONMENT


def test_no_budget_is_the_gate_alone() -> None:
    assert SETTINGS.driver2_budget is None
    assert isinstance(budget_of(None, 20), Unbounded)


@pytest.mark.parametrize(
    ("spec", "wrong"),
    [
        ("redis:driver2", "must be 'dask:<name>'"),
        ("dask:", "needs a name"),
        ("dask:driver2:0", "whole number >= 1"),
        ("dask:driver2:many", "whole number >= 1"),
    ],
)
def test_a_budget_this_library_cannot_share_is_refused_naming_the_setting(
    spec: str, wrong: str
) -> None:
    with pytest.raises(ConfigurationError, match="driver2_budget") as refused:
        attrs.evolve(SETTINGS, driver2_budget=spec)
    assert wrong in str(refused.value)


def test_the_budget_is_read_from_the_environment_and_named_when_wrong() -> None:
    assert Settings.from_env(ENV | {"DRIVER2_BUDGET": "dask:driver2"}).driver2_budget == (
        "dask:driver2"
    )
    with pytest.raises(ConfigurationError, match="DRIVER2_BUDGET"):
        Settings.from_env(ENV | {"DRIVER2_BUDGET": "driver2"})


def test_a_dask_budget_has_the_contracts_20_leases_unless_it_says() -> None:
    assert (_parse("dask:driver2", 20).name, _parse("dask:driver2", 20).leases) == ("driver2", 20)
    assert _parse("dask:driver2:5", 20).leases == 5


def test_a_dask_budget_outside_dask_is_refused_at_once_and_sends_nothing() -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    with pytest.raises(ConfigurationError, match="needs a Dask worker or client"):
        budget_of("dask:driver2", 20)


def test_a_client_with_a_dask_budget_outside_dask_says_what_it_needs() -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    shared = attrs.evolve(SETTINGS, driver2_budget="dask:driver2:5")
    with pytest.raises(ConfigurationError, match="inside a Dask task"):
        Driver2Client(shared)
