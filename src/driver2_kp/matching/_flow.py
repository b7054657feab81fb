"""The flow of `CustomerLookup.match`: search wide in blocks, rank narrow, stop when clear.

A sans-I/O flow, as the lookups' others (`driver2_kp._flows`): it yields each
search to make and is sent its answer. Each block's first page is read; a block
that finds more than a page sends its narrower search instead of reading on, or
reads on (`MOST_PAGES` pages) when it has none. After each search the candidates
found so far are ranked; the match stops as soon as one is clearly the one.

Driver2 is searched first. When it holds nobody who plausibly is the record's
(`driver2_kp.matching._score.is_plausible`), KP is searched with the criteria it
takes (R3-R7); its candidates join Driver2's. A service that does not answer
raises its error: a failure is never an empty match.

A record costs at most `MOST_DRIVER2_REQUESTS` Driver2 requests, every page
counted, and at most `MOST_KP_REQUESTS` KP ones.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Final, TypeAlias

from driver2_kp._candidate import Candidate
from driver2_kp._criteria import SearchCriteria
from driver2_kp._errors import CriteriaError, Driver2KPError
from driver2_kp._flows import LookupFlow, driver2_ask, kp_ask, later_pages
from driver2_kp._models import CustomerPage, CustomerQuery, LegalForm, PersonPage, PersonQuery
from driver2_kp._party import PartyRole, Source
from driver2_kp._results import KPSkipReason, SearchResult, Step
from driver2_kp._rules import (
    candidates_of,
    check_criteria,
    check_role,
    dropped_for_kp,
    hits_of,
    kp_skip_reason,
)

from ._blocking import Block, census_blocks, driver2_blocks, kp_blocks
from ._normal import fold_name
from ._score import Match, is_plausible, match, ranked, record_kind, verdict

__all__ = [
    "KP_FAILED_NOTE",
    "MOST_DRIVER2_REQUESTS",
    "MOST_KP_REQUESTS",
    "MOST_PAGES",
    "match_flow",
]

MOST_PAGES: Final = 3
"""Pages of one blocking search read at most (30 candidates); its further hits stay unread."""
MOST_DRIVER2_REQUESTS: Final = 12
"""Driver2 requests one record may cost, every page counted."""
MOST_KP_REQUESTS: Final = 9
"""KP requests one record may cost, every page counted."""
KP_FAILED_NOTE: Final = (
    "Driver2 answered and held nobody who plausibly is the record's person; the KP search "
    "of the match then failed, so whether KP knows them is not known"
)
_MANY: Final = 1_000_000
"""A count as large as any Driver2 holds: the most common name or postcode there is."""

Page: TypeAlias = CustomerPage | PersonPage
Query: TypeAlias = CustomerQuery | PersonQuery


class _State(enum.Enum):
    CLEAR = "one candidate is clearly the one"
    DEPENDS = "the answer depends on how common the last name is"
    UNCLEAR = "nobody is clearly the one yet"


def match_flow(
    criteria: SearchCriteria, *, role: PartyRole | str | None = None
) -> LookupFlow[SearchResult]:
    """Search wide, rank narrow: the flow of `CustomerLookup.match`.

    Refused before any request, as a search is: a role that cannot be loaded
    (R11), criteria that are no `SearchCriteria`, no criterion at all.
    """
    checked = check_role(role)
    check_criteria(criteria)
    blocks = driver2_blocks(criteria)
    if not blocks:  # a MatchRecord's mobile number alone is searched: it is no empty record
        raise CriteriaError("criteria", "a match needs at least one criterion")
    union = _Union(criteria)
    state = _State.UNCLEAR
    for block in _each(blocks):
        if union.spent(block.query):
            break
        if union.needless(block):
            continue
        yield from _search(union, block)
        state = yield from _settled(union)
        if state is _State.CLEAR:
            break
    if state is _State.CLEAR or any(is_plausible(m) for m in union.ranked()):
        return union.result(checked, KPSkipReason.DRIVER2_FOUND_CUSTOMERS)
    reason = kp_skip_reason(criteria)
    if reason is not None:
        return union.result(checked, reason)
    union.turn_to_kp()
    for block in _each(kp_blocks(criteria)):
        if union.spent(block.query):
            break
        if union.needless(block):
            continue
        try:
            yield from _search(union, block)
        except Driver2KPError as error:
            error.add_note(KP_FAILED_NOTE)
            raise
        if (yield from _settled(union)) is _State.CLEAR:  # Driver2 counts how common
            break
    return union.result(checked, None)


def _each(stages: list[list[Block]]) -> Iterator[Block]:
    return (block for stage in stages for block in stage)


def _settled(union: _Union) -> LookupFlow[_State]:
    """The union's state, once what its answer depends on is counted: one search a value."""
    state = union.state()
    census = census_blocks(union.criteria)
    while state is _State.DEPENDS:
        field = union.uncounted()[0]
        union.asked.add(field)
        query = census[field].query
        if query in union.hits:  # a block searched the value alone: its answer counted it
            union.counts[field] = union.hits[query]
        elif not union.spent(query):
            first = yield from _ask(union, query, 1)
            union.add(query, [first], counted=field)
        state = union.state()
    return state


