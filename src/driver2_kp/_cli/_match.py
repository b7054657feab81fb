"""``match``: a CSV or Parquet file's rows matched in bulk, written back with the best of each.

Reading and writing the frames needs pandas (the ``dataframe`` extra), and
Parquet pyarrow or fastparquet; the progress bar shows on stderr, as the
spinner does (`._common.Spinner`).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import click
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as ProgressBar

from driver2_kp._errors import ConfigurationError
from driver2_kp._progress import BulkProgress
from driver2_kp.matching._frames import FIELDS, ColumnWarning, did_you_mean

from ._common import PROG, ROLES, Spinner, lookup_options, one_line, open_lookup
from ._output import echo_json

if TYPE_CHECKING:
    import pandas as pd

_PARQUET: Final = (".parquet", ".pq")


def _read_frame(path: Path) -> pd.DataFrame:
    try:
        import pandas as pd  # noqa: PLC0415 - the dataframe extra is optional
    except ImportError:
        message = "match needs pandas: pip install 'driver2-kp[dataframe]'"
        raise ConfigurationError(message) from None
    try:
        if path.suffix.lower() in _PARQUET:
            return pd.read_parquet(path)
        # Every cell as text, and "NA" a name, not a missing value.
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except ImportError as missing:  # Parquet without pyarrow or fastparquet
        raise ConfigurationError(one_line(str(missing))) from None
    except (OSError, ValueError) as error:
        message = f"cannot read {path.name}: {one_line(str(error))}"
        raise click.BadParameter(message, param_hint="INPUT") from None


def _write_frame(frame: pd.DataFrame, output: str, *, as_json: bool) -> None:
    if output == "-":
        if as_json:
            click.echo(frame.to_json(orient="records", force_ascii=False))
        else:
            click.echo(frame.to_csv(index=False), nl=False)
    elif Path(output).suffix.lower() in _PARQUET:
        frame.to_parquet(output, index=False)
    else:
        frame.to_csv(output, index=False)


def _column_map(pairs: Sequence[str]) -> dict[str, str]:
    columns = {}
    for pair in pairs:
        source, equals, field = pair.rpartition("=")
        if not equals or not source:
            raise click.BadParameter(f"{pair!r} is not COLUMN=FIELD", param_hint="'--column'")
        if field not in FIELDS:
            raise click.BadParameter(
                f"in {pair!r}, {field!r} is no criterion{did_you_mean(field, FIELDS)}; "
                f"FIELD is one of {', '.join(FIELDS)}",
                param_hint="'--column'",
            )
        columns[source] = field
    return columns


def _check_columns(mapping: dict[str, str], present: Sequence[str]) -> None:
    """Refuse INPUT's columns as match_frame would, but blaming the flag at fault, in its syntax."""
    for source in mapping:
        if source not in present:
            raise click.BadParameter(
                f"INPUT has no column {source!r}{did_you_mean(source, present)}; "
                f"its columns are {', '.join(present)}",
                param_hint="'--column'",
            )
    if not mapping and not set(FIELDS).intersection(present):
        raise click.BadParameter(
            f"none of its columns is a criterion ({', '.join(FIELDS)}); "
            "map one with --column 'your column=last_name'",
            param_hint="INPUT",
        )


@contextlib.contextmanager
def _bar(spinner: Spinner) -> Iterator[Callable[[BulkProgress], None] | bool]:
    """A rich progress bar on stderr, as a bulk run's callback; ``False`` when none is shown."""
    if spinner.console is None:
        yield False
        return
    columns = (
        TextColumn("Matching"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
    )
    with ProgressBar(*columns, console=spinner.console) as bar:
        task = bar.add_task("match", total=None, failed=0)  # rows with criteria: told soon

        def show(progress: BulkProgress) -> None:
            bar.update(task, completed=progress.done, total=progress.total, failed=progress.failed)

        yield show


def _summary(matched: pd.DataFrame, output: str) -> dict[str, Any]:
    return {
        "rows": len(matched),
        "best": int((matched["best_driver2_number"].notna() | matched["best_kp_id"].notna()).sum()),
        "failed": int(matched["error"].notna().sum()),
        "output": output,
    }


@click.command(
    epilog="""\b
    Examples:
      driver2-kp match customers.csv -o matched.csv
      driver2-kp match customers.parquet -o matched.parquet --column Naam=last_name
      driver2-kp match customers.csv -o - --json > matched.json

    INPUT's columns named after the criteria are read (last_name, first_name,
    postcode, email, phone, vat_number, customer_number, country); --column
    maps others. OUTPUT has INPUT's columns, then source, total, error,
    best_driver2_number, best_kp_id, best_name, best_first_name,
    best_postcode, best_vat_number, score and reasons. A row that fails has
    its error; the others go on. Needs pandas (the dataframe extra).
    """
)
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="OUTPUT",
    help="CSV or Parquet (by its suffix) to write; - for stdout.",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read INPUT's COLUMN as the criterion FIELD (repeatable).",
)
@click.option("--role", type=ROLES, help="The party being filled in (owner, driver, ...).")
@lookup_options
def match(
    input_path: Path,
    *,
    output: str,
    columns: Sequence[str],
    role: str | None,
    as_json: bool,
    use_sandbox: bool,
) -> None:
    """Match a CSV or Parquet file's rows, in bulk.

    Writes the rows back with the best candidate of each.
    """
    mapping = _column_map(columns)
    frame = _read_frame(input_path)
    _check_columns(mapping, [str(name) for name in frame.columns])
    spinner = Spinner(as_json=as_json)
    with (
        open_lookup(use_sandbox=use_sandbox, spinner=spinner) as lookup,
        _bar(spinner) as bar,
    ):
        try:
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always", ColumnWarning)
                matched = lookup.match_frame(frame, columns=mapping, progress=bar, role=role)
        except ConfigurationError as error:  # INPUT's columns clash or repeat: not the settings
            raise click.BadParameter(one_line(str(error)), param_hint="INPUT") from None
    for warning in (w.message for w in seen if isinstance(w.message, ColumnWarning)):
        click.echo(  # in the command's words, not Python's
            f"{PROG} match: warning: column {warning.column!r} is not read: did you mean "
            f"{warning.field!r}? Map it with --column '{warning.column}={warning.field}'",
            err=True,
        )
    _write_frame(matched, output, as_json=as_json)
    summary = _summary(matched, output)
    if as_json and output != "-":
        echo_json(summary)
    elif not as_json:
        click.echo(
            f"{summary['rows']} rows: {summary['best']} with a best candidate, "
            f"{summary['failed']} failed; written to {'stdout' if output == '-' else output}.",
            err=output == "-",
        )
