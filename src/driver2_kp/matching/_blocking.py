"""Blocking: which searches a match sends to Driver2 and KP, stage by stage.

Driver2 searches names by their start, so a search with the first letters of a
name also finds the whole name, and the typos late in it: each name search
sends a *prefix* (`PREFIX` letters). A prefix that finds more than a page has a
*narrower* search to send instead of reading on: the whole name.

Driver2's stages, strict first; a stage is searched only while no candidate is
clearly the one (a search is left out when its criteria are not given, or when
it was sent already):

1. the VAT number alone; the customer number alone;
2. the last name's prefix with the postcode (no postcode: with the first name's
   prefix; neither: the last name alone);
3. the e-mail, the phone, the mobile number, each alone; the last name's first
   two letters with the first name's prefix (a customer who moved, even with a
   typo in the third letter of the last name); the first name's prefix with the
   postcode (a typo early in the last name), narrowed to the whole first name;
   the prefixes of the names swapped. The last two are left out once a candidate bears the last
   name as typed: it is then neither misspelt nor swapped;
4. on demand, the last name alone, and the postcode alone: how many customers
   share them, when the answer depends on how common they are
   (`census_blocks`).

KP's, when Driver2 holds nobody who plausibly is the record's (R5-R7): the
criteria KP takes, as the KP button sends them; then the last name's first
two letters with the first name's prefix and the postcode (KP needs a last
name: a typo early or late in it; narrowed to the names' prefixes), the
prefixes without the postcode, and the last name alone; a first name given
keeps KP to private persons (R6).
"""

from __future__ import annotations

from typing import Final, TypeVar

import attrs

from driver2_kp._criteria import MatchRecord, SearchCriteria
from driver2_kp._models import CustomerQuery, PersonQuery
from driver2_kp._rules import driver2_query, kp_query

__all__ = ["PREFIX", "Block", "census_blocks", "driver2_blocks", "kp_blocks"]

_KP_SHORTEST: Final = 2
"""KP refuses a last name shorter than this (``NACHNAME_FEHLT``)."""
PREFIX: Final = 3
"""Letters of a name that a blocking search sends: Driver2 and KP find every name they begin."""
SHORT_PREFIX: Final = 2
"""Letters of the last name the search for a customer who moved sends: a typo in its third too."""

Q = TypeVar("Q", CustomerQuery, PersonQuery)


@attrs.frozen
class Block:
    """One blocking search, and the narrower one sent when it finds more than a page."""

    query: CustomerQuery | PersonQuery
    narrower: CustomerQuery | PersonQuery | None = None
    """Sent in place of reading on; its name is whole where ``query``'s is a prefix."""
    for_a_misspelt_name: bool = False
    """Whether it looks for a misspelt or swapped last name: left out once it is found as typed."""


def _start(name: str, letters: int = PREFIX) -> str:
    # Stripped as the wire strips it ("Van Dam"[:3] is "Van"): two blocks never ask the same.
    return name[:letters].rstrip()


def _kp_start(name: str) -> str:
    """The start of a name KP can search: the whole name if its start is too short for KP."""
    start = _start(name)
    return start if len(start) >= _KP_SHORTEST else name


def _block(query: Q, narrower: Q | None = None, *, misspelt: bool = False) -> Block:
    return Block(query, None if narrower == query else narrower, for_a_misspelt_name=misspelt)


