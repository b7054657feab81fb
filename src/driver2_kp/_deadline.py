"""The deadline: one point in monotonic time that a whole call or lookup must end by.

Everything a call does fits in its deadline: waiting for a free slot at the
service's gate, the token request or waiting for another's, waiting for each
attempt's answer, and every wait before a retry. A lookup hands its one
deadline to each call it makes, so KP after Driver2 fits too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import attrs

from ._errors import ConfigurationError

__all__ = ["Deadline", "Expired", "check_seconds"]

Clock = Callable[[], float]


@attrs.frozen
class Deadline:
    """A moment, on a monotonic clock, by which a call or a lookup must end.

    ``seconds`` is the time it was given, for messages; ``at`` is when it ends.

    >>> clock = iter([100.0, 101.5]).__next__
    >>> deadline = Deadline.after(2.0, clock=clock)
    >>> deadline.left()
    0.5
    """

    seconds: float
    """The time the call or lookup was given, in seconds."""
    at: float
    """When it ends, on ``clock``."""
    clock: Clock = attrs.field(default=time.monotonic, eq=False, repr=False)

    @classmethod
    def after(cls, seconds: float, *, clock: Clock = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(seconds, clock() + seconds, clock)

    def left(self) -> float:
        """Seconds left before the deadline; zero or less once it has passed."""
        return self.at - self.clock()

    def sooner(self, other: Deadline | None) -> Deadline:
        """Whichever of the two ends first (this one if ``other`` is ``None``)."""
        return self if other is None or self.at <= other.at else other


def check_seconds(name: str, value: float) -> float:
    """``value`` as seconds, or `ConfigurationError` naming ``name`` unless it is finite and > 0.

    >>> check_seconds("deadline", 2)
    2.0
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ConfigurationError(f"{name} must be a finite number of seconds > 0, not {value!r}")
    return float(value)


class Expired(Exception):  # noqa: N818 - an event the call flow turns into its error
    """The deadline ran out while a shell waited (for a slot, a token, an answer).

    Never escapes: the call flow, which knows the step and the attempts, raises
    `DeadlineExceededError` for it. ``waiting`` says for what, e.g. ``for a free
    slot``; ``sent`` whether the request had gone out.
    """

    def __init__(self, waiting: str, *, sent: bool = False) -> None:
        super().__init__(waiting)
        self.waiting = waiting
        self.sent = sent
