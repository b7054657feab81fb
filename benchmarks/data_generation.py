"""Benchmark: how long the sandbox takes to generate and load its default data set.

The foundation issue asks for under 5 seconds; this prints the time and its ratio
to that budget.

    python benchmarks/data_generation.py
"""

from __future__ import annotations

import time

from driver2_kp.sandbox import SandboxConfig, generate
from driver2_kp.sandbox._store import Store

BUDGET = 5.0  # seconds


def main() -> None:
    """Generate and load the default data set; print the times."""
    config = SandboxConfig()
    started = time.perf_counter()
    data = generate(config.seed, config.customers, config.persons)
    generated = time.perf_counter() - started
    Store(data).close()
    loaded = time.perf_counter() - started
    print(
        f"{len(data.customers)} customers, {len(data.persons)} persons, "
        f"{len(data.vehicles)} vehicles"
    )
    print(f"generated in {generated:.2f} s, loaded into SQLite by {loaded:.2f} s")
    print(f"time / budget = {loaded / BUDGET:.2f}  (under 1 meets the {BUDGET:.0f} s budget)")


if __name__ == "__main__":
    main()
