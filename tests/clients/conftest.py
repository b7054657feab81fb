"""The client tests: the same tests in three modes.

- **replay** (the default), ``python -m pytest tests/clients``: every test plays
  its cassette from ``cassettes/`` (pytest-recording, record mode ``none``), the
  network is blocked, no sandbox is started. Tests marked ``live_only`` are
  skipped, saying why.
- **live**, ``python -m pytest tests/clients --disable-recording``: the same
  tests against the sandbox (the ``driver2_kp_sandbox`` fixture, reset before
  each test), live-only ones included.
- **record**, ``python -m pytest tests/clients --record-mode=rewrite``: every
  cassette is deleted and recorded again from a fresh sandbox.

Requests are recorded against ``http://sandbox.test`` whatever the sandbox's
port; credentials, tokens and the token endpoint's ``access_token`` are scrubbed
(``test_scrubbing.py`` fails if one is left in a cassette).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import attrs
import pytest

from driver2_kp import RetryPolicy
from driver2_kp.sandbox import Sandbox

from ._scene import REPLAY_SETTINGS, Mode, Scene, to_fixed_origin

HERE: Final = Path(__file__).parent
REDACTED: Final = "REDACTED"
NO_WAITING: Final = RetryPolicy(attempts=5, wait=False)
"""The tests' retry policy: the default decisions, without sleeping, at most 5 attempts."""


def mode_of(config: pytest.Config) -> Mode:
    """Which of the three modes this run is in, from pytest-recording's options."""
    if config.getoption("--disable-recording"):
        return "live"
    if (config.getoption("--record-mode") or "none") == "none":
        return "replay"
    return "record"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "live_only(reason): needs the sandbox itself (its request log, a timing or a dropped "
        "connection, which a cassette cannot hold); skipped when replaying cassettes",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every client test replays its cassette, except the live-only ones, skipped in replay."""
    mode = mode_of(config)
    for item in items:
        if HERE not in item.path.parents:
            continue
        live_only = item.get_closest_marker("live_only")
        if live_only is None:
            item.add_marker(pytest.mark.vcr)
        elif mode == "replay":
            why = live_only.args[0] if live_only.args else "needs the sandbox"
            item.add_marker(
                pytest.mark.skip(reason=f"live only, {why}: run with --disable-recording")
            )


def _scrub_token(tokens: Iterator[int]) -> Any:
    def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
        """Replace the token endpoint's ``access_token`` by ``redacted-token-N``."""
        body = response["body"]["string"]
        try:
            answer = json.loads(body)
        except (ValueError, TypeError):
            return response
        if not isinstance(answer, dict) or "access_token" not in answer:
            return response
        # Distinct per fetch, so that a refreshed token differs from the refused one.
        answer["access_token"] = f"redacted-token-{next(tokens)}"
        scrubbed = json.dumps(answer).encode()
        response["body"]["string"] = scrubbed
        for name in response["headers"]:
            if name.lower() == "content-length":
                response["headers"][name] = [str(len(scrubbed))]
        return response

    return before_record_response


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    """How cassettes are recorded and matched (pytest-recording)."""
    return {
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "filter_headers": [("Authorization", f"Bearer {REDACTED}"), ("X-API-Key", REDACTED)],
        "filter_post_data_parameters": [("client_secret", REDACTED)],
        "before_record_request": to_fixed_origin,
        "before_record_response": _scrub_token(itertools.count(1)),
    }


@pytest.fixture
def scene(request: pytest.FixtureRequest) -> Scene:
    """The test's settings, clients and sandbox controls (no sandbox when replaying)."""
    mode = mode_of(request.config)
    if mode == "replay":
        return Scene(mode, attrs.evolve(REPLAY_SETTINGS, retry=NO_WAITING))
    sandbox: Sandbox = request.getfixturevalue("driver2_kp_sandbox")
    return Scene(mode, attrs.evolve(sandbox.settings, retry=NO_WAITING), sandbox)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the clients ask for in this test's thread, recorded instead of slept.

    For tests of ``Retry-After``, which need `RetryPolicy` ``wait=True``. Other
    threads (the sandbox's server) sleep as usual.
    """
    asked: list[float] = []
    test_thread = threading.get_ident()
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    def sleep(seconds: float) -> None:
        if threading.get_ident() != test_thread:
            real_sleep(seconds)
            return
        asked.append(seconds)

    async def async_sleep(seconds: float, result: Any = None) -> Any:
        if threading.get_ident() != test_thread:
            return await real_async_sleep(seconds, result)
        asked.append(seconds)
        return await real_async_sleep(0, result)

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    return asked
