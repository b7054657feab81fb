"""Matching a record: fields normalised, candidates scored, and the blocking searches widened.

Pure: `_score` on plain values, and `match_flow` stepped by hand with `advance`; no HTTP.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driver2_kp import (
    AuthenticationError,
    CriteriaError,
    CustomerPage,
    CustomerQuery,
    Driver2KPError,
    PersonKind,
    PersonPage,
    PersonQuery,
    RequestTimeoutError,
    ServerError,
)
from driver2_kp._candidate import Candidate
from driver2_kp._convert import read
from driver2_kp._criteria import SearchCriteria
from driver2_kp._flows import Ask, Finished, advance, driver2_ask, further_pages, search_flow
from driver2_kp._party import PartyRole, Source
from driver2_kp._results import KPSkipReason, SearchResult, Step
from driver2_kp._rules import candidates_of, driver2_query
from driver2_kp.driver2 import search_customers_request
from driver2_kp.matching import (
    BEST_MARGIN,
    BEST_SCORE,
    PRIOR,
    WEIGHTS,
    Match,
    best_of,
    fold_name,
    match,
    phone_key,
    rank,
)
from driver2_kp.matching._blocking import driver2_blocks, kp_blocks
from driver2_kp.matching._flow import match_flow
from tests._contract import JSONObject, customer, customer_page, person, person_page

# --- records, from the contracts' examples ------------------------------------------------

# customer() is Thiemen Goderis, 74050, 9000 Gent, mobile +32475123456, phone +3292234455.
GODERIS: Final = SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="9000")
VAT: Final = "BE0403019261"
EVERY_CRITERION: Final = SearchCriteria(
    customer_number="74050",
    vat_number=VAT,
    last_name="Goderis",
    first_name="Thiemen",
    email="thiemen.goderis@example.be",
    phone="0475 12 34 56",
    postcode="9000",
    country="BE",
)


def namesake() -> JSONObject:
    """Another Goderis at the same postcode: Ann, 74051."""
    return customer() | {
        "customerNumber": "74051",
        "firstName": "Ann",
        "salutation": "Mevrouw",
        "phone": None,
        "mobile": "+32486000111",
        "email": "ann.goderis@example.be",
    }


def duplicate() -> JSONObject:
    """Thiemen Goderis entered twice in Driver2: 74052, the same in every field."""
    return customer() | {"customerNumber": "74052"}


def company(**wire: Any) -> JSONObject:
    """Peeters Bouw NV, a business with a VAT number and no first name: 30001."""
    return (
        customer()
        | {
            "customerNumber": "30001",
            "legalForm": "legal_entity",
            "customerType": "business",
            "salutation": None,
            "name": "Peeters Bouw NV",
            "firstName": None,
            "email": "info@peetersbouw.example.be",
            "phone": "+3232000000",
            "mobile": None,
            "vatLiable": True,
            "vatNumber": VAT,
            "drivingLicence": None,
        }
        | wire
    )


def private_peeters() -> JSONObject:
    """Ann Peeters, a private person at the same address as the company: 30002."""
    return customer() | {
        "customerNumber": "30002",
        "name": "Peeters",
        "firstName": "Ann",
        "email": "ann.peeters@example.be",
    }


def driver2_page(*records: JSONObject) -> CustomerPage:
    """Driver2's first page of a search, holding ``records``."""
    return read(customer_page(*records), CustomerPage, service="Driver2", endpoint="GET /customers")


def kp_page(*records: JSONObject) -> PersonPage:
    """KP's first slice of a search, holding ``records``."""
    return read(person_page(*records), PersonPage, service="KP", endpoint="GET /personen")


def driver2_candidates(*records: JSONObject) -> tuple[Candidate, ...]:
    return candidates_of(driver2_page(*records))


def driver2_candidate(**wire: Any) -> Candidate:
    """The candidate of the Customer example, with some wire fields changed."""
    (candidate,) = driver2_candidates(customer() | wire)
    return candidate


def kp_candidate(**wire: Any) -> Candidate:
    """The candidate of the Person example, with some wire (German) fields changed."""
    (candidate,) = candidates_of(kp_page(person() | wire))
    return candidate


def numbers(matches: Sequence[Match]) -> list[str | None]:
    return [found.candidate.driver2_number for found in matches]


def described(query: CustomerQuery | PersonQuery) -> str:
    """A query as one line of its fields given, e.g. ``name=Goderis postcode=9000``."""
    return " ".join(f"{name}={value}" for name, value in attrs.asdict(query).items() if value)


def stages(blocks: Sequence[Sequence[CustomerQuery | PersonQuery]]) -> list[list[str]]:
    return [[described(query) for query in stage] for stage in blocks]


# --- driving a match -------------------------------------------------------------------------

PAGING: Final = {"page", "limit", "offset"}

Hits = Mapping[str, Sequence[JSONObject]]
"""What each search finds, by its wire parameters (`searched`); any other finds nobody."""


def searched(ask: Ask[Any]) -> str:
    """An ask's search as one line of its wire parameters, paging left out."""
    return " ".join(f"{k}={v}" for k, v in ask.operation.call.params if k not in PAGING)


def asked(step: Ask[Any] | Finished[Any]) -> Ask[Any]:
    assert isinstance(step, Ask), f"expected an Ask, the flow ended with {step!r}"
    return step


