"""The gate in front of a service: how many requests may be in flight, learned from its answers.

Driver2 is a dealer's system; a client must never flood it. Every request of a
client, the token request included, passes its one gate. The gate lets at most
``max_in_flight`` through, and within that bound adapts as TCP and Netflix's
*concurrency-limits* do, from where the service's contract says it serves
(Driver2: 20 at once) or half the bound: additive increase while it answers,
multiplicative decrease on 5xx and timeouts (once per round: requests sent
before a cut do not cut again). A 429 with the limit in use is a *ceiling*
rather than congestion: the limit stays just below it, and looks above it once
in a while. After several failures in a row the service is taken as down: the
gate then lets one request through at a time, a *probe*,
spaced by a growing wait, as a circuit breaker's half-open state does, but
callers wait their turn instead of failing. The first answer brings the limit
back up, doubling each round (slow start) to half of where it was, then growing
by one a round.

Callers beyond the limit queue in arrival order, each within its own deadline.
A request its caller gave up on after it went out leaves a *ghost*: Driver2 may
still be working on it, so its place stays taken for as long as the request
could have lasted. `GateState` decides; `SyncGate` and `AsyncGate` only wait and
wake.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Final

import attrs
import backoff
import httpx

from ._deadline import Deadline, Expired

__all__ = ["AsyncGate", "GateState", "Slot", "SyncGate", "Ticket", "Verdict", "verdict_of"]

FAILURES_BEFORE_PROBING: Final = 3
"""Failures in a row (no answer in between) after which only probes are sent."""
DECREASE: Final = 0.5
"""The factor a failure or a 429 cuts the limit by."""
PROBE_CEILING_EVERY: Final = 150
"""Answers at the known ceiling before one request is let above it, to see if it moved."""
FIRST_PROBE_WAIT: Final = 0.25
LONGEST_PROBE_WAIT: Final = 4.0
_WAITING: Final = "for a free slot at the gate"


class Verdict(enum.Enum):
    """What one request's outcome says about the service's health."""

    ANSWERED = "answered"
    """It answered (a 4xx included): it is up."""
    OVERLOADED = "overloaded"
    """429: it is up, but asked too much."""
    FAILED = "failed"
    """5xx, a timeout, a broken connection: it is failing."""
    UNKNOWN = "unknown"
    """Nothing learned: cancelled, or failed before reaching the service."""


# Raised before anything reached the service: they say nothing of it.
_OURS: Final = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL)


def verdict_of(outcome: httpx.Response | BaseException) -> Verdict:
    """What a request's ``outcome`` says of the service."""
    if isinstance(outcome, httpx.Response):
        if outcome.status_code == 429:
            return Verdict.OVERLOADED
        return Verdict.FAILED if outcome.status_code >= 500 else Verdict.ANSWERED
    if isinstance(outcome, httpx.TransportError) and not isinstance(outcome, _OURS):
        return Verdict.FAILED
    return Verdict.UNKNOWN


@attrs.frozen
class Ticket:
    """One request let through: when, and how many were in flight with it."""

    started: float
    in_flight: int
    """Requests in flight once it started, itself included."""
    probe: bool


def _probe_waits() -> Iterator[float]:
    waits = backoff.expo(factor=FIRST_PROBE_WAIT, max_value=LONGEST_PROBE_WAIT)
    next(waits)  # backoff's generators are primed before their first value
    return waits


