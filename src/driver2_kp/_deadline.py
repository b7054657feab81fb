"""The deadline: one point in monotonic time that a whole call or lookup must end by.

Everything a call does fits in its deadline: waiting for a free slot at the
service's gate, the token request or waiting for another's, every attempt (its
pool, connect, write and read phases), and every wait before a retry. A lookup
hands its one deadline to each call it makes, so KP after Driver2 fits too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Final

import attrs
import httpx

from ._retry import Timeouts

__all__ = ["PHASE_OF", "AttemptTimeouts", "Deadline", "Expired"]

Clock = Callable[[], float]

PHASE_OF: Final[Mapping[type[BaseException], str]] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}
"""The `Timeouts` field behind each of httpx's timeout exceptions."""
_PHASES: Final = tuple(PHASE_OF.values())
_SHORTEST: Final = 0.001  # httpx reads 0 as "no wait at all"; keep a sliver


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


class AttemptTimeouts(Mapping[str, float]):
    """One attempt's httpx timeouts, each cut to the time left when its phase starts.

    httpcore reads ``connect``, ``write``, ``read`` and ``pool`` from the request's
    ``timeout`` extension as each phase begins; this mapping answers with the
    configured timeout or the time left before the deadline, whichever is
    shorter, so the phases one after another still end by the deadline. It
    remembers which phases the deadline cut, so that a timeout of such a phase
    is reported as the deadline, not as a slow read.
    """

    def __init__(self, timeouts: Timeouts, deadline: Deadline) -> None:
        self._timeouts = timeouts
        self._deadline = deadline
        self.cut: set[str] = set()
        """The phases whose timeout the deadline shortened."""

    def __getitem__(self, phase: str) -> float:
        if phase not in _PHASES:
            raise KeyError(phase)
        configured: float = getattr(self._timeouts, phase)
        left = self._deadline.left()
        if left < configured:
            self.cut.add(phase)
            return max(left, _SHORTEST)
        return configured

    def __iter__(self) -> Iterator[str]:
        return iter(_PHASES)

    def __len__(self) -> int:
        return len(_PHASES)

    def __repr__(self) -> str:
        return f"AttemptTimeouts({self._timeouts!r}, left={self._deadline.left():.3f})"
