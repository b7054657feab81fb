"""A lookup in a process pool: its results and its errors come back whole (joblib, Dask)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from driver2_kp import (
    CustomerLookup,
    NotFoundError,
    SearchCriteria,
    SearchResult,
    Selection,
    Settings,
    Source,
)
from driver2_kp.sandbox import Sandbox

GODERIS = SearchCriteria(last_name="Goderis", postcode="9000")
ANN_PEETERS = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")


def search(settings: Settings, criteria: SearchCriteria) -> SearchResult:
    """Run in a worker process: one lookup, from settings."""
    with CustomerLookup.from_settings(settings) as lookup:
        return lookup.search(criteria)


def select_kp(settings: Settings, criteria: SearchCriteria) -> Selection:
    """Run in a worker process: find a KP person and import it."""
    with CustomerLookup.from_settings(settings) as lookup:
        return lookup.select(lookup.search_kp(criteria).candidates[0])


def fetch(settings: Settings, number: str) -> object:
    """Run in a worker process: a customer that does not exist."""
    with CustomerLookup.from_settings(settings) as lookup:
        return lookup.driver2.get_customer(number)


def test_a_lookup_in_a_process_pool_gives_back_its_result_and_its_error(
    sandbox: Sandbox, settings: Settings
) -> None:
    with CustomerLookup.from_settings(settings) as lookup:
        here = lookup.search(GODERIS)
    spawn = multiprocessing.get_context("spawn")  # no fork of the sandbox's server thread
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        found = pool.submit(search, settings, GODERIS).result(timeout=60)
        selected = pool.submit(select_kp, settings, ANN_PEETERS).result(timeout=60)
        missing = pool.submit(fetch, settings, "1")
        with pytest.raises(NotFoundError) as caught:
            missing.result(timeout=60)
    assert found == here
    assert (found.source, found.candidates[0].driver2_number) == (Source.DRIVER2, "74050")
    assert selected.imported
    assert selected.party.kp_id is not None
    assert caught.value.status == 404
    assert str(caught.value).startswith("Driver2 GET /customers/{customerNumber}: 404 Not Found")
