"""One Driver2 budget for a Dask cluster: leases of distributed's Semaphore (R13)."""

from __future__ import annotations

import attrs
import dask.dataframe as dd
import pandas as pd
from distributed import Client, LocalCluster

from driver2_kp import CustomerLookup, Settings
from driver2_kp.sandbox import Sandbox

WORKERS = 4
RECORDS = 120
"""Matches of customers the sandbox holds, in 4 partitions: a few hundred Driver2 requests."""


def test_four_dask_workers_sharing_one_budget_never_overshoot_driver2(
    sandbox: Sandbox, settings: Settings
) -> None:
    sandbox.configure(driver2_latency=0.05, max_concurrency=20)
    shared = attrs.evolve(settings, driver2_budget="dask:driver2-test")
    records = pd.DataFrame(
        {
            "last_name": ["Goderis", "Peeters", "Janssens", "Maes"] * (RECORDS // 4),
            "postcode": ["9000", "2000", "1000", "3000"] * (RECORDS // 4),
        }
    )

    def match_partition(part: pd.DataFrame, settings: Settings) -> pd.DataFrame:
        with CustomerLookup.from_settings(settings) as lookup:
            matched: pd.DataFrame = lookup.match_frame(part)
            return matched

    with CustomerLookup.from_settings(settings) as lookup:
        meta = lookup.match_frame(records.iloc[:0])
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),  # type: ignore[no-untyped-call]
    ):
        frame = dd.from_pandas(records, npartitions=WORKERS)  # type: ignore[no-untyped-call]
        matched = frame.map_partitions(match_partition, shared, meta=meta).compute()
    assert len(matched) == RECORDS
    assert matched["error"].isna().all()
    searches = [entry for entry in sandbox.requests("driver2") if entry.path == "/customers"]
    refused = [entry for entry in searches if entry.fault == "max-concurrency"]
    peak = sandbox.peak_in_flight("driver2")
    print(
        f"\n{WORKERS} Dask workers, one budget: {len(searches)} searches, "
        f"{len(refused)} refused, at most {peak} at Driver2 at once"
    )
    assert refused == []  # the cluster never asked more than Driver2 takes
    assert peak <= 20