def driver2_blocks(record: SearchCriteria) -> list[list[Block]]:
    """The blocking searches of Driver2 for ``record``, stage by stage, none sent twice.

    >>> stages = driver2_blocks(SearchCriteria(last_name="Goderis", first_name="Thiemen"))
    >>> [[(b.query.name, b.query.first_name) for b in stage] for stage in stages]
    [[('God', 'Thi')], [('Thi', 'God')]]
    """
    last, first, postcode = record.last_name, record.first_name, record.postcode
    keys = [
        _block(CustomerQuery(vat_number=record.vat_number)),
        _block(CustomerQuery(customer_number=record.customer_number)),
    ]
    usual: list[Block] = []
    wider = [_block(CustomerQuery(email=record.email)), _block(CustomerQuery(phone=record.phone))]
    if isinstance(record, MatchRecord):
        wider.append(_block(CustomerQuery(phone=record.mobile)))
    if last is not None:
        by_name = CustomerQuery(name=_start(last), first_name=first and _start(first))
        whole = CustomerQuery(name=last, first_name=first)
        if postcode is not None:
            usual.append(
                _block(
                    CustomerQuery(name=_start(last), postcode=postcode),
                    CustomerQuery(name=last, postcode=postcode),
                )
            )
            if first is not None:  # moved
                moved = CustomerQuery(name=_start(last, SHORT_PREFIX), first_name=_start(first))
                wider.append(_block(moved, whole))
        else:
            usual.append(_block(by_name, whole) if first is not None else _block(whole))
        if first is not None:
            if postcode is not None:  # a typo early in the last name
                early = CustomerQuery(first_name=_start(first), postcode=postcode)
                whole_first = CustomerQuery(first_name=first, postcode=postcode)
                wider.append(_block(early, whole_first, misspelt=True))
            swapped = CustomerQuery(name=_start(first), first_name=_start(last))
            whole_swapped = CustomerQuery(name=first, first_name=last)
            wider.append(_block(swapped, whole_swapped, misspelt=True))
    stages = _distinct([keys, usual, wider])
    # Criteria that block nothing (a postcode, a country): the search with all of them (R1).
    return stages if stages or record.is_empty() else [[Block(driver2_query(record))]]


def census_blocks(record: SearchCriteria) -> dict[str, Block]:
    """The searches that count the customers who share the record's last name, or postcode.

    >>> census = census_blocks(SearchCriteria(last_name="Peeters", postcode="2000"))
    >>> {field: (block.query.name, block.query.postcode) for field, block in census.items()}
    {'last_name': ('Peeters', None), 'postcode': (None, '2000')}
    """
    census = {}
    if record.last_name is not None:
        census["last_name"] = Block(CustomerQuery(name=record.last_name))
    if record.postcode is not None:
        census["postcode"] = Block(CustomerQuery(postcode=record.postcode))
    return census


def kp_blocks(record: SearchCriteria) -> list[list[Block]]:
    """The KP searches of a match (R5-R7): one a stage, the criteria KP takes first.

    Then the last name's first two letters with the first name's prefix and
    the postcode: a typo late in the last name, or early (KP needs a last name,
    so Driver2's search by the first name and postcode alone cannot be sent);
    when it finds more than a page, the last name's prefix instead. Then, as
    Driver2's, the names' prefixes without the postcode (moved), swapped, and
    the last name alone. Without a first name or a postcode, the names'
    prefixes (with the postcode, if any) take the two letters' place. A first
    name given keeps every one of them to private persons (R6).

    >>> stages = kp_blocks(SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000"))
    >>> for [block] in stages:
    ...     print(block.query.last_name, block.query.first_name, block.query.postcode)
    Peeters Ann 2000
    Pe Ann 2000
    Pee Ann None
    Ann Pee None
    Peeters None None
    """
    first = kp_query(record)
    kind = first.kind
    last, given = first.last_name, first.first_name
    start = given and _start(given)
    typo = PersonQuery(
        last_name=_kp_start(last), first_name=start, postcode=first.postcode, kind=kind
    )
    moved = PersonQuery(last_name=_kp_start(last), first_name=start, kind=kind)
    shortest = _start(last, _KP_SHORTEST)
    typo_block = Block(typo)
    if start is not None and first.postcode is not None and len(shortest) == _KP_SHORTEST:
        # KP needs a last name: its shortest start finds a typo early in it too, and
        # everyone the longer start finds, which it sends instead when it finds too many.
        early = PersonQuery(
            last_name=shortest, first_name=start, postcode=first.postcode, kind=kind
        )
        typo_block = _block(early, typo)
    stages = [[Block(first)], [typo_block], [Block(moved)]]
    if given is not None and len(_start(given)) >= _KP_SHORTEST:  # swapped, if KP can search it
        swapped = PersonQuery(last_name=_start(given), first_name=_start(last), kind=kind)
        stages.append([_block(swapped, misspelt=True)])
    stages.append([Block(PersonQuery(last_name=last, kind=kind))])
    return _distinct(stages)


def _distinct(stages: list[list[Block]]) -> list[list[Block]]:
    seen: set[CustomerQuery | PersonQuery] = set()
    kept = []
    for stage in stages:
        fresh = []
        for block in stage:
            query = block.query
            if query in seen or (isinstance(query, CustomerQuery) and query.is_empty()):
                continue
            seen.add(query)
            fresh.append(block)
        if fresh:
            kept.append(fresh)
    return kept
