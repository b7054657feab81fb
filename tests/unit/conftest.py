"""Fixtures of the unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import pytest


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Freeze the wall clock that `parse_retry_after` reads HTTP dates against."""
    now = datetime(2024, 2, 1, 13, 45, 10, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls.fromtimestamp(now.timestamp(), tz)

    monkeypatch.setattr("driver2_kp._retry.datetime", Frozen)
    return now
