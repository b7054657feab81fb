"""A monotonic clock for tests: it moves only when told."""

from __future__ import annotations


class FakeClock:
    """A monotonic clock that moves only when told: ``clock.now += 5`` or ``clock.advance(5)``."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` on."""
        self.now += seconds
