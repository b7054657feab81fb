"""What a notebook shows: results as the FAQ's result table, a party as its form, all escaped."""

from __future__ import annotations

import re

import attrs

from driver2_kp import Customer, CustomerPage, Person, PersonPage, SearchCriteria
from driver2_kp._candidate import Candidate
from driver2_kp._convert import read
from driver2_kp._html import FAQ_COLUMNS
from driver2_kp._party import Party, Source, party_from_customer, party_from_person
from driver2_kp._redact import PERSONAL
from driver2_kp._results import KPSkipReason, SearchResult
from driver2_kp._rules import candidates_of, driver2_query, dropped_for_kp, kp_query
from tests._contract import JSONObject, customer, customer_page, person, person_page

GODERIS = SearchCriteria(last_name="Goderis", first_name="Thiemen", postcode="9000")
GODERIS_ROW = ["Goderis", "Thiemen", "74050", "9000", "+3292234455", "thiemen.goderis@example.be"]
GODERIS_ROW.append("")  # no VAT number
SCRIPT = "<script>alert(1)</script>"


def driver2_result(*records: JSONObject, matched: bool = False) -> SearchResult:
    """A Driver2 result of ``records``: a page of a search, or (``matched``) a match's union."""
    answer = read(customer_page(*records), CustomerPage, service="T", endpoint="T")
    query = driver2_query(GODERIS)
    return SearchResult(
        source=Source.DRIVER2,
        candidates=candidates_of(answer),
        total=len(records),
        page=1,
        criteria=GODERIS,
        query=query,
        answer=answer,
        kp_skipped_reason=KPSkipReason.DRIVER2_FOUND_CUSTOMERS if records else None,
        blocks=(query,) if matched else (),
    )


def kp_result(criteria: SearchCriteria, *records: JSONObject) -> SearchResult:
    """What the KP button gives for ``criteria``: a page of ``records``."""
    answer = read(person_page(*records), PersonPage, service="T", endpoint="T")
    return SearchResult(
        source=Source.KP,
        candidates=candidates_of(answer),
        total=len(records),
        page=1,
        criteria=criteria,
        query=kp_query(criteria),
        answer=answer,
        dropped_for_kp=dropped_for_kp(criteria),
    )


def only(result: SearchResult) -> Candidate:
    (candidate,) = result.candidates
    return candidate


def header(rendered: str) -> list[str]:
    return re.findall(r"<th>(.*?)</th>", rendered)


def rows(rendered: str) -> list[list[str]]:
    body = rendered.split("<tbody>", 1)[1]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr.*?</tr>", body)]


def summary(rendered: str) -> list[str]:
    (lines,) = re.findall(r"<p>(.*?)</p>", rendered)
    return str(lines).split("<br>")


# --- the FAQ's result table --------------------------------------------------------------


def test_a_result_shows_the_faqs_result_table() -> None:
    rendered = driver2_result(customer())._repr_html_()
    names = "Naam Voornaam Nummer Postcode Tel E-mail BTW-nummer"
    assert header(rendered) == list(FAQ_COLUMNS) == names.split()
    assert rows(rendered) == [GODERIS_ROW]


def test_a_result_line_names_its_source_total_and_page() -> None:
    rendered = driver2_result(customer(), customer() | {"customerNumber": "74051"})._repr_html_()
    assert summary(rendered) == [
        "Driver2: 2 found, page 1 of 1",
        "KP not searched: Driver2 found customers; search_kp searches KP as well",
    ]
    assert [row[2] for row in rows(rendered)] == ["74050", "74051"]


def test_nobody_found_is_said_in_the_table() -> None:
    rendered = driver2_result()._repr_html_()
    assert summary(rendered) == ["Driver2: 0 found, page 1 of 0"]
    assert '<td colspan="7">Nobody found.</td>' in rendered


def test_a_company_shows_its_vat_number_and_no_first_name() -> None:
    company = customer() | {
        "customerNumber": "30001",
        "name": "Peeters Bouw NV",
        "firstName": None,
        "vatNumber": "BE0403019261",
    }
    (row,) = rows(driver2_result(company)._repr_html_())
    assert (row[0], row[1], row[2], row[6]) == ("Peeters Bouw NV", "", "30001", "BE0403019261")


def test_a_kp_row_shows_its_kp_id_as_its_number() -> None:
    """A KP person has no Driver2 number until imported: its KP id stands in the Nummer column."""
    criteria = SearchCriteria(last_name="Goderis", first_name="Thiemen", email="t@example.be")
    rendered = kp_result(criteria, person())._repr_html_()
    assert summary(rendered) == ["KP: 1 found, page 1 of 1", "not sent to KP: email"]
    assert rows(rendered) == [[*GODERIS_ROW[:2], "KP-0012345", *GODERIS_ROW[3:]]]


