"""Personal data stays out of logs: every logger, every level, unless the user opts in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import httpx
import pytest

from driver2_kp import (
    AsyncCustomerLookup,
    CustomerLookup,
    KPClient,
    PersonQuery,
    RetryPolicy,
    SearchCriteria,
    Selection,
    Settings,
    Source,
    TransportError,
    log_personal_data,
)
from driver2_kp.sandbox import CLIENT_SECRET, KP_API_KEY, Sandbox

from ._harness import Kind

EVERY_CRITERION = SearchCriteria(
    customer_number="74050",
    vat_number="BE 0403.019.261",
    last_name="Goderis",
    first_name="Thiemen",
    email="thiemen.goderis@example.be",
    phone="+32 9 223 44 55",
    postcode="9000",
    country="BE",
)
ANN_PEETERS = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")
VALUES = ("74050", "0403019261", "Goderis", "Thiemen", "thiemen.goderis", "92234455", "9000")
"""What the criteria hold, as they could appear in a URL, a body or a header."""
PERSON_VALUES = ("Peeters", "2000", "Ann")


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The root logger at DEBUG, every record kept; the opt-in switch off after."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    log_personal_data(False)


def _lookups(settings: Settings, kind: Kind) -> str:
    """A search with every criterion, a KP fallback and an import; the KP person's id."""
    if kind == "sync":
        with CustomerLookup.from_settings(settings) as lookup:
            # Nobody has them all: Driver2 is asked with all, then KP with what it takes.
            assert lookup.search(EVERY_CRITERION).source is Source.KP
            selection = lookup.select(lookup.search(ANN_PEETERS).candidates[0])
    else:
        selection = asyncio.run(_async_lookups(settings))
    assert selection.imported
    assert selection.party.kp_id is not None
    return selection.party.kp_id


async def _async_lookups(settings: Settings) -> Selection:
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        assert (await lookup.search(EVERY_CRITERION)).source is Source.KP
        return await lookup.select((await lookup.search(ANN_PEETERS)).candidates[0])


def _leaks(caplog: pytest.LogCaptureFixture, values: tuple[str, ...]) -> list[str]:
    return [
        f"{record.name} {record.levelname}: {record.getMessage()}"
        for record in caplog.records
        if any(value in record.getMessage() for value in values)
    ]


def test_no_record_at_any_level_carries_a_criterion_or_a_secret(
    sandbox: Sandbox, settings: Settings, everything_logged: pytest.LogCaptureFixture, kind: Kind
) -> None:
    kp_id = _lookups(settings, kind)
    records = everything_logged.records
    assert any(r.name == "httpx" and r.levelno == logging.INFO for r in records)
    assert any(r.name.startswith("httpcore") for r in records)
    assert any(r.name == "driver2_kp" for r in records)
    secrets = (CLIENT_SECRET, KP_API_KEY, "Bearer sbx.")
    assert _leaks(everything_logged, (*VALUES, *PERSON_VALUES, kp_id, *secrets)) == []


def test_httpx_still_says_which_request_was_made(
    sandbox: Sandbox, settings: Settings, everything_logged: pytest.LogCaptureFixture, kind: Kind
) -> None:
    _lookups(settings, kind)
    lines = [r.getMessage() for r in everything_logged.records if r.name == "httpx"]
    assert any("/customers?customerNumber=***&vatNumber=***&name=***" in line for line in lines)
    assert any("/personen?nachname=***&vorname=***&plz=***" in line for line in lines)


def test_opting_in_shows_values_at_debug_only(
    sandbox: Sandbox, settings: Settings, everything_logged: pytest.LogCaptureFixture, kind: Kind
) -> None:
    log_personal_data(True)
    _lookups(settings, kind)
    debug = [r for r in everything_logged.records if r.levelno < logging.INFO]
    info = [r for r in everything_logged.records if r.levelno >= logging.INFO]
    assert any("Goderis" in r.getMessage() for r in debug)
    assert not any(value in r.getMessage() for r in info for value in (*VALUES, *PERSON_VALUES))
    secrets = (CLIENT_SECRET, KP_API_KEY, "Bearer sbx.")
    assert _leaks(everything_logged, secrets) == []


def test_hpack_records_of_an_http2_client_carry_no_value_nor_the_key(
    sandbox: Sandbox, settings: Settings, everything_logged: pytest.LogCaptureFixture
) -> None:
    """The user's own HTTP/2 client: hpack logs, at DEBUG, each header it encodes.

    The sandbox speaks HTTP/1.1, so the search fails; its headers (the path with
    its query, the KP key) were encoded, and logged, before it did.
    """
    http = httpx.Client(http1=False, http2=True)
    kp = KPClient(settings, http_client=http, retry=RetryPolicy(attempts=1))
    with http, kp, pytest.raises(TransportError):
        kp.search_persons(PersonQuery(last_name="Peeters", first_name="Ann", postcode="2000"))
    encoded = [r for r in everything_logged.records if r.name.startswith("hpack")]
    assert encoded, "hpack logged nothing: the test no longer sees what it checks"
    assert _leaks(everything_logged, (*PERSON_VALUES, KP_API_KEY)) == []
