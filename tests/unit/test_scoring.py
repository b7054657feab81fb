"""Scoring never names another person: households, gendered names, companies, counts, strangers.

The pure functions of `driver2_kp.matching` on plain candidates: no flow, no HTTP.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driver2_kp import LegalForm, MatchRecord, NoBestReason
from driver2_kp._criteria import SearchCriteria
from driver2_kp.matching import WEIGHTS, match, rank, verdict
from driver2_kp.matching._compare import first_name_level, kind_of, last_name_level
from driver2_kp.matching._normal import names_a_company
from driver2_kp.matching._score import is_plausible, record_kind
from driver2_kp.matching._weights import count_adjustment
from tests._contract import customer
from tests.unit._matching import (
    VAT,
    company,
    driver2_candidate,
    driver2_candidates,
    kp_candidate,
    private_peeters,
)

# Thiemen Goderis's household: Kortrijksesteenweg 112, 9000 Gent, a family e-mail and landline.
HOME = {"postcode": "9000", "street": "Kortrijksesteenweg", "house_number": "112"}
FAMILY_EMAIL = "thiemen.goderis@example.be"
LANDLINE = "09 223 44 55"
MOBILE = "0475 12 34 56"


def best_name(record: SearchCriteria, *records: dict[str, object]) -> str | None:
    """The first name of the best candidate among ``records`` for ``record``, if any."""
    found = verdict(rank(record, driver2_candidates(*records))).best
    return None if found is None else found.first_name or found.name


# --- households ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shared",
    [
        {},
        {"email": FAMILY_EMAIL},
        {"phone": LANDLINE},
        {"mobile": MOBILE},
        {"email": FAMILY_EMAIL, "phone": LANDLINE, "city": "Gent"},
    ],
    ids=["address", "address and e-mail", "address and landline", "a mobile", "everything"],
)
def test_a_relative_at_the_same_address_is_never_the_customers_best(
    shared: dict[str, str],
) -> None:
    sofie = MatchRecord(last_name="Goderis", first_name="Sofie", **HOME, **shared)
    (found,) = rank(sofie, driver2_candidates(customer()))
    assert not is_plausible(found)
    assert verdict((found,)).why_no_best is NoBestReason.WEAK
    household = [r for r in found.reasons if r.split()[0] in {"postcode", "address", "email"}]
    assert household
    assert all(reason.endswith("(household only)") for reason in household)


@pytest.mark.parametrize(
    "shared",
    [{"email": FAMILY_EMAIL}, {"phone": LANDLINE}, {"mobile": MOBILE}],
    ids=["e-mail", "landline", "mobile"],
)
def test_the_same_evidence_counts_for_the_person_it_names(shared: dict[str, str]) -> None:
    thiemen = MatchRecord(last_name="Goderis", first_name="Thiemen", **shared)
    (found,) = rank(thiemen, driver2_candidates(customer()))
    assert not any(reason.endswith("(household only)") for reason in found.reasons)
    assert best_name(thiemen, customer()) == "Thiemen"


def test_household_evidence_weighs_nothing_against_another_first_name() -> None:
    alone = match(SearchCriteria(last_name="Goderis", first_name="Sofie"), driver2_candidate())
    shared = match(
        MatchRecord(last_name="Goderis", first_name="Sofie", email=FAMILY_EMAIL, **HOME),
        driver2_candidate(),
    )
    assert shared.weight == alone.weight


def test_a_typo_in_the_last_name_keeps_the_households_evidence_for_the_first_name() -> None:
    record = MatchRecord(
        last_name="Gdoreis", first_name="Thiemen", email=FAMILY_EMAIL, phone=LANDLINE, **HOME
    )
    assert best_name(record, customer()) == "Thiemen"


def test_without_a_first_name_either_member_of_the_household_ties() -> None:
    record = MatchRecord(last_name="Goderis", email=FAMILY_EMAIL, **HOME)
    sofie = customer() | {"customerNumber": "74053", "firstName": "Sofie", "salutation": "Mevrouw"}
    matches = rank(record, driver2_candidates(customer(), sofie))
    assert verdict(matches).why_no_best is NoBestReason.TIE


# --- first names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Jan", "Jana"),
        ("Michel", "Michèle"),
        ("Daniel", "Danielle"),
        ("Louis", "Louise"),
        ("Christian", "Christiane"),
        ("Antonio", "Antonia"),
        ("Frédéric", "Frédérique"),
        ("Patrick", "Patricia"),
        ("Alexander", "Alexandra"),
    ],
)
def test_a_mans_and_a_womans_form_of_a_name_are_different_people(one: str, other: str) -> None:
    assert first_name_level(one, other).level == "different"
    assert first_name_level(other, one).level == "different"


@pytest.mark.parametrize(
    ("one", "other"), [("Jan", "Janine"), ("Chris", "Christine"), ("Marie", "Marie-Louise")]
)
def test_a_name_that_is_only_the_start_of_the_other_is_another_person(one: str, other: str) -> None:
    assert first_name_level(one, other).level == "different"


@pytest.mark.parametrize(("one", "other"), [("Tom", "Tim"), ("Jan", "Jen"), ("Ida", "Ada")])
def test_two_short_names_a_letter_apart_are_two_people(one: str, other: str) -> None:
    assert first_name_level(one, other).level == "different"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Theimen", "Thiemen"),  # two letters swapped
        ("Thiemne", "Thiemen"),
        ("Katez", "Kate"),  # a letter added
        ("Flyn", "Flynn"),  # a letter dropped
        ("Dan", "Daan"),
        ("Ned", "Nde"),
        ("Raphuël", "Raphaël"),  # a letter replaced in a longer name
    ],
)
def test_a_typo_in_a_first_name_still_agrees(typed: str, name: str) -> None:
    assert first_name_level(typed, name).level == "very similar"


@pytest.mark.parametrize(
    ("typed", "name"), [("Brinaa", "Brianna"), ("Jordhau", "Jordan"), ("Tiemne", "Thiemen")]
)
def test_two_typos_in_a_first_name_of_five_letters_or_more_are_similar(
    typed: str, name: str
) -> None:
    assert first_name_level(typed, name).level == "similar"


@pytest.mark.parametrize(("typed", "name"), [("Anna", "Enne"), ("Ann", "Ian")])
def test_two_typos_in_a_shorter_first_name_make_another_name(typed: str, name: str) -> None:
    assert first_name_level(typed, name).level == "different"


@pytest.mark.parametrize(("postcode", "plausible"), [("9000", True), ("3500", False)])
def test_a_similar_first_name_is_carried_by_the_postcode_it_shares(
    postcode: str, plausible: bool
) -> None:
    record = SearchCriteria(last_name="Goderis", first_name="Tiemne", postcode=postcode)
    (found,) = rank(record, driver2_candidates(customer()))
    assert "first_name similar 2 typos" in found.reasons
    assert is_plausible(found) is plausible
    assert (best_name(record, customer()) == "Thiemen") is plausible


def test_an_initial_agrees_too_little_to_carry_the_households_evidence() -> None:
    record = MatchRecord(last_name="Goderis", first_name="T.", email=FAMILY_EMAIL, **HOME)
    (found,) = rank(record, driver2_candidates(customer()))
    assert "first_name initial" in found.reasons
    assert not is_plausible(found)


# --- companies and persons -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "company"),
    [
        ("Peeters BV", True),
        ("Peeters Bouw B.V.", True),
        ("NV Peeters", True),
        ("Garage Lambrecht SRL", True),
        ("Autohaus Schmidt GmbH", True),
        ("Peeters", False),
        ("De Sa", False),  # a family name, not a company
        ("BV", False),
    ],
)
def test_a_legal_form_in_a_name_names_a_company(name: str, company: bool) -> None:
    assert names_a_company(name) is company


def test_a_record_naming_a_company_is_never_a_private_persons_best() -> None:
    record = SearchCriteria(last_name="Peeters BV", postcode="9000")
    assert kind_of(record) is LegalForm.LEGAL_ENTITY
    matches = rank(record, driver2_candidates(private_peeters()))
    assert verdict(matches).why_no_best is NoBestReason.ANOTHER_KIND
    assert "legal_form different" in matches[0].reasons


def test_a_person_is_never_a_companys_best_even_at_the_same_address() -> None:
    record = MatchRecord(
        last_name="Peeters", first_name="Ann", **HOME, email="info@peetersbouw.example.be"
    )
    matches = rank(record, driver2_candidates(company()))
    assert verdict(matches).why_no_best is NoBestReason.ANOTHER_KIND


@pytest.mark.parametrize("legal_form", [LegalForm.LEGAL_ENTITY, LegalForm.NATURAL_PERSON])
def test_a_record_that_says_its_legal_form_is_matched_to_that_kind_only(
    legal_form: LegalForm,
) -> None:
    record = MatchRecord(last_name="Peeters", postcode="9000", legal_form=legal_form)
    matches = rank(record, driver2_candidates(company(name="Peeters"), private_peeters()))
    kinds = [found.candidate.record.legal_form for found in matches if is_plausible(found)]  # type: ignore[union-attr]
    assert kinds == [legal_form]


def test_a_vat_number_that_belongs_to_a_company_makes_the_record_a_companys() -> None:
    record = SearchCriteria(last_name="Peeters", vat_number=VAT)
    candidates = driver2_candidates(company(), private_peeters())
    assert record_kind(record, candidates) is LegalForm.LEGAL_ENTITY
    best = verdict(rank(record, candidates)).best
    assert best is not None
    assert best.driver2_number == "30001"


def test_a_kp_business_is_a_company_and_a_kp_private_person_a_person() -> None:
    business = kp_candidate(
        kundenart="gewerblich", firma="Peeters Bouw BV", nachname="Peeters", vorname="Ann"
    )
    record = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="9000")
    assert "legal_form different" in match(record, business, kind=LegalForm.NATURAL_PERSON).reasons


# --- common and rare names -----------------------------------------------------------------


def test_a_common_last_name_weighs_less_than_a_rare_one() -> None:
    record = SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="2500")
    candidate = driver2_candidate()
    weights = [
        match(record, candidate, counts={"last_name": count}).weight for count in (1, 10, 60)
    ]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] - weights[2] == pytest.approx(
        count_adjustment("last_name", 1) - count_adjustment("last_name", 60)
    )


def test_a_namesake_who_lives_elsewhere_is_no_best_when_the_name_is_common() -> None:
    # "Frank Peeters, 9000" is not the one Frank Peeters of Driver2, who lives in 2500.
    record = SearchCriteria(last_name="Peeters", first_name="Frank", postcode="9000")
    frank = private_peeters() | {"firstName": "Frank"}
    frank["address"] = frank["address"] | {"postcode": "2500"}
    candidates = driver2_candidates(frank)
    common = verdict(rank(record, candidates, {"last_name": 60}))
    rare = verdict(rank(record, candidates, {"last_name": 1}))
    assert (common.best, common.why_no_best) == (None, NoBestReason.WEAK)
    assert rare.best is not None


def test_a_postcode_where_few_customers_live_weighs_more_than_a_crowded_one() -> None:
    record = SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="9000")
    few = match(record, driver2_candidate(), counts={"postcode": 2})
    many = match(record, driver2_candidate(), counts={"postcode": 400})
    assert few.weight > many.weight
    assert "postcode equal (2 share it)" in few.reasons


def test_the_counts_show_in_the_reasons_and_leave_a_swapped_reading_alone() -> None:
    record = SearchCriteria(last_name="Goderis", first_name="Thiemen")
    found = match(record, driver2_candidate(), counts={"last_name": 3})
    assert "last_name equal (3 share it)" in found.reasons
    swapped = SearchCriteria(last_name="Thiemen", first_name="Goderis")
    reasons = match(swapped, driver2_candidate(), counts={"last_name": 3}).reasons
    assert "last_name equal (swapped)" in reasons


# --- strangers -----------------------------------------------------------------------------


def test_a_stranger_who_shares_only_a_last_name_and_a_postcode_is_nobodys_best() -> None:
    stranger = SearchCriteria(last_name="Goderis", first_name="Marc", postcode="9000")
    assert best_name(stranger, customer()) is None


def test_a_stranger_with_a_similar_last_name_in_another_region_is_not_plausible() -> None:
    stranger = SearchCriteria(last_name="Goderies", first_name="Thijs", postcode="3500")
    (found,) = rank(stranger, driver2_candidates(customer()))
    assert not is_plausible(found)


# --- levels, weights and determinism -------------------------------------------------------


@pytest.mark.parametrize(
    ("given_name", "found", "level"),
    [
        ("Goderis", "GODERIS", "equal"),
        ("Van de Velde", "Vandevelde", "equal"),
        ("Godreis", "Goderis", "very similar"),
        ("Jans", "Janssens", "different"),
        ("Peeters Bouw", "Peeters Bouw NV", "equal"),
    ],
)
def test_last_names_are_compared_in_levels(given_name: str, found: str, level: str) -> None:
    assert last_name_level(given_name, found).level == level


def test_every_level_weighs_its_log2_of_m_over_u() -> None:
    for levels in WEIGHTS.values():
        for weight in levels.values():
            assert 0 < weight.m <= 1
            assert 0 < weight.u <= 1
            assert weight.source


def test_the_same_record_and_candidates_always_give_the_same_ranking() -> None:
    record = MatchRecord(last_name="Goderis", first_name="Thiemen", **HOME)
    candidates = driver2_candidates(customer(), private_peeters(), company())
    assert rank(record, candidates) == rank(record, candidates)
    assert rank(record, candidates) == rank(record, tuple(reversed(candidates)))


# --- a candidate who agrees on nothing never changes a right best ----------------------------

_NAMES = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=9)


@st.composite
def _people(draw: st.DrawFn) -> tuple[MatchRecord, dict[str, object], dict[str, object]]:
    """A record, the customer it is (perhaps typed with a typo), and a customer unlike it."""
    last, first = draw(_NAMES), draw(_NAMES)
    postcode = draw(st.integers(1000, 8999))
    typo = draw(st.booleans())
    typed = last[:1] + last[2] + last[1] + last[3:] if typo else last
    record = MatchRecord(
        last_name=typed,
        first_name=first,
        postcode=str(postcode),
        email=draw(st.none() | st.just(f"{first}@example.be")),
    )
    right = customer() | {"customerNumber": "1", "name": last.title(), "firstName": first.title()}
    right["address"] = right["address"] | {"postcode": str(postcode)}
    right["email"] = f"{first}@example.be"
    unlike = customer() | {
        "customerNumber": "2",
        "name": "Q" + draw(_NAMES).upper() + "x",
        "firstName": "Z" + draw(_NAMES) + "y",
        "email": "zz@example.org",
        "phone": None,
        "mobile": "+32499999999",
    }
    unlike["address"] = unlike["address"] | {"postcode": str(postcode + 1000)}
    return record, right, unlike


@settings(max_examples=200, deadline=None)
@given(_people())
def test_adding_a_candidate_who_agrees_on_nothing_never_turns_a_right_best_wrong(
    people: tuple[MatchRecord, dict[str, object], dict[str, object]],
) -> None:
    record, right, unlike = people
    before = verdict(rank(record, driver2_candidates(right))).best
    after = verdict(rank(record, driver2_candidates(right, unlike))).best
    if before is not None:
        assert after is not None
        assert after.driver2_number == before.driver2_number
    assert after is None or after.driver2_number == "1"
