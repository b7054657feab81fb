"""The gate in front of a service: how many requests may be in flight, learned from its answers.

Driver2 is a dealer's system; a client must never flood it. Every request of a
client, the token request included, passes its one gate. The gate lets at most
``max_in_flight`` through, and within that bound adapts as TCP and Netflix's
*concurrency-limits* do, from where the service's contract says it serves
(Driver2: 20 at once) or half the bound. It reads overload only from the
signals that mean it:

- **a 429**: the service takes fewer than were in flight. That is a *ceiling*,
  not congestion: the limit stays just below it, one less for each request of
  the same overshoot that was refused too (so that several processes sharing
  one client id each learn their share). Once in a while the limit looks above
  the ceiling: a round after the service took less than before, then twice as
  long after each look refused, up to 12 rounds (of the service's whole
  capacity, not of a share: so rare looks cost the same few 429s, however many
  processes share the client id). A look that holds is followed a round later
  by one twice as far (so a squeeze that ends is over within about 20 rounds);
- **latency grown over its usual level** (the median of the latest answers
  over twice their long-run average, the gradient Vegas and Gradient2 read):
  the limit is halved, once a round, and the new level is half accepted;
- **a rate of failures that stands out**: 8 of the latest 20 outcomes failed
  (5xx, timeouts, dropped connections). Then the limit is halved, once a round.

The first round after the gate learns the service's latency is *paced*: its
requests go out spread over half that latency, so that processes sharing the
service's budget learn so from a few 429s rather than a whole round's; a 429
in that round is a share, not a squeeze, and is not climbed back from. A
process refused in that round to a share under an eighth of the service's
capacity (`SMALL_SHARE`) arrived late: others held the places. While its share
stays that small, it looks above every `LATE_LOOK_EVERY` latencies and climbs
on while its looks hold, to take the places the others leave when done.

An isolated 5xx or dropped connection is noise: it is retried by its caller and
cuts nothing. While the limit is in use and none of those signals shows, it
grows: doubling each round up to its *threshold* (slow start), then by one a
round.

When failures come at a rate that stands out, 3 of them in a row (no answer in
between), the service is taken as down: the gate then lets
one request through at a time, a *probe*, spaced by a growing wait, as a
circuit breaker's half-open state does. The first answer ends it. While it
lasts the gate knows since when the service has not answered (`silence`):
callers with an outage patience are told `Unanswered` once it has run out.

Callers beyond the limit queue in arrival order, each within its own deadline;
a retry goes ahead of first attempts (behind earlier retries): its call has
queued once already, and a bulk run may have queued dozens since.
A request its caller gave up on after it went out leaves a *ghost*: Driver2 may
still be working on it, so its place stays taken for as long as Driver2 could
still be working on it, judged from the latencies it showed (`ghost_span`). A
caller whose deadline ends before the ghosts in its way are gone is told so at
once. `GateState` decides; `SyncGate` and `AsyncGate` only wait and wake.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Final

import attrs
import backoff
import httpx

from ._deadline import Deadline, Expired

__all__ = [
    "AsyncGate",
    "GateState",
    "Patience",
    "Slot",
    "SyncGate",
    "Ticket",
    "Unanswered",
    "Verdict",
    "verdict_of",
]

FAILURES_BEFORE_PROBING: Final = 3
"""The fewest failures in a row (no answer in between) after which only probes are sent."""
FAILURE_WINDOW: Final = 20
"""How many of the latest outcomes the failure rate is read over."""
FAILURES_THAT_STAND_OUT: Final = 8
"""Failures among those that mean the service struggles: 40 %, which 10 % of noise never nears."""
DECREASE: Final = 0.5
"""The factor congestion (latency, a failure rate) cuts the limit by."""
LATENCY_TOLERANCE: Final = 2.0
"""Recent latency over its usual level beyond which the service is taken as congested."""
RECENT_LATENCIES: Final = 16
"""How many of the latest answers the recent latency (their median) is read over."""
USUAL_WEIGHT: Final = 1 / 64
"""How much each answer moves the usual latency (a long-run moving average)."""
GHOST_MARGIN: Final = 2.0
"""A ghost lasts this many times the longest recent latency or its own (read timeout at most)."""
FIRST_LOOK: Final = 1.0
"""Rounds at a newly learned ceiling before one request looks above it."""
LONGEST_LOOK: Final = 12.0
"""The most rounds between two looks above a ceiling (rounds of the service's whole capacity)."""
SMALL_SHARE: Final = 1 / 8
"""The part of the service's capacity under which a late arrival's share is looked above often.

A process that starts after others have taken the service's places learns a
share of 1 or 2 in its paced first round, and would keep it after they are
done. Under this share the limit looks above its ceiling every
`LATE_LOOK_EVERY` latencies, and climbs on while its looks hold.
"""
LATE_LOOK_EVERY: Final = 12.0
"""Latencies between two looks above a late arrival's small share (`SMALL_SHARE`)."""
FIRST_PROBE_WAIT: Final = 0.25
LONGEST_PROBE_WAIT: Final = 4.0
_WAITING: Final = "for a free slot at the gate"
_GHOSTS: Final = "for requests given up on to end (Driver2 may still be working on them)"


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


class Unanswered(Exception):  # noqa: N818 - an event the call flow turns into its error
    """A caller's outage patience ran out while the service answered nothing.

    Never escapes: the call flow raises `ServiceDownError` for it.
    ``silent_for`` is how long the service has not answered, in seconds.
    """

    def __init__(self, silent_for: float) -> None:
        super().__init__(f"no answer for {silent_for:.1f} s")
        self.silent_for = silent_for


@attrs.frozen
class Patience:
    """How long one caller waits while the service answers nothing, counted from ``since``.

    ``since`` is when the caller began (on the gate's clock): a caller is told
    within ``seconds`` of its own start or of the outage's, whichever is later.
    """

    seconds: float
    since: float


def _probe_waits() -> Iterator[float]:
    waits = backoff.expo(factor=FIRST_PROBE_WAIT, max_value=LONGEST_PROBE_WAIT)
    next(waits)  # backoff's generators are primed before their first value
    return waits


@attrs.define
class Latencies:
    """The latencies of a service's answers: recent and usual levels, the longest of late.

    >>> latencies = Latencies()
    >>> for seconds in [0.2] * 16 + [0.6] * 16:
    ...     latencies.add(seconds)
    >>> latencies.grown()  # the median of the latest 16 over twice the long-run average
    True
    """

    recent: deque[float] = attrs.field(factory=lambda: deque(maxlen=RECENT_LATENCIES))
    usual: float | None = None
    """The long-run moving average, ``None`` before any answer."""

    def add(self, seconds: float) -> None:
        """Learn one answer's latency."""
        self.recent.append(seconds)
        self.usual = (
            seconds if self.usual is None else self.usual + USUAL_WEIGHT * (seconds - self.usual)
        )

    def grown(self) -> bool:
        """Whether the recent latency stands above its usual level (once enough are known)."""
        if self.usual is None or len(self.recent) < RECENT_LATENCIES:
            return False
        return statistics.median(self.recent) > LATENCY_TOLERANCE * self.usual

    def accept(self) -> None:
        """After a cut, take half the way to the recent level as usual: a new pace is learned."""
        if self.usual is not None and self.recent:
            self.usual = (self.usual + statistics.median(self.recent)) / 2

    def ghost_span(self, ran: float, bound: float) -> float:
        """How long after it began a request given up on after ``ran`` s may keep the service busy.

        Twice the longest of the recent latencies and of ``ran`` (the service is
        slower than it was, if the request outlasted them), never more than
        ``bound`` (the read timeout); ``bound`` while no latency is known.
        """
        if not self.recent:
            return bound
        return min(GHOST_MARGIN * max(*self.recent, ran), bound)


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
    """Failures in a row (no answer in between)."""
    silent_since: float | None = None
    """Since when the service has answered nothing but failures; ``None`` while it answers."""
    answers: int = 0
    """How many answers the service has given (429s included): it is up while they grow."""
    probing: bool = False
    """Whether the service is taken as down: one probe at a time."""
    probe_at: float = 0.0
    last_cut: float = -math.inf
    ceiling: float | None = None
    """The most the service took before it answered 429, once known; above it, rarely."""
    at_ceiling: int = 0
    """Answers since the limit reached the ceiling, towards the next look above it."""
    look_after: float = LONGEST_LOOK
    """Rounds at the ceiling before the next look above it."""
    rise: float = 1.0
    """How far the next look above the ceiling goes."""
    top: float | None = None
    """The highest ceiling that held: climbing back to it is quick, above it slow."""
    looking: bool = False
    """Whether the ceiling was just raised by a look, until a 429 or a round that held."""
    latencies: Latencies = attrs.field(factory=Latencies, repr=False)
    _heard_at: float = -math.inf
    """When the service last answered."""
    _paced: int = 0
    """Starts of the first round still to pace."""
    _shared: bool = False
    """Whether the current overshoot came in the first round: others share the service."""
    _pace: float = 0.0
    """Seconds between two paced starts."""
    _next_start: float = -math.inf
    _looked_at: float = -math.inf
    """When the latest look above the ceiling began."""
    late: bool = False
    """Whether the ceiling is a late arrival's small share (`SMALL_SHARE`)."""
    _squeeze: float = -math.inf
    """When the current overshoot's first 429 came."""
    _peak: int = 0
    """The most in flight in the current overshoot."""
    _refused: int = 0
    """Requests of the current overshoot refused so far."""
    _outcomes: deque[bool] = attrs.field(factory=lambda: deque(maxlen=FAILURE_WINDOW), repr=False)
    """The latest outcomes, ``True`` for a failure."""
    _probe_waits: Iterator[float] = attrs.field(factory=_probe_waits, repr=False)
    _ghosts: list[float] = attrs.field(factory=list, repr=False)
    """When each request given up on after it went out stops counting (a heap)."""
    _queue: deque[object] = attrs.field(factory=deque, repr=False)
    _retries: set[object] = attrs.field(factory=set, repr=False)
    """The queued waiters that retry: they stand at the head of the queue, in their order."""

    def __attrs_post_init__(self) -> None:
        # Start below the bound and grow from there: a cold start never sends
        # the whole bound at a service that may take less.
        start = self.max_in_flight // 2 if self.start_at is None else self.start_at
        self.limit = self.threshold = float(min(max(1, start), self.max_in_flight))
        if self.start_at is not None:  # what the contract says the service takes
            self.ceiling = self.top = self.limit

    # --- the queue: first come, first served --------------------------------------

    def join(self, waiter: object, *, retry: bool = False) -> None:
        """Queue ``waiter`` behind those already waiting; a ``retry`` behind earlier retries only.

        A retry's call queued for its first attempt already: sent to the back
        again, a failure (a gateway's noise) would cost it the whole queue twice.
        """
        if retry:
            self._queue.insert(len(self._retries), waiter)
            self._retries.add(waiter)
        else:
            self._queue.append(waiter)

    def leave(self, waiter: object) -> None:
        """Take ``waiter`` out of the queue: it starts, or gave up."""
        self._queue.remove(waiter)
        self._retries.discard(waiter)

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
        if self.in_flight >= int(self.limit):
            return freed_at
        return max(self._next_start - now, 0.0) if self._paced else 0.0

    def _bury(self, now: float) -> None:
        while self._ghosts and self._ghosts[0] <= now:
            heapq.heappop(self._ghosts)
            self.in_flight -= 1

    def silence(self, since: float = -math.inf) -> float:
        """Seconds the service has answered nothing but failures, counted from ``since`` at most.

        0 while it answers.
        """
        if self.silent_since is None:
            return 0.0
        return max(self.clock() - max(self.silent_since, since), 0.0)

    def pause(self, waiter: object, deadline: Deadline, patience: Patience | None = None) -> float:
        """How long ``waiter`` waits before asking again, 0 once it may start.

        Never past its deadline: `Expired` once that has passed, even if its turn
        has come (a request sent then could not be waited for), and at once when
        only ghosts stand in its way and the first of them ends after it. With a
        ``patience``, `Unanswered` once the service, taken as down, has answered
        nothing for that long.
        """
        left = deadline.left()
        if left <= 0:
            raise Expired(_WAITING)
        wait = self.turn(waiter)
        if wait <= 0:
            return 0.0
        if self._ghosts and len(self._ghosts) == self.in_flight and wait > left:
            raise Expired(_GHOSTS)  # nothing alive can free a place in time
        if patience is not None and self.probing:
            silent = self.silence(patience.since)
            if silent >= patience.seconds:
                raise Unanswered(self.silence())
            wait = min(wait, patience.seconds - silent)
        return min(wait, left)

    # --- requests -----------------------------------------------------------------

    def start(self) -> Ticket:
        """Let one request through."""
        self.in_flight += 1
        now = self.clock()
        if self._paced:
            self._paced -= 1
            self._next_start = now + self._pace
        return Ticket(now, self.in_flight, self.probing)

    def ghost_until(self, ticket: Ticket, bound: float) -> float:
        """Until when a request given up on now keeps its place: see `Latencies.ghost_span`."""
        ran = self.clock() - ticket.started
        return ticket.started + self.latencies.ghost_span(ran, bound)

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
            self._answered(ticket, busy)
        elif verdict is Verdict.OVERLOADED:
            self._heard()
            self._overloaded(ticket, busy)
        elif verdict is Verdict.FAILED:
            self._failed(ticket)
        elif ticket.probe:
            self.probe_at = self.clock()  # nothing learned: the next probe may go at once

    def _heard(self) -> None:
        """The service answered (a 429 included): it is up."""
        self.answers += 1
        self.failures = 0
        self.silent_since = None
        self._heard_at = self.clock()
        self._outcomes.append(False)
        if self.probing:
            self.probing = False
            self._probe_waits = _probe_waits()

    def _cut(self, now: float) -> None:
        self.threshold = max(self.limit * DECREASE, 1.0)
        self.limit = self.threshold
        self.last_cut = now

    def _answered(self, ticket: Ticket, busy: int) -> None:
        self._heard()
        now = self.clock()
        if self.latencies.usual is None and self.spaced:
            # The first latency known: pace the first round over half of it, so that
            # processes sharing the service's budget learn so from a few 429s, not 20.
            self._paced = int(self.limit)
            self._pace = (now - ticket.started) / (2 * self.limit)
        self.latencies.add(now - ticket.started)
        # Grow only when the limit was used: an idle gate learns nothing.
        if busy * 2 < self.limit:
            return
        if self.latencies.grown() and ticket.started >= self.last_cut:
            self._cut(now)  # the service slows under the load: congestion
            self.latencies.accept()
            return
        step = 1.0 if self.limit < self.threshold else 1.0 / self.limit
        grown = min(self.limit + step, float(self.max_in_flight))
        if self.ceiling is not None and grown > self.ceiling:
            # At the ceiling, look above it once in a while: the service may take more now.
            # Only requests sent since the latest look say whether it held.
            self.at_ceiling += ticket.started >= self._looked_at
            if self.looking and self.at_ceiling >= self.ceiling:
                # A round above where it was, and no 429: the look held.
                self.looking = False
                self.top = max(self.top or 0.0, self.ceiling)
                if self.ceiling < self.top or self.late:  # climbing: look further, sooner
                    self.look_after = FIRST_LOOK
                    self.rise = min(self.rise * 2, max(self.ceiling / 2, 1.0))
                else:  # where it held before: above it, rarely
                    self.look_after, self.rise = LONGEST_LOOK, 1.0
            if self.at_ceiling >= self._look_span(self.ceiling) or self._late_look_due(now):
                self.at_ceiling = 0
                self._looked_at = now
                self.looking = True
                raised = self.ceiling + self.rise
                if self.top is not None and self.ceiling < self.top:
                    raised = min(raised, self.top)  # back to where it held, no further at once
                self.ceiling = min(raised, float(self.max_in_flight))
                self.threshold = max(self.threshold, self.ceiling)  # fill it at once
            grown = min(grown, self.ceiling)
        self.limit = grown

    def _look_span(self, ceiling: float) -> float:
        """Answers at ``ceiling`` before the next look above it.

        `look_after` rounds at the ceiling. But at a ceiling where it held (a
        share), a rare look (`LONGEST_LOOK`) waits as many rounds of the
        service's whole capacity (its contract's, or the bound), not of this
        client's share. A look that goes too far costs one 429: spaced so, rare
        looks cost the same part of the answers, under 1 in 200 for Driver2's
        20, whether this client holds all of the service's capacity or one
        share of several. Below where it held (a squeeze), looks keep to rounds
        of the ceiling, to climb back quickly once the squeeze ends.
        """
        span = self.look_after * ceiling
        if self.look_after >= LONGEST_LOOK and (self.top is None or ceiling >= self.top):
            span = max(span, LONGEST_LOOK * self._whole)
        return span

    @property
    def _whole(self) -> int:
        """The service's whole capacity: its contract's, or the bound."""
        return self.max_in_flight if self.start_at is None else self.start_at

    def _late_look_due(self, now: float) -> bool:
        """Whether a late share went `LATE_LOOK_EVERY` latencies without a look or a cut."""
        usual = self.latencies.usual
        since = max(self._looked_at, self.last_cut)
        return self.late and usual is not None and now - since >= LATE_LOOK_EVERY * usual

    def _overloaded(self, ticket: Ticket, busy: int) -> None:
        """A 429: the service took fewer than were in flight; stay just below, not at half."""
        now = self.clock()
        if ticket.started <= self._squeeze:  # sent before the overshoot was known: one of it
            self._peak = max(self._peak, busy)
            self._refused += 1
        else:
            self._squeeze, self._peak, self._refused = now, busy, 1
            self._shared = self._paced > 0  # refused in the first round: others share it
            if self.looking or self._shared:  # a look went too far, or shared
                self.look_after = min(self.look_after * 2, LONGEST_LOOK)
            else:  # the service takes less than it did: find where, then look often
                self.look_after = FIRST_LOOK
            self.looking = False
            self.rise = 1.0
        self._paced = 0  # its share is being learned: no more need to pace
        ceiling = max(float(self._peak - self._refused), 1.0)
        self.ceiling = ceiling if self.ceiling is None else min(self.ceiling, ceiling)
        if self._shared:  # its share, not a squeeze to climb back from
            self.top = self.ceiling
        # Refused in the first round, to a small share: others held the places already.
        self.late = self.ceiling <= SMALL_SHARE * self._whole and (self._shared or self.late)
        self.limit = self.threshold = min(self.limit, self.ceiling)
        self.at_ceiling = 0
        self.last_cut = now

    def _failed(self, ticket: Ticket) -> None:
        now = self.clock()
        self.failures += 1
        if self.silent_since is None:  # silent since it last answered, or this request went out
            self.silent_since = max(ticket.started, self._heard_at)
        self._outcomes.append(True)
        struggling = sum(self._outcomes) >= FAILURES_THAT_STAND_OUT
        if struggling and ticket.started >= self.last_cut:
            self._cut(now)  # failures at a rate that stands out: the service struggles
        down = struggling and self.failures >= FAILURES_BEFORE_PROBING
        if ticket.probe or (not self.probing and down):
            self.probing = True
            self.limit = 1.0
            self.ceiling = None  # it was failing: what it took before says little now
            # ``top`` stays: where it held before the outage is where to climb back to.
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

    def acquire(
        self, deadline: Deadline, patience: Patience | None = None, *, retry: bool = False
    ) -> Slot:
        """Wait for this caller's turn, then take a place in flight.

        `Expired` if none came in time; `Unanswered` once ``patience`` ran out.
        A ``retry`` (not its call's first attempt) queues ahead of first attempts.
        """
        me = object()
        with self._changed:
            self.state.join(me, retry=retry)
            try:
                while (pause := self.state.pause(me, deadline, patience)) > 0:
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

    async def acquire(
        self, deadline: Deadline, patience: Patience | None = None, *, retry: bool = False
    ) -> Slot:
        """Wait for this task's turn, then take a place in flight: see `SyncGate.acquire`."""
        me = object()
        self.state.join(me, retry=retry)
        try:
            while (pause := self.state.pause(me, deadline, patience)) > 0:
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