def answer(ask: Ask[Any], hits: Hits) -> CustomerPage | PersonPage:
    """The first page of ``ask``'s search, from ``hits``, checking it asks for the first page."""
    records = hits.get(searched(ask), ())
    call = dict(ask.operation.call.params)
    if ask.source is Source.DRIVER2:
        assert (ask.step, call["page"]) == (Step.SEARCH_DRIVER2, "1")
        return driver2_page(*records)
    assert (ask.step, call["limit"], call["offset"]) == (Step.SEARCH_KP, "10", "0")
    return kp_page(*records)


def run(
    criteria: SearchCriteria, hits: Hits, *, role: PartyRole | str | None = None
) -> tuple[list[str], SearchResult]:
    """Match ``criteria``, answering from ``hits``; give the searches sent, and the result."""
    flow = match_flow(criteria, role=role)
    sent: list[str] = []
    step = advance(flow)
    while isinstance(step, Ask):
        search = f"{step.source} {searched(step)}"
        assert search not in sent, f"{search} sent twice"
        sent.append(search)
        assert len(sent) <= MOST_DRIVER2_SEARCHES + MOST_KP_SEARCHES
        step = advance(flow, answer(step, hits))
    assert isinstance(step.value, SearchResult)
    return sent, step.value


def every_block(criteria: SearchCriteria) -> list[str]:
    """Every Driver2 search of a match that finds nobody, as `run` lists them."""
    asks = [
        driver2_ask(q, 1, Step.SEARCH_DRIVER2) for stage in driver2_blocks(criteria) for q in stage
    ]
    return [f"driver2 {searched(ask)}" for ask in asks]


# --- normalising: names --------------------------------------------------------------------


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


@pytest.mark.parametrize(
    "spelling",
    [
        "Peeters Bouw NV",
        "Peeters Bouw BV",
        "Peeters Bouw BVBA",
        "Peeters Bouw SA",
        "Peeters Bouw sprl",
        "NV Peeters Bouw",
        "Peeters Bouw GmbH",
        "Peeters Bouw Ltd",
        "Peeters Bouw B.V.",
        "Peeters Bouw N.V.",
    ],
)
def test_a_companys_legal_form_does_not_stop_its_name_being_equal(spelling: str) -> None:
    assert match(
        SearchCriteria(last_name="Peeters Bouw"), driver2_candidate(name=spelling)
    ).reasons == ("last_name equal",)


@pytest.mark.parametrize("spelling", ["Peeters Bouw B.V.", "Peeters Bouw N.V.", "Dupont S.A."])
def test_a_legal_form_spelled_with_dots_folds_as_without(spelling: str) -> None:
    assert fold_name(spelling) == fold_name(spelling.replace(".", ""))


def test_a_persons_name_that_looks_like_a_legal_form_is_compared_whole() -> None:
    assert match(SearchCriteria(last_name="De Sá"), driver2_candidate(name="De Sa")).reasons == (
        "last_name equal",
    )
    assert match(SearchCriteria(last_name="De Sá"), driver2_candidate(name="De Smet")).reasons != (
        "last_name equal",
    )


@pytest.mark.parametrize(("letter", "plain"), [("Łukasz", "Lukasz"), ("Søren", "Soren")])
def test_letters_unicode_does_not_decompose_are_folded_too(letter: str, plain: str) -> None:
    assert fold_name(letter) == fold_name(plain)


def test_a_name_that_is_only_a_legal_form_is_kept_not_emptied() -> None:
    assert fold_name("NV") == "nv"
    assert fold_name("S.A.") == "sa"


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


# --- normalising: what the comparison of fields sees ----------------------------------------


@pytest.mark.parametrize(
    ("criteria", "wire", "reason"),
    [
        (SearchCriteria(vat_number=VAT), {"vatNumber": "be 0403.019.261"}, "vat_number equal"),
        (SearchCriteria(vat_number=VAT), {"vatNumber": "BE0477472701"}, "vat_number different"),
        (SearchCriteria(customer_number="074050"), {}, "customer_number equal"),
        (SearchCriteria(customer_number="74051"), {}, "customer_number different"),
        (
            SearchCriteria(email="Thiemen.GODERIS@Example.be"),
            {"email": "thiemen.goderis@example.BE"},
            "email equal",
        ),
        (SearchCriteria(email="thiemen@example.be"), {}, "email different"),
        (SearchCriteria(phone="0475 12 34 56"), {}, "phone equal"),  # the mobile
        (SearchCriteria(phone="09 223 44 55"), {}, "phone equal"),  # the phone
        (SearchCriteria(phone="+32 475 12 34 56"), {"mobile": "0475 12 34 56"}, "phone equal"),
        (SearchCriteria(phone="0475 99 99 99"), {}, "phone different"),
        (SearchCriteria(postcode="9000"), {}, "postcode equal"),
        (SearchCriteria(postcode="9050"), {}, "postcode different"),
        (SearchCriteria(country="be"), {}, "country equal"),
        (SearchCriteria(country="NL"), {}, "country different"),
    ],
)
def test_each_field_is_compared_on_its_normal_form(
    criteria: SearchCriteria, wire: JSONObject, reason: str
) -> None:
    assert match(criteria, driver2_candidate(**wire)).reasons == (reason,)


def test_a_french_number_given_with_country_fr_matches_the_e164_on_record() -> None:
    french = driver2_candidate(
        mobile="+33612345678", phone=None, address=customer()["address"] | {"country": "FR"}
    )
    criteria = SearchCriteria(phone="06 12 34 56 78", country="FR")
    assert match(criteria, french).reasons == ("phone equal", "country equal")


