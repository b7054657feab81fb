"""What a lookup gives: the steps it reports, the candidates, results and selections.

Plain immutable values; the rules that make them live in `driver2_kp._rules` and
the flows in `driver2_kp._flows`.
"""

from __future__ import annotations

import enum
import functools
from typing import Final

import attrs

from ._criteria import SearchCriteria
from ._errors import Driver2KPError
from ._html import candidate_html, search_result_html
from ._models import Customer, CustomerPage, CustomerQuery, Person, PersonPage, PersonQuery
from ._party import Party, PartyRole, Source
from ._redact import redacted_repr
from ._score import Match, best_of, rank

__all__ = [
    "PAGE_SIZE",
    "AppliedParties",
    "Candidate",
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


@redacted_repr("source", "driver2_number", "kp_id")
@attrs.frozen(kw_only=True)
class Candidate:
    """One row of PlanManager's result table: a Driver2 customer or a KP person.

    ``record`` is the whole `Customer` or `Person` it came from; hand the
    candidate to `CustomerLookup.select` to turn it into a party.

    Example::

        [(c.name, c.first_name, c.driver2_number) for c in result.candidates]
        # [('Goderis', 'Thiemen', '74050')]
    """

    source: Source
    name: str
    """Last name, or company name."""
    record: Customer | Person
    first_name: str | None = None
    driver2_number: str | None = None
    """The Driver2 customer number, for a Driver2 candidate."""
    kp_id: str | None = None
    postcode: str | None = None
    phone: str | None = None
    """The phone number, or else the mobile one."""
    email: str | None = None
    vat_number: str | None = None

    def _repr_html_(self) -> str:
        """Its row of the FAQ's result table, for Jupyter; `repr` stays redacted for logs."""
        return candidate_html(self)


@redacted_repr(
    "source",
    "total",
    "page",
    "kp_skipped_reason",
    "dropped_for_kp",
    "role",
    "unread",
)
@attrs.frozen(kw_only=True)
class SearchResult:
    """The answer to `CustomerLookup.search` or `CustomerLookup.search_kp`: one page.

    ``candidates`` all come from ``source``; ``total`` counts the hits there.
    `CustomerLookup.iter_candidates` goes on from here, page by page.

    Example::

        result.source, result.total, result.kp_skipped_reason
        # (<Source.DRIVER2: 'driver2'>, 1, <KPSkipReason.DRIVER2_FOUND_CUSTOMERS: ...>)
    """

    source: Source
    """Where the candidates come from: Driver2, or KP (asked for, or Driver2 found nobody)."""
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
    """For a match: hits of its searches beyond the pages it read (3 a search)."""

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

            [(m.candidate.driver2_number, round(m.score, 3)) for m in result.matches]
            # [('74050', 0.999)]
        """
        return rank(self.criteria, self.candidates)

    @property
    def best(self) -> Candidate | None:
        """The candidate that is clearly the one searched for, or ``None``.

        ``None`` when nobody was found, when the first two are too close to
        call (a tie), when the best agrees too little (a weak match), or when
        hits were left unread (a page of a search that has more, a match whose
        searches found more than it read) unless its VAT or customer number is
        equal: one of those could have been better.

        Example::

            if (customer := result.best) is not None:
                party = lookup.select(customer).party
        """
        unread = self.unread if self.blocks else self.total - len(self.candidates)
        return best_of(self.matches, unread=unread)

    def _repr_html_(self) -> str:
        """The FAQ's result table, for Jupyter; `repr` stays redacted for logs."""
        return search_result_html(self)


@redacted_repr("party", "imported", "import_error", "customer")
@attrs.frozen(kw_only=True)
class Selection:
    """What selecting a candidate gives: the party, and for a KP candidate the import (R8-R10).

    Example::

        selection = lookup.select(kp_result.candidates[0])
        selection.imported, selection.party.driver2_number
        # (True, '100001')
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

        applied = apply_vehicle_parties(held, lookup.vehicle_parties(plate="1-ABC-123"))
        applied.overwritten
        # frozenset({<PartyRole.DRIVER: 'driver'>})
    """

    parties: dict[PartyRole, Party]
    """Every party: the vehicle's, and those held for the other roles."""
    overwritten: frozenset[PartyRole]
    """The roles whose held party was replaced by a different one from the vehicle."""
