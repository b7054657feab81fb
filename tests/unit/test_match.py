"""Matching's ground: values normalised, fields compared on their normal form, the verdict.

Pure functions of `driver2_kp.matching` on plain values. The rules that keep a
match from naming another person are in test_scoring.py; the searches a match
sends in test_match_blocking.py and test_match_flow.py.
"""

from __future__ import annotations

import math

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driver2_kp import CustomerPage, MatchRecord, NoBestReason
from driver2_kp._candidate import Candidate
from driver2_kp._convert import read
from driver2_kp._criteria import SearchCriteria
from driver2_kp._flows import Finished, advance, search_flow
from driver2_kp.matching import (
    BEST_MARGIN,
    BEST_SCORE,
    LEVELS,
    Match,
    best_of,
    compare,
    fold_name,
    match,
    phone_key,
    rank,
    verdict,
)
from tests._contract import JSONObject, customer, customer_page
from tests.unit._matching import (
    EVERY_CRITERION,
    GODERIS,
    VAT,
    asked,
    company,
    driver2_candidate,
    driver2_candidates,
    duplicate,
    kp_candidate,
    namesake,
    numbers,
)

# --- normalising: names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "folded"),
    [
        ("Van de Velde", "vandevelde"),
        ("Vandevelde", "vandevelde"),
        ("van-de-velde", "vandevelde"),
        ("VAN DE VELDE", "vandevelde"),
        ("  Van  de   Velde ", "vandevelde"),
        ("D'Hondt", "dhondt"),
        ("D\u2019Hondt", "dhondt"),
        ("d hondt", "dhondt"),
        ("Gödéris", "goderis"),
        ("Élodie", "elodie"),
        ("François", "francois"),
        ("Straße", "strasse"),
    ],
)
def test_a_name_is_folded_for_case_accents_hyphens_spaces_and_apostrophes(
    spelling: str, folded: str
) -> None:
    assert fold_name(spelling) == folded


@pytest.mark.parametrize(("letter", "plain"), [("Łukasz", "Lukasz"), ("Søren", "Soren")])
def test_letters_unicode_does_not_decompose_are_folded_too(letter: str, plain: str) -> None:
    assert fold_name(letter) == fold_name(plain)


@pytest.mark.parametrize("spelling", ["Peeters Bouw B.V.", "Peeters Bouw N.V.", "Dupont S.A."])
def test_a_legal_form_spelled_with_dots_folds_as_without(spelling: str) -> None:
    assert fold_name(spelling) == fold_name(spelling.replace(".", ""))


def test_a_name_that_is_only_a_legal_form_is_kept_not_emptied() -> None:
    assert (fold_name("NV"), fold_name("S.A.")) == ("nv", "sa")


@pytest.mark.parametrize(("one", "other"), [("Peeters", "Peters"), ("Goderis", "Godaris")])
def test_different_names_stay_different_once_folded(one: str, other: str) -> None:
    assert fold_name(one) != fold_name(other)


# --- normalising: phone numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "0475 12 34 56",
        "0475/12.34.56",
        "32475123456",
        "+32 475 12 34 56",
        "+32 (0)475 12 34 56",
        "0032 475 12 34 56",
        "0032475123456",
    ],
)
def test_a_belgian_mobile_number_in_any_spelling_is_one_e164_key(number: str) -> None:
    assert phone_key(number) == "+32475123456"


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("01 23 45 67 89", "+33123456789"),
        ("06 12 34 56 78", "+33612345678"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("0033 1 23 45 67 89", "+33123456789"),
    ],
)
def test_a_french_number_is_read_as_dialled_from_france(number: str, key: str) -> None:
    assert phone_key(number, "FR") == key


def test_the_same_national_digits_are_different_numbers_in_belgium_and_france() -> None:
    assert phone_key("06 12 34 56 78", "BE") != phone_key("06 12 34 56 78", "FR")


def test_an_international_number_ignores_the_region() -> None:
    assert phone_key("+32 475 12 34 56", "FR") == phone_key("+32 475 12 34 56", "BE")


def test_a_number_that_cannot_be_read_is_kept_as_its_digits() -> None:
    assert phone_key("12-345") == "12345"


def test_a_luxembourg_number_is_read_as_dialled_from_luxembourg() -> None:
    assert phone_key("621 123 456", "LU") == "+352621123456"


# --- comparing: each field on its normal form ----------------------------------------------


