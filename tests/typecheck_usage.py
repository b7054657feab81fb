"""Type-checked only (mypy --strict), never run: the public API as a user writes it.

If a public signature loses or changes its types, mypy fails here.
"""

from __future__ import annotations

from typing import assert_type

from driver2_kp import ConfigurationError, Driver2KPError, Secret, Settings
from driver2_kp.sandbox import FIXED, FaultScript, LoggedRequest, Sandbox, SandboxConfig


def settings_from_the_environment() -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigurationError as err:
        assert_type(err, ConfigurationError)
        raise
    assert_type(settings.kp_api_key, Secret)
    assert_type(settings.kp_api_key.reveal(), str)
    assert_type(settings.driver2_base_url, str)
    return settings


def a_test_against_the_sandbox(driver2_kp_sandbox: Sandbox) -> None:
    settings = driver2_kp_sandbox.settings
    assert_type(settings, Settings)
    driver2_kp_sandbox.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", fault="commit-then-drop")
    )
    config = driver2_kp_sandbox.configure(driver2_latency=0.5, max_concurrency=5)
    assert_type(config, SandboxConfig)
    logged = driver2_kp_sandbox.requests("kp")
    assert_type(logged, list[LoggedRequest])
    assert_type(logged[0].status, int | None)
    assert_type(FIXED.goderis_customer_number, str)


def a_notebook() -> None:
    with Sandbox(seed=7, driver2_latency=0.0) as sb:
        assert_type(sb.driver2_url, str)
        assert_type(sb.kp_url, str)
    try:
        Settings.from_env({})
    except Driver2KPError as err:
        assert_type(str(err), str)
