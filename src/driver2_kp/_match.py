"""Matching a data engineer's record: search wide with blocking searches, then rank narrow.

`CustomerLookup.search` sends every criterion to Driver2 (R1), which combines
them with AND: a record whose e-mail changed finds nobody. A match instead
sends *blocking* searches, strict ones first, and widens while they find nobody
or no clear best (`driver2_kp._score.best_of`); it ranks the union of what they
found against all the criteria. As in `search`, KP is searched only when
Driver2 answered and found nobody, with the criteria KP takes (R3-R7), and a
service that does not answer raises its error.

The blocking searches, stage by stage (one is left out when its criteria are
not given, or when an earlier stage sent it already):

1. the VAT number alone; the customer number alone;
2. the last name with the postcode (without a postcode: with the first name;
   without either: alone);
3. the last name with the first name (a customer who moved); the first three
   letters of the last name with the postcode (a typo late in the name), and
   with the first name (a typo, and moved); the first name as the last name and
   the other way round (swapped); the e-mail alone; the phone number alone;
4. the last name alone; the first name with the postcode (a typo early in the
   name).

Each search reads its first page (10 candidates). A record therefore costs at
least one Driver2 search and at most 11 (`MOST_DRIVER2_SEARCHES`), and when
Driver2 found nobody at most 3 KP searches more: the criteria KP takes, then the
last name with the postcode, then the last name alone.
"""

from __future__ import annotations

from typing import Final, TypeAlias, TypeVar

from ._criteria import SearchCriteria
from ._errors import CriteriaError, Driver2KPError
from ._flows import KP_FAILED_NOTE, LookupFlow, driver2_ask, kp_ask, later_pages
from ._models import CustomerPage, CustomerQuery, PersonPage, PersonQuery
from ._party import PartyRole, Source
from ._results import KPSkipReason, SearchResult, Step
from ._rules import (
    candidates_of,
    check_criteria,
    check_role,
    driver2_query,
    dropped_for_kp,
    hits_of,
    kp_query,
    kp_skip_reason,
)
from ._score import Match, best_of, match, ranked

__all__ = ["MOST_DRIVER2_SEARCHES", "MOST_KP_SEARCHES", "driver2_blocks", "kp_blocks", "match_flow"]

Q = TypeVar("Q", CustomerQuery, PersonQuery)

PREFIX: Final = 3
"""Letters of the last name that the typo-catching searches send."""
MOST_PAGES: Final = 3
"""Pages of one blocking search read at most (30 candidates); its further hits stay unread."""
MOST_DRIVER2_SEARCHES: Final = 11
MOST_KP_SEARCHES: Final = 3


def driver2_blocks(criteria: SearchCriteria) -> list[list[CustomerQuery]]:
    """The blocking searches of Driver2 for ``criteria``, stage by stage, none sent twice.

    >>> stages = driver2_blocks(SearchCriteria(last_name="Goderis", postcode="9000"))
    >>> [[q.name for q in stage] for stage in stages]
    [['Goderis'], ['God'], ['Goderis']]
    """
    last, first, postcode = criteria.last_name, criteria.first_name, criteria.postcode
    keys = [
        CustomerQuery(vat_number=criteria.vat_number),
        CustomerQuery(customer_number=criteria.customer_number),
    ]
    strict, wider, widest = [], [], []
    if last is not None:
        if postcode is not None:
            strict.append(CustomerQuery(name=last, postcode=postcode))
            if len(last) > PREFIX:  # a typo late in the name
                wider.append(CustomerQuery(name=last[:PREFIX], postcode=postcode))
        else:
            strict.append(CustomerQuery(name=last, first_name=first))
        if first is not None:  # moved; moved with a typo; or the names swapped
            wider[:0] = [CustomerQuery(name=last, first_name=first)]
            if len(last) > PREFIX:
                wider.append(CustomerQuery(name=last[:PREFIX], first_name=first))
            wider.append(CustomerQuery(name=first, first_name=last))
        widest.append(CustomerQuery(name=last))
    wider += [CustomerQuery(email=criteria.email), CustomerQuery(phone=criteria.phone)]
    if first is not None and postcode is not None:  # a typo early in the name
        widest.append(CustomerQuery(first_name=first, postcode=postcode))
    # Criteria that block nothing (a postcode, a country): the search with all of them (R1).
    stages = _distinct([keys, strict, wider, widest])
    return stages if stages or criteria.is_empty() else [[driver2_query(criteria)]]