@pytest.mark.parametrize(
    ("record", "wire", "reason"),
    [
        (SearchCriteria(vat_number=VAT), {"vatNumber": "be 0403.019.261"}, "vat_number equal"),
        (SearchCriteria(vat_number=VAT), {"vatNumber": "BE0477472701"}, "vat_number different"),
        (SearchCriteria(vat_number=VAT), {}, "vat_number missing"),
        (SearchCriteria(customer_number="074050"), {}, "customer_number equal"),
        (SearchCriteria(customer_number="74051"), {}, "customer_number different"),
        (
            SearchCriteria(email="Thiemen.GODERIS@Example.be"),
            {"email": "thiemen.goderis@example.BE"},
            "email equal",
        ),
        (SearchCriteria(email="thiemen@example.be"), {}, "email different"),
        (SearchCriteria(phone="0475 12 34 56"), {}, "phone equal"),  # the mobile
        (SearchCriteria(phone="09 223 44 55"), {}, "phone equal"),  # the landline
        (SearchCriteria(phone="+32 475 12 34 56"), {"mobile": "0475 12 34 56"}, "phone equal"),
        (SearchCriteria(phone="0475 99 99 99"), {}, "phone different"),
        (MatchRecord(mobile="0032 475 12 34 56"), {}, "phone equal"),
        (SearchCriteria(postcode="9000"), {}, "postcode equal"),
        (SearchCriteria(postcode="9001"), {}, "postcode typo"),
        (SearchCriteria(postcode="9050"), {}, "postcode different"),
        (SearchCriteria(postcode="1000"), {}, "postcode different"),
        (SearchCriteria(country="be"), {}, "country equal"),
        (SearchCriteria(country="NL"), {}, "country different"),
        (MatchRecord(street="Kortrijksesteenweg", house_number="112 B"), {}, "address equal"),
        (MatchRecord(street="KORTRIJKSESTEENWEG", house_number="112"), {}, "address equal"),
        (MatchRecord(street="Kortrijksesteenweg", house_number="7"), {}, "address same street"),
        (MatchRecord(street="Brugsesteenweg", house_number="112"), {}, "address different"),
        (MatchRecord(city="GENT"), {}, "city equal"),
        (MatchRecord(city="Antwerpen"), {}, "city different"),
    ],
)
def test_each_field_is_compared_on_its_normal_form(
    record: SearchCriteria, wire: JSONObject, reason: str
) -> None:
    assert [compared.reason for compared in compare(record, driver2_candidate(**wire))] == [reason]


def test_every_level_compared_is_one_of_its_fields_levels() -> None:
    record = MatchRecord(
        **EVERY_CRITERION.given(), street="Kortrijksesteenweg", house_number="112", city="Gent"
    )
    compared = compare(record, driver2_candidate(vatNumber=VAT))
    assert [c.field for c in compared] == [
        "last_name",
        "first_name",
        "customer_number",
        "vat_number",
        "email",
        "phone",
        "postcode",
        "address",
        *(["city"] if any(c.field == "city" for c in compared) else []),
        "country",
    ]
    assert all(c.level == LEVELS[c.field][0] for c in compared)  # all equal: the first level


def test_a_french_number_given_with_country_fr_matches_the_e164_on_record() -> None:
    french = driver2_candidate(
        mobile="+33612345678", phone=None, address=customer()["address"] | {"country": "FR"}
    )
    record = SearchCriteria(phone="06 12 34 56 78", country="FR")
    assert [c.reason for c in compare(record, french)] == ["phone equal", "country equal"]


@pytest.mark.parametrize(
    ("record", "candidate"),
    [
        (
            SearchCriteria(last_name="Goderis", email="thiemen@example.be"),
            driver2_candidate(email=None),
        ),
        (
            SearchCriteria(last_name="Goderis", phone="0475123456"),
            driver2_candidate(phone=None, mobile=None),
        ),
        (
            MatchRecord(last_name="Goderis", street="Kortrijksesteenweg", city="Gent"),
            driver2_candidate(address=customer()["address"] | {"street": None, "city": None}),
        ),
        (SearchCriteria(last_name="Goderis", customer_number="74050"), kp_candidate()),
    ],
    ids=["email", "phone", "address", "customer number of a KP person"],
)
def test_a_field_the_candidate_lacks_is_not_compared(
    record: SearchCriteria, candidate: Candidate
) -> None:
    found = match(record, candidate)
    assert found.reasons == ("last_name equal",)
    assert found.weight == match(SearchCriteria(last_name="Goderis"), found.candidate).weight


