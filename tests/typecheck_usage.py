"""Type-checked only (mypy --strict), never run: the public API as a user writes it.

If a public signature loses or changes its types, mypy fails here.
"""

from __future__ import annotations

from typing import assert_type

import attrs
import pandas as pd
import polars as pl

from driver2_kp import (
    MATCH_COLUMNS,
    AppliedParties,
    AsyncCustomerLookup,
    AsyncDriver2Client,
    AsyncKPClient,
    BulkItem,
    BulkProgress,
    Candidate,
    ConfigurationError,
    Customer,
    CustomerLookup,
    CustomerPage,
    CustomerQuery,
    Deadline,
    DeadlineExceededError,
    Driver2Client,
    Driver2KPError,
    DuplicateCustomerError,
    KPClient,
    KPSkipReason,
    Match,
    NewCustomer,
    Party,
    PartyRole,
    Person,
    PersonKind,
    PersonPage,
    PersonQuery,
    Progress,
    RetryPolicy,
    SearchCriteria,
    SearchResult,
    Secret,
    Selection,
    Settings,
    Source,
    Timeouts,
    Vehicle,
    apply_vehicle_parties,
    log_personal_data,
)
from driver2_kp.driver2 import get_customer_request
from driver2_kp.sandbox import FIXED, FaultScript, LoggedRequest, Sandbox, SandboxConfig


def settings_from_the_environment() -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigurationError as err:
        assert_type(err, ConfigurationError)
        raise
    assert_type(settings.kp_api_key, Secret)
    assert_type(settings.kp_api_key.reveal(), str)
    assert_type(settings.driver2_timeouts, Timeouts)
    return attrs.evolve(settings, retry=RetryPolicy(wait=False))


def look_up(settings: Settings, new: NewCustomer) -> None:
    with Driver2Client(settings, timeouts=Timeouts(deadline=60)) as driver2:
        assert_type(driver2.search_customers(CustomerQuery(name="Goderis")), CustomerPage)
        for customer in driver2.iter_customers(CustomerQuery(postcode="9000")):
            assert_type(customer, Customer)
        assert_type(driver2.find_vehicles(plate="1-ABC-123"), list[Vehicle])
        try:
            driver2.create_customer(new, idempotency_key="k")
        except DuplicateCustomerError as err:
            assert_type(err.existing_customer_number, str | None)
    with KPClient(settings) as kp:
        query = PersonQuery(last_name="Peeters", kind=PersonKind.PRIVATE)
        assert_type(kp.search_persons(query, limit=100), PersonPage)
        assert_type(kp.get_person("KP-0012345"), Person)


async def look_up_async(settings: Settings) -> None:
    async with AsyncDriver2Client(settings) as driver2, AsyncKPClient(settings) as kp:
        assert_type(await driver2.get_customer("74050"), Customer)
        async for person in kp.iter_persons(PersonQuery(last_name="Goderis")):
            assert_type(person, Person)


def a_test_against_the_sandbox(driver2_kp_sandbox: Sandbox) -> None:
    settings = driver2_kp_sandbox.settings
    assert_type(settings, Settings)
    driver2_kp_sandbox.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", fault="commit-then-drop")
    )
    config = driver2_kp_sandbox.configure(driver2_latency=0.5, max_concurrency=5)
    assert_type(config, SandboxConfig)
    logged = driver2_kp_sandbox.requests("kp")
    assert_type(logged, list[LoggedRequest])
    assert_type(logged[0].status, int | None)
    assert_type(FIXED.goderis_customer_number, str)


def a_notebook() -> None:
    with Sandbox(seed=7, driver2_latency=0.0) as sb:
        assert_type(sb.driver2_url, str)
        assert_type(sb.kp_url, str)
    try:
        Settings.from_env({})
    except Driver2KPError as err:
        assert_type(str(err), str)


