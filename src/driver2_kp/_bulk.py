"""Many lookups at once: a bounded window of lookups over a lazily read input.

`run_each` runs one async lookup per input, at most ``window`` at a time, and
yields a `BulkItem` for each as it completes (or in input order). The input, a
plain or an async iterable, is read only as the window frees up, so a million
rows never sit in memory as tasks. One failed item never stops the run: its
`Driver2KPError` is on the item. Stopping early cancels what is in flight.

`run_threads` is the blocking twin: the same window in a bounded pool of
threads, each lookup made by the caller's own blocking clients (their
``http_client`` or transport, their gate, their token). Leaving it early (a
``break``) sets its `Stop`: no further lookup starts, none makes another
attempt, and the threads end before the close returns. Which input may start
and which item goes out next is decided once, by `Turns`, for both.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Sized,
)
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Final, Generic, TypeAlias, TypeVar

import attrs

from ._criteria import SearchCriteria
from ._errors import ConfigurationError, Driver2KPError
from ._progress import Progress, ProgressCallback, Tally

__all__ = [
    "BULK_THREADS",
    "BulkItem",
    "Criteria",
    "Stop",
    "Stopped",
    "Turns",
    "atallied",
    "run_each",
    "run_threads",
    "tallied",
    "total_of",
    "window",
]

R = TypeVar("R")

Criteria: TypeAlias = Iterable[SearchCriteria] | AsyncIterable[SearchCriteria]
"""The input of a bulk run: any iterable of criteria, read lazily."""
BULK_THREADS: Final = "driver2-kp-bulk"
"""The name of the threads of a blocking bulk run (each is numbered after it)."""


@attrs.frozen(kw_only=True)
class BulkItem(Generic[R]):
    """One input of a bulk run and what became of it: a result, or the error it met.

    Example::

        for item in lookup.search_many(rows):
            if item.error is not None:
                print(item.index, "failed:", item.error)
            else:
                print(item.index, item.result.total)
    """

    index: int
    """The input's position, from 0."""
    criteria: SearchCriteria
    """The input itself."""
    result: R | None = None
    """What the lookup gave, unless it failed."""
    error: Driver2KPError | None = None
    """Why it failed, if it did; the run went on."""

    @property
    def ok(self) -> bool:
        """Whether the lookup gave a result."""
        return self.error is None


async def _numbered(criteria: Criteria) -> AsyncGenerator[tuple[int, SearchCriteria], None]:
    if isinstance(criteria, AsyncIterable):
        index = 0
        async for each in criteria:
            yield index, each
            index += 1
    else:
        for index, each in enumerate(criteria):
            yield index, each


@attrs.define
class Turns(Generic[R]):
    """A bulk run's decisions, on plain values: may another input start, which items go out.

    In input order (``ordered``), finished items wait for the ones before them
    and count towards the window, so memory stays bounded however slow one
    item is.

    >>> turns = Turns[str](window=2, ordered=True)
    >>> turns.room(running=1)
    True
    >>> second, first = (BulkItem(index=i, criteria=SearchCriteria(), result="") for i in (1, 0))
    >>> turns.out([second]), turns.room(running=1)  # it waits for the first, and takes its place
    ([], False)
    >>> [item.index for item in turns.out([first])]
    [0, 1]
    """

    window: int
    ordered: bool
    _finished: dict[int, BulkItem[R]] = attrs.field(factory=dict, init=False)
    _following: int = attrs.field(default=0, init=False)
    """The index to give out next, in input order."""

    def room(self, running: int) -> bool:
        """Whether another input may start, with ``running`` lookups under way."""
        return running + len(self._finished) < self.window

    def out(self, done: Iterable[BulkItem[R]]) -> list[BulkItem[R]]:
        """Of the items just ``done``, those to give out now (in order: those whose turn came)."""
        ready = sorted(done, key=lambda item: item.index)
        if not self.ordered:
            return ready
        self._finished.update((item.index, item) for item in ready)
        given = []
        while self._following in self._finished:
            given.append(self._finished.pop(self._following))
            self._following += 1
        return given


async def _one(
    lookup: Callable[[SearchCriteria], Awaitable[R]], index: int, criteria: SearchCriteria
) -> BulkItem[R]:
    try:
        return BulkItem(index=index, criteria=criteria, result=await lookup(criteria))
    except Driver2KPError as error:
        return BulkItem(index=index, criteria=criteria, error=error)


