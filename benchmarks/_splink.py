"""The Splink side of the matching benchmark: the same records, linked by Splink.

The peer of the public-data run of ``benchmarks/matching.py``: the records our
library matches against the customer database are linked to the same database,
on the same fields and in the same run, by `Splink
<https://github.com/moj-analytical-services/splink>`_ 5 (DuckDB backend, both
tables in memory). Splink is set up unsupervised, as in its own FEBRL demo,
"Linking the febrl4 datasets" (``docs/demos/examples/duckdb/febrl4.ipynb``), whose
detailed model it follows on our fields:

- link only: database against records, never within a side;
- comparisons: first name and surname by ``NameComparison`` (exact, then
  Jaro-Winkler ≥ 0.92, 0.88, 0.7) with term-frequency adjustments; the postcode
  by Damerau-Levenshtein ≤ 1, ≤ 2 with term frequencies; with ``address=True``,
  the street number by exact match with term frequencies. The demo leaves street
  and city out (it reckons them tied to the postcode); asked for here, they get
  the levels its extended model gives the full name: exact with term
  frequencies, then Jaro-Winkler ≥ 0.9 and ≥ 0.7;
- blocking for prediction: the demo's rules on our fields (both names, the names
  swapped, the postcode; with the address, street number and street), first
  name alone and surname alone (from its FEBRL 3 sibling, ``febrl3.ipynb``), and
  the first two letters of both names;
- training: the probability that two random records match from deterministic
  rules (both names and the postcode, or the names swapped and the postcode)
  at the demo's guessed recall of 0.8; u by random sampling of 10 million pairs
  at most (seeded); m by expectation maximisation blocked on the postcode, then
  on the surname, without term frequencies.

A record's best is the original Splink scores highest, when its match
probability reaches the threshold; none if two share the top score.

Splink is not a dependency of the library; the benchmark's peers install with::

    pip install -e '.[dev,peers]'
"""

from __future__ import annotations

import logging
import time
from typing import Any, Final

import attrs
import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

FIELDS: Final = ("first_name", "surname", "postcode")
"""The fields always compared."""
ADDRESS_FIELDS: Final = ("street_number", "address_1", "suburb")
"""The fields compared too with ``address=True``: street number, street and city."""
_ORIGINALS: Final = "originals"
_RECORDS: Final = "records"
_U_MAX_PAIRS: Final = 1e7
"""Pairs sampled at most to estimate u: the demo's "1e7 or more" (1e6 draws a warning)."""
_DETERMINISTIC_RECALL: Final = 0.8
"""The share of true matches the demo guesses its deterministic rules find."""


@attrs.frozen
class SplinkRun:
    """What Splink made of the records: one best each, and the time it took.

    ``bests`` has one entry per row of ``records``, in order: the ``unique_id``
    of the original Splink scores highest for it, when that match probability is
    at least ``threshold``; None when none reaches it, or when two originals
    share the top score. ``seconds`` is the wall time of Splink's run, from
    loading both tables through training to the predictions.
    """

    bests: list[str | None]
    seconds: float
    threshold: float


def splink_bests(
    originals: pd.DataFrame,
    records: pd.DataFrame,
    *,
    address: bool = False,
    threshold: float = 0.9,
    seed: int = 1,
) -> SplinkRun:
    """Link ``records`` to ``originals`` with Splink, unsupervised; each record's best.

    ``originals`` is the database: ``unique_id`` (the customer number),
    ``first_name``, ``surname``, ``postcode`` and, read only with ``address``,
    ``street_number``, ``address_1`` (street) and ``suburb`` (city), each a str
    or None. ``records`` has the same columns, its ``unique_id`` being each
    record's own. Both are linked only against each other, never within a side.
    ``seed`` seeds the sampling that estimates u: the same input and seed give
    the same bests. Raises `ValueError` when a ``unique_id`` is missing or
    repeated within a side.
    """
    columns = ("unique_id", *FIELDS, *(ADDRESS_FIELDS if address else ()))
    left, right = _prepared(originals, columns), _prepared(records, columns)
    record_ids: list[str] = right["unique_id"].tolist()
    start = time.perf_counter()
    if left.empty or right.empty:
        return SplinkRun(
            bests=[None] * len(record_ids),
            seconds=time.perf_counter() - start,
            threshold=threshold,
        )
    with duckdb.connect(":memory:") as connection:
        db_api = DuckDBAPI(connection=connection)
        tables = [
            db_api.register(left, dataset_display_name=_ORIGINALS),
            db_api.register(right, dataset_display_name=_RECORDS),
        ]
        linker = Linker(tables, _settings(address=address), log_level=logging.WARNING)
        _train(linker, seed=seed)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        scored = predictions.as_duckdbpyrelation().df()
    seconds = time.perf_counter() - start
    tops = _tops(scored)
    return SplinkRun(
        bests=[tops.get(record_id) for record_id in record_ids],
        seconds=seconds,
        threshold=threshold,
    )


def _train(linker: Any, *, seed: int) -> None:
    """Train the model unsupervised, as the demo does."""
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [
            block_on("first_name", "surname", "postcode"),
            "l.first_name = r.surname and l.surname = r.first_name and l.postcode = r.postcode",
        ],
        recall=_DETERMINISTIC_RECALL,
    )
    training.estimate_u_using_random_sampling(max_pairs=_U_MAX_PAIRS, seed=seed)
    for rule in (block_on("postcode"), block_on("surname")):
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )


def _settings(*, address: bool) -> SettingsCreator:
    """The demo's detailed model on our fields, and its blocking rules for prediction."""
    comparisons: list[Any] = [
        cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        ),
    ]
    blocking_rules: list[Any] = [
        block_on("first_name", "surname"),
        "l.first_name = r.surname and l.surname = r.first_name",
        block_on("first_name"),
        block_on("surname"),
        block_on("postcode"),
        block_on("substr(first_name, 1, 2)", "substr(surname, 1, 2)"),
    ]
    if address:
        comparisons += [
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]).configure(
                term_frequency_adjustments=True
            ),
        ]
        blocking_rules.append(block_on("street_number", "address_1"))
    return SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules,
    )


def _prepared(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The columns Splink reads, as strings (a missing value a null); unique ids checked."""
    prepared = frame.loc[:, list(columns)].astype("string").reset_index(drop=True)
    ids = prepared["unique_id"]
    if bool(ids.isna().any()) or not ids.is_unique:
        raise ValueError("every row needs a unique_id of its own within its side")
    return prepared


def _tops(scored: pd.DataFrame) -> dict[str, str | None]:
    """Each record's original of the highest match weight, or None if two share it.

    The match weight ranks as the probability does, without the probability's
    rounding to 1.0 of strong matches, which would make ties of them.
    """
    if scored.empty:
        return {}
    left_is_record = scored["source_dataset_l"] == _RECORDS
    pairs = pd.DataFrame(
        {
            "record": scored["unique_id_l"].where(left_is_record, scored["unique_id_r"]),
            "original": scored["unique_id_r"].where(left_is_record, scored["unique_id_l"]),
            "weight": scored["match_weight"],
        }
    )
    highest = pairs.groupby("record")["weight"].transform("max")
    top = pairs[pairs["weight"] == highest].groupby("record")["original"].agg(["first", "size"])
    return {
        str(record): str(row["first"]) if row["size"] == 1 else None
        for record, row in top.iterrows()
    }
