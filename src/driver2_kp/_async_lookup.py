"""`AsyncCustomerLookup`: the asyncio twin of `driver2_kp.lookup.CustomerLookup`.

The same methods, awaited; the same flows, performed by awaiting the async
clients. `driver2_kp.lookup` exposes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, overload

from ._bulk import (
    BulkItem,
    Criteria,
    atallied,
    run_each,
)
from ._candidate import Candidate
from ._client import AsyncClient
from ._criteria import SearchCriteria
from ._errors import Driver2KPError
from ._facade import BulkMethod, Lookup
from ._flows import (
    Ask,
    LookupFlow,
    advance,
    further_pages,
    select_flow,
    vehicle_flow,
)
from ._models import CustomerPage, PersonPage
from ._pages import LookAhead, one
from ._party import Party, PartyDraft, PartyRole
from ._progress import ProgressCallback, ProgressOption, Run
from ._results import SearchResult, Selection
from ._rules import candidates_of, vehicle_parties_of
from ._token import retrieve
from .driver2 import AsyncDriver2Client
from .kp import AsyncKPClient
from .matching._frames import Frame, Table

__all__ = ["AsyncCustomerLookup"]

T = TypeVar("T")


class AsyncCustomerLookup(Lookup):
    """The asyncio twin of `CustomerLookup`: the same methods, awaited.

    Example::

        async with AsyncCustomerLookup.from_settings(Settings.from_env()) as lookup:
            result = await lookup.search(SearchCriteria(last_name="Goderis"))
            async for candidate in lookup.iter_candidates(result):
                print(candidate.name)
    """

    _driver2: AsyncDriver2Client
    _kp: AsyncKPClient
    _clients = (AsyncDriver2Client, AsyncKPClient)

    def __init__(
        self,
        driver2: AsyncDriver2Client,
        kp: AsyncKPClient,
        *,
        deadline: float | None = None,
        on_progress: ProgressCallback | None = None,
        cache_ttl: float | None = None,
    ) -> None:
        super().__init__(
            driver2, kp, deadline=deadline, on_progress=on_progress, cache_ttl=cache_ttl
        )

    @property
    def driver2(self) -> AsyncDriver2Client:
        """The Driver2 client, for what the rules do not cover."""
        return self._driver2

    @property
    def kp(self) -> AsyncKPClient:
        """The KP client, for what the rules do not cover."""
        return self._kp

    async def _run(self, flow: LookupFlow[T], run: Run | None = None) -> T:
        run = run or self._start()
        step = advance(flow)
        while isinstance(step, Ask):
            client = self._client(step)
            assert isinstance(client, AsyncClient)
            try:
                answer = await client.perform(
                    step.operation,
                    timeouts=self._timeouts(client, run),
                    deadline=run.deadline,
                    step=str(step.step),
                    observe=run.observer(step.step),
                )
            except Driver2KPError as error:
                step = advance(flow, error=error)
            else:
                step = advance(flow, answer)
        result: T = step.value
        return result

    async def search(
        self,
        criteria: SearchCriteria | Party | PartyDraft,
        *,
        role: PartyRole | str | None = None,
        page: int = 1,
    ) -> SearchResult:
        """Search Driver2, and KP when Driver2 finds nobody: see `CustomerLookup.search`."""
        return await self._run(self._results("search", criteria, role, page))

    async def search_kp(
        self,
        criteria: SearchCriteria | Party | PartyDraft,
        *,
        role: PartyRole | str | None = None,
        page: int = 1,
    ) -> SearchResult:
        """Search KP (the "KP" button): see `CustomerLookup.search_kp`."""
        return await self._run(self._results("search_kp", criteria, role, page))

    async def iter_candidates(
        self, result: SearchResult, *, ahead: int = 0
    ) -> AsyncIterator[Candidate]:
        """Every candidate from ``result``'s source, lazily: as `CustomerLookup.iter_candidates`.

        Leaving early (``aclosing``, or the loop's end) cancels the pages under way.
        """
        pages = LookAhead(further_pages(result), ahead, self._run_one)
        try:
            for candidate in result.candidates:  # while they are used up, the pages ahead come
                yield candidate
            while (coming := pages.take()) is not None:
                answer = await coming
                pages.refill()
                for candidate in candidates_of(answer):
                    yield candidate
        finally:  # leaving early waits for nothing: the pages under way are called off
            for fetch in pages.coming:
                fetch.cancel()
                fetch.add_done_callback(retrieve)  # a page no one waits for

    def _run_one(self, ask: Ask[CustomerPage] | Ask[PersonPage]) -> asyncio.Task[Any]:
        return asyncio.ensure_future(self._run(one(ask)))

    async def all_candidates(self, result: SearchResult) -> list[Candidate]:
        """Every candidate of every page: see `CustomerLookup.all_candidates`."""
        run = self._start()
        fetches = [asyncio.ensure_future(self._run(one(ask), run)) for ask in further_pages(result)]
        try:
            answers = await asyncio.gather(*fetches)
        finally:  # one failed: the others are of no use
            for fetch in fetches:
                fetch.cancel()
            await asyncio.gather(*fetches, return_exceptions=True)
        return [*result.candidates, *(c for answer in answers for c in candidates_of(answer))]

    async def select(self, candidate: Candidate) -> Selection:
        """The party for ``candidate``, imported from KP if need be: see `CustomerLookup.select`."""
        return await self._run(select_flow(candidate))

    async def vehicle_parties(
        self, *, plate: str | None = None, vin: str | None = None
    ) -> dict[PartyRole, Party]:
        """A vehicle's owner, driver and lessee: see `CustomerLookup.vehicle_parties`."""
        return vehicle_parties_of(await self._run(vehicle_flow(plate=plate, vin=vin)))

    async def match(
        self, criteria: SearchCriteria, *, role: PartyRole | str | None = None
    ) -> SearchResult:
        """Find the customer a record describes: see `CustomerLookup.match`."""
        return await self._run(self._results("match", criteria, role))

    def search_many(
        self,
        criteria: Criteria,
        *,
        role: PartyRole | str | None = None,
        concurrency: int | None = None,
        ordered: bool = False,
        progress: ProgressOption = False,
        wait_out_outages: bool = False,
    ) -> AsyncIterator[BulkItem[SearchResult]]:
        """`search` each of ``criteria``, many at once: see `CustomerLookup.search_many`.

        ``criteria`` may be an async iterable too. Leave early with
        ``contextlib.aclosing`` to cancel what is in flight at once.

        Example::

            async for item in lookup.search_many(rows):
                print(item.index, item.ok)
        """
        return self._many(
            "search",
            criteria,
            role=role,
            concurrency=concurrency,
            ordered=ordered,
            progress=progress,
            wait_out_outages=wait_out_outages,
        )

    def match_many(
        self,
        criteria: Criteria,
        *,
        role: PartyRole | str | None = None,
        concurrency: int | None = None,
        ordered: bool = False,
        progress: ProgressOption = False,
        wait_out_outages: bool = False,
    ) -> AsyncIterator[BulkItem[SearchResult]]:
        """`match` each of ``criteria``, many at once: see `CustomerLookup.match_many`."""
        return self._many(
            "match",
            criteria,
            role=role,
            concurrency=concurrency,
            ordered=ordered,
            progress=progress,
            wait_out_outages=wait_out_outages,
        )

    @overload
    async def match_frame(
        self,
        frame: Frame,
        *,
        columns: Mapping[str, str] | None = ...,
        concurrency: int | None = ...,
        progress: ProgressOption = ...,
        role: PartyRole | str | None = ...,
        candidates: Literal[False] = ...,
        wait_out_outages: bool = ...,
    ) -> Frame: ...
    @overload
    async def match_frame(
        self,
        frame: Frame,
        *,
        columns: Mapping[str, str] | None = ...,
        concurrency: int | None = ...,
        progress: ProgressOption = ...,
        role: PartyRole | str | None = ...,
        candidates: Literal[True],
        wait_out_outages: bool = ...,
    ) -> tuple[Frame, Frame]: ...
    async def match_frame(
        self,
        frame: Frame,
        *,
        columns: Mapping[str, str] | None = None,
        concurrency: int | None = None,
        progress: ProgressOption = False,
        role: PartyRole | str | None = None,
        candidates: bool = False,
        wait_out_outages: bool = False,
    ) -> Frame | tuple[Frame, Frame]:
        """`match` every row of a DataFrame: see `CustomerLookup.match_frame`."""
        table = Table.read(frame, columns)
        items = self.match_many(
            table.valid,
            role=role,
            concurrency=concurrency,
            progress=progress,
            wait_out_outages=wait_out_outages,
        )
        output: Frame | tuple[Frame, Frame] = table.output(
            {item.index: item async for item in items}, candidates=candidates
        )
        return output

    def _many(
        self,
        method: BulkMethod,
        criteria: Criteria,
        *,
        role: PartyRole | str | None,
        concurrency: int | None,
        ordered: bool,
        progress: ProgressOption,
        wait_out_outages: bool,
    ) -> AsyncIterator[BulkItem[SearchResult]]:
        checked, window, tally = self._bulk(criteria, role, concurrency, progress)

        async def lookup(each: SearchCriteria) -> SearchResult:
            run = Run(self.deadline, self._on_progress, wait_out_outages=wait_out_outages)
            return await self._run(self._results(method, each, checked), run)

        items = run_each(lookup, criteria, window=window, ordered=ordered)
        return atallied(items, tally)

    async def aclose(self) -> None:
        """Close the clients, if they were made by `from_settings`."""
        if self._owned:
            try:
                await self._driver2.aclose()
            finally:
                await self._kp.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