@pytest.mark.parametrize(
    "spelling",
    [
        "Peeters Bouw NV",
        "Peeters Bouw BVBA",
        "NV Peeters Bouw",
        "Peeters Bouw GmbH",
        "Peeters Bouw B.V.",
    ],
)
def test_a_companys_legal_form_does_not_stop_its_name_being_equal(spelling: str) -> None:
    record = SearchCriteria(last_name="Peeters Bouw")
    assert match(record, driver2_candidate(name=spelling)).reasons == ("last_name equal",)


def test_a_persons_name_that_looks_like_a_legal_form_is_compared_whole() -> None:
    record = SearchCriteria(last_name="De Sá")
    assert match(record, driver2_candidate(name="De Sa")).reasons == ("last_name equal",)
    assert match(record, driver2_candidate(name="De Smet")).reasons != ("last_name equal",)


def test_a_kp_business_is_compared_on_its_company_name_and_vat_number() -> None:
    business = kp_candidate(
        kundenart="gewerblich", anrede="Firma", firma="Peeters Bouw BV", ustIdNr=VAT
    )
    record = SearchCriteria(vat_number=VAT, last_name="Peeters Bouw", country="BE")
    assert [c.reason for c in compare(record, business)] == [
        "last_name equal",
        "vat_number equal",
        "country equal",
    ]


def test_a_first_name_is_missing_on_a_person_without_one_and_not_compared_with_a_company() -> None:
    record = SearchCriteria(last_name="Peeters", first_name="Ann")
    person = driver2_candidate(name="Peeters", firstName=None)
    assert [c.reason for c in compare(record, person)] == ["last_name equal", "first_name missing"]
    peeters_bouw = driver2_candidate(**company(name="Peeters"))
    assert [c.reason for c in compare(record, peeters_bouw)] == ["last_name equal"]


# --- ranking ---------------------------------------------------------------------------------


def test_swapped_names_are_read_swapped_and_the_right_customer_is_best() -> None:
    record = SearchCriteria(last_name="Thiemen", first_name="Goderis", postcode="9000")
    thiemen_family = customer() | {"customerNumber": "74060", "name": "Thiemen", "firstName": "Ann"}
    matches = rank(record, driver2_candidates(thiemen_family, customer()))
    assert numbers(matches) == ["74050", "74060"]
    assert matches[0].reasons == (
        "names swapped",
        "last_name equal (swapped)",
        "first_name equal (swapped)",
        "postcode equal",
    )
    assert matches[0].weight < match(GODERIS, driver2_candidate()).weight  # a little less sure
    assert best_of(matches) is matches[0].candidate


def test_names_are_not_read_swapped_when_they_agree_as_given() -> None:
    assert "names swapped" not in match(GODERIS, driver2_candidate()).reasons


def test_a_stale_email_and_phone_cost_little_and_the_customer_is_still_best() -> None:
    stale = attrs.evolve(GODERIS, email="thiemen@old-employer.example.be", phone="0470 00 00 00")
    found = match(stale, driver2_candidate())
    assert {"email different", "phone different"} <= set(found.reasons)
    assert found.weight < match(GODERIS, driver2_candidate()).weight
    best = best_of(rank(stale, driver2_candidates(namesake(), customer())))
    assert best is not None
    assert best.driver2_number == "74050"


def test_a_different_vat_number_on_a_company_is_no_best() -> None:
    record = SearchCriteria(vat_number=VAT, last_name="Peeters Bouw", postcode="9000")
    matches = rank(record, driver2_candidates(company(vatNumber="BE0477472701")))
    assert "vat_number different" in matches[0].reasons
    assert best_of(matches) is None


def test_tied_candidates_are_ranked_in_customer_number_order() -> None:
    later = customer() | {"customerNumber": "100001"}
    matches = rank(GODERIS, driver2_candidates(later, duplicate(), customer()))
    assert numbers(matches) == ["74050", "74052", "100001"]  # as numbers, not as text
    assert matches[0].weight == matches[1].weight == matches[2].weight