@pytest.mark.parametrize(
    ("criteria", "wire"),
    [
        (SearchCriteria(last_name="Goderis", email="thiemen@example.be"), {"email": None}),
        (SearchCriteria(last_name="Goderis", phone="0475123456"), {"phone": None, "mobile": None}),
        (SearchCriteria(last_name="Goderis", postcode="9000"), {"address": {"country": "BE"}}),
    ],
    ids=["email", "phone", "postcode"],
)
def test_a_field_the_candidate_lacks_weighs_nothing(
    criteria: SearchCriteria, wire: JSONObject
) -> None:
    found = match(criteria, driver2_candidate(**wire))
    assert found.reasons == ("last_name equal",)
    assert found.weight == PRIOR + WEIGHTS["last_name"]["equal"]


# --- scoring -----------------------------------------------------------------------------------


def test_an_exact_record_scores_near_1_with_its_reasons_in_order() -> None:
    found = match(GODERIS, driver2_candidate())
    assert found.reasons == ("last_name equal", "first_name equal", "postcode equal")
    assert found.score > 0.99
    assert found.weight == PRIOR + 9.0 + 6.0 + 4.0


def test_every_criterion_is_compared_in_the_forms_order() -> None:
    found = match(EVERY_CRITERION, driver2_candidate(vatNumber=VAT))
    assert found.reasons == (
        "customer_number equal",
        "vat_number equal",
        "last_name equal",
        "first_name equal",
        "postcode equal",
        "email equal",
        "phone equal",
        "country equal",
    )
    assert found.score > 0.9999


def test_an_equal_country_alone_leaves_the_score_near_the_prior() -> None:
    found = match(SearchCriteria(country="BE"), driver2_candidate())
    assert found.weight == PRIOR + WEIGHTS["country"]["equal"]
    assert found.score < 0.01


@pytest.mark.parametrize(
    ("last_name", "reason"),
    [
        ("Goderiz", "last_name very similar 0.94"),
        ("Goderos", "last_name very similar 0.94"),
        ("Godaris", "last_name similar 0.93"),
    ],
)
def test_a_typo_late_in_the_last_name_is_similar_and_still_the_best(
    last_name: str, reason: str
) -> None:
    criteria = attrs.evolve(GODERIS, last_name=last_name)
    found = match(criteria, driver2_candidate())
    assert found.reasons == (reason, "first_name equal", "postcode equal")
    assert BEST_SCORE <= found.score < match(GODERIS, driver2_candidate()).score
    assert best_of(rank(criteria, driver2_candidates(customer(), namesake()))) is not None


@pytest.mark.parametrize(
    ("given", "found", "level"),
    [
        ("Jans", "Janssens", "different"),  # Driver2's prefix search brings such names back
        ("Goderis", "Goderiss", "very similar"),  # one letter more: a typo
        ("Peeters", "Peeters Bouw NV", "similar"),  # whole words: the short company name
    ],
)
def test_a_name_that_only_begins_another_is_different_unless_by_whole_words(
    given: str, found: str, level: str
) -> None:
    reasons = match(SearchCriteria(last_name=given), driver2_candidate(name=found)).reasons
    assert reasons[0].startswith(f"last_name {level}")


def test_a_first_name_that_only_begins_another_is_another_person() -> None:
    jan = SearchCriteria(last_name="Peeters", first_name="Jan", postcode="9000")
    janine = driver2_candidate(name="Peeters", firstName="Janine")
    assert "first_name different" in match(jan, janine).reasons
    assert best_of(rank(jan, [janine])) is None


@pytest.mark.parametrize(
    ("first_name", "reason"),
    [
        ("Thieman", "first_name very similar 0.94"),
        ("T.", "first_name initial"),
        ("Jan", "first_name different"),
    ],
)
def test_a_first_name_is_compared_in_levels_down_to_its_initial(
    first_name: str, reason: str
) -> None:
    found = match(attrs.evolve(GODERIS, first_name=first_name), driver2_candidate())
    assert found.reasons == ("last_name equal", reason, "postcode equal")


def test_a_different_last_name_weighs_against() -> None:
    found = match(SearchCriteria(last_name="Janssens"), driver2_candidate())
    assert found.reasons == ("last_name different",)
    assert found.weight < PRIOR


def test_dropped_accents_are_equal() -> None:
    criteria = SearchCriteria(last_name="Gödéris", first_name="Thiémen", postcode="9000")
    assert match(criteria, driver2_candidate()) == match(GODERIS, driver2_candidate())


def test_swapped_names_are_read_swapped_and_the_right_customer_is_best() -> None:
    criteria = SearchCriteria(last_name="Thiemen", first_name="Goderis", postcode="9000")
    thiemen_family = customer() | {"customerNumber": "74060", "name": "Thiemen", "firstName": "Ann"}
    matches = rank(criteria, driver2_candidates(thiemen_family, customer()))
    assert numbers(matches) == ["74050", "74060"]
    assert matches[0].reasons == (
        "names swapped",
        "last_name equal (swapped)",
        "first_name equal (swapped)",
        "postcode equal",
    )
    assert matches[0].weight == match(GODERIS, driver2_candidate()).weight - 1.0
    best = best_of(matches)
    assert best is not None
    assert best.driver2_number == "74050"


def test_names_are_not_read_swapped_when_they_agree_as_given() -> None:
    assert "names swapped" not in match(GODERIS, driver2_candidate()).reasons


