"""Run the six benchmarks in turn and print their figures against their goals.

    python -m benchmarks [--quick] [--plot PATH]

1. overhead: a zero-latency search with `CustomerLookup`, against bare httpx;
2. bulk at a given concurrency: 1,000 searches with ``search_many`` at 5 to 30
   at once, against a Driver2 that takes 20 at once, 0.2 s each (the physical
   limit is 10 s);
3. adaptive bulk: the same with no concurrency given, its time and its 429s;
4. fetch-all: 9 pages at 1 s each, with ``all_candidates``;
5. parsing: reading a page of 10 customers, against a zero-latency round trip;
6. matching: precision and recall of ``match_frame`` on 1,000 corrupted records,
   next to plain ``search``.

Each starts a sandbox of its own on 127.0.0.1 and prints its figures as it
goes; a table of figures, goals and whether each is met comes last. The bulk
times are plotted against concurrency into a PNG (``--plot``, by default
``docs/img/bulk.png``; matplotlib, from the ``benchmark`` extra). The full run
takes about 2½ minutes. ``--quick`` runs smaller counts as a smoke test, and
plots into the temporary directory unless ``--plot`` is given: its figures are
not the goals' measure.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

from . import bulk_adaptive, fetch_all, matching, overhead, parsing
from ._plot import plot_bulk
from .bulk_adaptive import CAPACITY, BulkRun

DOCS_PLOT = Path(__file__).resolve().parent.parent / "docs" / "img" / "bulk.png"


@attrs.frozen
class Counts:
    """How much each benchmark measures."""

    rounds: int
    """Overhead: interleaved rounds, each ``per_round`` searches both ways."""
    per_round: int
    searches: int
    """Bulk: searches in each run."""
    concurrencies: tuple[int, ...]
    """Bulk at a given concurrency: one run at each; ``CAPACITY`` among them."""
    records: int
    """Matching: corrupted records matched."""


FULL = Counts(
    overhead.ROUNDS,
    overhead.PER_ROUND,
    bulk_adaptive.SEARCHES,
    (5, 10, 15, 20, 25, 30),
    matching.RECORDS,
)
QUICK = Counts(rounds=10, per_round=20, searches=200, concurrencies=(10, CAPACITY, 30), records=200)


@attrs.frozen
class Row:
    """One line of the closing table."""

    benchmark: str
    figure: str
    goal: str
    met: bool


def _overhead(counts: Counts) -> Row:
    measured = overhead.measure(counts.rounds, counts.per_round)
    overhead.report(measured)
    return Row(
        "1. overhead: CustomerLookup / bare httpx",
        f"{measured.ratio:.3f} x",  # three digits: it sits near its goal
        f"<= {overhead.GOAL} x",
        measured.ratio <= overhead.GOAL,
    )


def _bulk(concurrencies: Sequence[int | None], searches: int) -> list[BulkRun]:
    print(bulk_adaptive.heading(searches))
    runs = []
    for run in bulk_adaptive.sweep(concurrencies, searches):
        print(bulk_adaptive.describe(run))
        runs.append(run)
    return runs


def _bulk_time(benchmark: str, run: BulkRun) -> Row:
    goal = bulk_adaptive.GOALS[run.concurrency]
    limit = bulk_adaptive.physical_limit(run.searches)
    return Row(
        f"{benchmark}: time / {limit:g} s limit",
        f"{run.ratio:.2f} x ({run.seconds:.1f} s)",
        f"<= {goal} x",
        run.ratio <= goal,
    )


def _bulk_refused(benchmark: str, run: BulkRun) -> Row:
    goal = bulk_adaptive.REFUSED_GOAL
    return Row(
        f"{benchmark}: 429s among Driver2's answers",
        f"{run.refused_share:.1%} ({run.refused}/{run.answers})",
        f"<= {goal:.0%}",
        run.refused_share <= goal,
    )


def _fetch_all() -> Row:
    measured = fetch_all.measure()
    fetch_all.report(measured)
    return Row(
        f"4. fetch-all: {measured.pages} pages at {fetch_all.LATENCY:g} s each",
        f"{measured.seconds:.2f} s (one by one: {measured.one_by_one:.1f} s)",
        f"<= {fetch_all.GOAL:g} s",
        measured.seconds <= fetch_all.GOAL,
    )


def _parsing() -> Row:
    measured = parsing.measure()
    parsing.report(measured)
    return Row(
        "5. parsing: a page of 10 / a round trip",
        f"{measured.share:.1%}",
        f"<= {parsing.GOAL:.0%}",
        measured.share <= parsing.GOAL,
    )


def _matching(count: int) -> list[Row]:
    linkages = matching.run(count)
    for linkage in linkages:
        matching.report(linkage)
    match = linkages[0]
    return [
        Row(
            f"6. matching {count} corrupted records: precision",
            f"{match.precision:.1%} (search: {linkages[1].precision:.1%})",
            f">= {matching.PRECISION_GOAL:.0%}",
            match.precision >= matching.PRECISION_GOAL,
        ),
        Row(
            f"6. matching {count} corrupted records: recall",
            f"{match.recall:.1%} (search: {linkages[1].recall:.1%})",
            f">= {matching.RECALL_GOAL:.0%}",
            match.recall >= matching.RECALL_GOAL,
        ),
    ]


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table, its columns aligned."""
    cells = [("benchmark", "figure", "goal", "met")]
    cells += [(r.benchmark, r.figure, r.goal, "met" if r.met else "not met") for r in rows]
    widths = [max(len(line[column]) for line in cells) for column in range(len(cells[0]))]
    lines = [
        "| "
        + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        + " |"
        for line in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the six benchmarks, each against a sandbox of its own on 127.0.0.1, "
        "and print their figures against their goals.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller counts, for a smoke run; its figures are not the goals' measure",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="PATH",
        help="where to write the PNG of bulk time against concurrency "
        "(default: docs/img/bulk.png; with --quick, in the temporary directory)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmarks, write the plot and print the table."""
    args = _parser().parse_args(argv)
    counts = QUICK if args.quick else FULL
    quick_plot = Path(tempfile.gettempdir()) / "driver2_kp-bulk.png"
    plot: Path = args.plot or (quick_plot if args.quick else DOCS_PLOT)
    began = time.perf_counter()

    print("== 1. overhead")
    rows = [_overhead(counts)]
    print("\n== 2. bulk at a given concurrency")
    swept = _bulk(counts.concurrencies, counts.searches)
    at_capacity = next(run for run in swept if run.concurrency == CAPACITY)
    rows.append(_bulk_time(f"2. bulk, concurrency={CAPACITY}", at_capacity))
    print("\n== 3. adaptive bulk")
    [adaptive] = _bulk([None], counts.searches)
    rows += [_bulk_time("3. adaptive bulk", adaptive), _bulk_refused("3. adaptive bulk", adaptive)]
    print("\n== 4. fetch-all")
    rows.append(_fetch_all())
    print("\n== 5. parsing")
    rows.append(_parsing())
    print("\n== 6. matching")
    rows += _matching(counts.records)

    plot_bulk(plot, swept, adaptive)
    print(f"\n{table(rows)}")
    note = " (--quick: smaller counts, not the goals' measure)" if args.quick else ""
    print(f"\nplot: {plot}; {time.perf_counter() - began:.0f} s in all{note}")


if __name__ == "__main__":
    main()
