"""Further pages of a result (R2): one at a time, as they are wanted (or ahead), or all at once."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import Final, Generic, TypeVar

from ._errors import ConfigurationError
from ._flows import Ask, LookupFlow
from ._models import CustomerPage, PersonPage

__all__ = ["PAGE_THREADS", "LookAhead", "check_ahead", "one"]

T = TypeVar("T")


def one(ask: Ask[T]) -> LookupFlow[T]:
    """A flow of one ask, giving its answer: a further page."""
    return (yield from ask)


PAGE_THREADS: Final = "driver2-kp-page"
F = TypeVar("F")


class LookAhead(Generic[F]):
    """Which page fetches to start, and which to wait for next: ``ahead`` pages ahead.

    ``start`` begins fetching one page (a thread's future, a task); the shells
    only wait for what `take` gives, then `refill`. With ``ahead=0`` a page is
    begun only when `take` asks for it. What is still `coming` when the caller
    leaves is no one's to wait for: the shells call it off or leave it be.
    """

    def __init__(
        self,
        asks: list[Ask[CustomerPage] | Ask[PersonPage]],
        ahead: int,
        start: Callable[[Ask[CustomerPage] | Ask[PersonPage]], F],
    ) -> None:
        self._asks = iter(asks)
        self._ahead = check_ahead(ahead)
        self._start = start
        self.coming: deque[F] = deque(start(a) for a in islice(self._asks, self._ahead))
        """The fetches under way, the next page's first."""

    def take(self) -> F | None:
        """The fetch of the next page (begun now, if none is ahead), or ``None`` after the last."""
        if not self.coming:
            ask = next(self._asks, None)
            if ask is None:
                return None
            self.coming.append(self._start(ask))
        return self.coming.popleft()

    def refill(self) -> None:
        """With a page in hand, begin the one that keeps ``ahead`` pages coming."""
        self.coming.extend(self._start(a) for a in islice(self._asks, min(self._ahead, 1)))


def check_ahead(ahead: int) -> int:
    if isinstance(ahead, bool) or not isinstance(ahead, int) or ahead < 0:
        raise ConfigurationError(f"ahead must be a whole number of pages >= 0, not {ahead!r}")
    return ahead