def kp_blocks(criteria: SearchCriteria) -> list[list[PersonQuery]]:
    """The KP searches of a match, when Driver2 found nobody (R5-R7): one a stage."""
    first = kp_query(criteria)
    kind = first.kind  # a first name given keeps KP to private persons (R6), widened too
    wider = PersonQuery(last_name=first.last_name, postcode=criteria.postcode, kind=kind)
    return _distinct([[first], [wider], [PersonQuery(last_name=first.last_name, kind=kind)]])


def _distinct(stages: list[list[Q]]) -> list[list[Q]]:
    seen: set[Q] = set()
    kept = []
    for stage in stages:
        fresh = []
        for query in stage:
            if query not in seen and not (isinstance(query, CustomerQuery) and query.is_empty()):
                seen.add(query)
                fresh.append(query)
        if fresh:
            kept.append(fresh)
    return kept


def match_flow(
    criteria: SearchCriteria, *, role: PartyRole | str | None = None
) -> LookupFlow[SearchResult]:
    """Search wide, rank narrow: the flow of `CustomerLookup.match`.

    Refused before any request, as a search is: a role that cannot be loaded
    (R11), no criterion at all.
    """
    checked = check_role(role)
    check_criteria(criteria)
    if criteria.is_empty():
        raise CriteriaError("criteria", "a match needs at least one criterion")
    union = _Union(criteria)
    for stage in driver2_blocks(criteria):
        for query in stage:
            union.add(query, (yield from _block(query)))
        if union.is_clear():
            break
    reason = KPSkipReason.DRIVER2_FOUND_CUSTOMERS if union.found else kp_skip_reason(criteria)
    if reason is not None:
        return union.result(checked, reason)
    union.turn_to_kp()
    for kp_stage in kp_blocks(criteria):
        for person_query in kp_stage:
            try:
                persons = yield from _block(person_query)
            except Driver2KPError as error:
                error.add_note(KP_FAILED_NOTE)
                raise
            union.add(person_query, persons)
        if union.is_clear():
            break
    return union.result(checked, None)


Page: TypeAlias = CustomerPage | PersonPage


def _block(query: CustomerQuery | PersonQuery) -> LookupFlow[list[Page]]:
    """One blocking search: its first `MOST_PAGES` pages, one after the other."""
    first: Page = yield from (
        driver2_ask(query, 1, Step.SEARCH_DRIVER2)
        if isinstance(query, CustomerQuery)
        else kp_ask(query, 1)
    )
    pages = [first]
    for ask in later_pages(query, first)[: MOST_PAGES - 1]:
        pages.append((yield from ask))
    return pages


class _Union:
    """What a match's blocking searches found so far, and what they were."""

    def __init__(self, criteria: SearchCriteria) -> None:
        self.criteria = criteria
        self.found: dict[str, Match] = {}
        """Each candidate found, by its key, scored once against the criteria."""
        self.sent: list[CustomerQuery | PersonQuery] = []
        self.unread = 0
        """Hits of the searches beyond the pages read."""
        self.shown: tuple[CustomerQuery | PersonQuery, Page] | None = None
        """The first search that found someone, or else the last one sent."""

    def add(self, query: CustomerQuery | PersonQuery, pages: list[Page]) -> None:
        """What one search found, on the pages read."""
        self.sent.append(query)
        read = 0
        for page in pages:
            read += len(page.items)
            for candidate in candidates_of(page):
                key = candidate.driver2_number or candidate.kp_id or ""
                if key not in self.found:
                    self.found[key] = match(self.criteria, candidate)
        self.unread += max(hits_of(pages[0]) - read, 0)
        if self.shown is None or not self.shown[1].items:
            self.shown = (query, pages[0])

    def turn_to_kp(self) -> None:
        """Driver2 found nobody: what KP finds, or that it found nobody, is the answer now."""
        self.shown = None

    def is_clear(self) -> bool:
        """Whether one candidate is clearly the one: no need to search wider."""
        return best_of(ranked(self.found.values()), unread=self.unread) is not None

    def result(self, role: PartyRole | None, reason: KPSkipReason | None) -> SearchResult:
        """The match's answer: every candidate found, the searches sent."""
        assert self.shown is not None  # every match sends one search at least
        query, answer = self.shown
        kp = isinstance(answer, PersonPage)
        return SearchResult(
            source=Source.KP if kp else Source.DRIVER2,
            candidates=tuple(found.candidate for found in self.found.values()),
            total=len(self.found),
            page=1,
            criteria=self.criteria,
            query=query,
            answer=answer,
            role=role,
            kp_skipped_reason=reason,
            dropped_for_kp=dropped_for_kp(self.criteria) if kp else (),
            blocks=tuple(self.sent),
            unread=self.unread,
        )