def _ask(union: _Union, query: Query, page: int) -> LookupFlow[Page]:
    if query not in union.sent:  # in the order sent: a block before the narrower search
        union.sent.append(query)
    if isinstance(query, CustomerQuery):
        union.driver2_requests += 1
        step = Step.SEARCH_DRIVER2 if page == 1 else Step.NEXT_PAGE
        return (yield from driver2_ask(query, page, step))
    union.kp_requests += 1
    return (yield from kp_ask(query, page, Step.SEARCH_KP if page == 1 else Step.NEXT_PAGE))


def _search(union: _Union, block: Block) -> LookupFlow[None]:
    """One blocking search: its first page; then its narrower search, or its further pages."""
    first = yield from _ask(union, block.query, 1)
    if hits_of(first) <= len(first.items):
        union.add(block.query, [first])
        return
    narrower = block.narrower
    if narrower is not None and narrower not in union.sent and not union.spent(narrower):
        union.add(narrower, (yield from _pages(union, narrower)))
        if any(is_plausible(m) and _finds(narrower, m) for m in union.ranked()):
            union.add(block.query, [first], covered=narrower)
            return
    union.add(block.query, [first, *(yield from _pages(union, block.query, first))])


def _pages(union: _Union, query: Query, first: Page | None = None) -> LookupFlow[list[Page]]:
    """The pages of ``query`` after ``first``; all of them, its first too, without one.

    No more than `MOST_PAGES` in all, and none beyond the record's budget.
    """
    pages = []
    if first is None:
        first = yield from _ask(union, query, 1)
        pages.append(first)
    for ask in later_pages(query, first)[: MOST_PAGES - 1]:
        if union.spent(query):
            break
        union.count_request(query)
        pages.append((yield from ask))
    return pages


