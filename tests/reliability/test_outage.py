"""Down is not slow (R13): a Driver2 that answers nothing is told within the outage patience."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import attrs
import pytest

from driver2_kp import (
    AsyncCustomerLookup,
    CustomerLookup,
    DeadlineExceededError,
    SearchCriteria,
    Selection,
    ServiceDownError,
    Settings,
    Source,
    Timeouts,
)

from ._harness import Kind

PATIENCE = 1.5
"""A short patience, so that the suite stays quick; the default is 15 s."""
MARGIN = 0.5
"""Seconds past the patience a caller may be told: one refused attempt, the backoff's slack."""
ANN_PEETERS = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")


@pytest.fixture
def driver2_down(settings: Settings) -> Iterator[Settings]:
    """``settings`` with Driver2 on a port where nothing listens, and a patience of 2 s."""
    with socket.socket() as nobody:  # bound, not listening: every connection is refused
        nobody.bind(("127.0.0.1", 0))
        port = nobody.getsockname()[1]
        yield attrs.evolve(
            settings,
            driver2_base_url=f"http://127.0.0.1:{port}/driver2/api/v2",
            driver2_timeouts=attrs.evolve(settings.driver2_timeouts, patience=PATIENCE),
        )


def _search(kind: Kind, settings: Settings) -> BaseException:
    criteria = SearchCriteria(last_name="Goderis", postcode="9000")
    try:
        if kind == "sync":
            with CustomerLookup.from_settings(settings) as lookup:
                lookup.search(criteria)
        else:

            async def search() -> None:
                async with AsyncCustomerLookup.from_settings(settings) as lookup:
                    await lookup.search(criteria)

            asyncio.run(search())
    except ServiceDownError as error:
        return error
    raise AssertionError("a search of a Driver2 that is down gave an answer")


def test_a_search_of_a_driver2_that_is_down_is_told_within_the_patience(
    kind: Kind, driver2_down: Settings
) -> None:
    started = time.monotonic()
    error = _search(kind, driver2_down)
    took = time.monotonic() - started
    print(f"\n{kind}: told after {took:.2f} s (patience {PATIENCE:g} s, deadline 300 s): {error}")
    assert took <= PATIENCE + MARGIN
    assert isinstance(error, ServiceDownError)
    port = driver2_down.driver2_base_url.split(":")[2].split("/")[0]
    assert f"could not connect to 127.0.0.1:{port}" in str(error)  # the cause, not the gate
    assert "gate" not in str(error)
    assert error.silent_for >= PATIENCE
    assert error.attempts >= 2  # it was retried meanwhile


def test_select_gives_the_kp_party_within_the_patience_when_driver2_is_down(
    kind: Kind, driver2_down: Settings, settings: Settings
) -> None:
    with CustomerLookup.from_settings(settings) as up:  # the KP person, found while all is up
        candidate = up.search_kp(ANN_PEETERS).candidates[0]
    started = time.monotonic()
    if kind == "sync":
        with CustomerLookup.from_settings(driver2_down) as lookup:
            selection = lookup.select(candidate)
    else:

        async def select() -> Selection:
            async with AsyncCustomerLookup.from_settings(driver2_down) as lookup:
                return await lookup.select(candidate)

        selection = asyncio.run(select())
    took = time.monotonic() - started
    print(f"\n{kind}: R9's KP party after {took:.2f} s with Driver2 down")
    assert took <= PATIENCE + MARGIN
    assert selection.party.source is Source.KP
    assert isinstance(selection.import_error, ServiceDownError)


def test_a_caller_without_patience_waits_an_outage_out_to_its_deadline(
    driver2_down: Settings,
) -> None:
    patient = attrs.evolve(
        driver2_down, driver2_timeouts=Timeouts(deadline=PATIENCE * 2, patience=None)
    )
    started = time.monotonic()
    with (
        CustomerLookup.from_settings(patient) as lookup,
        pytest.raises(DeadlineExceededError) as ended,
    ):
        lookup.search(SearchCriteria(last_name="Goderis", postcode="9000"))
    took = time.monotonic() - started
    assert ended.value.deadline == PATIENCE * 2
    assert took >= PATIENCE * 2 - MARGIN  # it waited the outage out, to its deadline
