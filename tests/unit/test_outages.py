"""A bulk run chooses: fail each lookup after the outage patience, or wait outages out."""

from __future__ import annotations

import attrs
import httpx
import pytest

from driver2_kp import (
    AsyncCustomerLookup,
    AsyncDriver2Client,
    AsyncKPClient,
    CustomerLookup,
    DeadlineExceededError,
    Driver2Client,
    KPClient,
    RetryPolicy,
    SearchCriteria,
    ServiceDownError,
    Settings,
    Timeouts,
)
from tests._contract import SETTINGS

CRITERIA = [SearchCriteria(last_name="Goderis", postcode="9000")] * 2
# Retried at once (no sleeping in the unit suite): the patience runs out in 0.1 s of spinning.
DOWN = attrs.evolve(
    SETTINGS,
    driver2_timeouts=Timeouts(deadline=0.4, patience=0.1),
    retry=RetryPolicy(wait=False),
)


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def _lookup(settings: Settings) -> CustomerLookup:
    transport = httpx.MockTransport(_refused)
    return CustomerLookup(
        Driver2Client(settings, transport=transport), KPClient(settings, transport=transport)
    )


@pytest.mark.parametrize(
    ("wait", "error"), [(False, ServiceDownError), (True, DeadlineExceededError)]
)
def test_a_bulk_run_fails_after_the_patience_or_waits_the_outage_out(
    wait: bool, error: type[Exception]
) -> None:
    with _lookup(DOWN) as lookup:
        items = list(lookup.search_many(CRITERIA, wait_out_outages=wait))
    assert [type(item.error) for item in items] == [error, error]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("wait", "error"), [(False, ServiceDownError), (True, DeadlineExceededError)]
)
async def test_an_async_bulk_run_fails_after_the_patience_or_waits_the_outage_out(
    wait: bool, error: type[Exception]
) -> None:
    transport = httpx.MockTransport(_refused)
    lookup = AsyncCustomerLookup(
        AsyncDriver2Client(DOWN, transport=transport), AsyncKPClient(DOWN, transport=transport)
    )
    async with lookup:
        items = [item async for item in lookup.match_many(CRITERIA, wait_out_outages=wait)]
    assert [type(item.error) for item in items] == [error, error]


def test_while_driver2_answers_nothing_progress_shows_each_attempt_until_the_patience() -> None:
    told: list[str] = []
    transport = httpx.MockTransport(_refused)
    lookup = CustomerLookup(
        Driver2Client(DOWN, transport=transport),
        KPClient(DOWN, transport=transport),
        on_progress=lambda progress: told.append(str(progress)),
    )
    with lookup, pytest.raises(ServiceDownError):
        lookup.search(CRITERIA[0])
    # what the CLI's spinner shows: the attempts, the time so far and the time left
    # its token request's retries: the first try is quiet, as it is when all goes well
    assert told[0].startswith("searching Driver2 (attempt 2), 0 s so far")
    assert any("(attempt 3)" in line for line in told)
