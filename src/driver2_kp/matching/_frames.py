"""DataFrames in, DataFrames out: the rows of a pandas or polars frame as criteria, and back.

`Table.read` takes a frame's rows as `MatchRecord` (columns found by field
name, others renamed by ``columns=``; an empty cell is "not given"); a row whose
values cannot be a record keeps its `CriteriaError`, and is not matched. Columns
it cannot read raise `ColumnError`; a column left unread whose name resembles a
field's (``postal_code``, ``Last Name``) gets a did-you-mean `UserWarning`.
`Table.joined` gives the frame back with the outcome of each row: the input's
own columns first, in order, then `OUTPUT_COLUMNS` (``total`` a nullable
integer, ``score`` and ``margin`` nullable floats, the others text): the best
candidate, and the leading one even without a best, for triage.
`Table.candidates` gives every candidate of every row in long form
(`CANDIDATE_COLUMNS`). None of them sends anything: `CustomerLookup.match_frame`
runs the matching in between.

pandas and polars are optional (the ``driver2-kp[dataframe]`` extra); neither
is imported until a frame of its kind is given.
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import attrs

from driver2_kp._bulk import BulkItem
from driver2_kp._candidate import Candidate
from driver2_kp._criteria import MatchRecord
from driver2_kp._errors import ColumnError, CriteriaError
from driver2_kp._results import SearchResult

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

__all__ = [
    "CANDIDATE_COLUMNS",
    "FIELDS",
    "OUTPUT_COLUMNS",
    "ColumnWarning",
    "Frame",
    "Table",
    "did_you_mean",
    "resembling",
]

Frame = TypeVar("Frame", "pd.DataFrame", "pl.DataFrame")
"""A pandas or a polars DataFrame: `match_frame` gives back the kind it was given."""

FIELDS: Final = tuple(field.name for field in attrs.fields(MatchRecord))
"""The columns read as a record, by name: ``last_name``, ``first_name``, ``street``..."""
OUTPUT_COLUMNS: Final[tuple[str, ...]] = (
    "source",
    "total",
    "error",
    "best_driver2_number",
    "best_kp_id",
    "best_name",
    "best_first_name",
    "best_postcode",
    "best_vat_number",
    "lead_driver2_number",
    "lead_kp_id",
    "lead_name",
    "lead_first_name",
    "lead_postcode",
    "score",
    "margin",
    "why_no_best",
    "reasons",
)
"""The columns `match_frame` adds, after the input's own.

``best_*`` name the best candidate, when there is one. ``lead_*``, ``score``,
``margin`` and ``reasons`` describe the leading candidate, best or not, and
``why_no_best`` why it is not the best: what a person needs to decide by hand.
"""
CANDIDATE_COLUMNS: Final[tuple[str, ...]] = (
    "row",
    "rank",
    "source",
    "driver2_number",
    "kp_id",
    "name",
    "first_name",
    "postcode",
    "score",
    "weight",
    "reasons",
)
"""The columns of `match_frame`'s candidates in long form: one row per candidate of a record.