class _Union:
    """What a match's blocking searches found so far, and what they were."""

    def __init__(self, criteria: SearchCriteria) -> None:
        self.criteria = criteria
        self.found: dict[str, Candidate] = {}
        """Each candidate found, by its key."""
        self.sent: list[Query] = []
        """Every search sent, in the order sent."""
        self.hits: dict[Query, int] = {}
        """How many hits each search sent had."""
        self.unread: list[tuple[int, Query | None]] = []
        """Hits of a search beyond the pages read, and the narrower search that covers them."""
        self.counts: dict[str, int] = {}
        """How many customers share the record's last name, or postcode, once counted."""
        self.asked: set[str] = set()
        """The fields whose count was asked for (or could not be, the budget spent)."""
        self.driver2_requests = 0
        self.kp_requests = 0
        self.shown: tuple[Query, Page] | None = None
        """The first search that found someone, or else the last one sent."""
        self._scored: dict[tuple[str, LegalForm | None, tuple[tuple[str, int], ...]], Match] = {}
        """Each candidate's match, by its key, the record's kind and the counts assumed."""

    def spent(self, query: Query) -> bool:
        """Whether the record's budget of requests to ``query``'s service is spent."""
        if isinstance(query, CustomerQuery):
            return self.driver2_requests >= MOST_DRIVER2_REQUESTS
        return self.kp_requests >= MOST_KP_REQUESTS

    def needless(self, block: Block) -> bool:
        """Whether ``block`` need not be sent.

        It was sent already, as an earlier block's narrower search; or it looks
        for a misspelt or swapped last name, and a candidate bears it as typed.
        """
        if block.query in self.sent:
            return True
        return block.for_a_misspelt_name and self.bears_the_last_name()

    def bears_the_last_name(self) -> bool:
        """Whether a candidate found bears the record's last name as typed (folded)."""
        name = self.criteria.last_name
        wanted = None if name is None else fold_name(name)
        return any(fold_name(candidate.name) == wanted for candidate in self.found.values())

    def count_request(self, query: Query) -> None:
        if isinstance(query, CustomerQuery):
            self.driver2_requests += 1
        else:
            self.kp_requests += 1

    def add(
        self, query: Query, pages: list[Page], *, covered: Query | None = None, counted: str = ""
    ) -> None:
        """What one search found, on the pages read."""
        read = 0
        for page in pages:
            read += len(page.items)
            for candidate in candidates_of(page):
                self.found.setdefault(candidate.driver2_number or candidate.kp_id or "", candidate)
        hits = self.hits[query] = hits_of(pages[0])
        if counted:  # its unread hits are others with the value: the other searches found theirs
            self.counts[counted] = hits
        elif hits > read:
            self.unread.append((hits - read, covered))
        if self.shown is None or not self.shown[1].items:
            self.shown = (query, pages[0])

    def turn_to_kp(self) -> None:
        """Driver2 holds nobody plausible: what KP finds, or that it found nobody, is the answer."""
        self.shown = None

    def ranked(self, assumed: dict[str, int] | None = None) -> tuple[Match, ...]:
        """Every candidate found, scored and ranked; each score computed once, then kept."""
        counts = self.counts if assumed is None else {**self.counts, **assumed}
        kind = record_kind(self.criteria, self.found.values())
        frozen = tuple(sorted(counts.items()))
        matches = []
        for key, candidate in self.found.items():
            kept = self._scored.get((key, kind, frozen))
            if kept is None:
                kept = match(self.criteria, candidate, kind=kind, counts=counts)
                self._scored[key, kind, frozen] = kept
            matches.append(kept)
        return ranked(matches)

    def uncounted(self, leader: Match | None = None) -> list[str]:
        """The fields whose count could move the leader's weight, not asked for yet."""
        if leader is None:
            matches = self.ranked()
            leader = matches[0] if matches else None
        if leader is None:
            return []
        census = census_blocks(self.criteria)
        return [
            field
            for field in census
            if field not in self.asked and f"{field} equal" in leader.reasons
        ]

    def unread_for(self, leader: Match | None) -> int:
        """Unread hits that could agree better than ``leader``: those no narrower search covers."""
        return sum(
            hits for hits, covered in self.unread if covered is None or not _finds(covered, leader)
        )

    def state(self) -> _State:
        """Whether one candidate is clearly the one, whatever the counts not asked for."""
        matches = self.ranked()
        leader = matches[0] if matches else None
        open_ = self.uncounted(leader)
        if not open_:
            best = verdict(matches, unread=self.unread_for(leader)).best
            return _State.CLEAR if best is not None else _State.UNCLEAR
        outcomes = set()
        for assumed in (1, _MANY):  # as rare, and as common, as a value can be
            ranked = self.ranked(dict.fromkeys(open_, assumed))
            top = ranked[0] if ranked else None
            outcomes.add(verdict(ranked, unread=self.unread_for(top)).best is not None)
        if outcomes == {True}:
            return _State.CLEAR
        return _State.DEPENDS if len(outcomes) > 1 else _State.UNCLEAR

    def result(self, role: PartyRole | None, reason: KPSkipReason | None) -> SearchResult:
        """The match's answer: every candidate found, the searches sent."""
        assert self.shown is not None  # every match sends one search at least
        query, answer = self.shown
        kp = isinstance(answer, PersonPage)
        matches = self.ranked()
        return SearchResult(
            source=Source.KP if kp else Source.DRIVER2,
            candidates=tuple(m.candidate for m in matches),
            total=len(self.found),
            page=1,
            criteria=self.criteria,
            query=query,
            answer=answer,
            role=role,
            kp_skipped_reason=reason,
            dropped_for_kp=dropped_for_kp(self.criteria) if kp else (),
            blocks=tuple(self.sent),
            unread=self.unread_for(matches[0] if matches else None),
            counts=tuple(sorted(self.counts.items())),
            driver2_requests=self.driver2_requests,
            kp_requests=self.kp_requests,
        )


def _finds(query: Query, leader: Match | None) -> bool:
    """Whether ``query`` finds the ``leader``: the hits it leaves out agree less on the names."""
    if leader is None:
        return False
    found = leader.candidate
    pairs = (
        (query.name if isinstance(query, CustomerQuery) else query.last_name, found.name),
        (query.first_name, found.first_name),
    )
    for given, theirs in pairs:
        if given is not None and not fold_name(theirs or "").startswith(fold_name(given)):
            return False
    postcode = query.postcode
    return postcode is None or postcode == found.postcode