@attrs.define
class GateState:
    """The gate's decisions, on plain values: no I/O, no locks (the shells hold those).

    ``spaced`` is whether probes wait between them (``RetryPolicy.wait``: test
    suites turn it off).

    >>> gate = GateState(max_in_flight=4, clock=lambda: 0.0)
    >>> gate.join(caller := object())
    >>> gate.limit, gate.turn(caller)  # starts at half the bound; this caller may go now
    (2.0, 0.0)
    >>> GateState(max_in_flight=32, start_at=20).limit  # or where the service's contract says
    20.0
    """

    max_in_flight: int
    start_at: int | None = None
    """The limit to start at (the service's documented capacity); half the bound if unknown."""
    spaced: bool = True
    clock: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)
    limit: float = attrs.field(init=False)
    """Requests allowed in flight now, between 1 and ``max_in_flight``."""
    threshold: float = attrs.field(init=False)
    """Below it, the limit doubles each round (slow start); above, it grows by one."""
    in_flight: int = 0
    failures: int = 0
    """Failures in a row."""
    probing: bool = False
    """Whether the service is taken as down: one probe at a time."""
    probe_at: float = 0.0
    last_cut: float = -math.inf
    ceiling: float | None = None
    """The most the service took before it answered 429, once known; above it, rarely."""
    at_ceiling: int = 0
    """Answers since the limit reached the ceiling, towards the next look above it."""
    _probe_waits: Iterator[float] = attrs.field(factory=_probe_waits, repr=False)
    _ghosts: list[float] = attrs.field(factory=list, repr=False)
    """When each request given up on after it went out stops counting (a heap)."""
    _queue: deque[object] = attrs.field(factory=deque, repr=False)

    def __attrs_post_init__(self) -> None:
        # Start below the bound and grow from there: a cold start never sends
        # the whole bound at a service that may take less.
        start = self.max_in_flight // 2 if self.start_at is None else self.start_at
        self.limit = self.threshold = float(min(max(1, start), self.max_in_flight))
        if self.start_at is not None:  # what the contract says the service takes
            self.ceiling = self.limit

    # --- the queue: first come, first served --------------------------------------

    def join(self, waiter: object) -> None:
        """Queue ``waiter`` behind those already waiting."""
        self._queue.append(waiter)

    def leave(self, waiter: object) -> None:
        """Take ``waiter`` out of the queue: it starts, or gave up."""
        self._queue.remove(waiter)

    def turn(self, waiter: object) -> float:
        """Seconds until ``waiter`` may start: 0 now, ``inf`` when a request must end first."""
        if self._queue[0] is not waiter:
            return math.inf
        now = self.clock()
        self._bury(now)
        # A ghost frees its place by itself: wake up then, if nothing comes first.
        freed_at = self._ghosts[0] - now if self._ghosts else math.inf
        if self.probing:
            if self.in_flight:
                return freed_at
            return max(self.probe_at - now, 0.0) if self.spaced else 0.0
        return 0.0 if self.in_flight < int(self.limit) else freed_at

    def _bury(self, now: float) -> None:
        while self._ghosts and self._ghosts[0] <= now:
            heapq.heappop(self._ghosts)
            self.in_flight -= 1

    def pause(self, waiter: object, deadline: Deadline) -> float:
        """How long ``waiter`` waits before asking again, 0 once it may start.

        Never past its deadline: `Expired` once that has passed, even if its turn
        has come (a request sent then could not be waited for).
        """
        left = deadline.left()
        if left <= 0:
            raise Expired(_WAITING)
        wait = self.turn(waiter)
        return 0.0 if wait <= 0 else min(wait, left)

    # --- requests -----------------------------------------------------------------

    def start(self) -> Ticket:
        """Let one request through."""
        self.in_flight += 1
        return Ticket(self.clock(), self.in_flight, self.probing)

    def finish(self, ticket: Ticket, verdict: Verdict, *, ghost_until: float | None = None) -> None:
        """Learn from a request's outcome.

        ``ghost_until``: the caller gave up on a request that had gone out.
        Driver2 may still be working on it, so it keeps its place until then.
        """
        busy = max(ticket.in_flight, self.in_flight)  # the most in flight while it was
        if ghost_until is not None and ghost_until > self.clock():
            heapq.heappush(self._ghosts, ghost_until)
        else:
            self.in_flight -= 1
        if verdict is Verdict.ANSWERED:
            self._answered(busy)
        elif verdict is not Verdict.UNKNOWN:
            self._refused(ticket, verdict)
        elif ticket.probe:
            self.probe_at = self.clock()  # nothing learned: the next probe may go at once

    def _answered(self, busy: int) -> None:
        self.failures = 0
        if self.probing:
            self.probing = False
            self._probe_waits = _probe_waits()
        # Grow only when the limit was used: an idle gate learns nothing.
        if busy * 2 < self.limit:
            return
        step = 1.0 if self.limit < self.threshold else 1.0 / self.limit
        grown = min(self.limit + step, float(self.max_in_flight))
        if self.ceiling is not None and grown > self.ceiling:
            # At the ceiling, look above it once in a while: the service may take more now.
            self.at_ceiling += 1
            if self.at_ceiling >= PROBE_CEILING_EVERY:
                self.at_ceiling = 0
                self.ceiling += 1
            grown = min(grown, self.ceiling)
        self.limit = grown

    def _refused(self, ticket: Ticket, verdict: Verdict) -> None:
        now = self.clock()
        if verdict is Verdict.OVERLOADED and ticket.in_flight >= int(self.limit):
            # A 429 with the limit in use: the service takes fewer than were in flight.
            # Stay just below that, not at half: it is a ceiling, not a congestion.
            self.ceiling = max(ticket.in_flight - 1.0, 1.0)
            self.limit = self.threshold = min(self.limit, self.ceiling)
            self.at_ceiling = 0
            self.last_cut = now
        elif ticket.started >= self.last_cut:  # sent knowing the last cut: cut again
            self.threshold = max(self.limit * DECREASE, 1.0)
            self.limit = self.threshold
            self.last_cut = now
        if verdict is Verdict.FAILED:
            self.failures += 1
        if ticket.probe or (not self.probing and self.failures >= FAILURES_BEFORE_PROBING):
            self.probing = True
            self.limit = 1.0
            self.ceiling = None  # it was failing: what it took before says little now
            self.probe_at = now + next(self._probe_waits)


