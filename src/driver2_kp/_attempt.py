"""One attempt, sent by its caller and never waited for past the caller's deadline.

Blocking: each phase of the attempt (waiting for a connection, connecting,
writing, reading) gets the configured timeout or the time the caller has left
when the phase starts, whichever is shorter (`AttemptTimeouts`), and the
answer's body is read only while time is left (`bounded`). Async: the attempt
is cancelled the moment the deadline passes. Whether the request went out is
told by which phases httpcore began: it asks for the write timeout as it
starts writing.

A request given up on after it went out is not forgotten: Driver2 may still be
working on it. Its place at the gate stays taken (a *ghost*) until the request
could have lasted no longer (`Timeouts.longest_attempt` after it began), so
that callers who give up never let more than the bound reach Driver2.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

import httpx

from ._deadline import Deadline, Expired

__all__ = ["ANSWER", "GOING_OUT", "AttemptTimeouts", "bounded", "phase_of"]

GOING_OUT: Final = "for the request to go out"
"""What a caller whose deadline passed before its request went out was waiting for."""
ANSWER: Final = "for the answer"
_PHASES: Final = ("connect", "read", "write", "pool")
_PHASE_OF: Final[Mapping[type[BaseException], str]] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}
_SHORTEST: Final = 0.001  # httpx reads 0 as "no wait at all"; keep a sliver


def phase_of(error: BaseException) -> str | None:
    """The phase an httpx timeout happened in (``read``, ...), or ``None``."""
    return _PHASE_OF.get(type(error))


class AttemptTimeouts(Mapping[str, float]):
    """One attempt's httpx timeouts (as the call flow chose them), each cut to the time left.

    httpcore reads ``pool``, ``connect``, ``write`` and ``read`` from the
    request's ``timeout`` extension as each phase begins. This mapping answers
    with the configured timeout or the time left before the deadline, whichever
    is shorter, and remembers which phases the deadline cut: a timeout of such
    a phase is the deadline, not a slow service.
    """

    def __init__(self, timeouts: httpx.Timeout, deadline: Deadline) -> None:
        self._timeouts = timeouts
        self._deadline = deadline
        self.cut: set[str] = set()
        """The phases whose timeout the deadline shortened."""
        self.begun: set[str] = set()
        """The phases httpcore began (it reads a phase's timeout as the phase starts)."""

    @property
    def sent(self) -> bool:
        """Whether the request began to go out: httpcore asked how long it may write."""
        return "write" in self.begun

    def __getitem__(self, phase: str) -> float:
        if phase not in _PHASES:
            raise KeyError(phase)
        self.begun.add(phase)
        configured: float | None = getattr(self._timeouts, phase)
        left = self._deadline.left()
        if configured is None or left < configured:
            self.cut.add(phase)
            return max(left, _SHORTEST)
        return configured

    def __iter__(self) -> Iterator[str]:
        return iter(_PHASES)

    def __len__(self) -> int:
        return len(_PHASES)

    def __repr__(self) -> str:
        return f"AttemptTimeouts({self._timeouts!r}, left={self._deadline.left():.3f})"


class _Bounded(httpx.SyncByteStream):
    """An answer's body, read only while its caller's deadline has not passed."""

    def __init__(self, stream: httpx.SyncByteStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if self._deadline.left() <= 0:  # a gateway trickling the answer: no more waiting
                raise Expired(ANSWER, sent=True)
            yield chunk

    def close(self) -> None:
        self._stream.close()


def bounded(response: httpx.Response, deadline: Deadline) -> httpx.Response:
    """Read the body of a streamed ``response`` until ``deadline``; `Expired` past it."""
    try:
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        response.stream = _Bounded(stream, deadline)
        response.read()
    finally:
        response.close()
    return response
