"""The FAQ: a name (and whatever else) typed into the party is carried over into the search form."""

from __future__ import annotations

import attrs
import httpx
import pytest

from driver2_kp import (
    AsyncCustomerLookup,
    AsyncDriver2Client,
    AsyncKPClient,
    CriteriaError,
    Customer,
    CustomerLookup,
    Driver2Client,
    KPClient,
    Party,
    PartyDraft,
    SearchCriteria,
    Source,
)
from driver2_kp._convert import read
from driver2_kp._party import party_from_customer
from tests._contract import customer
from tests.unit._matching import FakeServices, nowhere

CARRIED = [
    ("name", "Goderis", "last_name", "Goderis"),
    ("first_name", "Thiemen", "first_name", "Thiemen"),
    ("driver2_number", "74050", "customer_number", "74050"),
    ("vat_number", "BE 0403.019.261", "vat_number", "BE0403019261"),
    ("email", "thiemen.goderis@example.be", "email", "thiemen.goderis@example.be"),
    ("phone", "+32 9 223 44 55", "phone", "3292234455"),
    ("postcode", "9000", "postcode", "9000"),
    ("country", "be", "country", "BE"),
]


@pytest.mark.parametrize(("typed", "value", "criterion", "searched"), CARRIED)
def test_each_field_typed_into_the_party_is_carried_into_the_search_form(
    typed: str, value: str, criterion: str, searched: str
) -> None:
    criteria = SearchCriteria.from_party(PartyDraft(**{typed: value}))
    assert criteria.given() == {criterion: searched}


def test_the_mobile_is_searched_as_the_phone_when_no_phone_is_typed() -> None:
    mobile = SearchCriteria.from_party(PartyDraft(mobile="+32 475 12 34 56"))
    assert mobile.phone == "32475123456"
    both = SearchCriteria.from_party(PartyDraft(phone="+32 9 223 44 55", mobile="+32 475 123456"))
    assert both.phone == "3292234455"


def test_a_draft_with_nothing_typed_gives_empty_criteria() -> None:
    assert SearchCriteria.from_party(PartyDraft()).is_empty()


def test_a_typed_value_that_cannot_be_right_is_refused_naming_the_criterion() -> None:
    with pytest.raises(CriteriaError) as refused:
        SearchCriteria.from_party(PartyDraft(name="Goderis", vat_number="BE0403019262"))
    assert refused.value.field == "vat_number"


def test_a_party_from_driver2_fills_the_form_too() -> None:
    party: Party = party_from_customer(read(customer(), Customer, service="Driver2", endpoint="x"))
    criteria = SearchCriteria.from_party(party)
    assert (criteria.customer_number, criteria.last_name, criteria.first_name) == (
        "74050",
        "Goderis",
        "Thiemen",
    )
    assert criteria.postcode == party.postcode
    assert attrs.asdict(criteria)["country"] == party.country


def test_a_draft_shows_no_personal_data_in_its_repr() -> None:
    draft = PartyDraft(name="Goderis", email="thiemen.goderis@example.be")
    assert "Goderis" not in repr(draft)
    assert "example.be" not in repr(draft)


TYPED = PartyDraft(name="Goderis", first_name="Thiemen", postcode="9000")
GODERIS_FOUND = {"name=Goderis firstName=Thiemen postcode=9000": [customer()]}


def test_search_and_search_kp_take_the_draft_itself() -> None:
    fake = FakeServices(GODERIS_FOUND)
    transport = httpx.MockTransport(fake.handle)
    with (
        nowhere() as settings,  # only the transport answers
        Driver2Client(settings, transport=transport) as driver2,
        KPClient(settings, transport=transport) as kp,
    ):
        lookup = CustomerLookup(driver2, kp)
        found = lookup.search(TYPED)
        assert lookup.search(SearchCriteria.from_party(TYPED)) == found
        lookup.search_kp(TYPED)
    assert (found.source, [c.driver2_number for c in found.candidates]) == (
        Source.DRIVER2,
        ["74050"],
    )
    assert fake.searches == [
        "driver2 name=Goderis firstName=Thiemen postcode=9000",
        "driver2 name=Goderis firstName=Thiemen postcode=9000",
        "kp nachname=Goderis vorname=Thiemen plz=9000 kundenart=privat",  # R6
    ]


@pytest.mark.anyio
async def test_the_async_search_takes_the_draft_itself() -> None:
    fake = FakeServices(GODERIS_FOUND)
    transport = httpx.MockTransport(fake.handle)
    with nowhere() as settings:
        async with (
            AsyncDriver2Client(settings, transport=transport) as driver2,
            AsyncKPClient(settings, transport=transport) as kp,
        ):
            lookup = AsyncCustomerLookup(driver2, kp)
            found = await lookup.search(TYPED)
            await lookup.search_kp(TYPED)
    assert [c.driver2_number for c in found.candidates] == ["74050"]
    assert fake.searches == [
        "driver2 name=Goderis firstName=Thiemen postcode=9000",
        "kp nachname=Goderis vorname=Thiemen plz=9000 kundenart=privat",  # R6
    ]


def test_a_draft_with_nothing_typed_is_refused_before_any_request() -> None:
    fake = FakeServices({})
    with (
        nowhere() as settings,
        Driver2Client(settings, transport=httpx.MockTransport(fake.handle)) as driver2,
        KPClient(settings, transport=httpx.MockTransport(fake.handle)) as kp,
        pytest.raises(CriteriaError) as refused,
    ):
        CustomerLookup(driver2, kp).search(PartyDraft())
    assert refused.value.field == "criteria"
    assert fake.searches == []
