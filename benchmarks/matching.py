"""Benchmark: how well matching finds 1,000 customers from records corrupted as real data is.

Draws 1,000 Driver2 customers from the sandbox and makes of each the record a
data engineer would hold, corrupted at random (seeded, so every run is the
same): typos and dropped accents in names, stale e-mails and phones, first and
last name swapped, missing postcodes, "Van de" spelled "Vande" (and back), and
customers who moved (another postcode). It
matches them with ``match_frame`` and prints, as record linkage is measured:

- precision: of the records where ``best`` names a customer, the share where it
  is the right one (goal: at least 98 %);
- recall: the share of all records whose right customer ``best`` names (goal:
  at least 90 %);
- the confusion counts: right, wrong, and no best;

next to the same figures for plain ``search`` with every criterion. Traffic
goes only to the sandbox it starts on 127.0.0.1.

    python benchmarks/matching.py

The sandbox answers at once here (no latency): this measures the quality of the
matches, not their speed. A ``search`` that finds nobody in Driver2 falls back to
KP (R3); its KP ``best`` counts as wrong, as a Driver2 customer was wanted.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Iterable, Iterator

import attrs
import pandas as pd

from driver2_kp import Candidate, CustomerLookup, SearchCriteria
from driver2_kp.sandbox import Sandbox, SandboxConfig
from driver2_kp.sandbox._data import generate

RECORDS = 1000
_POSTCODES = ("1000", "2000", "3000", "8000", "9000")
"""Where a customer who moved lives now (corrupted records keep their old e-mail and phone)."""
_COLUMNS = ("last_name", "first_name", "postcode", "email", "phone", "vat_number")
SEED = 20261201
PRECISION_GOAL = 0.98
RECALL_GOAL = 0.90
CORRUPTIONS = {
    "typo in the last name": 0.20,
    "typo in the first name": 0.10,
    "accents dropped": 0.50,
    "stale e-mail": 0.30,
    "stale phone": 0.30,
    "names swapped": 0.10,
    "postcode missing": 0.20,
    "moved": 0.10,
    "Van de / Vande": 0.60,
}
"""How often each corruption is applied to a record (independently)."""


@attrs.frozen
class Record:
    """One corrupted record, and the customer number it truly belongs to."""

    truth: str
    criteria: SearchCriteria
    corruptions: tuple[str, ...]


@attrs.frozen
class Linkage:
    """How one way of matching did on the records: the confusion counts."""

    method: str
    right: int
    wrong: int
    no_best: int
    seconds: float

    @property
    def precision(self) -> float:
        """When ``best`` names someone, how often it is the right customer."""
        named = self.right + self.wrong
        return self.right / named if named else 1.0

    @property
    def recall(self) -> float:
        """How often ``best`` names the right customer, of all records."""
        return self.right / (self.right + self.wrong + self.no_best)


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    at = rng.randrange(1, len(text) - 1)  # keep the first letter: people rarely mistype it
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    if kind == "drop":
        return text[:at] + text[at + 1 :]
    if kind == "double":
        return text[:at] + text[at] + text[at:]
    return text[:at] + rng.choice("aeiounrst") + text[at + 1 :]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _vande(name: str) -> str:
    for spaced, joined in (("Van de ", "Vande"), ("Van den ", "Vanden"), ("Van der ", "Vander")):
        if name.startswith(spaced):
            return joined + name[len(spaced) :].lower()
        if name.startswith(joined) and len(name) > len(joined):
            return spaced + name[len(joined) :].capitalize()
    return name


def _stale_email(email: str, rng: random.Random) -> str:
    return f"{rng.choice(('old', 'info', 'mail'))}{rng.randrange(100)}@{email.split('@', 1)[1]}"


def _stale_phone(rng: random.Random) -> str:
    return f"+3247{rng.randrange(10_000_000):07d}"


def records(customers: Iterable[dict[str, object]], rng: random.Random) -> Iterator[Record]:
    """A corrupted record for each customer (a JSON object as Driver2 gives it)."""
    for customer in customers:
        applied = tuple(name for name, share in CORRUPTIONS.items() if rng.random() < share)
        last, first = str(customer["name"]), customer.get("firstName")
        address = customer["address"]
        assert isinstance(address, dict)
        postcode: object = address.get("postcode")
        email, phone = customer.get("email"), customer.get("phone") or customer.get("mobile")
        if "Van de / Vande" in applied:
            last = _vande(last)
        if "typo in the last name" in applied:
            last = _typo(last, rng)
        if "typo in the first name" in applied and isinstance(first, str):
            first = _typo(first, rng)
        if "accents dropped" in applied:
            last, first = _plain(last), _plain(first) if isinstance(first, str) else first
        if "names swapped" in applied and isinstance(first, str):
            last, first = first, last
        if "moved" in applied:
            postcode = rng.choice(_POSTCODES)
        if "postcode missing" in applied:
            postcode = None
        if "stale e-mail" in applied and isinstance(email, str):
            email = _stale_email(email, rng)
        if "stale phone" in applied and phone:
            phone = _stale_phone(rng)
        criteria = SearchCriteria(
            last_name=last,
            first_name=first if isinstance(first, str) else None,
            postcode=postcode if isinstance(postcode, str) else None,
            email=email if isinstance(email, str) else None,
            phone=phone if isinstance(phone, str) else None,
            vat_number=customer.get("vatNumber") if rng.random() < 0.5 else None,  # type: ignore[arg-type]
        )
        yield Record(str(customer["customerNumber"]), criteria, applied)


def draw(config: SandboxConfig, count: int, rng: random.Random) -> list[Record]:
    """``count`` corrupted records of customers drawn from the data of a sandbox of ``config``."""
    dataset = generate(config.seed, config.customers, config.persons)
    return list(records(rng.sample(list(dataset.customers), count), rng))


def _count(
    method: str, bests: Iterable[str | None], batch: list[Record], seconds: float
) -> Linkage:
    right = wrong = no_best = 0
    for record, best in zip(batch, bests, strict=True):
        if best is None:
            no_best += 1
        elif best == record.truth:
            right += 1
        else:
            wrong += 1
    return Linkage(method, right, wrong, no_best, seconds)


def _frame(batch: list[Record]) -> pd.DataFrame:
    """The records as a data engineer holds them: a DataFrame of text, blanks for the unknown."""
    rows = [{name: getattr(r.criteria, name) or "" for name in _COLUMNS} for r in batch]
    return pd.DataFrame(rows, columns=list(_COLUMNS))


def run(count: int = RECORDS) -> list[Linkage]:
    """Match ``count`` corrupted records with ``match_frame``, then search them; both linkages."""
    config = SandboxConfig(driver2_latency=0.0, kp_latency=0.0)
    batch = draw(config, count, random.Random(SEED))
    with Sandbox(config) as sandbox, CustomerLookup.from_settings(sandbox.settings) as lookup:
        started = time.perf_counter()
        matched = lookup.match_frame(_frame(batch))
        seconds = time.perf_counter() - started
        bests = [
            _named(None if pd.isna(n) else str(n), None if pd.isna(k) else str(k))
            for n, k in zip(matched["best_driver2_number"], matched["best_kp_id"], strict=True)
        ]
        linkages = [_count("match", bests, batch, seconds)]
        started = time.perf_counter()
        items = lookup.search_many([r.criteria for r in batch], ordered=True)
        searched = [_driver2_number(item.result.best if item.result else None) for item in items]
        linkages.append(_count("search", searched, batch, time.perf_counter() - started))
        return linkages


def _driver2_number(best: Candidate | None) -> str | None:
    return None if best is None else _named(best.driver2_number, best.kp_id)


def _named(driver2_number: str | None, kp_id: str | None) -> str | None:
    """Whom a best names: a Driver2 customer, or a KP person (never the one wanted here)."""
    return driver2_number or (f"KP {kp_id}" if kp_id else None)


def report(linkage: Linkage) -> None:
    """Print one linkage's precision, recall and confusion counts."""
    print(
        f"{linkage.method:>6}: precision {linkage.precision:6.1%} "
        f"(goal >= {PRECISION_GOAL:.0%}), "
        f"recall {linkage.recall:6.1%} (goal >= {RECALL_GOAL:.0%}); "
        f"right {linkage.right}, wrong {linkage.wrong}, no best {linkage.no_best}; "
        f"{linkage.seconds:.1f} s"
    )


def main() -> None:
    """Print precision, recall and the confusion counts of matching and of plain search."""
    for linkage in run():
        report(linkage)


if __name__ == "__main__":
    main()