async def run_each(
    lookup: Callable[[SearchCriteria], Awaitable[R]],
    criteria: Criteria,
    *,
    window: int,
    ordered: bool = False,
) -> AsyncIterator[BulkItem[R]]:
    """``lookup`` each input, ``window`` at a time; yield the items as they come (or in order)."""
    inputs = _numbered(criteria)
    turns = Turns[R](window, ordered)
    running: set[asyncio.Task[BulkItem[R]]] = set()
    exhausted = False
    try:
        while True:
            while not exhausted and turns.room(len(running)):
                try:
                    index, each = await anext(inputs)
                except StopAsyncIteration:
                    exhausted = True
                    break
                running.add(asyncio.ensure_future(_one(lookup, index, each)))
            if not running:
                break
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for item in turns.out(task.result() for task in done):
                yield item
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await inputs.aclose()


class Stopped(Exception):  # noqa: N818 - an event, like `Expired`: it never leaves the run
    """The blocking bulk run was left: a lookup of it makes no further attempt."""


class Stop(threading.Event):
    """Set when a blocking bulk run is left: its lookups stop before their next attempt or wait.

    A blocking request cannot be taken back; one already sent is waited for
    (Driver2 is working on it, and it keeps its place at the gate meanwhile).
    """

    def watching(self, on_progress: ProgressCallback | None) -> ProgressCallback:
        """``on_progress``, called before each attempt and wait; `Stopped` instead once set."""

        def check(progress: Progress) -> None:
            if self.is_set():
                raise Stopped
            if on_progress is not None:
                on_progress(progress)

        return check


def _one_blocking(
    lookup: Callable[[SearchCriteria, Stop], R], stop: Stop, index: int, criteria: SearchCriteria
) -> BulkItem[R]:
    try:
        return BulkItem(index=index, criteria=criteria, result=lookup(criteria, stop))
    except Driver2KPError as error:
        return BulkItem(index=index, criteria=criteria, error=error)


def run_threads(
    lookup: Callable[[SearchCriteria, Stop], R],
    criteria: Iterable[SearchCriteria],
    *,
    window: int,
    threads: int,
    ordered: bool = False,
) -> Generator[BulkItem[R], None, None]:
    """The blocking `run_each`: ``lookup`` each input in one of ``threads`` threads.

    ``lookup`` is given the run's `Stop`, to watch. The input is read in the
    caller's thread, ``window`` lookups ahead at most. Closing the iterator
    (a ``break``) sets the stop, drops the lookups not started, and returns
    once the threads have ended: nothing is left behind.
    """
    inputs = enumerate(criteria)
    turns = Turns[R](window, ordered)
    stop = Stop()
    running: set[Future[BulkItem[R]]] = set()
    pool = ThreadPoolExecutor(threads, BULK_THREADS)
    try:
        while True:
            while turns.room(len(running)) and (following := next(inputs, None)) is not None:
                index, each = following
                running.add(pool.submit(_one_blocking, lookup, stop, index, each))
            if not running:
                return
            done, running = wait(running, return_when=FIRST_COMPLETED)
            yield from turns.out(future.result() for future in done)
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


_WINDOW_PER_SLOT: Final = 2
"""Searches under way per place at the gate, by default: some wait on KP or a retry."""


def window(concurrency: int | None, max_in_flight: int) -> int:
    """How many lookups a bulk run keeps under way, for a Driver2 gate of ``max_in_flight``."""
    if concurrency is None:
        return _WINDOW_PER_SLOT * max_in_flight
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(
            f"concurrency must be None or a whole number >= 1, not {concurrency!r}"
        )
    return concurrency


def total_of(criteria: object) -> int | None:
    """How many inputs ``criteria`` holds, if it can tell without being read."""
    return len(criteria) if isinstance(criteria, Sized) else None


def tallied(items: Iterator[BulkItem[R]], tally: Tally) -> Iterator[BulkItem[R]]:
    """``items``, each counted by ``tally``; closing it closes ``items`` (a break cancels)."""
    try:
        tally.start()
        for item in items:
            tally.count(failed=not item.ok)
            yield item
    finally:
        tally.close()
        if isinstance(items, Generator):
            items.close()


async def atallied(items: AsyncIterator[BulkItem[R]], tally: Tally) -> AsyncIterator[BulkItem[R]]:
    """The async `tallied`."""
    try:
        tally.start()
        async for item in items:
            tally.count(failed=not item.ok)
            yield item
    finally:
        tally.close()
        if isinstance(items, AsyncGenerator):
            await items.aclose()
