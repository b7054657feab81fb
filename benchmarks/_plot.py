"""The plot of ``python -m benchmarks``: bulk time against concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

try:  # the benchmark extra: say how to install it rather than which module is missing
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ModuleNotFoundError as missing:
    raise ModuleNotFoundError(
        f"the benchmarks' plot needs the 'benchmark' extra ({missing.name} is not installed): "
        "pip install 'driver2-kp[benchmark]'",
        name=missing.name,
    ) from missing

from .bulk_adaptive import CAPACITY, LATENCY, BulkRun, physical_limit


def plot_bulk(path: Path, swept: Sequence[BulkRun], adaptive: BulkRun) -> None:
    """Save a PNG at ``path``: the time of ``swept`` runs against their concurrency.

    With the physical limit as a horizontal line, the least time each
    concurrency allows as a dotted one, and the ``adaptive`` run (no
    concurrency given) as a star at the mean number of searches it had in flight.
    """
    searches = adaptive.searches
    limit = physical_limit(searches)
    points = sorted((r.concurrency, r.seconds) for r in swept if r.concurrency is not None)
    widest = max(c for c, _ in points)
    figure = Figure(figsize=(7, 4.2), layout="constrained")
    FigureCanvasAgg(figure)  # Agg draws the PNG, whatever backend pyplot would pick
    axes = figure.subplots()
    reach = range(1, widest + 1)
    least = [searches / min(c, CAPACITY) * LATENCY for c in reach]
    axes.plot(reach, least, ":", color="grey", label="least time at that concurrency")
    axes.axhline(limit, linestyle="--", color="tab:red", label=f"physical limit ({limit:g} s)")
    axes.plot(
        *zip(*points, strict=True), "o-", color="tab:blue", label="search_many(concurrency=n)"
    )
    axes.plot(
        [adaptive.in_flight],
        [adaptive.seconds],
        "*",
        markersize=16,
        color="tab:orange",
        label=f"concurrency=None: {adaptive.ratio:.2f} x the limit "
        f"({adaptive.in_flight:.1f} in flight on average)",
    )
    axes.set(
        title=f"{searches:,} searches with search_many; Driver2 takes {CAPACITY} at once, "
        f"{LATENCY:g} s each",
        xlabel="concurrency (searches at once)",
        ylabel="seconds",
        xlim=(0, widest + 1),
        ylim=(0, max(seconds for _, seconds in points) * 1.1),
    )
    axes.grid(alpha=0.3)
    axes.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)


def plot_gate(
    path: Path,
    samples: Sequence[tuple[float, float, int]],
    weather: Sequence[tuple[str, float, float]],
    capacity: int,
) -> None:
    """Save a PNG at ``path``: the gate's limit and the requests in flight over time.

    ``samples`` are (seconds, limit, in flight); ``weather`` the spans shaded
    behind them, as (label, from, to).
    """
    figure = Figure(figsize=(8, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    for (label, start, end), colour in zip(weather, ["tab:red", "tab:purple"], strict=False):
        axes.axvspan(start, end, color=colour, alpha=0.12, label=label)
    seconds = [t for t, _, _ in samples]
    axes.plot(
        seconds, [limit for _, limit, _ in samples], color="tab:blue", label="the gate's limit"
    )
    axes.plot(
        seconds,
        [flight for _, _, flight in samples],
        color="tab:orange",
        alpha=0.6,
        label="requests in flight",
    )
    axes.axhline(capacity, linestyle="--", color="grey", label=f"Driver2 takes {capacity}")
    axes.set(
        title="search_many through a 429 squeeze and a burst of gateway faults",
        xlabel="seconds",
        ylabel="requests",
        ylim=(0, capacity * 1.4),
    )
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
