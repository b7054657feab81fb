"""What a lookup gives: the steps it reports, the candidates, results and selections.

Plain immutable values; the rules that make them live in `driver2_kp._rules` and
the flows in `driver2_kp._flows`.
"""

from __future__ import annotations

import enum
import functools
from typing import Final

import attrs

from ._candidate import Candidate
from ._criteria import SearchCriteria
from ._errors import Driver2KPError
from ._models import Customer, CustomerPage, CustomerQuery, PersonPage, PersonQuery
from ._party import Party, PartyRole, Source
from ._redact import redacted_repr
from .matching._score import Match, NoBestReason, Verdict, rank, verdict

__all__ = [
    "PAGE_SIZE",
    "AppliedParties",
    "KPSkipReason",
    "SearchResult",
    "Selection",
    "Step",
]

PAGE_SIZE: Final = 10
"""Candidates per page, from either source: the FAQ's result table shows 10."""


class Step(enum.StrEnum):
    """What a lookup is doing; `Progress` reports it.

    >>> str(Step.SEARCH_DRIVER2)
    'searching Driver2'
    """

    SEARCH_DRIVER2 = "searching Driver2"
    SEARCH_KP = "searching KP"
    NEXT_PAGE = "fetching the next page"
    IMPORT = "importing the KP person into Driver2"
    FETCH_EXISTING = "fetching the existing Driver2 customer"
    LOAD_VEHICLE = "loading the vehicle from Driver2"


class KPSkipReason(enum.StrEnum):
    """Why a `CustomerLookup.search` did not search KP by itself (R3).

    >>> from driver2_kp._rules import kp_skip_reason
    >>> reason = kp_skip_reason(SearchCriteria(email="ann@example.be"))
    >>> reason is KPSkipReason.NO_LAST_NAME, str(reason)
    (True, 'KP needs a last name, and none was given')
    """

    DRIVER2_FOUND_CUSTOMERS = "Driver2 found customers; search_kp searches KP as well"
    NO_LAST_NAME = "KP needs a last name, and none was given"
    LAST_NAME_TOO_SHORT = "KP needs a last name of at least 2 characters"