@settings(max_examples=200, deadline=None)
@given(
    last_name=st.text(st.characters(categories=["L", "Zs", "Pd"]), min_size=1, max_size=20),
    first_name=st.none() | st.text(st.characters(categories=["L"]), min_size=1, max_size=12),
    postcode=st.none() | st.sampled_from(["9000", "1000", "2000"]),
    phone=st.none() | st.sampled_from(["0475123456", "+32 470 00 00 00", "0033612345678"]),
)
def test_a_score_is_in_0_to_1_and_follows_from_the_weight(
    last_name: str, first_name: str | None, postcode: str | None, phone: str | None
) -> None:
    record = SearchCriteria(
        last_name=last_name or None, first_name=first_name, postcode=postcode, phone=phone
    )
    for candidate in (driver2_candidate(), kp_candidate(), *driver2_candidates(company())):
        found = match(record, candidate)
        assert 0.0 <= found.score <= 1.0
        assert found.score == pytest.approx(1 / (1 + 2**-found.weight))
        assert match(record, candidate) == found


def test_the_repr_of_a_match_shows_no_personal_data() -> None:
    secret = SearchCriteria(
        last_name="Quixwellbrand", first_name="Zebulonia", email="quix@example.be"
    )
    record = driver2_candidate(name="Quixwellbrand", firstName="Zebulonia", email="quix@example.be")
    text = repr(match(secret, record))
    leaked = [
        value for value in ("Quixwellbrand", "Zebulonia", "quix", "475123456") if value in text
    ]
    assert leaked == [], text
    assert "score=" in text
    assert "'last_name equal'" in text


# --- the verdict: clearly the one, or why not -----------------------------------------------


def made(weight: float, number: str, *reasons: str) -> Match:
    """A match of the given weight, its score as `match` would make it."""
    candidate = driver2_candidate(customerNumber=number)
    return Match(candidate, 1 / (1 + 2**-weight), reasons, weight)


def sure(bits: float = 0.0) -> float:
    """A weight whose score is just above `BEST_SCORE`, and ``bits`` more."""
    return math.log2(BEST_SCORE / (1 - BEST_SCORE)) + 0.01 + bits


@pytest.mark.parametrize(
    ("matches", "unread", "why"),
    [
        ((), 0, NoBestReason.NOBODY_FOUND),
        ((made(sure(), "1"),), 0, None),
        ((made(sure() - 0.1, "1"),), 0, NoBestReason.WEAK),
        ((made(sure(BEST_MARGIN + 0.01), "1"), made(sure(), "2")), 0, None),
        ((made(sure(BEST_MARGIN - 0.01), "1"), made(sure(), "2")), 0, NoBestReason.TIE),
        ((made(sure(9), "1", "legal_form different"),), 0, NoBestReason.ANOTHER_KIND),
        ((made(sure(9), "1", "last_name equal"),), 5, NoBestReason.UNREAD_HITS),
        ((made(sure(9), "1", "vat_number equal"),), 5, None),
        ((made(sure(9), "1", "customer_number equal"),), 5, None),
    ],
    ids=[
        "nobody",
        "score enough",
        "score too low",
        "margin enough",
        "margin too small",
        "another kind",
        "unread hits",
        "unread, but the vat number is equal",
        "unread, but the customer number is equal",
    ],
)
def test_the_best_has_a_high_score_a_margin_and_nobody_unread_who_could_be_better(
    matches: tuple[Match, ...], unread: int, why: NoBestReason | None
) -> None:
    found = verdict(matches, unread=unread)
    assert found.why_no_best is why
    assert (found.best is not None) is (why is None)
    if why is None:
        assert found.best is matches[0].candidate
    assert found.margin == (matches[0].weight - matches[1].weight if len(matches) > 1 else None)


def test_a_search_result_ranks_its_page_and_holds_no_best_while_hits_are_on_other_pages() -> None:
    flow = search_flow(GODERIS)
    asked(advance(flow))
    twelve = customer_page(namesake(), customer()) | {"totalItems": 12, "totalPages": 2}
    step = advance(flow, read(twelve, CustomerPage, service="Driver2", endpoint="GET /customers"))
    assert isinstance(step, Finished)
    result = step.value
    assert (result.blocks, result.total, result.pages) == ((), 12, 2)
    assert numbers(result.matches) == ["74050", "74051"]
    assert (result.best, result.why_no_best) == (None, NoBestReason.UNREAD_HITS)


def test_a_search_result_that_holds_every_hit_names_its_best() -> None:
    flow = search_flow(GODERIS)
    asked(advance(flow))
    page = read(customer_page(namesake(), customer()), CustomerPage, service="D", endpoint="GET")
    step = advance(flow, page)
    assert isinstance(step, Finished)
    assert step.value.best is step.value.matches[0].candidate
    assert step.value.matches is step.value.matches  # ranked once
