"""DataFrames in, DataFrames out: the rows of a pandas or polars frame as criteria, and back.

`Table.read` takes a frame's rows as `SearchCriteria` (columns found by field
name, others renamed by ``columns=``; an empty cell is "not given"); a row whose
values cannot be criteria keeps its `CriteriaError`, and is not matched.
`Table.joined` gives the frame back with the outcome of each row: the input's
own columns first, in order, then `OUTPUT_COLUMNS` (``total`` a nullable
integer, ``score`` a nullable float, the others text). Neither sends anything:
`CustomerLookup.match_frame` runs the matching in between.

pandas and polars are optional (the ``driver2-kp[dataframe]`` extra); neither
is imported until a frame of its kind is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import attrs

from ._bulk import BulkItem
from ._criteria import SearchCriteria
from ._errors import ConfigurationError, CriteriaError
from ._results import SearchResult

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

__all__ = ["FIELDS", "OUTPUT_COLUMNS", "Frame", "Table"]

Frame = TypeVar("Frame", "pd.DataFrame", "pl.DataFrame")
"""A pandas or a polars DataFrame: `match_frame` gives back the kind it was given."""

FIELDS: Final = tuple(field.name for field in attrs.fields(SearchCriteria))
"""The columns read as criteria, by name: ``last_name``, ``first_name``, ``postcode``..."""
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
    "score",
    "reasons",
)
"""The columns `match_frame` adds, after the input's own."""
_PANDAS_TYPES: Final = {"total": "Int64", "score": "Float64"}
"""The added columns' pandas types, with missing values: the others are ``string``."""
_EXTRA: Final = "match_frame needs pandas or polars: pip install 'driver2-kp[dataframe]'"
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


def _renames(columns: Mapping[str, str] | None, present: list[str]) -> dict[str, str]:
    """Which frame column holds each criterion: by name, or as ``columns`` renames them."""
    twice = sorted({name for name in present if present.count(name) > 1})
    if twice:
        raise ConfigurationError(f"the frame has more than one column named {', '.join(twice)}")
    renames = dict(columns or {})
    for source, field in renames.items():
        if field not in FIELDS:
            raise ConfigurationError(
                f"columns maps {source!r} to {field!r}, which is no criterion; "
                f"the criteria are {', '.join(FIELDS)}"
            )
        if source not in present:
            raise ConfigurationError(f"columns names {source!r}, which the frame does not have")
    taken = {field: source for source, field in renames.items()}
    for name in present:
        if name in FIELDS and name not in renames:
            taken.setdefault(name, name)
    if not taken:
        raise ConfigurationError(
            f"the frame has none of the criteria columns ({', '.join(FIELDS)}); "
            "map yours with columns={'your column': 'last_name', ...}"
        )
    clashes = [name for name in OUTPUT_COLUMNS if name in present]
    if clashes:
        raise ConfigurationError(
            f"the frame already has the column(s) {', '.join(clashes)} that match_frame adds: "
            "rename them first"
        )
    return taken


@attrs.frozen
class Table:
    """A frame's rows read as criteria, ready to be matched and joined back."""

    frame: Any
    kind: Kind
    rows: tuple[SearchCriteria | CriteriaError, ...]
    """Each row's criteria, or why its values cannot be criteria."""

    @classmethod
    def read(cls, frame: object, columns: Mapping[str, str] | None = None) -> Table:
        """Read ``frame``'s rows; `ConfigurationError` for a bad ``columns``, before any request."""
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
    def valid(self) -> list[SearchCriteria]:
        """The rows that are criteria, in order: what is to be matched."""
        return [row for row in self.rows if isinstance(row, SearchCriteria)]

    def joined(self, items: Mapping[int, BulkItem[SearchResult]]) -> Any:
        """The frame with `OUTPUT_COLUMNS` added; ``items`` by their index in `valid`."""
        outcomes = _outcomes(self.rows, items)
        added = {name: [outcome[name] for outcome in outcomes] for name in OUTPUT_COLUMNS}
        if self.kind == "pandas":
            import pandas as pd  # noqa: PLC0415 - given a pandas frame, pandas is there

            out = self.frame.copy()
            for name, column in added.items():
                dtype = _PANDAS_TYPES.get(name, "string")
                out[name] = pd.Series(column, index=out.index, dtype=dtype)
            return out
        import polars as pl  # noqa: PLC0415 - given a polars frame, polars is there

        types = {"total": pl.Int64, "score": pl.Float64}
        schema = {name: types.get(name, pl.String) for name in OUTPUT_COLUMNS}
        return self.frame.hstack(pl.DataFrame(added, schema=schema))


def _criteria(row: dict[str, object]) -> SearchCriteria | CriteriaError:
    try:
        return SearchCriteria(**{field: _cell(value) for field, value in row.items()})
    except CriteriaError as error:
        return error


def _outcomes(
    rows: tuple[SearchCriteria | CriteriaError, ...], items: Mapping[int, BulkItem[SearchResult]]
) -> list[dict[str, object]]:
    outcomes = []
    matched = 0
    for row in rows:
        if isinstance(row, CriteriaError):
            outcomes.append(_outcome(None, row))
            continue
        item = items[matched]
        matched += 1
        outcomes.append(_outcome(item.result, item.error))
    return outcomes


def _outcome(result: SearchResult | None, error: Exception | None) -> dict[str, object]:
    outcome: dict[str, object] = dict.fromkeys(OUTPUT_COLUMNS)
    if error is not None:
        outcome["error"] = f"{type(error).__name__}: {error}"
    if result is None:
        return outcome
    outcome["source"], outcome["total"] = result.source.value, result.total
    best = result.best
    if best is not None:
        top = result.matches[0]
        outcome.update(
            best_driver2_number=best.driver2_number,
            best_kp_id=best.kp_id,
            best_name=best.name,
            best_first_name=best.first_name,
            best_postcode=best.postcode,
            best_vat_number=best.vat_number,
            score=top.score,
            reasons="; ".join(top.reasons),
        )
    return outcome