def test_a_driver2_row_shows_its_customer_number_even_with_a_kp_reference() -> None:
    linked = driver2_result(customer() | {"kpReference": "KP-0012345"})
    assert rows(linked._repr_html_()) == [GODERIS_ROW]


def test_a_candidate_shows_its_row_under_its_source() -> None:
    kp = only(kp_result(GODERIS, person()))._repr_html_()
    driver2 = only(driver2_result(customer()))._repr_html_()
    assert (summary(kp), summary(driver2)) == (["KP"], ["Driver2"])
    assert header(driver2) == list(FAQ_COLUMNS)
    assert rows(driver2) == [GODERIS_ROW]
    assert rows(kp)[0][2] == "KP-0012345"


# --- a match -----------------------------------------------------------------------------


def test_a_match_shows_its_best_and_score_and_ranks_its_rows() -> None:
    stranger = customer() | {"customerNumber": "11111", "firstName": "Ann", "email": None}
    result = driver2_result(stranger, customer(), matched=True)
    rendered = result._repr_html_()
    score = f"{result.matches[0].score:.3f}"
    assert summary(rendered)[1] == f"match: 1 search; best: 74050, score {score}"
    assert header(rendered) == [*FAQ_COLUMNS, "score"]
    assert [row[2] for row in rows(rendered)] == ["74050", "11111"]
    assert rows(rendered)[0] == [*GODERIS_ROW, score]
    assert '<tr style="font-weight: bold"><td>Goderis</td><td>Thiemen</td><td>74050<' in rendered


def test_a_match_without_a_clear_best_says_so_and_bolds_nobody() -> None:
    twins = driver2_result(customer(), customer() | {"customerNumber": "74052"}, matched=True)
    rendered = twins._repr_html_()
    assert twins.best is None
    assert summary(rendered)[1].startswith("match: 1 search; no clear best (top score ")
    assert "font-weight" not in rendered


# --- the party form ----------------------------------------------------------------------


def party_from(record: JSONObject) -> Party:
    """The party of a Driver2 customer, or of a KP person (``kpId`` in it)."""
    if "kpId" in record:
        return party_from_person(read(record, Person, service="T", endpoint="T"))
    return party_from_customer(read(record, Customer, service="T", endpoint="T"))


def test_a_party_shows_every_field_of_the_form_but_the_record() -> None:
    rendered = party_from(customer())._repr_html_()
    shown = [row[2] for row in rows(rendered)]
    assert sorted(shown) == sorted(f.name for f in attrs.fields(Party) if f.name != "record")
    assert header(rendered) == ["field", "value", "attribute"]
    assert summary(rendered) == ["Party from Driver2"]


def test_a_party_shows_its_values_under_the_forms_labels() -> None:
    form = {row[0]: row[1] for row in rows(party_from(customer())._repr_html_())}
    assert form["Externe Referentie"] == "74050"
    assert (form["Naam"], form["Voornaam"], form["Aanspreking"]) == (
        "Goderis",
        "Thiemen",
        "De heer",
    )
    assert (form["Huisnummer"], form["Bus"], form["Provincie"]) == ("112", "B", "Oost-Vlaanderen")
    assert (form["Rechtspersoonlijkheid"], form["Type Klant"]) == ("natural_person", "private")
    assert (form["BTW plichtig"], form["Andersvalide"], form["Fax"]) == ("no", "no", "")


def test_a_kp_party_shows_its_kp_id_and_no_driver2_number() -> None:
    rendered = party_from(person())._repr_html_()
    form = {row[0]: row[1] for row in rows(rendered)}
    assert (form["KP-id"], form["Externe Referentie"], form["Bron"]) == ("KP-0012345", "", "kp")
    assert summary(rendered) == ["Party from KP"]


# --- personal data: shown when asked for, escaped; never in the repr -------------------


def test_every_value_is_escaped() -> None:
    hostile = customer() | {"name": SCRIPT, "email": "a&b@example.be", "remarks": '"quoted"'}
    for rendered in (
        driver2_result(hostile)._repr_html_(),
        driver2_result(hostile, matched=True)._repr_html_(),
        only(driver2_result(hostile))._repr_html_(),
        party_from(hostile)._repr_html_(),
    ):
        assert "<script>" not in rendered
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
        assert "a&amp;b@example.be" in rendered
    assert "&quot;quoted&quot;" in party_from(hostile)._repr_html_()


def test_a_kp_persons_values_are_escaped_too() -> None:
    rendered = only(kp_result(GODERIS, person() | {"nachname": SCRIPT}))._repr_html_()
    assert "<script>" not in rendered
    assert "&lt;script&gt;" in rendered


def test_the_plain_repr_stays_redacted_for_logs() -> None:
    result = driver2_result(customer())
    for shown in (result, only(result), party_from(customer())):
        assert "Goderis" in shown._repr_html_()
        assert "Goderis" not in repr(shown)
        assert PERSONAL in repr(shown)