@attrs.define
class Slot:
    """A request's place in flight; set ``verdict`` once its outcome is known, then release it."""

    ticket: Ticket
    verdict: Verdict = Verdict.UNKNOWN
    ghost_until: float | None = None
    """Set when the caller gave up on a request that had gone out: when it stops counting."""


class SyncGate:
    """The gate for threads: waits on a condition, within each caller's deadline."""

    def __init__(self, state: GateState) -> None:
        self.state = state
        self._changed = threading.Condition()

    def acquire(self, deadline: Deadline) -> Slot:
        """Wait for this caller's turn, then take a place in flight; `Expired` if none came."""
        me = object()
        with self._changed:
            self.state.join(me)
            try:
                while (pause := self.state.pause(me, deadline)) > 0:
                    self._changed.wait(pause)
            finally:
                self.state.leave(me)
                self._changed.notify_all()
            return Slot(self.state.start())

    def release(self, slot: Slot) -> None:
        """Give the place back (or leave it to a ghost), learning from the request's verdict."""
        with self._changed:
            self.state.finish(slot.ticket, slot.verdict, ghost_until=slot.ghost_until)
            self._changed.notify_all()


class AsyncGate:
    """The gate for asyncio tasks: the state changes without awaiting, so no lock is needed."""

    def __init__(self, state: GateState) -> None:
        self.state = state
        self._wakers: set[asyncio.Future[None]] = set()

    def _wake(self) -> None:
        for waker in self._wakers:
            if not waker.done():
                waker.set_result(None)
        self._wakers.clear()

    async def acquire(self, deadline: Deadline) -> Slot:
        """Wait for this task's turn, then take a place in flight; `Expired` if none came."""
        me = object()
        self.state.join(me)
        try:
            while (pause := self.state.pause(me, deadline)) > 0:
                waker = asyncio.get_running_loop().create_future()
                self._wakers.add(waker)
                try:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(pause):
                            await waker
                finally:
                    self._wakers.discard(waker)
        finally:
            self.state.leave(me)
            self._wake()
        return Slot(self.state.start())

    def release(self, slot: Slot) -> None:
        """Give the place back (or leave it to a ghost), learning from the verdict; never awaits."""
        self.state.finish(slot.ticket, slot.verdict, ghost_until=slot.ghost_until)
        self._wake()