``row`` is the record's position in the input frame (from 0), ``rank`` the
candidate's among the record's (from 1, the leader first).
"""
_TYPES: Final = {
    "total": "integer",
    "row": "integer",
    "rank": "integer",
    "score": "float",
    "margin": "float",
    "weight": "float",
}
"""The added columns that are numbers: the others are text."""
_EXTRA: Final = "match_frame needs pandas or polars: pip install 'driver2-kp[dataframe]'"
_SHOWN: Final = ("driver2_number", "kp_id", "name", "first_name", "postcode")
"""What a row shows of its leading candidate; of its best, the VAT number too."""
_CLOSE: Final = 0.75
"""How alike a column's name and a field's must be to suggest the field (difflib's ratio).

Above difflib's default of 0.6, which takes ``id`` for ``city``; ``postal_code``
is 0.89 from ``postcode``.
"""
Kind = Literal["pandas", "polars"]


def _kind(frame: object) -> Kind:
    module = type(frame).__module__.split(".", 1)[0]
    if module in ("pandas", "polars") and type(frame).__name__ == "DataFrame":
        return "pandas" if module == "pandas" else "polars"
    try:
        import pandas  # noqa: F401, PLC0415 - only to tell a missing extra from a wrong argument
    except ImportError:
        try:
            import polars  # noqa: F401, PLC0415
        except ImportError:
            raise ImportError(_EXTRA) from None
    raise TypeError(f"match_frame takes a pandas or polars DataFrame, not {type(frame).__name__}")


def _cell(value: object) -> str | None:
    """A cell as a criterion's text: ``None`` for an empty one (None, NaN, NA, blanks)."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    text = str(value).strip()
    return text or None


def _normal(name: str) -> str:
    """A name as it is compared with the fields': lower case, no spaces, dashes or underscores."""
    return re.sub(r"[\s_-]+", "", name.casefold())


class ColumnWarning(UserWarning):
    """A column is not read, but its name resembles a field that is: ``column``, ``field``."""

    def __init__(self, column: str, field: str) -> None:
        rename = {column: field}
        super().__init__(
            f"column {column!r} is not read: did you mean {field!r}? "
            f"Rename it with columns={rename!r}"
        )
        self.column = column
        self.field = field


def resembling(name: str, fields: Iterable[str]) -> str | None:
    """The one of ``fields`` that ``name`` resembles, if any, whatever its case and separators.

    >>> resembling("Postal-Code", ["last_name", "postcode"])
    'postcode'
    """
    normal = {_normal(field): field for field in fields}
    close = difflib.get_close_matches(_normal(name), normal, n=1, cutoff=_CLOSE)
    return normal[close[0]] if close else None


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """`` (did you mean 'last_name'?)`` when one of ``names`` resembles ``name``; else nothing."""
    close = resembling(name, names)
    return f" (did you mean {close!r}?)" if close else ""


def _renames(columns: Mapping[str, str] | None, present: list[str]) -> dict[str, str]:
    """Which frame column holds each criterion: by name, or as ``columns`` renames them.

    A column left unread whose name resembles a field not read yet gets a
    `UserWarning` naming the field.
    """
    twice = sorted({name for name in present if present.count(name) > 1})
    if twice:
        raise ColumnError(f"the frame has more than one column named {', '.join(twice)}")
    renames = dict(columns or {})
    for source, field in renames.items():
        if field not in FIELDS:
            raise ColumnError(
                f"columns maps {source!r} to {field!r}, which is no criterion"
                f"{did_you_mean(field, FIELDS)}; the criteria are {', '.join(FIELDS)}"
            )
        if source not in present:
            raise ColumnError(f"columns names {source!r}, which the frame does not have")
    taken = {field: source for source, field in renames.items()}
    for name in present:
        if name in FIELDS and name not in renames:
            taken.setdefault(name, name)
    unread = (name for name in present if name not in FIELDS and name not in renames)
    free = [field for field in FIELDS if field not in taken]
    meant = {name: like for name in unread if (like := resembling(name, free))}
    if not taken:
        mapping = repr(meant) if meant else "{'your column': 'last_name', ...}"
        raise ColumnError(
            f"the frame has none of the criteria columns ({', '.join(FIELDS)}); "
            f"map yours with columns={mapping}"
        )
    clashes = [name for name in OUTPUT_COLUMNS if name in present]
    if clashes:
        raise ColumnError(
            f"the frame already has the column(s) {', '.join(clashes)} that match_frame adds: "
            "rename them first"
        )
    for name, like in meant.items():
        # _renames, Table.read, match_frame: the warning is the caller's
        warnings.warn(ColumnWarning(name, like), stacklevel=4)
    return taken


@attrs.frozen
class Table:
    """A frame's rows read as criteria, ready to be matched and joined back."""

    frame: Any
    kind: Kind
    rows: tuple[MatchRecord | CriteriaError, ...]
    """Each row's record, or why its values cannot be one."""

    @classmethod
    def read(cls, frame: object, columns: Mapping[str, str] | None = None) -> Table:
        """Read ``frame``'s rows; `ColumnError` for columns it cannot read, before any request."""
        kind = _kind(frame)
        present = [str(name) for name in frame.columns]  # type: ignore[attr-defined]
        taken = _renames(columns, present)
        fields, sources = list(taken), list(taken.values())
        if kind == "pandas":
            values: Iterator[tuple[Any, ...]] = frame[sources].itertuples(index=False, name=None)  # type: ignore[index]
        else:
            values = frame.select(sources).iter_rows()  # type: ignore[attr-defined]
        return cls(
            frame, kind, tuple(_criteria(dict(zip(fields, row, strict=True))) for row in values)
        )

    @property
    def valid(self) -> list[MatchRecord]:
        """The rows that are records, in order: what is to be matched."""
        return [row for row in self.rows if isinstance(row, MatchRecord)]

    def joined(self, items: Mapping[int, BulkItem[SearchResult]]) -> Any:
        """The frame with `OUTPUT_COLUMNS` added; ``items`` by their index in `valid`."""
        outcomes = [_outcome(result, error) for result, error in self._results(items)]
        added = {name: [outcome[name] for outcome in outcomes] for name in OUTPUT_COLUMNS}
        if self.kind == "pandas":
            import pandas as pd  # noqa: PLC0415 - given a pandas frame, pandas is there

            out = self.frame.copy()
            for name, column in added.items():
                out[name] = pd.Series(column, index=out.index, dtype=_pandas_type(name))
            return out
        return self.frame.hstack(_polars(added, OUTPUT_COLUMNS))

    def output(self, items: Mapping[int, BulkItem[SearchResult]], *, candidates: bool) -> Any:
        """What `match_frame` gives: the frame `joined`, and with ``candidates`` their long form."""
        joined = self.joined(items)
        return (joined, self.candidates(items)) if candidates else joined

    def candidates(self, items: Mapping[int, BulkItem[SearchResult]]) -> Any:
        """Every candidate of every row, ranked, in long form: `CANDIDATE_COLUMNS`."""
        rows: dict[str, list[object]] = {name: [] for name in CANDIDATE_COLUMNS}
        for position, (result, _) in enumerate(self._results(items)):
            for rank, found in enumerate(result.matches if result else (), start=1):
                candidate = found.candidate
                values = (
                    position,
                    rank,
                    candidate.source.value,
                    candidate.driver2_number,
                    candidate.kp_id,
                    candidate.name,
                    candidate.first_name,
                    candidate.postcode,
                    found.score,
                    found.weight,
                    "; ".join(found.reasons),
                )
                for name, value in zip(CANDIDATE_COLUMNS, values, strict=True):
                    rows[name].append(value)
        if self.kind == "pandas":
            import pandas as pd  # noqa: PLC0415 - given a pandas frame, pandas is there

            return pd.DataFrame(
                {name: pd.Series(column, dtype=_pandas_type(name)) for name, column in rows.items()}
            )
        return _polars(rows, CANDIDATE_COLUMNS)

    def _results(
        self, items: Mapping[int, BulkItem[SearchResult]]
    ) -> Iterator[tuple[SearchResult | None, Exception | None]]:
        """Each row's result or error, in the frame's order; ``items`` by their index in `valid`."""
        matched = 0
        for row in self.rows:
            if isinstance(row, CriteriaError):
                yield None, row
                continue
            item = items[matched]
            matched += 1
            yield item.result, item.error


def _pandas_type(name: str) -> str:
    return {"integer": "Int64", "float": "Float64"}.get(_TYPES.get(name, ""), "string")


def _polars(columns: Mapping[str, list[object]], names: tuple[str, ...]) -> Any:
    import polars as pl  # noqa: PLC0415 - given a polars frame, polars is there

    types = {"integer": pl.Int64, "float": pl.Float64}
    schema = {name: types.get(_TYPES.get(name, ""), pl.String) for name in names}
    return pl.DataFrame(dict(columns), schema=schema)


def _criteria(row: dict[str, object]) -> MatchRecord | CriteriaError:
    try:
        return MatchRecord(**{field: _cell(value) for field, value in row.items()})
    except CriteriaError as error:
        return error


def _outcome(result: SearchResult | None, error: Exception | None) -> dict[str, object]:
    outcome: dict[str, object] = dict.fromkeys(OUTPUT_COLUMNS)
    if error is not None:
        outcome["error"] = f"{type(error).__name__}: {error}"
    if result is None:
        return outcome
    outcome["source"], outcome["total"] = result.source.value, result.total
    reason = result.why_no_best
    outcome["why_no_best"] = None if reason is None else reason.value
    if not result.matches:
        return outcome
    lead = result.matches[0]
    outcome.update(_described("lead", lead.candidate, _SHOWN))
    outcome.update(score=lead.score, margin=result.margin, reasons="; ".join(lead.reasons))
    if result.best is not None:
        outcome.update(_described("best", result.best, (*_SHOWN, "vat_number")))
    return outcome


def _described(prefix: str, candidate: Candidate, fields: tuple[str, ...]) -> dict[str, object]:
    return {f"{prefix}_{field}": getattr(candidate, field) for field in fields}
