"""What both lookups hold: the two clients, the deadline, progress, the cache, bulk checks.

`driver2_kp.lookup.CustomerLookup` and `driver2_kp._async_lookup.AsyncCustomerLookup`
derive from `Lookup`; each only performs the asks of the flows, its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal, Self

from ._bulk import Criteria, total_of, window
from ._cache import ResultCache, remembered
from ._client import AsyncClient, SyncClient
from ._criteria import SearchCriteria
from ._deadline import check_seconds
from ._flows import Ask, LookupFlow, search_flow, search_kp_flow
from ._party import Party, PartyDraft, PartyRole, Source
from ._progress import ProgressCallback, ProgressOption, Run, Tally
from ._results import SearchResult
from ._retry import Timeouts
from ._rules import check_role
from ._settings import Settings
from .matching._flow import match_flow

__all__ = ["BulkMethod", "Lookup"]

BulkMethod = Literal["search", "match"]
ResultsMethod = Literal["search", "search_kp", "match"]


_ClientFactory = Callable[[Settings], SyncClient | AsyncClient]


class Lookup:
    """What both facades hold: the two clients, the deadline, the progress callback."""

    _driver2: SyncClient | AsyncClient
    _kp: SyncClient | AsyncClient
    _clients: ClassVar[tuple[_ClientFactory, _ClientFactory]]
    """The Driver2 and KP client classes that `from_settings` makes."""

    def __init__(
        self,
        driver2: SyncClient | AsyncClient,
        kp: SyncClient | AsyncClient,
        *,
        deadline: float | None = None,
        on_progress: ProgressCallback | None = None,
        cache_ttl: float | None = None,
    ) -> None:
        self._driver2 = driver2
        self._kp = kp
        self._cache = None if cache_ttl is None else ResultCache(cache_ttl)
        self.deadline = check_seconds(
            "deadline",
            deadline if deadline is not None else driver2.timeouts.deadline + kp.timeouts.deadline,
        )
        """Seconds one lookup may take, retries and the KP fallback included."""
        self._on_progress = on_progress
        self._owned = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        deadline: float | None = None,
        on_progress: ProgressCallback | None = None,
        cache_ttl: float | None = None,
    ) -> Self:
        """A lookup with its own clients for ``settings``; closing it closes them."""
        # Refused before any client is made.
        if deadline is not None:
            check_seconds("deadline", deadline)
        if cache_ttl is not None:
            check_seconds("cache_ttl", cache_ttl)
        driver2, kp = cls._clients
        lookup = cls(
            driver2(settings),
            kp(settings),
            deadline=deadline,
            on_progress=on_progress,
            cache_ttl=cache_ttl,
        )
        lookup._owned = True
        return lookup

    def clear_cache(self) -> None:
        """Forget the search results kept by ``cache_ttl``; nothing happens without one."""
        if self._cache is not None:
            self._cache.clear()

    def _results(
        self,
        method: ResultsMethod,
        criteria: SearchCriteria | Party | PartyDraft,
        role: PartyRole | str | None,
        page: int = 1,
    ) -> LookupFlow[SearchResult]:
        """The flow of `search`, `search_kp` or `match`; answered by the cache if it keeps one.

        A party, or what was typed into one, fills the search form first (FAQ).
        """
        if not isinstance(criteria, SearchCriteria):
            criteria = SearchCriteria.from_party(criteria)
        if method == "match":
            flow = match_flow(criteria, role=role)
        else:
            paged = search_flow if method == "search" else search_kp_flow
            flow = paged(criteria, role=role, page=page)
        if self._cache is None:
            return flow
        return remembered(self._cache, (method, criteria, check_role(role), page), flow)

    def _start(self) -> Run:
        return Run(self.deadline, self._on_progress)

    def _bulk(
        self,
        criteria: Criteria,
        role: PartyRole | str | None,
        concurrency: int | None,
        progress: ProgressOption,
    ) -> tuple[PartyRole | None, int, Tally]:
        """A bulk run's role, window and tally of progress, checked before anything runs."""
        checked, size = check_role(role), window(concurrency, self._driver2.max_in_flight)
        return checked, size, Tally(progress, total_of(criteria))

    def _client(self, ask: Ask[Any]) -> SyncClient | AsyncClient:
        return self._driver2 if ask.source is Source.DRIVER2 else self._kp

    @staticmethod
    def _timeouts(client: SyncClient | AsyncClient, run: Run) -> Timeouts | None:
        """The timeouts of a call of ``run``: the client's, with no patience to wait outages out."""
        return client.timeouts_for(wait_out_outages=run.wait_out_outages)

    def __repr__(self) -> str:
        clients = f"driver2={self._driver2!r}, kp={self._kp!r}"
        return f"{type(self).__name__}({clients}, deadline={self.deadline:g})"
