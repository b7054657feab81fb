"""`CustomerLookup`: the rules R1-R13 of PlanManager FAQ #1267 on top of the two clients.

Find a customer in Driver2, or in KP when Driver2 has none, and turn the one the
user picks into a PlanManager `Party`::

    from driver2_kp import CustomerLookup, PartyRole, SearchCriteria, Settings

    with CustomerLookup.from_settings(Settings.from_env()) as lookup:
        result = lookup.search(
            SearchCriteria(last_name="Goderis", postcode="9000"), role=PartyRole.DRIVER
        )
        for candidate in result.candidates:  # the first page, 10 at most
            print(candidate.name, candidate.first_name, candidate.driver2_number)
        party = lookup.select(result.candidates[0]).party

Every decision lives in pure functions (`driver2_kp._rules`) and flows
(`driver2_kp._flows`); `CustomerLookup` and `AsyncCustomerLookup` only make the
calls those decide on, each lookup within one overall deadline, and report
progress to an optional callback. `AsyncCustomerLookup` lives in
`driver2_kp._async_lookup`, what both hold in `driver2_kp._facade`; bulk runs
(`driver2_kp._bulk`), matching and its DataFrames (`driver2_kp.matching`), further
pages (`driver2_kp._pages`) and
progress (`driver2_kp._progress`) have modules of their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, overload

from ._async_lookup import AsyncCustomerLookup
from ._bulk import BulkItem, Stop, run_threads, tallied
from ._candidate import Candidate
from ._client import SyncClient
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
from ._pages import PAGE_THREADS, LookAhead, check_ahead, one
from ._party import Party, PartyDraft, PartyRole
from ._progress import Progress, ProgressCallback, ProgressOption, Run
from ._results import AppliedParties, KPSkipReason, SearchResult, Selection, Step
from ._rules import apply_vehicle_parties, candidates_of, vehicle_parties_of
from .driver2 import Driver2Client
from .kp import KPClient
from .matching._frames import Frame, Table

__all__ = [
    "AppliedParties",
    "AsyncCustomerLookup",
    "Candidate",
    "CustomerLookup",
    "KPSkipReason",
    "Progress",
    "ProgressCallback",
    "SearchResult",
    "Selection",
    "Step",
    "apply_vehicle_parties",
]

T = TypeVar("T")


class CustomerLookup(Lookup):
    """Find a customer in Driver2 or KP and make it a PlanManager party (R1-R13).

    Make one with `from_settings` (it then owns its clients and closes them), or
    from clients you hold (they are left open). Use it as a context manager; it
    is safe to share between threads.

    ``deadline`` bounds each lookup (a search with its KP fallback, a selection
    with its import), retries and waits included; by default the Driver2 and the
    KP call deadlines added up (330 s with the default settings). ``on_progress``
    is told before every attempt and every wait (`Progress`); an exception it
    raises stops the lookup and propagates. ``cache_ttl`` (off by default)
    keeps each search and match result that many seconds, so that re-running a
    notebook cell asks Driver2 nothing; `clear_cache` forgets them.

    Example::

        with CustomerLookup.from_settings(Settings.from_env()) as lookup:
            result = lookup.search(SearchCriteria(last_name="Peeters", first_name="Ann"))
            if result.source is Source.KP:
                print("Driver2 has nobody by that name; from KP:", result.total)
    """

    _driver2: Driver2Client
    _kp: KPClient
    _clients = (Driver2Client, KPClient)

    def __init__(
        self,
        driver2: Driver2Client,
        kp: KPClient,
        *,
        deadline: float | None = None,
        on_progress: ProgressCallback | None = None,
        cache_ttl: float | None = None,
    ) -> None:
        super().__init__(
            driver2, kp, deadline=deadline, on_progress=on_progress, cache_ttl=cache_ttl
        )

    @property
    def driver2(self) -> Driver2Client:
        """The Driver2 client, for what the rules do not cover."""
        return self._driver2

    @property
    def kp(self) -> KPClient:
        """The KP client, for what the rules do not cover."""
        return self._kp

    def _run(self, flow: LookupFlow[T], run: Run | None = None) -> T:
        run = run or self._start()
        step = advance(flow)
        while isinstance(step, Ask):
            client = self._client(step)
            assert isinstance(client, SyncClient)
            try:
                answer = client.perform(
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

    def search(
        self,
        criteria: SearchCriteria | Party | PartyDraft,
        *,
        role: PartyRole | str | None = None,
        page: int = 1,
    ) -> SearchResult:
        """Search Driver2 with every criterion (R1); KP too when Driver2 finds nobody (R3).

        ``role`` names the party being filled in; one that cannot be loaded from
        Driver2 raises `CriteriaError` (R11), as does an empty search, before any
        request. ``page`` picks a page of 10 (R2). ``criteria`` may be a `Party`
        or a `PartyDraft`: what was typed into it fills the search form (FAQ, as
        `SearchCriteria.from_party` does).

        When Driver2 finds nobody and a last name is given, KP is searched with
        the criteria it takes (R5-R7), and ``result.source`` is `Source.KP`;
        otherwise ``result.kp_skipped_reason`` says why not.

        A failure is never an answer (R3). When Driver2 cannot answer (its
        deadline, 429, 5xx, a broken connection, refused credentials), its
        error is raised, and KP is not searched in its place: call `search_kp`
        to do so knowingly. When the automatic KP search fails, KP's error is
        raised, with a note that Driver2 found nobody.

        Example::

            result = lookup.search(SearchCriteria(last_name="Goderis", postcode="9000"))
            assert (result.source, result.total) == (Source.DRIVER2, 1)
        """
        return self._run(self._results("search", criteria, role, page))

    def search_kp(
        self,
        criteria: SearchCriteria | Party | PartyDraft,
        *,
        role: PartyRole | str | None = None,
        page: int = 1,
    ) -> SearchResult:
        """Search KP (the "KP" button, R4): last name, first name and postcode only.

        Without a last name of at least 2 characters, raises `CriteriaError` for
        ``last_name`` before any request (R5). A first name restricts the search
        to private persons (R6); ``result.dropped_for_kp`` names the criteria KP
        was not given (R7). Like `search`, it takes a `Party` or a `PartyDraft` too.

        Example::

            result = lookup.search_kp(SearchCriteria(last_name="Peeters", email="ann@example.be"))
            assert (result.source, result.dropped_for_kp) == (Source.KP, ("email",))
        """
        return self._run(self._results("search_kp", criteria, role, page))

    def iter_candidates(self, result: SearchResult, *, ahead: int = 0) -> Iterator[Candidate]:
        """Every candidate from ``result``'s source: its page, then the next ones (R2).

        Lazy: a page is fetched when the first of its candidates is wanted, so
        a caller who stops after 15 candidates has asked for one page more than
        ``result``'s, and one who stops within ``result``'s page for none.
        ``ahead=2`` keeps 2 pages coming in the background while the one before
        is used up (default 0: none). Leaving early (``break``) never waits: a
        page under way is left to finish in the background, unread. Each page
        has the lookup deadline of its own.

        Example::

            names = [c.name for c in lookup.iter_candidates(result)]
        """
        pool = ThreadPoolExecutor(max(check_ahead(ahead), 1), PAGE_THREADS)

        def fetch(ask: Ask[CustomerPage] | Ask[PersonPage]) -> Future[Any]:
            return pool.submit(self._run, one(ask))

        try:
            pages = LookAhead(further_pages(result), ahead, fetch)
            yield from result.candidates  # while they are used up, the pages ahead come
            while (coming := pages.take()) is not None:
                answer = coming.result()
                pages.refill()
                yield from candidates_of(answer)
        finally:  # leaving early: the pages not begun are not asked for, nor the others awaited
            pool.shutdown(wait=False, cancel_futures=True)

    def all_candidates(self, result: SearchResult) -> list[Candidate]:
        """Every candidate of every page of ``result`` (R2): the other pages fetched at once.

        The first page says how many there are; the others are then fetched
        concurrently, through the client's gate, within one lookup deadline.

        Example::

            everyone = lookup.all_candidates(lookup.search(SearchCriteria(last_name="Pe")))
        """
        asks = further_pages(result)
        if not asks:
            return list(result.candidates)
        run = self._start()
        # No more threads than the gate lets requests through at once.
        threads = min(len(asks), self._client(asks[0]).max_in_flight)
        with ThreadPoolExecutor(threads, PAGE_THREADS) as pool:
            answers = list(pool.map(lambda ask: self._run(one(ask), run), asks))
        return [*result.candidates, *(c for answer in answers for c in candidates_of(answer))]

    def select(self, candidate: Candidate) -> Selection:
        """The party for ``candidate``; a KP candidate is imported into Driver2 first (R8-R10).

        A Driver2 candidate needs no request. A KP candidate is created in Driver2
        (without its VAT number, R10) under an idempotency key, so selecting it
        again never makes a second customer (R8); if it exists already, that
        customer is fetched. If the import fails for any reason, the party is
        still made from the KP data and ``import_error`` says why (R9).

        Example::

            selection = lookup.select(kp_result.candidates[0])  # Ann Peeters, from KP
            assert selection.imported
            assert selection.party.driver2_number == "99992"  # her new number, in the sandbox
        """
        return self._run(select_flow(candidate))

    def vehicle_parties(
        self, *, plate: str | None = None, vin: str | None = None
    ) -> dict[PartyRole, Party]:
        """The owner, driver and lessee of a vehicle, as OWNER, DRIVER and INSURED (R12).

        Give exactly one of ``plate`` and ``vin``. Raises `VehicleNotFoundError`
        if Driver2 has no such vehicle. A role without a customer is left out;
        `apply_vehicle_parties` puts these over the parties you hold.

        Example::

            parties = lookup.vehicle_parties(plate="1-ABC-123")
            assert list(parties) == [PartyRole.OWNER, PartyRole.DRIVER, PartyRole.INSURED]
            assert parties[PartyRole.DRIVER].driver2_number == "74050"  # Thiemen Goderis
        """
        return vehicle_parties_of(self._run(vehicle_flow(plate=plate, vin=vin)))

    def match(
        self, criteria: SearchCriteria, *, role: PartyRole | str | None = None
    ) -> SearchResult:
        """Find the customer a record describes: search wide, then rank (see docs/matching.md).

        The matching counterpart of `search`, for a data engineer's records,
        whose e-mail or phone may have changed since, and whose names may hold
        typos or be swapped. Driver2 is searched with *blocking* criteria (the
        VAT number alone, the last name's start with the postcode, then wider),
        as long as they find nobody clearly the one; the union of what they
        found is ranked against all the criteria (a `MatchRecord`'s address,
        mobile number and legal form too). When Driver2 holds nobody who
        plausibly is the record's person, KP is searched as the KP button
        would (R4-R7). A household member, a namesake or a company is never
        taken for the person: see docs/matching.md.

        ``result.best`` is the candidate when one is clearly the one, and
        ``result.why_no_best`` says why not; ``result.matches`` ranks them all
        with a score and reasons; ``result.blocks`` lists the searches sent,
        ``result.driver2_requests`` what they cost (12 at most).

        Example::

            record = SearchCriteria(
                last_name="Godreis", first_name="Thiemen", postcode="9000", email="t@old.example"
            )
            result = lookup.match(record)  # a typo, and an old e-mail: search finds nobody
            assert result.best is not None
            assert result.best.driver2_number == "74050"  # Thiemen Goderis, all the same
        """
        return self._run(self._results("match", criteria, role))

    def search_many(
        self,
        criteria: Iterable[SearchCriteria],
        *,
        role: PartyRole | str | None = None,
        concurrency: int | None = None,
        ordered: bool = False,
        progress: ProgressOption = False,
        wait_out_outages: bool = False,
    ) -> Iterator[BulkItem[SearchResult]]:
        """`search` each of ``criteria``, many at once; one `BulkItem` per input.

        ``criteria`` is any iterable, read lazily: a million rows never sit in
        memory. Items come as they complete, or in input order with
        ``ordered=True``. One failed search never stops the run: its error is
        on its item. ``concurrency`` caps the searches at once; by default the
        client's gate finds what Driver2 takes.

        ``progress=True`` draws a tqdm bar (done/total, rate, time left, failed
        items; the notebook bar in Jupyter), with the ``driver2-kp[progress]``
        extra installed; a callable is told a `BulkProgress` after each item.

        The searches run in threads (no more than the Driver2 client's
        ``max_in_flight``, or ``concurrency``), through this lookup's own
        clients: their ``http_client`` or transport, their token, and their
        gate, which also holds every other search of this lookup meanwhile. No
        event loop is involved, so it works where one is already running
        (Jupyter, inside ``asyncio.run``). Leaving the loop early (``break``)
        stops the run: no further search starts, none makes another attempt,
        and the threads end before the loop does, once the attempts and waits
        under way are over. ``on_progress`` is called from those threads.

        When Driver2 answers nothing at all, each search fails after the
        outage patience (`ServiceDownError`, ``Timeouts.patience``): right for
        a backend whose user waits. ``wait_out_outages=True`` retries through
        an outage instead, up to each lookup's deadline: right for an overnight
        job.

        Example::

            for item in lookup.search_many(rows, ordered=True, progress=True):
                print(item.index, item.result.total if item.ok else item.error)
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
        criteria: Iterable[SearchCriteria],
        *,
        role: PartyRole | str | None = None,
        concurrency: int | None = None,
        ordered: bool = False,
        progress: ProgressOption = False,
        wait_out_outages: bool = False,
    ) -> Iterator[BulkItem[SearchResult]]:
        """`match` each of ``criteria``, many at once: as `search_many`, one `BulkItem` per input.

        Example::

            best = {item.index: item.result.best for item in lookup.match_many(rows) if item.ok}
        """
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
    def match_frame(
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
    def match_frame(
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
    def match_frame(
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
        """`match` every row of a pandas or polars DataFrame; a frame of the same kind back.

        Columns are read as a `MatchRecord` by name: the criteria
        (``last_name``, ``first_name``, ``postcode``, ``email``, ``phone``,
        ``vat_number``, ``customer_number``, ``country``) and the fields only
        compared (``street``, ``house_number``, ``city``, ``mobile``,
        ``legal_form``); ``columns`` renames others as ``DataFrame.rename`` does
        (``{"Naam": "last_name"}``). An empty cell is "not given". A column
        left unread whose name resembles a field's (``postal_code``, ``Last
        Name``) gets a `UserWarning` naming the field; columns that cannot be
        read (none is a criterion, ``columns`` names a column the frame lacks)
        raise `ColumnError` before any request.

        The frame comes back with one row per input row, in order: its own
        columns, then `MATCH_COLUMNS`: ``source``, ``total``, ``error``; the best
        candidate's ``best_driver2_number``, ``best_kp_id``, ``best_name``,
        ``best_first_name``, ``best_postcode``, ``best_vat_number``; and, best
        or not, the leading candidate's ``lead_driver2_number``, ``lead_kp_id``,
        ``lead_name``, ``lead_first_name``, ``lead_postcode``, ``score``,
        ``margin`` (bits over the runner-up) and ``reasons``, with
        ``why_no_best`` (`NoBestReason`). A row that failed (or whose values are
        no valid record) has its ``error``; the others go on.

        With ``candidates=True``, a pair: that frame, and every candidate of
        every row in long form (``row``, ``rank``, their keys, name, ``score``,
        ``weight`` and ``reasons``), to review by hand.

        Needs the ``driver2-kp[dataframe]`` extra: without pandas and polars,
        raises `ImportError` naming it. ``concurrency``, ``progress`` and
        ``wait_out_outages`` are as in `search_many`.

        Example::

            matched = lookup.match_frame(pd.read_csv("customers.csv", dtype=str), progress=True)
            matched[["last_name", "best_driver2_number", "score", "why_no_best"]]
        """
        table = Table.read(frame, columns)
        items = self.match_many(
            table.valid,
            role=role,
            concurrency=concurrency,
            progress=progress,
            wait_out_outages=wait_out_outages,
        )
        output: Frame | tuple[Frame, Frame] = table.output(
            {item.index: item for item in items}, candidates=candidates
        )
        return output

    def _many(
        self,
        method: BulkMethod,
        criteria: Iterable[SearchCriteria],
        *,
        role: PartyRole | str | None,
        concurrency: int | None,
        ordered: bool,
        progress: ProgressOption,
        wait_out_outages: bool,
    ) -> Iterator[BulkItem[SearchResult]]:
        if isinstance(criteria, AsyncIterable):
            raise TypeError("an async iterable of criteria is for AsyncCustomerLookup")
        checked, window, tally = self._bulk(criteria, role, concurrency, progress)

        def lookup(each: SearchCriteria, stop: Stop) -> SearchResult:
            watching = stop.watching(self._on_progress)
            run = Run(self.deadline, watching, wait_out_outages=wait_out_outages)
            return self._run(self._results(method, each, checked), run)

        # Threads of this lookup's own clients: no more than the gate lets through at once.
        threads = min(window, self._driver2.max_in_flight)
        items = run_threads(lookup, criteria, window=window, threads=threads, ordered=ordered)
        return tallied(items, tally)

    def close(self) -> None:
        """Close the clients, if they were made by `from_settings`."""
        if self._owned:
            try:
                self._driver2.close()
            finally:
                self._kp.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
