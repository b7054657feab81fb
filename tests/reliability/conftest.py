"""The reliability scenarios: many lookups, faults, outages and slowness, against the sandbox.

Each scenario runs sync (threads sharing one `CustomerLookup`) and async (tasks
sharing one `AsyncCustomerLookup`), with the default retry policy: its waits
are real, as a user's are. Timings are asserted as bounds; nothing sleeps to
wait for a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

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


HERE: Final = Path(__file__).parent
BUDGET: Final = 180.0
"""Seconds of CI time the whole reliability suite may take (issue 8)."""
_spent: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up the time of each reliability test: its set-up, call and tear-down."""
    if Path(report.fspath).resolve().is_relative_to(HERE):
        _spent[report.nodeid] = _spent.get(report.nodeid, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the suite took next to its budget, so that every CI run shows it."""
    if _spent:
        took = sum(_spent.values())
        terminalreporter.write_line(
            f"tests/reliability: {len(_spent)} tests in {took:.0f} s "
            f"(budget {BUDGET:.0f} s of CI time: {'within' if took <= BUDGET else 'OVER'})"
        )
