"""One attempt, sent by its caller and never waited for past the caller's deadline.

Blocking: each phase of the attempt (waiting for a connection, connecting,
writing, reading) gets the configured timeout or the time the caller has left
when the phase starts, whichever is shorter (`AttemptTimeouts`), and the
answer's body is read only until the deadline (`bounded`): httpcore takes the
body's read timeout once, as the body begins, and waits that long for each
piece of it, so only shutting the connection at the deadline ends a body that
trickles in. Async: the attempt is cancelled the moment the deadline passes.
Whether the request went out is told by which phases httpcore began: it asks
for the write timeout as it starts writing.

A request given up on after it went out is not forgotten: Driver2 may still be
working on it. Its place at the gate stays taken (a *ghost*) for as long as
Driver2 could still be working on it (`Latencies.ghost_span` in `_gate`), so
that callers who give up never let more than the bound reach Driver2.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Final

import attrs
import httpx

from ._deadline import Deadline, Expired

__all__ = ["ALARMS", "ANSWER", "GOING_OUT", "AlarmClock", "AttemptTimeouts", "bounded", "phase_of"]

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


@attrs.define(eq=False)
class _Ringing:
    """One alarm set on the `AlarmClock`: when it rings, and what it does then."""

    at: float
    ring: Callable[[], object] | None
    """``None`` once cancelled."""

    def __lt__(self, other: _Ringing) -> bool:
        return self.at < other.at


class AlarmClock:
    """One thread that rings every alarm a process sets, in time order (`time.monotonic`).

    A thread per alarm (`threading.Timer`) would do the same, but a process
    matching a DataFrame reads hundreds of answers a second, and each started
    thread costs. Worse, in a Dask worker on Python 3.11, starting a thread
    while the worker's profiler reads every thread's frames can deadlock the
    whole process (python/cpython#116969): one thread, started once, keeps
    clear of that. The thread starts with the first alarm, again in a forked
    child, and is a daemon: it never holds a process open.

    >>> clock, rung = AlarmClock(), threading.Event()
    >>> alarm = clock.set(0.0, rung.set)
    >>> rung.wait(5.0)
    True
    """

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        """Drop every alarm and the thread: in a forked child, neither is there."""
        self._changed = threading.Condition()
        self._alarms: list[_Ringing] = []
        self._cancelled = 0
        self._thread: threading.Thread | None = None

    def set(self, seconds: float, ring: Callable[[], object]) -> _Ringing:
        """Call ``ring`` (on the clock's thread) ``seconds`` from now, unless `cancel`'ed first."""
        alarm = _Ringing(time.monotonic() + seconds, ring)
        with self._changed:
            heapq.heappush(self._alarms, alarm)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="driver2-kp-deadline", daemon=True
                )
                self._thread.start()
            elif self._alarms[0] is alarm:
                self._changed.notify()  # sooner than the one the thread waits for
        return alarm

    def cancel(self, alarm: _Ringing) -> None:
        """Never ring ``alarm`` (nothing happens if it rang already)."""
        with self._changed:
            if alarm.ring is None:
                return
            alarm.ring = None
            self._cancelled += 1
            # Most alarms are cancelled long before they would ring: drop them in bulk.
            if self._cancelled > _CANCELLED_KEPT and self._cancelled * 2 > len(self._alarms):
                self._alarms = [kept for kept in self._alarms if kept.ring is not None]
                heapq.heapify(self._alarms)
                self._cancelled = 0

    def _next(self) -> Callable[[], object]:
        """Wait for the next alarm due (holding the condition's lock) and take it."""
        while True:
            while self._alarms and self._alarms[0].ring is None:
                heapq.heappop(self._alarms)
                self._cancelled -= 1
            if not self._alarms:
                self._changed.wait()
                continue
            due = self._alarms[0].at - time.monotonic()
            if due > 0:
                self._changed.wait(due)
                continue
            alarm = heapq.heappop(self._alarms)
            ring, alarm.ring = alarm.ring, None
            assert ring is not None
            return ring

    def _run(self) -> None:
        while True:
            with self._changed:
                ring = self._next()
            with contextlib.suppress(Exception):  # one alarm's failure never stops the others
                ring()


_CANCELLED_KEPT: Final = 256
"""Cancelled alarms the clock keeps before it sweeps them out."""
ALARMS: Final = AlarmClock()
"""The process's one alarm clock."""
os.register_at_fork(after_in_child=ALARMS.forget)


class _Alarm:
    """Shuts an answer's connection at the deadline, ending the read that waits on it.

    httpcore asks for the read timeout once as the body begins, then waits up
    to that long for every piece: pieces that each come just in time (1.9 s
    apart, a deadline of 2 s) would keep the caller nearly a read timeout past
    its deadline. A blocking read ends early only when its socket is shut.
    HTTP/1 only: an HTTP/2 connection carries other requests too. A transport
    with no socket (a test's) gets no alarm; its body is checked between pieces.
    """

    def __init__(self, response: httpx.Response, deadline: Deadline) -> None:
        self.rang = False
        """Whether the alarm shut the connection: what failed then is the deadline."""
        self._lock = threading.Lock()
        self._socket = _socket_of(response)
        self._set: _Ringing | None = None
        if self._socket is not None:
            self._set = ALARMS.set(max(deadline.left(), 0.0), self._ring)

    def _ring(self) -> None:
        with self._lock:
            if self._socket is None:  # stopped: the connection may be serving another request
                return
            self.rang = True
            with contextlib.suppress(OSError):  # closed already
                # The plain socket's shutdown, even under TLS: the reader owns the TLS state.
                socket.socket.shutdown(self._socket, socket.SHUT_RDWR)

    def stop(self) -> None:
        """The body is read, or given up on: leave the connection alone from now on."""
        with self._lock:
            self._socket = None
        if self._set is not None:
            ALARMS.cancel(self._set)


def _socket_of(response: httpx.Response) -> socket.socket | None:
    """The socket ``response`` is read from, when it is httpcore's and carries nothing else."""
    if response.http_version not in {"HTTP/1.0", "HTTP/1.1"}:
        return None
    stream = response.extensions.get("network_stream")
    info = getattr(stream, "get_extra_info", None)
    sock = info("socket") if callable(info) else None
    return sock if isinstance(sock, socket.socket) else None


class _Bounded(httpx.SyncByteStream):
    """An answer's body, read only until its caller's deadline."""

    def __init__(self, stream: httpx.SyncByteStream, deadline: Deadline, alarm: _Alarm) -> None:
        self._stream = stream
        self._deadline = deadline
        self._alarm = alarm

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._stream:
                if self._deadline.left() <= 0:  # a gateway trickling the answer: no more waiting
                    raise Expired(ANSWER, sent=True)
                yield chunk
        except httpx.TransportError:
            if self._alarm.rang:  # the connection was shut at the deadline, not by the service
                raise Expired(ANSWER, sent=True) from None
            raise
        finally:
            self._alarm.stop()

    def close(self) -> None:
        self._alarm.stop()  # before the connection may go back to the pool
        self._stream.close()


def bounded(response: httpx.Response, deadline: Deadline) -> httpx.Response:
    """Read the body of a streamed ``response`` until ``deadline``; `Expired` past it.

    Ends by the deadline even when each piece of the body comes within the
    read timeout: the connection is shut then (`_Alarm`).
    """
    try:
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        response.stream = _Bounded(stream, deadline, _Alarm(response, deadline))
        response.read()
    finally:
        response.close()
    return response
