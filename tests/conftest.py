"""Test-suite wide configuration: pytester, asyncio for async tests, the sandbox's environment."""

from __future__ import annotations

import pytest

from driver2_kp import Settings
from driver2_kp._settings import environment_of
from driver2_kp.sandbox import Sandbox

pytest_plugins = ["pytester"]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio, the loop the async clients are for."""
    return "asyncio"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No driver2-kp variable of the shell running the tests leaks into them."""
    for name in (
        *Settings.ENV_VARS,
        *Settings.TIMEOUT_VARS,
        *Settings.LIMIT_VARS,
        *Settings.TEXT_VARS,
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def sandbox_env(driver2_kp_sandbox: Sandbox, clean_env: pytest.MonkeyPatch) -> Settings:
    """The environment ``Settings.from_env()`` reads, naming the reset session sandbox."""
    settings = driver2_kp_sandbox.settings
    for name, value in environment_of(settings).items():
        clean_env.setenv(name, value)
    return settings
