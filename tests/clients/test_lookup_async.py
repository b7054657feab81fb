"""`AsyncCustomerLookup` against the sandbox: each rule R1-R13 of the spec, by name.

The mirror of ``test_lookup_sync.py``: keep the two in step. What was sent is read
from the clients' own exchanges (in every mode) and, where that is the point of the
rule (R6, R7, R10), from the sandbox's request log too, in the live-only twins.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import attrs
import pytest

from driver2_kp import (
    AuthenticationError,
    Candidate,
    ConfigurationError,
    CriteriaError,
    DeadlineExceededError,
    KPSkipReason,
    LegalForm,
    PartyRole,
    PersonKind,
    Progress,
    RequestTimeoutError,
    RetryPolicy,
    SearchCriteria,
    ServerError,
    Source,
    Step,
    Timeouts,
    ValidationError,
    VehicleNotFoundError,
    apply_vehicle_parties,
)
from driver2_kp.sandbox import FIXED, FaultScript

from ._lookup import (
    ANN_PEETERS,
    ATTEMPTS,
    EVERY_CRITERION,
    GODERIS,
    INVALID,
    KP_PARAMETERS,
    NOT_FOR_KP,
    NOT_LOADABLE,
    PEETERS,
    PEETERS_IN_2000,
    driver2_down,
    kp_ids,
    numbers,
)
from ._scene import Scene

pytestmark = [pytest.mark.anyio, pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]


async def _kp_candidate(scene: Scene, criteria: SearchCriteria, kp_id: str) -> Candidate:
    async with scene.async_lookup() as lookup:
        result = await lookup.search_kp(criteria)
    (candidate,) = [c for c in result.candidates if c.kp_id == kp_id]
    scene.exchanges.clear()
    return candidate


# --- R1 Driver2 first -----------------------------------------------------------------


async def test_r1_every_criterion_goes_to_driver2_normalised(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        await lookup.search(EVERY_CRITERION)
    first = scene.sent("driver2", "GET", "/customers")[0]
    assert dict(first.request.url.params) == {
        "customerNumber": "74050",
        "vatNumber": "BE0403019261",
        "name": "Peeters",
        "firstName": "Ann",
        "email": "ann@example.be",
        "phone": "3232260000",
        "postcode": "2000",
        "country": "BE",
        "page": "1",
    }


async def test_r1_a_driver2_hit_is_a_candidate_with_its_table_columns(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(GODERIS, role=PartyRole.DRIVER)
    assert (result.source, result.total, result.page, result.role) == (
        Source.DRIVER2,
        1,
        1,
        PartyRole.DRIVER,
    )
    (goderis,) = result.candidates
    assert (goderis.name, goderis.first_name, goderis.driver2_number, goderis.postcode) == (
        "Goderis",
        "Thiemen",
        FIXED.goderis_customer_number,
        "9000",
    )
    assert (goderis.phone, goderis.email) == ("+3292234455", "thiemen.goderis@example.be")
    assert goderis.record.customer_number == FIXED.goderis_customer_number  # type: ignore[union-attr]


@pytest.mark.parametrize("method", ["search", "search_kp"])
async def test_r1_an_empty_search_is_refused_before_any_request(scene: Scene, method: str) -> None:
    async with scene.async_lookup() as lookup:
        with pytest.raises(CriteriaError) as refused:
            await getattr(lookup, method)(SearchCriteria())
    assert refused.value.field in {"criteria", "last_name"}
    assert isinstance(refused.value, ValueError)
    assert scene.exchanges == []


# --- R2 Paging ------------------------------------------------------------------------


async def test_r2_any_page_can_be_asked_for(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        first = await lookup.search(PEETERS)
        second = await lookup.search(PEETERS, page=2)
    assert (first.total, first.pages, len(first.candidates)) == (59, 6, 10)
    assert (second.page, len(second.candidates)) == (2, 10)
    assert not set(numbers(first.candidates)) & set(numbers(second.candidates))
    pages = [e.request.url.params["page"] for e in scene.sent("driver2", "GET", "/customers")]
    assert pages == ["1", "2"]


async def test_r2_iterating_fetches_only_the_pages_consumed(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(PEETERS)
        candidates = lookup.iter_candidates(result)
        assert isinstance(candidates, AsyncGenerator)
        first_fifteen: list[Candidate] = []
        async with aclosing(candidates):
            async for candidate in candidates:
                first_fifteen.append(candidate)
                if len(first_fifteen) == 15:
                    break
    assert numbers(first_fifteen)[:10] == numbers(result.candidates)
    pages = [e.request.url.params["page"] for e in scene.sent("driver2", "GET", "/customers")]
    assert pages == ["1", "2"]


async def test_r2_stopping_within_the_page_in_hand_asks_for_nothing_more(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(PEETERS)
        first_three: list[Candidate] = []
        async with aclosing(lookup.iter_candidates(result)) as candidates:  # type: ignore[type-var]
            async for candidate in candidates:
                first_three.append(candidate)
                if len(first_three) == 3:
                    break
    assert numbers(first_three) == numbers(result.candidates)[:3]
    pages = [e.request.url.params["page"] for e in scene.sent("driver2", "GET", "/customers")]
    assert pages == ["1"]


async def test_r2_a_look_ahead_asks_for_each_page_once_and_none_past_the_last(
    scene: Scene,
) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(PEETERS)
        every = [c async for c in lookup.iter_candidates(result, ahead=2)]
        everyone = await lookup.all_candidates(result)
    assert numbers(every) == numbers(everyone)
    assert len(every) == len(set(numbers(every))) == 59
    pages = [e.request.url.params["page"] for e in scene.sent("driver2", "GET", "/customers")]
    assert sorted(pages[:6]) == ["1", "2", "3", "4", "5", "6"]


async def test_r2_iterating_to_the_end_gives_every_candidate_once(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        every = [c async for c in lookup.iter_candidates(await lookup.search(PEETERS))]
    assert len(every) == len(set(numbers(every))) == 59
    assert all(c.name.startswith("Peeters") for c in every)
    assert len(scene.sent("driver2", "GET", "/customers")) == 6


async def test_r2_kp_results_page_lazily_too(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search_kp(PEETERS)
        candidates = lookup.iter_candidates(result, ahead=0)
        assert isinstance(candidates, AsyncGenerator)
        first_25: list[Candidate] = []
        async with aclosing(candidates):
            async for candidate in candidates:
                first_25.append(candidate)
                if len(first_25) == 25:
                    break
    assert (result.total, len(result.candidates)) == (224, 10)
    assert len(set(kp_ids(first_25))) == 25
    offsets = [e.request.url.params["offset"] for e in scene.sent("kp", "GET", "/personen")]
    assert offsets == ["0", "10", "20"]


# --- R3 Automatic KP fallback -----------------------------------------------------------


async def test_r3_no_driver2_hit_and_a_last_name_searches_kp(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(ANN_PEETERS)
    assert (result.source, result.kp_skipped_reason) == (Source.KP, None)
    assert kp_ids(result.candidates) == [FIXED.ann_peeters_kp_id]
    assert result.total == 1
    assert len(scene.sent("driver2", "GET", "/customers")) == 1
    assert len(scene.sent("kp", "GET", "/personen")) == 1


async def test_r3_driver2_hits_leave_kp_alone(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(GODERIS)
    assert result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS
    assert scene.sent("kp", "GET") == []


@pytest.mark.parametrize(
    ("criteria", "reason"),
    [
        (SearchCriteria(email="nobody@example.invalid"), KPSkipReason.NO_LAST_NAME),
        (SearchCriteria(last_name="Q", postcode="1000"), KPSkipReason.LAST_NAME_TOO_SHORT),
    ],
    ids=["no_last_name", "one_letter"],
)
async def test_r3_without_a_usable_last_name_kp_is_not_searched_and_the_result_says_why(
    scene: Scene, criteria: SearchCriteria, reason: KPSkipReason
) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(criteria)
    assert (result.source, result.total, result.candidates) == (Source.DRIVER2, 0, ())
    assert result.kp_skipped_reason is reason
    assert scene.sent("kp", "GET") == []


async def test_r3_when_driver2_is_down_its_error_is_raised_and_kp_is_not_searched(
    scene: Scene,
) -> None:
    scene.script_faults(driver2_down())
    async with scene.async_lookup() as lookup:
        with pytest.raises(ServerError) as failed:
            await lookup.search(ANN_PEETERS)
    assert (failed.value.service, failed.value.status) == ("Driver2", 503)
    assert len(scene.sent("driver2", "GET", "/customers")) == ATTEMPTS
    assert scene.sent("kp", "GET") == []


async def test_r3_when_driver2_is_down_and_kp_cannot_help_the_error_is_raised(
    scene: Scene,
) -> None:
    scene.script_faults(driver2_down())
    async with scene.async_lookup() as lookup:
        with pytest.raises(ServerError):
            await lookup.search(SearchCriteria(customer_number=FIXED.goderis_customer_number))
    assert scene.sent("kp", "GET") == []


async def test_r3_when_the_automatic_kp_search_fails_its_error_is_raised_with_a_note(
    scene: Scene,
) -> None:
    scene.script_faults(
        FaultScript(service="kp", method="GET", path="/personen", status=503, times=ATTEMPTS)
    )
    async with scene.async_lookup() as lookup:
        with pytest.raises(ServerError) as failed:
            await lookup.search(ANN_PEETERS)
    assert (failed.value.service, failed.value.status) == ("KP", 503)
    assert any("Driver2 answered and found nobody" in note for note in failed.value.__notes__)


async def test_r3_a_wrong_kp_key_is_raised_never_reported_as_nobody_found(scene: Scene) -> None:
    settings = attrs.evolve(scene.settings, kp_api_key="wrong-key")
    async with scene.async_lookup(settings) as lookup:
        with pytest.raises(AuthenticationError) as refused:
            await lookup.search(ANN_PEETERS)
    assert (refused.value.service, refused.value.status) == ("KP", 401)
    assert "KP_API_KEY" in str(refused.value)


async def test_r3_wrong_driver2_credentials_are_raised_not_hidden_behind_kp(
    scene: Scene,
) -> None:
    settings = attrs.evolve(scene.settings, driver2_client_secret="wrong-secret")
    async with scene.async_lookup(settings) as lookup:
        with pytest.raises(AuthenticationError):
            await lookup.search(ANN_PEETERS)
    assert scene.sent("kp", "GET") == []


@pytest.mark.live_only("a timeout cannot be recorded")
async def test_r3_when_driver2_is_too_slow_the_deadline_is_raised_and_kp_is_not_searched(
    scene: Scene,
) -> None:
    scene.script_faults(
        FaultScript(
            service="driver2", method="GET", path="/customers", fault="delay", seconds=5, times=9
        )
    )
    async with scene.async_lookup(deadline=2.0) as lookup:
        with pytest.raises(DeadlineExceededError) as late:
            await lookup.search(ANN_PEETERS)
    assert (late.value.deadline, late.value.step) == (2.0, "searching Driver2")
    assert scene.sent("kp", "GET") == []


# --- R4 Explicit KP search --------------------------------------------------------------


async def test_r4_kp_can_be_searched_after_a_driver2_search(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        in_driver2 = await lookup.search(GODERIS)
        in_kp = await lookup.search_kp(in_driver2.criteria, role=PartyRole.OWNER)
    assert in_driver2.source is Source.DRIVER2
    assert (in_kp.source, in_kp.role, in_kp.kp_skipped_reason) == (
        Source.KP,
        PartyRole.OWNER,
        None,
    )
    assert kp_ids(in_kp.candidates) == [FIXED.goderis_kp_id]
    (goderis,) = in_kp.candidates
    assert (goderis.name, goderis.first_name, goderis.driver2_number) == (
        "Goderis",
        "Thiemen",
        None,
    )


# --- R5 KP needs a last name ------------------------------------------------------------


@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(first_name="Ann", postcode="2000"),
        SearchCriteria(last_name="P", first_name="Ann"),
    ],
    ids=["no_last_name", "one_letter"],
)
async def test_r5_a_kp_search_needs_a_last_name_before_any_request(
    scene: Scene, criteria: SearchCriteria
) -> None:
    async with scene.async_lookup() as lookup:
        with pytest.raises(CriteriaError) as refused:
            await lookup.search_kp(criteria)
    assert refused.value.field == "last_name"
    assert "last name" in str(refused.value)
    assert scene.exchanges == []


@pytest.mark.parametrize(("field", "given"), INVALID, ids=[f for f, _ in INVALID])
async def test_r5_an_invalid_criterion_is_refused_before_any_request(
    scene: Scene, field: str, given: dict[str, str]
) -> None:
    async with scene.async_lookup():
        with pytest.raises(CriteriaError) as refused:
            SearchCriteria(**{"last_name": "Peeters", **given})
    assert refused.value.field == field
    assert given[field] not in str(refused.value)
    assert scene.exchanges == []


# --- R6 First name means private persons ------------------------------------------------


async def test_r6_a_first_name_restricts_kp_to_private_persons(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        private = await lookup.search_kp(SearchCriteria(last_name="Peeters", first_name="Ann"))
        everyone = await lookup.search_kp(PEETERS_IN_2000)
    with_first, without_first = (e.request.url.params for e in scene.sent("kp", "GET"))
    assert with_first["kundenart"] == "privat"
    assert "kundenart" not in without_first
    assert all(c.record.kind is PersonKind.PRIVATE for c in private.candidates)  # type: ignore[union-attr]
    assert FIXED.business_kp_id not in kp_ids(private.candidates)
    assert FIXED.business_kp_id in kp_ids(everyone.candidates)


@pytest.mark.live_only("reads the sandbox's request log")
async def test_r6_the_sandbox_receives_kundenart_privat(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        await lookup.search(ANN_PEETERS)
    (search,) = scene.requests("kp")
    assert search.query["kundenart"] == "privat"


# --- R7 Only the postcode is forwarded ----------------------------------------------------


@pytest.mark.parametrize("method", ["search", "search_kp"])
async def test_r7_only_last_name_first_name_and_postcode_reach_kp(
    scene: Scene, method: str
) -> None:
    async with scene.async_lookup() as lookup:
        result = await getattr(lookup, method)(EVERY_CRITERION)
    assert result.source is Source.KP
    assert result.dropped_for_kp == NOT_FOR_KP
    (search,) = scene.sent("kp", "GET")
    assert set(search.request.url.params) <= KP_PARAMETERS
    assert dict(search.request.url.params) == {
        "nachname": "Peeters",
        "vorname": "Ann",
        "plz": "2000",
        "kundenart": "privat",
        "limit": "10",
        "offset": "0",
    }


async def test_r7_nothing_is_dropped_when_kp_was_not_asked(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(attrs.evolve(GODERIS, email="thiemen.goderis@example.be"))
    assert (result.source, result.dropped_for_kp) == (Source.DRIVER2, ())


@pytest.mark.live_only("reads the sandbox's request log")
async def test_r7_the_sandbox_receives_no_other_criterion(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        await lookup.search(EVERY_CRITERION)
    (search,) = scene.requests("kp")
    assert set(search.query) <= KP_PARAMETERS
    for value in ("74050", "BE0403019261", "ann@example.be", "3232260000", "BE"):
        assert value not in search.query_string


# --- R8 Selecting a KP result imports it --------------------------------------------------


async def test_r8_selecting_a_kp_candidate_imports_it_with_an_idempotency_key(
    scene: Scene,
) -> None:
    ann = await _kp_candidate(scene, ANN_PEETERS, FIXED.ann_peeters_kp_id)
    async with scene.async_lookup() as lookup:
        selection = await lookup.select(ann)
    (create,) = scene.sent("driver2", "POST", "/customers")
    assert create.headers["Idempotency-Key"]
    assert selection.imported
    assert selection.import_error is None
    assert selection.customer is not None
    assert selection.customer.kp_reference == FIXED.ann_peeters_kp_id
    assert selection.party.driver2_number == selection.customer.customer_number
    assert (selection.party.source, selection.party.kp_id) == (Source.KP, FIXED.ann_peeters_kp_id)


async def test_r8_selecting_the_same_person_twice_makes_one_customer(scene: Scene) -> None:
    ann = await _kp_candidate(scene, ANN_PEETERS, FIXED.ann_peeters_kp_id)
    async with scene.async_lookup() as lookup:
        first = await lookup.select(ann)
        again = await lookup.select(ann)
        in_driver2 = await lookup.search(ANN_PEETERS)
    assert first.party.driver2_number == again.party.driver2_number
    creates = scene.sent("driver2", "POST", "/customers")
    assert len({e.headers["Idempotency-Key"] for e in creates}) == 1
    assert in_driver2.source is Source.DRIVER2
    assert numbers(in_driver2.candidates) == [first.party.driver2_number]


async def test_r8_a_person_already_in_driver2_resolves_to_that_customer(scene: Scene) -> None:
    goderis = await _kp_candidate(scene, GODERIS, FIXED.goderis_kp_id)
    async with scene.async_lookup() as lookup:
        selection = await lookup.select(goderis)
    (create,) = scene.sent("driver2", "POST", "/customers")
    assert create.response is not None
    assert create.response.status_code == 409
    assert [e.path for e in scene.sent("driver2", "GET")] == [
        f"/customers/{FIXED.goderis_customer_number}"
    ]
    assert selection.imported
    assert selection.customer is not None
    assert selection.customer.customer_number == FIXED.goderis_customer_number
    assert selection.party.driver2_number == FIXED.goderis_customer_number


@pytest.mark.live_only("a dropped connection cannot be recorded")
async def test_r8_an_import_retried_after_a_lost_answer_makes_one_customer(scene: Scene) -> None:
    ann = await _kp_candidate(scene, ANN_PEETERS, FIXED.ann_peeters_kp_id)
    scene.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", fault="commit-then-drop")
    )
    async with scene.async_lookup() as lookup:
        selection = await lookup.select(ann)
        in_driver2 = await lookup.search(ANN_PEETERS)
    posts = [r for r in scene.requests("driver2") if r.method == "POST" and r.path == "/customers"]
    assert [r.committed_status for r in posts] == [201, None]
    assert len({r.headers["idempotency-key"] for r in posts}) == 1
    assert selection.imported
    assert numbers(in_driver2.candidates) == [selection.party.driver2_number]


async def test_selecting_a_driver2_candidate_sends_nothing(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        (goderis,) = (await lookup.search(GODERIS)).candidates
        scene.exchanges.clear()
        selection = await lookup.select(goderis)
    assert scene.exchanges == []
    assert (selection.imported, selection.import_error) == (False, None)
    assert selection.party.source is Source.DRIVER2
    assert selection.party.driver2_number == FIXED.goderis_customer_number
    assert selection.customer is goderis.record


# --- R9 Import failure loses nothing ------------------------------------------------------


async def test_r9_a_rejected_import_still_gives_the_kp_party(scene: Scene) -> None:
    marc = await _kp_candidate(
        scene,
        SearchCriteria(last_name="Dubois", first_name="Marc", postcode="75001"),
        FIXED.import_rejected_kp_id,
    )
    async with scene.async_lookup() as lookup:
        selection = await lookup.select(marc)
    assert not selection.imported
    assert isinstance(selection.import_error, ValidationError)
    assert [e.field for e in selection.import_error.errors] == ["address.postcode"]
    party = selection.party
    assert (party.kp_id, party.name, party.first_name, party.postcode) == (
        FIXED.import_rejected_kp_id,
        "Dubois",
        "Marc",
        "75001",
    )
    assert (party.driver2_number, party.record) == (None, marc.record)


async def test_r9_driver2_down_at_import_still_gives_the_kp_party(scene: Scene) -> None:
    ann = await _kp_candidate(scene, ANN_PEETERS, FIXED.ann_peeters_kp_id)
    scene.script_faults(driver2_down("POST"))
    async with scene.async_lookup() as lookup:
        selection = await lookup.select(ann)
    assert not selection.imported
    assert isinstance(selection.import_error, ServerError)
    assert len(scene.sent("driver2", "POST", "/customers")) == ATTEMPTS
    assert (selection.party.kp_id, selection.party.name, selection.party.city) == (
        FIXED.ann_peeters_kp_id,
        "Peeters",
        "Antwerpen",
    )


@pytest.mark.live_only("a timeout cannot be recorded")
async def test_r9_an_import_timing_out_still_gives_the_kp_party(scene: Scene) -> None:
    ann = await _kp_candidate(scene, ANN_PEETERS, FIXED.ann_peeters_kp_id)
    scene.script_faults(
        FaultScript(
            service="driver2", method="POST", path="/customers", fault="delay", seconds=5, times=9
        )
    )
    async with scene.async_lookup(deadline=1.0) as lookup:
        selection = await lookup.select(ann)
    assert not selection.imported
    assert isinstance(selection.import_error, RequestTimeoutError)
    assert selection.party.kp_id == FIXED.ann_peeters_kp_id


# --- R10 VAT never goes to Driver2 ----------------------------------------------------------


async def test_r10_the_vat_number_stays_on_the_party_and_out_of_driver2(scene: Scene) -> None:
    firm = await _kp_candidate(scene, PEETERS_IN_2000, FIXED.business_kp_id)
    async with scene.async_lookup() as lookup:
        selection = await lookup.select(firm)
    (create,) = scene.sent("driver2", "POST", "/customers")
    assert b"vatNumber" not in create.request.content
    assert FIXED.business_vat_number.encode() not in create.request.content
    assert selection.imported
    party = selection.party
    assert (party.vat_number, party.vat_liable) == (FIXED.business_vat_number, True)
    assert (party.name, party.legal_form, party.contact_person) == (
        "Peeters Bouw BV",
        LegalForm.LEGAL_ENTITY,
        "Ann Peeters",
    )


async def test_r10_the_vat_number_stays_on_the_party_when_the_import_fails(scene: Scene) -> None:
    firm = await _kp_candidate(scene, PEETERS_IN_2000, FIXED.business_kp_id)
    scene.script_faults(driver2_down("POST"))
    async with scene.async_lookup() as lookup:
        selection = await lookup.select(firm)
    assert not selection.imported
    assert selection.party.vat_number == FIXED.business_vat_number


@pytest.mark.live_only("reads the sandbox's request log")
async def test_r10_no_request_the_sandbox_receives_carries_the_vat_number(scene: Scene) -> None:
    firm = await _kp_candidate(scene, PEETERS_IN_2000, FIXED.business_kp_id)
    async with scene.async_lookup() as lookup:
        await lookup.select(firm)
    (create,) = [
        r for r in scene.requests("driver2") if r.method == "POST" and r.path != "/oauth/token"
    ]
    assert isinstance(create.body, dict)
    assert "vatNumber" not in create.body
    assert all(
        FIXED.business_vat_number not in str(r.body) + r.query_string
        for r in scene.requests("driver2")
    )


# --- R11 Roles --------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_LOADABLE, ids=str)
@pytest.mark.parametrize("method", ["search", "search_kp"])
async def test_r11_a_role_driver2_cannot_fill_is_refused_before_any_request(
    scene: Scene, role: PartyRole, method: str
) -> None:
    async with scene.async_lookup() as lookup:
        with pytest.raises(CriteriaError) as refused:
            await getattr(lookup, method)(GODERIS, role=role)
    assert refused.value.field == "role"
    assert role.value in str(refused.value)
    assert scene.exchanges == []


@pytest.mark.parametrize("role", [r for r in PartyRole if r.loadable], ids=str)
async def test_r11_the_four_loadable_roles_are_searched(scene: Scene, role: PartyRole) -> None:
    async with scene.async_lookup() as lookup:
        result = await lookup.search(GODERIS, role=role)
    assert (result.role, result.total) == (role, 1)


# --- R12 Vehicle first ------------------------------------------------------------------


async def test_r12_a_vehicle_gives_its_owner_driver_and_lessee(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        parties = await lookup.vehicle_parties(plate="1abc 123")
    assert {role: party.driver2_number for role, party in parties.items()} == {
        PartyRole.OWNER: FIXED.leasing_customer_number,
        PartyRole.DRIVER: FIXED.goderis_customer_number,
        PartyRole.INSURED: FIXED.lessee_customer_number,
    }
    assert all(party.source is Source.DRIVER2 for party in parties.values())


async def test_r12_applying_a_vehicle_reports_the_roles_overwritten(scene: Scene) -> None:
    ann = await _kp_candidate(scene, ANN_PEETERS, FIXED.ann_peeters_kp_id)
    async with scene.async_lookup() as lookup:
        by_vin = await lookup.vehicle_parties(vin=FIXED.vehicle_vin)
        ann_party = (await lookup.select(ann)).party
    held = {
        PartyRole.OWNER: by_vin[PartyRole.OWNER],
        PartyRole.DRIVER: ann_party,
        PartyRole.SENT_BY: ann_party,
    }
    applied = apply_vehicle_parties(held, by_vin)
    assert applied.overwritten == {PartyRole.DRIVER}
    assert applied.parties[PartyRole.DRIVER] == by_vin[PartyRole.DRIVER]
    assert applied.parties[PartyRole.SENT_BY] is ann_party
    assert held[PartyRole.DRIVER] is ann_party


async def test_r12_an_unknown_vehicle_is_an_error(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        with pytest.raises(VehicleNotFoundError) as missing:
            await lookup.vehicle_parties(plate="9-ZZZ-999")
    assert "9-ZZZ-999" not in str(missing.value)


# --- R13 Slow Driver2 -------------------------------------------------------------------


async def test_r13_the_defaults_are_generous_and_bound_the_whole_lookup(scene: Scene) -> None:
    async with scene.async_lookup() as lookup:
        assert lookup.driver2.timeouts.read >= 60
        assert lookup.deadline == (
            scene.settings.driver2_timeouts.deadline + scene.settings.kp_timeouts.deadline
        )
    async with scene.async_lookup(deadline=12.5) as configured:
        assert configured.deadline == 12.5
    with pytest.raises(ConfigurationError, match="deadline"):
        async with scene.async_lookup(deadline=0):
            pass


async def test_r13_progress_is_told_of_every_attempt_and_wait(
    scene: Scene, waits: list[float]
) -> None:
    scene.script_faults(
        FaultScript(service="driver2", method="GET", path="/customers", status=503, times=2)
    )
    told: list[Progress] = []
    settings = attrs.evolve(scene.settings, retry=RetryPolicy(initial_wait=0.5))
    async with scene.async_lookup(settings, on_progress=told.append) as lookup:
        await lookup.search(ANN_PEETERS)
    assert [(p.step, p.attempt, p.retry_in is not None) for p in told] == [
        (Step.SEARCH_DRIVER2, 1, False),
        (Step.SEARCH_DRIVER2, 2, True),
        (Step.SEARCH_DRIVER2, 2, False),
        (Step.SEARCH_DRIVER2, 3, True),
        (Step.SEARCH_DRIVER2, 3, False),
        (Step.SEARCH_KP, 1, False),
    ]
    assert [p.retry_in for p in told if p.retry_in is not None] == waits
    assert all(p.time_left <= lookup.deadline for p in told)
    assert "searching Driver2 (attempt 1)" in str(told[0])


async def test_r13_a_progress_callback_raising_stops_the_lookup(scene: Scene) -> None:
    class CancelledError(Exception):
        pass

    def cancel(progress: Progress) -> None:
        raise CancelledError(progress.step)

    async with scene.async_lookup(on_progress=cancel) as lookup:
        with pytest.raises(CancelledError):
            await lookup.search(GODERIS)
    assert scene.sent("driver2", "GET") == []  # the token request comes before any step


@pytest.mark.live_only("a timeout cannot be recorded")
async def test_r13_the_lookup_deadline_bounds_every_call(scene: Scene) -> None:
    scene.script_faults(
        FaultScript(
            service="driver2", method="GET", path="/customers", fault="delay", seconds=5, times=9
        )
    )
    settings = attrs.evolve(scene.settings, driver2_timeouts=Timeouts(deadline=600))
    async with scene.async_lookup(settings, deadline=1.0) as lookup:
        with pytest.raises(RequestTimeoutError):
            await lookup.search(SearchCriteria(customer_number=FIXED.goderis_customer_number))