def test_a_stale_email_and_phone_cost_little_and_the_customer_is_still_best() -> None:
    stale = attrs.evolve(GODERIS, email="thiemen@old-employer.example.be", phone="0470 00 00 00")
    found = match(stale, driver2_candidate())
    assert found.reasons[-2:] == ("email different", "phone different")
    assert found.weight == match(GODERIS, driver2_candidate()).weight - 3.0
    matches = rank(stale, driver2_candidates(namesake(), customer()))
    best = best_of(matches)
    assert best is not None
    assert best.driver2_number == "74050"


def test_a_different_vat_number_on_a_company_is_strongly_against() -> None:
    criteria = SearchCriteria(vat_number=VAT, last_name="Peeters Bouw", postcode="9000")
    (other_vat,) = driver2_candidates(company(vatNumber="BE0477472701"))
    found = match(criteria, other_vat)
    assert found.reasons == ("vat_number different", "last_name equal", "postcode equal")
    assert found.score < 0.01
    assert best_of([found]) is None


def test_a_first_name_given_for_a_company_without_one_is_first_name_missing() -> None:
    criteria = SearchCriteria(last_name="Peeters Bouw", first_name="Ann")
    (peeters_bouw,) = driver2_candidates(company())
    found = match(criteria, peeters_bouw)
    assert found.reasons == ("last_name equal", "first_name missing")
    assert found.weight == PRIOR + WEIGHTS["last_name"]["equal"] + WEIGHTS["first_name"]["missing"]


def test_a_vat_number_given_makes_the_company_best_not_the_private_person() -> None:
    criteria = SearchCriteria(vat_number=VAT, last_name="Peeters", postcode="9000")
    matches = rank(criteria, driver2_candidates(private_peeters(), company()))
    assert numbers(matches) == ["30001", "30002"]
    assert matches[1].reasons[0] == "vat_number missing"
    best = best_of(matches)
    assert best is not None
    assert best.driver2_number == "30001"


def test_a_kp_business_is_scored_on_its_company_name_and_vat_number() -> None:
    business = kp_candidate(
        kpId="KP-0020002",
        kundenart="gewerblich",
        anrede="Firma",
        firma="Peeters Bouw BV",
        nachname="Peeters",
        vorname="Ann",
        ustIdNr=VAT,
    )
    criteria = SearchCriteria(vat_number=VAT, last_name="Peeters Bouw", country="BE")
    assert match(criteria, business).reasons == (
        "vat_number equal",
        "last_name equal",
        "country equal",
    )


def test_the_same_input_always_gives_the_same_ranking() -> None:
    candidates = driver2_candidates(namesake(), duplicate(), customer(), company())
    first = rank(GODERIS, candidates)
    assert rank(GODERIS, candidates) == first
    assert rank(GODERIS, reversed(candidates)) == first


def test_tied_candidates_are_ordered_by_customer_number() -> None:
    matches = rank(GODERIS, driver2_candidates(duplicate(), customer()))
    assert numbers(matches) == ["74050", "74052"]
    assert matches[0].weight == matches[1].weight


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
    criteria = SearchCriteria(
        last_name=last_name or None, first_name=first_name, postcode=postcode, phone=phone
    )
    for candidate in (driver2_candidate(), kp_candidate(), *driver2_candidates(company())):
        found = match(criteria, candidate)
        assert 0.0 <= found.score <= 1.0
        assert found.score == pytest.approx(1 / (1 + 2**-found.weight))
        assert match(criteria, candidate) == found


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


# --- the best: clearly ahead, or None -----------------------------------------------------------


def made(weight: float, number: str) -> Match:
    """A match of the given weight, its score as `match` would make it."""
    return Match(driver2_candidate(customerNumber=number), 1 / (1 + 2**-weight), (), weight)


def test_best_of_nothing_is_none() -> None:
    assert best_of(()) is None


def test_a_clear_leader_is_the_best() -> None:
    matches = rank(GODERIS, driver2_candidates(namesake(), customer()))
    best = best_of(matches)
    assert best is not None
    assert best is matches[0].candidate
    assert best.driver2_number == "74050"


def test_a_tie_between_a_duplicate_customer_has_no_best() -> None:
    matches = rank(GODERIS, driver2_candidates(customer(), duplicate()))
    assert matches[0].score > 0.99
    assert best_of(matches) is None


def test_a_weak_match_on_the_last_name_alone_has_no_best() -> None:
    matches = rank(SearchCriteria(last_name="Goderis"), driver2_candidates(customer()))
    assert matches[0].reasons == ("last_name equal",)
    assert matches[0].score < BEST_SCORE
    assert best_of(matches) is None


@pytest.mark.parametrize(
    ("weights", "is_best"),
    [
        ((PRIOR + 13.2,), True),  # score 0.9 at least
        ((3.0,), False),  # score 0.89
        ((12.0, 12.0 - BEST_MARGIN), True),
        ((12.0, 12.0 - BEST_MARGIN + 0.5), False),
    ],
    ids=["score enough", "score too low", "margin enough", "margin too small"],
)
def test_the_best_needs_a_high_enough_score_and_a_margin_over_the_runner_up(
    weights: tuple[float, ...], is_best: bool
) -> None:
    matches = [made(weight, str(74050 + i)) for i, weight in enumerate(weights)]
    assert (best_of(matches) is matches[0].candidate) is is_best


