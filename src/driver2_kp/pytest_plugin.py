"""Pytest plugin: the ``driver2_kp_sandbox`` fixture for your own test suites.

Registered through the ``pytest11`` entry point when driver2-kp is installed, so
it loads in every pytest run of an environment that has driver2-kp. It lives
outside `driver2_kp.sandbox` and imports the sandbox only when a test asks for a
fixture: without the ``sandbox`` extra, a test suite that does not use them runs
as before, and a test that does fails with the line that installs the extra.

One sandbox serves the whole session, with no latency; before each test it is
reset (data, tokens, log, faults) and its runtime configuration restored::

    def test_finds_goderis(driver2_kp_sandbox):
        settings = driver2_kp_sandbox.settings
        ...

Override ``driver2_kp_sandbox_config`` to change the configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from driver2_kp.sandbox import Sandbox, SandboxConfig

__all__ = ["driver2_kp_sandbox", "driver2_kp_sandbox_config", "driver2_kp_sandbox_server"]


@pytest.fixture(scope="session")
def driver2_kp_sandbox_config() -> SandboxConfig:
    """The session sandbox's configuration: seed 42, no latency, no faults."""
    from driver2_kp.sandbox import SandboxConfig

    return SandboxConfig(driver2_latency=0.0, kp_latency=0.0, jitter=0.0)


@pytest.fixture(scope="session")
def driver2_kp_sandbox_server(driver2_kp_sandbox_config: SandboxConfig) -> Iterator[Sandbox]:
    """The session's running sandbox, as it is (not reset)."""
    from driver2_kp.sandbox import Sandbox

    with Sandbox(driver2_kp_sandbox_config) as sandbox:
        yield sandbox


@pytest.fixture
def driver2_kp_sandbox(
    driver2_kp_sandbox_server: Sandbox, driver2_kp_sandbox_config: SandboxConfig
) -> Sandbox:
    """The session's sandbox, reset to its seeded data and configuration for this test."""
    sandbox = driver2_kp_sandbox_server
    sandbox.reset()
    config = driver2_kp_sandbox_config
    sandbox.configure(**{name: getattr(config, name) for name in config.RUNTIME_FIELDS})
    return sandbox
