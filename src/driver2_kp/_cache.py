"""An optional cache of search results per lookup, so that re-running a notebook cell asks nothing.

Off by default: a lookup made with ``cache_ttl=`` keeps each `SearchResult` of
`search`, `search_kp` and `match` (and of their bulk forms) for that many
seconds, keyed by what was asked. Only answers are kept, never an error; a
selection (which writes to Driver2) is never cached. cachetools' `TTLCache`
keeps the entries; a lock makes it safe for the threads of one lookup.
`remembered` wraps a flow: a kept result ends it before its first ask.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Final

from cachetools import TTLCache

from ._deadline import check_seconds
from ._flows import LookupFlow
from ._results import SearchResult

__all__ = ["MOST_CACHED", "ResultCache", "remembered"]

MOST_CACHED: Final = 10_000
"""Results a cache keeps at most; the least recently used go first."""


class ResultCache:
    """Search results by what was asked, each kept ``ttl`` seconds."""

    def __init__(
        self, ttl: float, *, size: int = MOST_CACHED, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = check_seconds("cache_ttl", ttl)
        self._entries: TTLCache[Hashable, SearchResult] = TTLCache(size, self.ttl, timer=clock)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> SearchResult | None:
        """The result kept for ``key``, if it is younger than the TTL."""
        with self._lock:
            return self._entries.get(key)

    def put(self, key: Hashable, result: SearchResult) -> None:
        """Keep ``result`` for ``key``."""
        with self._lock:
            self._entries[key] = result

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def remembered(
    cache: ResultCache, key: Hashable, flow: LookupFlow[SearchResult]
) -> LookupFlow[SearchResult]:
    """``flow``, unless ``cache`` keeps a result for ``key``; its result kept for next time.

    A key that cannot be hashed (criteria given as a dict) is not kept: the flow
    refuses such criteria with `CriteriaError`.
    """
    try:
        hash(key)
    except TypeError:
        return (yield from flow)
    kept = cache.get(key)
    if kept is not None:
        return kept
    result = yield from flow
    cache.put(key, result)
    return result