def test_a_search_result_ranks_its_page_too_and_has_no_blocks() -> None:
    flow = search_flow(GODERIS)
    asked(advance(flow))
    twelve = customer_page(namesake(), customer()) | {"totalItems": 12, "totalPages": 2}
    step = advance(flow, read(twelve, CustomerPage, service="Driver2", endpoint="GET /customers"))
    assert isinstance(step, Finished)
    result = step.value
    assert (result.blocks, result.total, result.pages) == ((), 12, 2)
    assert numbers(result.matches) == ["74050", "74051"]
    assert result.best is None  # 10 of the 12 hits are on no page read: one could agree better


def test_a_search_result_that_holds_every_hit_names_its_best() -> None:
    flow = search_flow(GODERIS)
    asked(advance(flow))
    page = read(customer_page(namesake(), customer()), CustomerPage, service="D", endpoint="GET")
    step = advance(flow, page)
    assert isinstance(step, Finished)
    assert step.value.best is step.value.matches[0].candidate


# --- blocking searches ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            EVERY_CRITERION,
            [
                [f"vat_number={VAT}", "customer_number=74050"],
                ["name=Goderis postcode=9000"],
                [
                    "name=Goderis first_name=Thiemen",
                    "name=God postcode=9000",
                    "name=God first_name=Thiemen",
                    "name=Thiemen first_name=Goderis",
                    "email=thiemen.goderis@example.be",
                    "phone=0475123456",
                ],
                ["name=Goderis", "first_name=Thiemen postcode=9000"],
            ],
        ),
        (SearchCriteria(vat_number=VAT), [[f"vat_number={VAT}"]]),
        (SearchCriteria(customer_number="74050"), [["customer_number=74050"]]),
        (
            SearchCriteria(last_name="Goderis", postcode="9000"),
            [["name=Goderis postcode=9000"], ["name=God postcode=9000"], ["name=Goderis"]],
        ),
        (
            SearchCriteria(last_name="Goderis", first_name="Thiemen"),
            [
                ["name=Goderis first_name=Thiemen"],
                ["name=God first_name=Thiemen", "name=Thiemen first_name=Goderis"],
                ["name=Goderis"],
            ],
        ),
        (
            GODERIS,
            [
                ["name=Goderis postcode=9000"],
                [
                    "name=Goderis first_name=Thiemen",
                    "name=God postcode=9000",
                    "name=God first_name=Thiemen",
                    "name=Thiemen first_name=Goderis",
                ],
                ["name=Goderis", "first_name=Thiemen postcode=9000"],
            ],
        ),
        (SearchCriteria(last_name="Goderis"), [["name=Goderis"]]),
        (
            SearchCriteria(last_name="Dam", postcode="9000"),
            [["name=Dam postcode=9000"], ["name=Dam"]],
        ),
        (
            SearchCriteria(email="thiemen.goderis@example.be"),
            [["email=thiemen.goderis@example.be"]],
        ),
        (SearchCriteria(phone="+32 475 12 34 56"), [["phone=32475123456"]]),
        (
            SearchCriteria(first_name="Thiemen", postcode="9000"),
            [["first_name=Thiemen postcode=9000"]],
        ),
        (
            SearchCriteria(vat_number=VAT, last_name="Peeters Bouw", country="BE"),
            [[f"vat_number={VAT}"], ["name=Peeters Bouw"]],
        ),
        (
            SearchCriteria(last_name="Thomas", first_name="Thomas"),
            [["name=Thomas first_name=Thomas"], ["name=Tho first_name=Thomas"], ["name=Thomas"]],
        ),
    ],
    ids=[
        "every criterion",
        "vat number alone",
        "customer number alone",
        "last name and postcode",
        "last name and first name",
        "names and postcode",
        "last name alone",
        "last name too short for a prefix",
        "email alone",
        "phone alone",
        "first name and postcode",
        "vat number, company name and country",
        "first name equal to last name",
    ],
)
def test_the_blocking_searches_stage_by_stage(
    criteria: SearchCriteria, expected: list[list[str]]
) -> None:
    assert stages(driver2_blocks(criteria)) == expected


ALL_SUBSETS: Final = [
    SearchCriteria(**{name: EVERY_CRITERION.given()[name] for name in names})
    for size in range(len(EVERY_CRITERION.given()) + 1)
    for names in itertools.combinations(EVERY_CRITERION.given(), size)
]


def test_no_blocking_search_is_empty_or_sent_twice_for_any_criteria() -> None:
    for criteria in ALL_SUBSETS:
        blocks = driver2_blocks(criteria)
        queries = [query for stage in blocks for query in stage]
        assert all(stage for stage in blocks), criteria.given()
        assert not any(query.is_empty() for query in queries), criteria.given()
        assert len(set(queries)) == len(queries), criteria.given()
        assert len(queries) <= MOST_DRIVER2_SEARCHES


def test_a_blocking_search_sends_only_values_of_the_criteria_and_never_the_country() -> None:
    given_values = set(EVERY_CRITERION.given().values()) | {"God"}
    for stage in driver2_blocks(EVERY_CRITERION):
        for query in stage:
            sent = {value for value in attrs.asdict(query).values() if value is not None}
            assert sent <= given_values
            assert query.country is None


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            EVERY_CRITERION,
            [
                ["last_name=Goderis first_name=Thiemen postcode=9000 kind=privat"],
                ["last_name=Goderis postcode=9000 kind=privat"],
                ["last_name=Goderis kind=privat"],
            ],
        ),
        (
            SearchCriteria(last_name="Goderis", postcode="9000", email="a@example.be"),
            [["last_name=Goderis postcode=9000"], ["last_name=Goderis"]],
        ),
        (
            SearchCriteria(last_name="Goderis", first_name="Thiemen"),
            [
                ["last_name=Goderis first_name=Thiemen kind=privat"],
                ["last_name=Goderis kind=privat"],
            ],
        ),
        (SearchCriteria(last_name="Goderis", phone="0475123456"), [["last_name=Goderis"]]),
    ],
    ids=["every criterion", "last name and postcode", "names", "last name and phone"],
)
def test_r6_r7_kp_widens_by_dropping_the_first_name_then_the_postcode(
    criteria: SearchCriteria, expected: list[list[str]]
) -> None:
    blocks = kp_blocks(criteria)
    assert stages(blocks) == expected
    kinds = {query.kind for stage in blocks for query in stage}
    assert kinds == ({PersonKind.PRIVATE} if criteria.first_name else {None})
    assert sum(len(stage) for stage in blocks) <= MOST_KP_SEARCHES