def the_facade(settings: Settings, held: dict[PartyRole, Party]) -> None:
    def show(progress: Progress) -> None:
        assert_type(progress.time_left, float)

    with CustomerLookup.from_settings(settings, deadline=120, on_progress=show) as lookup:
        criteria = SearchCriteria(last_name="Goderis", postcode="9000")
        result = lookup.search(criteria, role=PartyRole.DRIVER, page=1)
        assert_type(result, SearchResult)
        assert_type(result.source, Source)
        assert_type(result.candidates, tuple[Candidate, ...])
        assert_type(result.kp_skipped_reason, KPSkipReason | None)
        assert_type(result.dropped_for_kp, tuple[str, ...])
        assert_type(lookup.search(criteria, role="driver"), SearchResult)
        for item in lookup.search_many([criteria], ordered=True, concurrency=8):
            assert_type(item, BulkItem[SearchResult])
            assert_type(item.result, SearchResult | None)
            assert_type(item.error, Driver2KPError | None)
        try:
            lookup.search(criteria)
        except DeadlineExceededError as late:
            assert_type(late.deadline, float)
            assert_type(late.step, str)
            assert_type(late.attempts, int)
            assert_type(late.last_error, Driver2KPError | None)
        for candidate in lookup.iter_candidates(result, ahead=2):
            assert_type(candidate.record, Customer | Person)
        assert_type(lookup.all_candidates(result), list[Candidate])
        selection = lookup.select(lookup.search_kp(criteria).candidates[0])
        assert_type(selection, Selection)
        assert_type(selection.party.vat_number, str | None)
        assert_type(selection.imported, bool)
        parties = lookup.vehicle_parties(plate="1-ABC-123")
        assert_type(parties, dict[PartyRole, Party])
        applied = apply_vehicle_parties(held, parties)
        assert_type(applied, AppliedParties)
        assert_type(applied.overwritten, frozenset[PartyRole])
    a_data_engineers_match(settings)
    with Driver2Client(settings) as driver2, KPClient(settings) as kp:
        assert_type(CustomerLookup(driver2, kp).deadline, float)
        customer = driver2.perform(get_customer_request("74050"), deadline=Deadline.after(5.0))
        assert_type(customer, Customer)
        assert_type(driver2.in_flight_limit, int)
    log_personal_data(False)


def a_data_engineers_match(settings: Settings) -> None:
    def tell(progress: BulkProgress) -> None:
        assert_type(progress.total, int | None)

    with CustomerLookup.from_settings(settings, cache_ttl=600) as lookup:
        matched = lookup.match(SearchCriteria(last_name="Godreis", first_name="Thiemen"))
        assert_type(matched.best, Candidate | None)
        assert_type(matched.matches, tuple[Match, ...])
        assert_type(matched.matches[0].score, float)
        assert_type(matched.matches[0].reasons, tuple[str, ...])
        assert_type(matched.blocks, tuple[CustomerQuery | PersonQuery, ...])
        for item in lookup.match_many([SearchCriteria(last_name="Peeters")], progress=tell):
            assert_type(item, BulkItem[SearchResult])
        frame = pd.DataFrame({"Naam": ["Goderis"]})
        assert_type(lookup.match_frame(frame, columns={"Naam": "last_name"}), pd.DataFrame)
        polars_frame = pl.DataFrame({"last_name": ["Goderis"]})
        assert_type(lookup.match_frame(polars_frame, progress=True), pl.DataFrame)
        assert_type(MATCH_COLUMNS, tuple[str, ...])
        lookup.clear_cache()


async def the_async_facade(settings: Settings) -> None:
    async with AsyncCustomerLookup.from_settings(settings) as lookup:
        result = await lookup.search(SearchCriteria(phone="+32 9 223 44 55"))
        async for candidate in lookup.iter_candidates(result):
            assert_type(await lookup.select(candidate), Selection)
        assert_type(await lookup.all_candidates(result), list[Candidate])
        assert_type(await lookup.search_kp(SearchCriteria(last_name="Peeters")), SearchResult)
        async for item in lookup.search_many([SearchCriteria(last_name="Peeters")]):
            assert_type(item.index, int)
        assert_type(await lookup.vehicle_parties(vin="WVWZZZ1JZXW000001"), dict[PartyRole, Party])
        assert_type(await lookup.match(SearchCriteria(vat_number="BE0403019261")), SearchResult)
        frame = pl.DataFrame({"last_name": ["Goderis"]})
        assert_type(await lookup.match_frame(frame), pl.DataFrame)
