"""Matching a data engineer's records: blocking, comparison, weights, scores, frames.

The part of the house behind `CustomerLookup.match`, `match_many` and
`match_frame`, in layers, each importing only those below it:

- `driver2_kp.matching._normal`: values in the form they are compared in;
- `driver2_kp.matching._compare`: a record and a candidate, field by field, in levels;
- `driver2_kp.matching._weights`: what each level weighs, and where that comes from;
- `driver2_kp.matching._score`: scores, the ranking, and whether one is clearly the best;
- `driver2_kp.matching._blocking`: which searches a match sends;
- `driver2_kp.matching._flow`: the match itself, as a sans-I/O flow;
- `driver2_kp.matching._frames`: DataFrames in and out.

The candidate model (`driver2_kp._candidate`) sits below all of them; the results
(`driver2_kp._results`) rank with the scores, and the flow and the frames sit
above the results: import those two from their modules. This package re-exports
the lower layers only.
"""

from __future__ import annotations

from ._compare import LEVELS, Compared, compare
from ._normal import fold_name, phone_key
from ._score import Match, NoBestReason, Verdict, best_of, is_plausible, match, rank, verdict
from ._weights import BEST_MARGIN, BEST_SCORE, PLAUSIBLE_SCORE, PRIOR, WEIGHTS, Weight

__all__ = [
    "BEST_MARGIN",
    "BEST_SCORE",
    "LEVELS",
    "PLAUSIBLE_SCORE",
    "PRIOR",
    "WEIGHTS",
    "Compared",
    "Match",
    "NoBestReason",
    "Verdict",
    "Weight",
    "best_of",
    "compare",
    "fold_name",
    "is_plausible",
    "match",
    "phone_key",
    "rank",
    "verdict",
]