@pytest.mark.parametrize(
    "criteria",
    [SearchCriteria(email="thiemen.goderis@example.be"), SearchCriteria(last_name="G")],
    ids=["no last name", "one-letter last name"],
)
def test_r5_kp_blocks_need_a_last_name_of_two_characters(criteria: SearchCriteria) -> None:
    with pytest.raises(CriteriaError) as caught:
        kp_blocks(criteria)
    assert caught.value.field == "last_name"


# --- match_flow: Driver2, stage by stage ----------------------------------------------------------


def test_a_clear_best_in_the_first_stage_ends_the_match_after_one_search() -> None:
    sent, result = run(GODERIS, {"name=Goderis postcode=9000": [customer()]})
    assert sent == ["driver2 name=Goderis postcode=9000"]
    assert result.blocks == (CustomerQuery(name="Goderis", postcode="9000"),)
    assert result.best is not None
    assert result.best.driver2_number == "74050"
    assert result.source is Source.DRIVER2
    assert result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS
    assert (result.total, result.page, result.pages) == (1, 1, 1)


@pytest.mark.parametrize(
    ("criteria", "hits", "sent"),
    [
        (
            SearchCriteria(vat_number=VAT, last_name="Peeters Bouw"),
            {f"vatNumber={VAT}": [company()]},
            [f"driver2 vatNumber={VAT}"],
        ),
        (
            SearchCriteria(customer_number="74050", last_name="Goderis"),
            {"customerNumber=74050": [customer()]},
            ["driver2 customerNumber=74050"],
        ),
    ],
    ids=["vat number", "customer number"],
)
def test_a_number_that_finds_its_customer_needs_no_name_search(
    criteria: SearchCriteria, hits: Hits, sent: list[str]
) -> None:
    searches, result = run(criteria, hits)
    assert searches == sent
    assert result.best is not None


def test_a_strict_search_that_finds_nobody_widens_until_a_clear_best() -> None:
    moved = SearchCriteria(
        last_name="Goderis",
        first_name="Thiemen",
        postcode="1000",
        email="thiemen.goderis@example.be",
    )
    sent, result = run(moved, {"name=Goderis firstName=Thiemen": [customer()]})
    assert sent == [
        "driver2 name=Goderis postcode=1000",
        "driver2 name=Goderis firstName=Thiemen",
        "driver2 name=God postcode=1000",
        "driver2 name=God firstName=Thiemen",
        "driver2 name=Thiemen firstName=Goderis",
        "driver2 email=thiemen.goderis@example.be",
    ]
    assert result.best is not None
    assert result.best.driver2_number == "74050"
    assert result.matches[0].reasons == (
        "last_name equal",
        "first_name equal",
        "postcode different",
        "email equal",
    )
    assert result.query == CustomerQuery(name="Goderis", first_name="Thiemen")


def test_a_typo_late_in_the_last_name_is_found_by_its_prefix() -> None:
    typo = attrs.evolve(GODERIS, last_name="Goderiz")
    sent, result = run(typo, {"name=God postcode=9000": [customer(), namesake()]})
    assert sent == [
        "driver2 name=Goderiz postcode=9000",
        "driver2 name=Goderiz firstName=Thiemen",
        "driver2 name=God postcode=9000",
        "driver2 name=God firstName=Thiemen",
        "driver2 name=Thiemen firstName=Goderiz",
    ]
    assert result.best is not None
    assert result.best.driver2_number == "74050"


def test_swapped_names_are_found_by_the_swapped_search() -> None:
    swapped = SearchCriteria(last_name="Thiemen", first_name="Goderis", postcode="9000")
    thiemen_family = customer() | {"customerNumber": "74060", "name": "Thiemen", "firstName": "Ann"}
    hits = {
        "name=Thiemen postcode=9000": [thiemen_family],
        "name=Thi postcode=9000": [thiemen_family],
        "name=Goderis firstName=Thiemen": [customer()],
    }
    sent, result = run(swapped, hits)
    assert sent[-1] == "driver2 name=Goderis firstName=Thiemen"
    assert len(sent) == 5
    assert result.best is not None
    assert result.best.driver2_number == "74050"
    assert result.query == CustomerQuery(name="Thiemen", postcode="9000")


def test_without_a_clear_best_every_stage_is_searched_and_each_customer_kept_once() -> None:
    hits = {
        "name=Goderis postcode=9000": [customer(), duplicate()],
        "name=Goderis firstName=Thiemen": [duplicate(), customer(), namesake()],
        "name=Goderis": [namesake(), customer()],
    }
    sent, result = run(GODERIS, hits)
    assert sent == every_block(GODERIS)
    assert [c.driver2_number for c in result.candidates] == ["74050", "74052", "74051"]
    assert result.total == len(result.candidates) == 3
    assert result.pages == 1
    assert result.best is None  # the duplicate ties with Thiemen
    assert numbers(result.matches) == ["74050", "74052", "74051"]


