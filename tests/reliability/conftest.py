"""The reliability scenarios: many lookups, faults, outages and slowness, against the sandbox.

Each scenario runs sync (threads sharing one `CustomerLookup`) and async (tasks
sharing one `AsyncCustomerLookup`), with the default retry policy: its waits
are real, as a user's are. Timings are asserted as bounds; nothing sleeps to
wait for a server.
"""

from __future__ import annotations

import pytest

from driver2_kp import Settings
from driver2_kp.sandbox import Sandbox

from ._harness import KINDS, Kind


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> Kind:
    """Run the scenario with threads, then with tasks."""
    value: Kind = request.param
    return value


@pytest.fixture
def sandbox(driver2_kp_sandbox: Sandbox) -> Sandbox:
    """The session's sandbox, reset: no latency, no faults, until the scenario sets them."""
    return driver2_kp_sandbox


@pytest.fixture
def settings(sandbox: Sandbox) -> Settings:
    """The sandbox's settings, with the default retry policy (real waits)."""
    return sandbox.settings
