"""R2 laziness: `iter_candidates` asks for a page only when it is wanted, or ahead if asked.

Driver2 is a fake (`httpx.MockTransport`) answering 3 pages of 10; the page a
test holds back answers only when the test lets it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Generator
from typing import Final

import httpx
import pytest

from driver2_kp import (
    AsyncCustomerLookup,
    AsyncDriver2Client,
    AsyncKPClient,
    CustomerLookup,
    Driver2Client,
    KPClient,
    SearchCriteria,
)
from driver2_kp._pages import PAGE_THREADS
from tests._contract import SETTINGS, JSONObject, customer, customer_page

PEETERS: Final = SearchCriteria(last_name="Peeters")
PAGES: Final = 3
HANG_GUARD: Final = 10.0
"""Seconds after which a held page answers anyway: never reached when the test works."""
TOKEN: Final = {"access_token": "t-1", "expires_in": 3600}


def _page(number: int) -> JSONObject:
    """Page ``number`` of 3 pages of 10 customers."""
    first = (number - 1) * 10
    items = [{**customer(), "customerNumber": str(74050 + first + i)} for i in range(10)]
    total = {"totalItems": PAGES * 10, "totalPages": PAGES}
    return {**customer_page(*items), "page": number, **total}


def _wanted(request: httpx.Request) -> int | None:
    """The page of customers ``request`` asks for; ``None`` for a token."""
    if request.url.path.endswith("/oauth/token"):
        return None
    return int(request.url.params["page"])


class Pages:
    """The fake Driver2: the pages asked for, in order; page 2 held back when ``hold``."""

    def __init__(self, *, hold: bool = False) -> None:
        self.asked: list[int] = []
        self.hold = hold
        self.holding = threading.Event()
        """Set once the held page is asked for."""
        self.release = threading.Event()
        self.answered = threading.Event()
        """Set once the held page is answered."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        page = _wanted(request)
        if page is None:
            return httpx.Response(200, json=TOKEN)
        self.asked.append(page)
        if self.hold and page == 2:
            self.holding.set()
            self.release.wait(HANG_GUARD)
            self.answered.set()
        return httpx.Response(200, json=_page(page))


class AsyncPages:
    """`Pages` for the async clients: the held page waits on the event loop."""

    def __init__(self) -> None:
        self.asked: list[int] = []
        self.holding = asyncio.Event()
        self.release = asyncio.Event()
        self.answered = asyncio.Event()
        self.called_off = asyncio.Event()
        """Set when the held page's fetch is cancelled."""

    async def handle(self, request: httpx.Request) -> httpx.Response:
        page = _wanted(request)
        if page is None:
            return httpx.Response(200, json=TOKEN)
        self.asked.append(page)
        if page == 2:
            self.holding.set()
            try:
                await asyncio.wait_for(self.release.wait(), HANG_GUARD)
            except asyncio.CancelledError:
                self.called_off.set()
                raise
            self.answered.set()
        return httpx.Response(200, json=_page(page))


def _lookup(pages: Pages) -> CustomerLookup:
    transport = httpx.MockTransport(pages.handle)
    return CustomerLookup(
        Driver2Client(SETTINGS, transport=transport), KPClient(SETTINGS, transport=transport)
    )


def _async_lookup(pages: AsyncPages) -> AsyncCustomerLookup:
    transport = httpx.MockTransport(pages.handle)
    return AsyncCustomerLookup(
        AsyncDriver2Client(SETTINGS, transport=transport),
        AsyncKPClient(SETTINGS, transport=transport),
    )


def _page_threads_done() -> None:
    """Wait for the page fetches left to finish in the background: no thread outlives a test."""
    for thread in threading.enumerate():
        if thread.name.startswith(PAGE_THREADS):
            thread.join(HANG_GUARD)


def test_r2_by_default_no_page_is_asked_for_before_it_is_wanted() -> None:
    pages = Pages()
    with _lookup(pages) as lookup:
        result = lookup.search(PEETERS)
        candidates = lookup.iter_candidates(result)
        assert isinstance(candidates, Generator)
        in_hand = [next(candidates) for _ in result.candidates]
        assert pages.asked == [1]  # the page in hand, used up: nothing more yet
        eleventh = next(candidates)
        candidates.close()
    assert [c.driver2_number for c in [*in_hand, eleventh]] == [str(74050 + i) for i in range(11)]
    assert pages.asked == [1, 2]


@pytest.mark.anyio
async def test_r2_by_default_no_page_is_asked_for_before_it_is_wanted_async() -> None:
    pages = AsyncPages()
    pages.release.set()
    async with _async_lookup(pages) as lookup:
        result = await lookup.search(PEETERS)
        candidates = lookup.iter_candidates(result)
        assert isinstance(candidates, AsyncGenerator)
        in_hand = [await anext(candidates) for _ in result.candidates]
        await asyncio.sleep(0)  # a look-ahead, were there one, would begin here
        assert pages.asked == [1]
        eleventh = await anext(candidates)
        await candidates.aclose()
    assert [c.driver2_number for c in [*in_hand, eleventh]] == [str(74050 + i) for i in range(11)]
    assert pages.asked == [1, 2]


def test_r2_leaving_early_never_waits_for_the_page_asked_for_ahead() -> None:
    pages = Pages(hold=True)
    with _lookup(pages) as lookup:
        result = lookup.search(PEETERS)
        candidates = lookup.iter_candidates(result, ahead=1)
        assert isinstance(candidates, Generator)
        next(candidates)
        assert pages.holding.wait(HANG_GUARD)  # page 2 asked for ahead, and not answering
        candidates.close()
        left_at_once = not pages.answered.is_set()
        pages.release.set()
        _page_threads_done()
    assert left_at_once
    assert pages.asked == [1, 2]  # page 3 was never begun


@pytest.mark.anyio
async def test_r2_leaving_early_never_waits_for_the_page_asked_for_ahead_async() -> None:
    pages = AsyncPages()
    async with _async_lookup(pages) as lookup:
        result = await lookup.search(PEETERS)
        candidates = lookup.iter_candidates(result, ahead=1)
        assert isinstance(candidates, AsyncGenerator)
        await anext(candidates)
        await asyncio.wait_for(pages.holding.wait(), HANG_GUARD)
        await candidates.aclose()
        left_at_once = not pages.answered.is_set()
        await asyncio.wait_for(pages.called_off.wait(), HANG_GUARD)  # cancelled, not awaited
    assert left_at_once
    assert pages.asked == [1, 2]