def test_the_blocks_of_the_result_are_every_search_sent_in_order() -> None:
    sent, result = run(EVERY_CRITERION, {"email=thiemen.goderis@example.be": [namesake()]})
    queries = [query for stage in driver2_blocks(EVERY_CRITERION) for query in stage]
    assert result.blocks == tuple(queries)
    assert len(sent) == len(queries) == MOST_DRIVER2_SEARCHES
    assert result.query == CustomerQuery(email="thiemen.goderis@example.be")
    assert result.answer == driver2_page(namesake())


def test_a_weak_candidate_found_late_means_kp_is_not_searched() -> None:
    sent, result = run(GODERIS, {"name=Goderis": [namesake()]})
    assert sent == every_block(GODERIS)
    assert result.source is Source.DRIVER2
    assert result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS
    assert [c.driver2_number for c in result.candidates] == ["74051"]
    assert result.best is None


def test_the_matches_of_a_result_are_ranked_once() -> None:
    _, result = run(GODERIS, {"name=Goderis postcode=9000": [namesake(), customer()]})
    assert result.matches is result.matches
    assert numbers(result.matches) == ["74050", "74051"]
    assert result.best is result.matches[0].candidate


# --- match_flow: KP, when Driver2 found nobody (R3-R7) ------------------------------------------


def test_r3_when_every_driver2_search_finds_nobody_kp_is_searched() -> None:
    criteria = attrs.evolve(GODERIS, email="thiemen.goderis@example.be")
    kp_search = "nachname=Goderis vorname=Thiemen plz=9000 kundenart=privat"
    sent, result = run(criteria, {kp_search: [person()]})
    assert sent == [*every_block(criteria), f"kp {kp_search}"]
    assert result.source is Source.KP
    assert result.kp_skipped_reason is None
    assert result.dropped_for_kp == ("email",)
    assert [c.kp_id for c in result.candidates] == ["KP-0012345"]
    assert result.best is not None
    assert result.best.kp_id == "KP-0012345"
    assert result.query == PersonQuery(
        last_name="Goderis", first_name="Thiemen", postcode="9000", kind=PersonKind.PRIVATE
    )
    assert result.blocks[-1] == result.query
    assert (result.total, result.pages) == (1, 1)


def test_r6_kp_widens_without_the_first_name_but_keeps_to_private_persons() -> None:
    hits = {"nachname=Goderis plz=9000 kundenart=privat": [person()]}
    sent, result = run(GODERIS, hits)
    assert sent[-2:] == [
        "kp nachname=Goderis vorname=Thiemen plz=9000 kundenart=privat",
        "kp nachname=Goderis plz=9000 kundenart=privat",
    ]
    assert result.best is not None
    assert result.query == PersonQuery(
        last_name="Goderis", postcode="9000", kind=PersonKind.PRIVATE
    )


def test_r3_when_kp_finds_nobody_either_the_result_is_kps_empty_answer() -> None:
    sent, result = run(GODERIS, {})
    kp_sent = [search for search in sent if search.startswith("kp ")]
    assert kp_sent == [
        "kp nachname=Goderis vorname=Thiemen plz=9000 kundenart=privat",
        "kp nachname=Goderis plz=9000 kundenart=privat",
        "kp nachname=Goderis kundenart=privat",
    ]
    assert sent[: -len(kp_sent)] == every_block(GODERIS)
    assert (result.source, result.total, result.candidates) == (Source.KP, 0, ())
    assert result.kp_skipped_reason is None
    assert result.query == PersonQuery(last_name="Goderis", kind=PersonKind.PRIVATE)
    assert result.best is None


@pytest.mark.parametrize(
    ("criteria", "reason"),
    [
        (SearchCriteria(email="thiemen.goderis@example.be"), KPSkipReason.NO_LAST_NAME),
        (SearchCriteria(first_name="Thiemen", postcode="9000"), KPSkipReason.NO_LAST_NAME),
        (SearchCriteria(last_name="G", postcode="9000"), KPSkipReason.LAST_NAME_TOO_SHORT),
    ],
    ids=["no last name", "first name and postcode", "one-letter last name"],
)
def test_r3_r5_without_a_usable_last_name_kp_is_not_searched_and_the_result_says_why(
    criteria: SearchCriteria, reason: KPSkipReason
) -> None:
    sent, result = run(criteria, {})
    assert sent == every_block(criteria)
    assert result.source is Source.DRIVER2
    assert result.kp_skipped_reason is reason
    assert (result.total, result.candidates, result.best) == (0, (), None)


# --- match_flow: errors and refusals -----------------------------------------------------------


DRIVER2_ERRORS: Final[dict[str, Callable[[], Driver2KPError]]] = {
    "timeout": lambda: RequestTimeoutError(
        "timed out", service="Driver2", endpoint="GET /customers"
    ),
    "server": lambda: ServerError(
        "503 Service Unavailable", service="Driver2", endpoint="GET /customers", status=503
    ),
    "authentication": lambda: AuthenticationError(
        "401 Unauthorized", service="Driver2", endpoint="GET /customers", status=401
    ),
}


