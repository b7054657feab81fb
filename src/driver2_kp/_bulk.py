"""Many lookups at once: a bounded window of tasks over a lazily read input.

`run_each` runs one async lookup per input, at most ``window`` at a time, and
yields a `BulkItem` for each as it completes (or in input order). The input, a
plain or an async iterable, is read only as the window frees up, so a million
rows never sit in memory as tasks. One failed item never stops the run: its
`Driver2KPError` is on the item. Stopping early cancels what is in flight.

`in_thread` gives a blocking iterator over such a run, served by an event loop
of its own in a thread of its own: it works where a loop is already running
(Jupyter, ``asyncio.run``) without touching that loop, and closing the
iterator (a ``break``) cancels the run and ends the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from typing import Final, Generic, Protocol, TypeAlias, TypeVar

import attrs

from ._criteria import SearchCriteria
from ._errors import ConfigurationError, Driver2KPError
from ._progress import Tally

__all__ = [
    "BulkItem",
    "Criteria",
    "atallied",
    "closing",
    "in_thread",
    "run_each",
    "tallied",
    "total_of",
    "window",
]

T = TypeVar("T")
R = TypeVar("R")


class _Closable(Protocol):
    async def aclose(self) -> None: ...


Criteria: TypeAlias = Iterable[SearchCriteria] | AsyncIterable[SearchCriteria]
"""The input of a bulk run: any iterable of criteria, read lazily."""
_THREAD: Final = "driver2-kp-bulk"
_HANG_GUARD: Final = 60.0


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
    """``lookup`` each input, ``window`` at a time; yield the items as they come (or in order).

    In input order, finished items wait for the ones before them, and count
    towards the window, so memory stays bounded however slow one item is.
    """
    inputs = _numbered(criteria)
    running: set[asyncio.Task[BulkItem[R]]] = set()
    finished: dict[int, BulkItem[R]] = {}
    following = 0  # the index to yield next, in input order
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) + len(finished) < window:
                try:
                    index, each = await anext(inputs)
                except StopAsyncIteration:
                    exhausted = True
                    break
                running.add(asyncio.ensure_future(_one(lookup, index, each)))
            if not running:
                break
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=lambda t: t.result().index):
                item = task.result()
                if not ordered:
                    yield item
                    continue
                finished[item.index] = item
            while following in finished:
                yield finished.pop(following)
                following += 1
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await inputs.aclose()


async def _next(items: AsyncIterator[T]) -> T:
    return await anext(items)


async def _made(start: Callable[[], AsyncIterator[T]]) -> AsyncIterator[T]:
    return start()  # in the loop's thread: the async clients belong to that loop


async def _wind_down(loop: asyncio.AbstractEventLoop) -> None:
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


def in_thread(start: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    """Iterate, blocking, over the async iterator ``start()`` runs in a loop of its own.

    The loop runs in a thread of its own; ``start`` is called there (make the
    async clients in it). The caller pulls each item; meanwhile the loop keeps
    the run's tasks going. Closing the iterator early cancels the run, and the
    thread ends before the close returns: nothing is left behind.
    """
    loop = asyncio.new_event_loop()
    worker = threading.Thread(target=loop.run_forever, name=_THREAD, daemon=True)
    worker.start()
    items: AsyncIterator[T] | None = None
    try:
        items = asyncio.run_coroutine_threadsafe(_made(start), loop).result()
        while True:
            try:
                item = asyncio.run_coroutine_threadsafe(_next(items), loop).result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        closing = []
        if isinstance(items, AsyncGenerator):
            closing.append(items.aclose())
        for step in (*closing, _wind_down(loop)):
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(step, loop).result(_HANG_GUARD)
        loop.call_soon_threadsafe(loop.stop)
        worker.join(_HANG_GUARD)
        loop.close()


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


async def closing(lookup: _Closable, items: AsyncIterator[T]) -> AsyncIterator[T]:
    """``items``, then ``lookup`` closed: however the run ends."""
    try:
        async for item in items:
            yield item
    finally:
        if isinstance(items, AsyncGenerator):
            await items.aclose()
        await lookup.aclose()


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