@redacted_repr(
    "source",
    "total",
    "page",
    "kp_skipped_reason",
    "dropped_for_kp",
    "role",
    "unread",
    "driver2_requests",
    "kp_requests",
)
@attrs.frozen(kw_only=True)
class SearchResult:
    """The answer to `CustomerLookup.search` or `CustomerLookup.search_kp`: one page.

    ``candidates`` all come from ``source``; ``total`` counts the hits there.
    `CustomerLookup.iter_candidates` goes on from here, page by page.

    The answer to `CustomerLookup.match` too: then ``candidates`` are all it
    found, ranked, from Driver2 and, when Driver2 held nobody plausible, KP.

    Example::

        result = lookup.search(SearchCriteria(last_name="Goderis", postcode="9000"))
        assert (result.source, result.total) == (Source.DRIVER2, 1)
        assert result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS
    """

    source: Source
    """Where the candidates come from: Driver2, or KP (asked for, or Driver2 found nobody).

    For a match: KP when it turned to KP, as Driver2 held nobody plausible; its
    ``candidates`` then hold what Driver2 found too.
    """
    candidates: tuple[Candidate, ...]
    """This page of candidates, at most 10."""
    total: int
    """How many candidates ``source`` has for the criteria, on every page (a match: found)."""
    page: int
    """The number of this page, from 1."""
    criteria: SearchCriteria
    """The criteria searched for, normalised."""
    query: CustomerQuery | PersonQuery
    """What was sent to ``source``: a `CustomerQuery` (Driver2) or a `PersonQuery` (KP)."""
    answer: CustomerPage | PersonPage
    """The page as ``source`` answered it."""
    role: PartyRole | None = None
    """The party being filled in, if one was named."""
    kp_skipped_reason: KPSkipReason | None = None
    """Why KP was not searched automatically; ``None`` when it was searched (R3)."""
    dropped_for_kp: tuple[str, ...] = ()
    """When KP was searched: the criteria it was not given (R7), e.g. ``("email",)``."""
    blocks: tuple[CustomerQuery | PersonQuery, ...] = ()
    """For a `CustomerLookup.match`: every search it sent, in order; empty for a search.

    A match's ``candidates`` are the union of what those searches found, and all
    it has: ``total`` counts them, and no further page is fetched for it.
    ``query`` and ``answer`` are those of the first search that found someone.
    """
    unread: int = 0
    """For a match: hits of its searches left unread that could agree better than its leader."""
    counts: tuple[tuple[str, int], ...] = ()
    """For a match: how many Driver2 customers share the record's last name, or its postcode.

    ``(("last_name", 54),)``: a match asks only when its answer depends on how
    common the value is; see docs/matching.md.
    """
    driver2_requests: int = 0
    """For a match: the requests it sent to Driver2, every page counted (at most 12)."""
    kp_requests: int = 0
    """For a match: the requests it sent to KP, every page counted."""

    @property
    def pages(self) -> int:
        """How many pages of 10 the hits fill."""
        return min(self.total, 1) if self.blocks else -(-self.total // PAGE_SIZE)

    @functools.cached_property
    def matches(self) -> tuple[Match, ...]:
        """The candidates ranked by how well they agree with ``criteria``, the best first.

        Each `Match` has a ``score`` in [0, 1] and its ``reasons``; see
        docs/matching.md for the scoring. Computed once, when first read.

        Example::

            result = lookup.search(SearchCriteria(last_name="Goderis", postcode="9000"))
            ranked = [(m.candidate.driver2_number, round(m.score, 3)) for m in result.matches]
            assert ranked == [("74050", 0.941)]  # a last name and a postcode, both equal
        """
        return rank(self.criteria, self.candidates, dict(self.counts))

    @functools.cached_property
    def _verdict(self) -> Verdict:
        unread = self.unread if self.blocks else self.total - len(self.candidates)
        return verdict(self.matches, unread=unread)

    @property
    def best(self) -> Candidate | None:
        """The candidate that is clearly the one searched for, or ``None``.

        ``None`` when nobody was found, when the leader is a company and the
        criteria name a person (or the other way round), when it agrees too
        little (a weak match), when the first two are too close to call (a
        tie), or when hits were left unread (a page of a search that has more,
        a match whose searches found more than it read) unless its VAT or
        customer number is equal: one of those could have been better.
        `why_no_best` says which.

        Example::

            if (customer := result.best) is not None:
                party = lookup.select(customer).party
        """
        return self._verdict.best

    @property
    def why_no_best(self) -> NoBestReason | None:
        """Why `best` is ``None``: a tie, a weak leader, unread hits...; ``None`` when there is one.

        Example::

            quentin = SearchCriteria(last_name="Mertens", first_name="Quentin", postcode="5100")
            result = lookup.search_kp(quentin)  # KP holds two of him, in the sandbox
            assert (result.best, result.why_no_best) == (None, NoBestReason.TIE)
        """
        return self._verdict.why_no_best

    @property
    def margin(self) -> float | None:
        """Bits by which the leading match leads the runner-up; ``None`` with fewer than two."""
        return self._verdict.margin

    def _repr_html_(self) -> str:
        """The FAQ's result table, for Jupyter; `repr` stays redacted for logs."""
        from ._html import search_result_html  # noqa: PLC0415 - the HTML sits above the results

        return search_result_html(self)


@redacted_repr("party", "imported", "import_error", "customer")
@attrs.frozen(kw_only=True)
class Selection:
    """What selecting a candidate gives: the party, and for a KP candidate the import (R8-R10).

    Example::

        selection = lookup.select(kp_result.candidates[0])  # Ann Peeters, from KP
        assert selection.imported
        assert selection.party.driver2_number == "99992"  # her new Driver2 number, in the sandbox
    """

    party: Party
    """The PlanManager party. From KP data for a KP candidate, whatever the import's outcome."""
    imported: bool = False
    """Whether a KP candidate now has its Driver2 customer: created now, or found already there."""
    import_error: Driver2KPError | None = None
    """Why the import failed; the party is then made from the KP data alone (R9).

    When Driver2 answered that the customer exists but it could not be read, the
    party's ``driver2_number`` still names that customer.
    """
    customer: Customer | None = None
    """The Driver2 customer: the one selected, created by the import, or found already there."""


@attrs.frozen
class AppliedParties:
    """The parties after applying a vehicle's over the ones held (R12).

    Example::

        held = {PartyRole.DRIVER: someone}  # held for the driver: not the vehicle's driver
        applied = apply_vehicle_parties(held, lookup.vehicle_parties(plate="1-ABC-123"))
        assert applied.overwritten == {PartyRole.DRIVER}
        assert applied.parties.keys() == {PartyRole.OWNER, PartyRole.DRIVER, PartyRole.INSURED}
    """

    parties: dict[PartyRole, Party]
    """Every party: the vehicle's, and those held for the other roles."""
    overwritten: frozenset[PartyRole]
    """The roles whose held party was replaced by a different one from the vehicle."""