@pytest.mark.parametrize("kind", DRIVER2_ERRORS)
@pytest.mark.parametrize("answered", [0, 1, 4], ids=["first search", "second", "fifth"])
def test_r3_a_driver2_error_is_raised_as_it_came_and_kp_is_never_asked(
    kind: str, answered: int
) -> None:
    flow = match_flow(GODERIS)
    ask = asked(advance(flow))
    for _ in range(answered):
        ask = asked(advance(flow, driver2_page()))
    assert ask.source is Source.DRIVER2
    error = DRIVER2_ERRORS[kind]()
    with pytest.raises(Driver2KPError) as caught:
        advance(flow, error=error)
    assert caught.value is error
    assert getattr(error, "__notes__", []) == []
    assert isinstance(advance(flow), Finished)  # the flow is over: nothing more is asked


@pytest.mark.parametrize("kp_answered", [0, 1], ids=["first kp search", "second kp search"])
def test_r3_a_kp_error_is_raised_with_a_note_that_driver2_found_nobody(kp_answered: int) -> None:
    flow = match_flow(GODERIS)
    step = advance(flow)
    while asked(step).source is Source.DRIVER2:
        step = advance(flow, driver2_page())
    for _ in range(kp_answered):
        step = advance(flow, kp_page())
    assert asked(step).source is Source.KP
    failure = ServerError("502 Bad Gateway", service="KP", endpoint="GET /personen", status=502)
    with pytest.raises(ServerError) as caught:
        advance(flow, error=failure)
    assert caught.value is failure
    assert any("Driver2 answered and found nobody" in note for note in failure.__notes__)


def test_a_match_with_empty_criteria_is_refused_before_any_ask() -> None:
    with pytest.raises(CriteriaError) as caught:
        advance(match_flow(SearchCriteria(last_name="  ")))
    assert caught.value.field == "criteria"


@pytest.mark.parametrize("role", ["insurer", PartyRole.EXPERT, "chauffeur"])
def test_r11_a_match_for_a_role_that_cannot_be_loaded_is_refused_before_any_ask(
    role: PartyRole | str,
) -> None:
    with pytest.raises(CriteriaError) as caught:
        advance(match_flow(GODERIS, role=role))
    assert caught.value.field == "role"


def test_r11_the_result_of_a_match_names_the_role() -> None:
    _, result = run(GODERIS, {"name=Goderis postcode=9000": [customer()]}, role="Owner")
    assert result.role is PartyRole.OWNER


@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(postcode="9000"),
        SearchCriteria(country="BE"),
        SearchCriteria(first_name="Thiemen"),
        SearchCriteria(postcode="9000", country="BE"),
    ],
    ids=["postcode", "country", "first name", "postcode and country"],
)
def test_criteria_no_search_can_block_on_are_searched_all_together_as_r1_does(
    criteria: SearchCriteria,
) -> None:
    assert driver2_blocks(criteria) == [[driver2_query(criteria)]]
    ask = advance(match_flow(criteria))
    assert isinstance(ask, Ask)
    assert (
        ask.operation.call.params == search_customers_request(driver2_query(criteria)).call.params
    )


def test_the_documented_example_of_match_finds_its_best() -> None:
    record = SearchCriteria(
        last_name="Godreis", first_name="Thiemen", postcode="9000", email="t@old.example"
    )
    _, result = run(record, {"name=God postcode=9000": [customer()]})
    assert result.best is not None
    assert result.best.driver2_number == "74050"


# --- searches with more hits than a page --------------------------------------------------------


def _numbered(first: int, count: int) -> list[JSONObject]:
    return [namesake() | {"customerNumber": str(first + n)} for n in range(count)]


def test_a_search_with_more_hits_reads_three_pages_and_leaves_the_rest_unread() -> None:
    criteria = SearchCriteria(vat_number=VAT, last_name="Peeters", postcode="9000")
    flow = match_flow(criteria)
    step = asked(advance(flow))
    assert searched(step) == f"vatNumber={VAT}"
    step = asked(advance(flow, driver2_page()))
    assert searched(step) == "name=Peeters postcode=9000"
    asks = []
    for number, records in enumerate([[company(), *_numbered(60000, 9)], _numbered(60010, 10)], 1):
        many = customer_page(*records) | {"page": number, "totalItems": 45, "totalPages": 5}
        step = asked(advance(flow, read(many, CustomerPage, service="D", endpoint="GET")))
        asks.append(step)
    assert [(a.step, dict(a.operation.call.params)["page"]) for a in asks] == [
        (Step.NEXT_PAGE, "2"),
        (Step.NEXT_PAGE, "3"),
    ]
    last = customer_page(*_numbered(60020, 10)) | {"page": 3, "totalItems": 45, "totalPages": 5}
    done = advance(flow, read(last, CustomerPage, service="D", endpoint="GET"))
    assert isinstance(done, Finished)  # the VAT number is equal: clear, though 15 are unread
    result = done.value
    assert (result.unread, result.total, len(result.blocks)) == (15, 30, 2)
    assert result.best is not None
    assert result.best.driver2_number == "30001"


def test_with_hits_unread_a_leader_without_an_equal_key_is_no_best() -> None:
    crowd = [customer(), *_numbered(60000, 9)]
    matches = rank(GODERIS, driver2_candidates(*crowd))
    assert best_of(matches) is matches[0].candidate
    assert best_of(matches, unread=5) is None


def test_a_match_result_has_no_further_pages() -> None:
    _, result = run(GODERIS, {"name=Goderis postcode=9000": [customer()]})
    assert further_pages(result) == []
    assert result.pages == 1
