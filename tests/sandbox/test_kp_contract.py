"""The sandbox's KP side against the KP HTTP contract (kp-api.md).

Every row of the contract's status table is provoked here, and every matching
rule of ``GET /personen`` is checked against a reference implementation of the
rule run over the sandbox's own generated data.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import httpx
import pytest

from driver2_kp.sandbox import (
    FIXED,
    KP_API_KEY_WITHOUT_RIGHTS,
    Dataset,
    FaultScript,
    Sandbox,
    SandboxConfig,
    generate,
)
from tests._contract import person as contract_person

JSON = dict[str, Any]

# The contract's example Person, as the sandbox must serve the fixed Goderis.
GODERIS: Final[JSON] = contract_person()

PERSON_FIELDS: Final = frozenset(GODERIS)
NULLABLE_STRINGS: Final = (
    "nachname",
    "vorname",
    "firma",
    "strasse",
    "hausnummer",
    "adresszusatz",
    "plz",
    "ort",
    "telefon",
    "mobil",
    "fax",
    "email",
    "ustIdNr",
)
KP_ID: Final = re.compile(r"KP-[0-9]{7}")
COMPACT_VAT: Final = re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}")
NO_SUCH_SURNAME: Final = "Zzyxqvw"
"""A surname (and company-name start) that no generated person has."""


# --- helpers ----------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text``, as the contract's matching needs."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def ids(persons: list[JSON]) -> list[str]:
    return [p["kpId"] for p in persons]


def contract_order(person: JSON) -> tuple[str, str, str]:
    """The contract's result order: nachname, then vorname, then kpId (names folded)."""
    return (fold(person["nachname"] or ""), fold(person["vorname"] or ""), person["kpId"])


def assert_contract_order(persons: list[JSON]) -> None:
    """Persons with a nachname come in the contract's order.

    Where a business without contact person (``nachname`` null) sorts is not
    fixed by the contract, so those are left out of the comparison.
    """
    named = [p for p in persons if p["nachname"] is not None]
    assert ids(named) == ids(sorted(named, key=contract_order))


def person_matches(
    person: JSON,
    nachname: str,
    vorname: str | None = None,
    plz: str | None = None,
    kundenart: str | None = None,
) -> bool:
    """The contract's matching rules for ``GET /personen``, as a reference."""
    names = [person["nachname"]]
    if person["kundenart"] == "gewerblich":
        names.append(person["firma"])
    if not any(name is not None and fold(name).startswith(fold(nachname)) for name in names):
        return False
    if vorname is not None and not fold(person["vorname"] or "").startswith(fold(vorname)):
        return False
    if plz is not None and person["plz"] != plz:
        return False
    return kundenart is None or person["kundenart"] == kundenart


def expected_ids(dataset: Dataset, **criteria: str) -> set[str]:
    """The kpIds of the generated persons that the contract says a search finds."""
    return {p["kpId"] for p in dataset.persons if person_matches(p, **criteria)}


def search(client: httpx.Client, **params: str) -> JSON:
    """One ``GET /personen`` answer that must be a 200; its body."""
    response = client.get("/personen", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: JSON = response.json()
    assert set(body) >= {"treffer", "gesamt", "limit", "offset"}
    return body


def search_all(client: httpx.Client, page_size: int = 100, **params: str) -> list[JSON]:
    """Every person a search finds, page after page, checking each page's counts."""
    treffer: list[JSON] = []
    while True:
        body = search(client, **params, limit=str(page_size), offset=str(len(treffer)))
        assert (body["limit"], body["offset"]) == (page_size, len(treffer))
        assert len(body["treffer"]) == min(page_size, body["gesamt"] - len(treffer))
        treffer += body["treffer"]
        if len(treffer) >= body["gesamt"]:
            assert len(treffer) == body["gesamt"]
            return treffer


def assert_fehler(response: httpx.Response, status: int, code: str) -> str:
    """Check a KP error answer ``{"fehler": {"code", "meldung"}}``; return its meldung."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"fehler"}, body
    assert body["fehler"]["code"] == code, body
    meldung = body["fehler"]["meldung"]
    assert isinstance(meldung, str)
    assert meldung
    return meldung


def names_parameter(meldung: str, name: str) -> bool:
    """Whether ``meldung`` names the parameter ``name`` (as a word: "name" is not "nachname")."""
    return re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", meldung) is not None


def assert_rfc3339(value: object) -> None:
    assert isinstance(value, str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value), value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None


def assert_person(person: JSON) -> None:
    """Every documented field of a Person is there, with its documented type."""
    assert set(person) >= PERSON_FIELDS, PERSON_FIELDS - set(person)
    assert KP_ID.fullmatch(person["kpId"]), person["kpId"]
    assert person["kundenart"] in ("privat", "gewerblich")
    assert person["anrede"] in ("Herr", "Frau", "Firma", None)
    for field in NULLABLE_STRINGS:
        assert person[field] is None or isinstance(person[field], str), field
    if person["nachname"] is None:
        assert person["kundenart"] == "gewerblich", "nachname is null only for a business"
    if person["kundenart"] == "gewerblich":
        assert isinstance(person["firma"], str)
    assert isinstance(person["land"], str)
    assert re.fullmatch(r"[A-Z]{2}", person["land"]), person["land"]
    if person["ustIdNr"] is not None:
        assert COMPACT_VAT.fullmatch(person["ustIdNr"]), person["ustIdNr"]
    assert person["sprache"] in ("nl", "fr", "de", "en")
    assert_rfc3339(person["geaendertAm"])


def spelled_both_ways(names: list[str]) -> tuple[str, str]:
    """A name the data holds both with and without accents: (accented, plain)."""
    spellings: defaultdict[str, set[str]] = defaultdict(set)
    for name in names:
        spellings[fold(name)].add(name)
    for key in sorted(spellings):
        plain = [s for s in spellings[key] if fold(s) == s.casefold()]
        accented = [s for s in spellings[key] if fold(s) != s.casefold()]
        if plain and accented:
            return min(accented), min(plain)
    raise AssertionError("the data has no name spelled both with and without accents")


# --- fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(driver2_kp_sandbox_config: SandboxConfig) -> Dataset:
    """The data the session sandbox was generated with (same seed and sizes)."""
    config = driver2_kp_sandbox_config
    return generate(config.seed, config.customers, config.persons)


def client_with_headers(sandbox: Sandbox, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=sandbox.kp_url, headers=headers)


# --- 400 NACHNAME_FEHLT -----------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"vorname": "Ann"}, {"plz": "2000", "kundenart": "privat"}, {"nachname": ""}],
    ids=["nothing", "vorname-only", "plz-and-kundenart", "empty"],
)
def test_a_search_without_nachname_is_400_nachname_fehlt(
    kp: httpx.Client, params: dict[str, str]
) -> None:
    meldung = assert_fehler(kp.get("/personen", params=params), 400, "NACHNAME_FEHLT")
    assert names_parameter(meldung, "nachname")


@pytest.mark.parametrize("nachname", ["P", "é", "x"])
def test_a_nachname_of_one_character_is_400_nachname_fehlt(kp: httpx.Client, nachname: str) -> None:
    response = kp.get("/personen", params={"nachname": nachname})
    assert names_parameter(assert_fehler(response, 400, "NACHNAME_FEHLT"), "nachname")


def test_a_nachname_of_two_characters_is_enough(kp: httpx.Client) -> None:
    assert search(kp, nachname="Pe")["gesamt"] > 0


# --- 400 PARAMETER_UNGUELTIG ------------------------------------------------------


@pytest.mark.parametrize("name", ["email", "telefon", "land", "name", "page", "ustIdNr"])
def test_an_unknown_parameter_is_400_parameter_ungueltig_naming_it(
    kp: httpx.Client, name: str
) -> None:
    response = kp.get("/personen", params={"nachname": "Peeters", name: "x"})
    assert names_parameter(assert_fehler(response, 400, "PARAMETER_UNGUELTIG"), name)


@pytest.mark.parametrize("name", ["plz", "vorname", "kundenart", "limit", "offset"])
def test_a_repeated_parameter_is_400_parameter_ungueltig_naming_it(
    kp: httpx.Client, name: str
) -> None:
    value = {"plz": "2000", "vorname": "Ann", "kundenart": "privat"}.get(name, "1")
    params = httpx.QueryParams([("nachname", "Peeters"), (name, value), (name, value)])
    response = kp.get("/personen", params=params)
    assert names_parameter(assert_fehler(response, 400, "PARAMETER_UNGUELTIG"), name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("kundenart", "foo"),
        ("kundenart", "business"),
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "abc"),
        ("limit", "-1"),
        ("limit", "2.5"),
        ("offset", "-1"),
        ("offset", "abc"),
    ],
)
def test_an_invalid_value_is_400_parameter_ungueltig_naming_the_parameter(
    kp: httpx.Client, name: str, value: str
) -> None:
    response = kp.get("/personen", params={"nachname": "Peeters", name: value})
    assert names_parameter(assert_fehler(response, 400, "PARAMETER_UNGUELTIG"), name)


# --- 401, 403 ---------------------------------------------------------------------


def _search(client: httpx.Client) -> httpx.Response:
    return client.get("/personen", params={"nachname": "Peeters"})


def _get(client: httpx.Client) -> httpx.Response:
    return client.get(f"/personen/{FIXED.goderis_kp_id}")


ENDPOINTS: Final = pytest.mark.parametrize("call", [_search, _get], ids=["search", "get-one"])


@ENDPOINTS
def test_a_request_without_a_key_is_401_nicht_authentifiziert(
    driver2_kp_sandbox: Sandbox, call: Callable[[httpx.Client], httpx.Response]
) -> None:
    with client_with_headers(driver2_kp_sandbox, {}) as anonymous:
        assert_fehler(call(anonymous), 401, "NICHT_AUTHENTIFIZIERT")


@ENDPOINTS
@pytest.mark.parametrize("key", ["wrong-key", "", "SANDBOX-KEY"])
def test_a_request_with_a_wrong_key_is_401_nicht_authentifiziert(
    driver2_kp_sandbox: Sandbox, call: Callable[[httpx.Client], httpx.Response], key: str
) -> None:
    with client_with_headers(driver2_kp_sandbox, {"X-API-Key": key}) as client:
        assert_fehler(call(client), 401, "NICHT_AUTHENTIFIZIERT")


@ENDPOINTS
def test_a_key_without_read_rights_is_403_keine_berechtigung(
    driver2_kp_sandbox: Sandbox, call: Callable[[httpx.Client], httpx.Response]
) -> None:
    headers = {"X-API-Key": KP_API_KEY_WITHOUT_RIGHTS}
    with client_with_headers(driver2_kp_sandbox, headers) as client:
        assert_fehler(call(client), 403, "KEINE_BERECHTIGUNG")


# --- 404 --------------------------------------------------------------------------


def test_an_unknown_kp_id_is_404_nicht_gefunden(kp: httpx.Client, dataset: Dataset) -> None:
    unknown = "KP-9999999"
    assert unknown not in {p["kpId"] for p in dataset.persons}
    assert_fehler(kp.get(f"/personen/{unknown}"), 404, "NICHT_GEFUNDEN")


@pytest.mark.parametrize("kp_id", ["12345", "KP-12", "kp-0012345", "KP-00123456", "Goderis"])
def test_a_malformed_kp_id_is_404_nicht_gefunden(kp: httpx.Client, kp_id: str) -> None:
    assert_fehler(kp.get(f"/personen/{kp_id}"), 404, "NICHT_GEFUNDEN")


# --- 429, 503, 500, 502, 504 (scripted faults) ------------------------------------

FAULTED_ROUTES: Final = pytest.mark.parametrize(
    ("path", "call"),
    [("/personen", _search), ("/personen/*", _get)],
    ids=["search", "get-one"],
)


@FAULTED_ROUTES
def test_rate_limit_is_429_zu_viele_anfragen_with_retry_after(
    kp: httpx.Client,
    driver2_kp_sandbox: Sandbox,
    path: str,
    call: Callable[[httpx.Client], httpx.Response],
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(
            service="kp", method="GET", path=path, fault="status", status=429, retry_after=1
        )
    )
    response = call(kp)
    assert_fehler(response, 429, "ZU_VIELE_ANFRAGEN")
    assert response.headers["retry-after"] == "1"
    assert call(kp).status_code == 200  # the fault was scripted for one request only


@FAULTED_ROUTES
def test_maintenance_is_503_wartung_with_retry_after(
    kp: httpx.Client,
    driver2_kp_sandbox: Sandbox,
    path: str,
    call: Callable[[httpx.Client], httpx.Response],
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(
            service="kp", method="GET", path=path, fault="status", status=503, retry_after=30
        )
    )
    response = call(kp)
    assert_fehler(response, 503, "WARTUNG")
    assert response.headers["retry-after"] == "30"


def test_maintenance_without_retry_after_is_still_503_wartung(
    kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="kp", method="GET", path="/personen", fault="status", status=503)
    )
    response = _search(kp)
    assert_fehler(response, 503, "WARTUNG")
    assert "retry-after" not in response.headers


def test_a_server_fault_is_500_with_a_fehler_body(
    kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="kp", method="GET", path="/personen", fault="status", status=500)
    )
    response = _search(kp)
    assert response.status_code == 500
    # The contract allows any body; the sandbox's KP answers its own error shape.
    assert_fehler(response, 500, response.json()["fehler"]["code"])
    assert _search(kp).status_code == 200


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_faults_answer_an_html_page_that_is_not_json(
    kp: httpx.Client, driver2_kp_sandbox: Sandbox, status: int
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="kp", method="GET", path="/personen", fault="status", status=status)
    )
    response = _search(kp)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


# --- matching: nachname -----------------------------------------------------------


def test_nachname_is_a_prefix_match(kp: httpx.Client, dataset: Dataset) -> None:
    found = search_all(kp, nachname="Peet")
    assert set(ids(found)) == expected_ids(dataset, nachname="Peet")
    assert len(set(ids(found))) == len(found)
    assert {FIXED.ann_peeters_kp_id, FIXED.business_kp_id} <= set(ids(found))
    assert {p["nachname"] for p in found} >= {"Peeters"}


@pytest.mark.parametrize(
    ("nachname", "kp_id"),
    [
        ("oderis", FIXED.goderis_kp_id),
        ("eeters", FIXED.ann_peeters_kp_id),
        ("Bouw", FIXED.business_kp_id),
    ],
)
def test_nachname_matches_the_start_of_the_name_only(
    kp: httpx.Client, dataset: Dataset, nachname: str, kp_id: str
) -> None:
    found = search_all(kp, nachname=nachname)
    assert kp_id not in ids(found)
    assert set(ids(found)) == expected_ids(dataset, nachname=nachname)


def test_a_search_that_matches_nothing_is_200_with_no_treffer(kp: httpx.Client) -> None:
    assert search(kp, nachname=NO_SUCH_SURNAME) == {
        "treffer": [],
        "gesamt": 0,
        "limit": 25,
        "offset": 0,
    }


@pytest.mark.parametrize("nachname", ["PEETERS", "peeters", "pEeTeRs", "peeTERS"])
def test_nachname_match_ignores_case(kp: httpx.Client, dataset: Dataset, nachname: str) -> None:
    found = search_all(kp, nachname=nachname)
    assert ids(found) == ids(search_all(kp, nachname="Peeters"))
    assert set(ids(found)) == expected_ids(dataset, nachname="Peeters")


@pytest.mark.parametrize("nachname", ["Gödêris", "GODÉRIS", "godëris", "Gòdé"])
def test_nachname_match_ignores_accents_of_the_query(kp: httpx.Client, nachname: str) -> None:
    assert FIXED.goderis_kp_id in ids(search_all(kp, nachname=nachname))


def test_nachname_match_folds_accents_both_ways(kp: httpx.Client, dataset: Dataset) -> None:
    accented, plain = spelled_both_ways([p["nachname"] for p in dataset.persons if p["nachname"]])
    with_accents = search_all(kp, nachname=accented.upper())
    without_accents = search_all(kp, nachname=plain.lower())
    assert ids(with_accents) == ids(without_accents)
    assert set(ids(with_accents)) == expected_ids(dataset, nachname=plain)
    # The accented query finds the plain spelling, and the plain query the accented one.
    assert {accented, plain} <= {p["nachname"] for p in with_accents}


def test_nachname_also_matches_the_firma_of_a_business(kp: httpx.Client) -> None:
    found = search_all(kp, nachname="Peeters Bou")
    assert FIXED.business_kp_id in ids(found)
    for person in found:
        assert person["kundenart"] == "gewerblich"
        assert fold(person["firma"]).startswith("peeters bou")


def test_nachname_finds_a_business_without_contact_person_by_its_firma(
    kp: httpx.Client, dataset: Dataset
) -> None:
    business = next(
        p for p in dataset.persons if p["kundenart"] == "gewerblich" and p["nachname"] is None
    )
    firma = business["firma"]
    found = search_all(kp, nachname=firma.lower())
    assert business["kpId"] in ids(found)
    assert set(ids(found)) == expected_ids(dataset, nachname=firma)


def test_nachname_matches_firma_only_for_businesses(kp: httpx.Client, dataset: Dataset) -> None:
    # A sector word that starts many company names.
    found = search_all(kp, nachname="Transport")
    assert found
    assert set(ids(found)) == expected_ids(dataset, nachname="Transport")
    for person in found:
        if not fold(person["nachname"] or "").startswith("transport"):
            assert person["kundenart"] == "gewerblich"


# --- matching: vorname, plz, kundenart --------------------------------------------


@pytest.mark.parametrize("vorname", ["An", "ann", "ANN", "Ánn"])
def test_vorname_is_a_case_and_accent_insensitive_prefix(
    kp: httpx.Client, dataset: Dataset, vorname: str
) -> None:
    found = search_all(kp, nachname="Peeters", vorname=vorname)
    assert FIXED.ann_peeters_kp_id in ids(found)
    assert set(ids(found)) == expected_ids(dataset, nachname="Peeters", vorname=vorname)
    for person in found:
        assert fold(person["vorname"]).startswith(fold(vorname))


def test_vorname_match_folds_accents_both_ways(kp: httpx.Client, dataset: Dataset) -> None:
    accented, plain = spelled_both_ways([p["vorname"] for p in dataset.persons if p["vorname"]])
    for spelled, query in ((accented, plain.upper()), (plain, accented)):
        holder = next(p for p in dataset.persons if p["vorname"] == spelled and p["nachname"])
        found = search_all(kp, nachname=holder["nachname"], vorname=query)
        assert holder["kpId"] in ids(found)
        assert set(ids(found)) == expected_ids(dataset, nachname=holder["nachname"], vorname=query)


def test_plz_is_an_exact_match(kp: httpx.Client, dataset: Dataset) -> None:
    found = search_all(kp, nachname="Peeters", plz="2000")
    assert FIXED.ann_peeters_kp_id in ids(found)
    assert {p["plz"] for p in found} == {"2000"}
    assert set(ids(found)) == expected_ids(dataset, nachname="Peeters", plz="2000")
    assert search(kp, nachname="Peeters", plz="200")["gesamt"] == 0
    assert search(kp, nachname="Peeters", plz="20")["gesamt"] == 0


@pytest.mark.parametrize("kundenart", ["privat", "gewerblich"])
def test_kundenart_keeps_only_that_kind(kp: httpx.Client, dataset: Dataset, kundenart: str) -> None:
    found = search_all(kp, nachname="Pe", kundenart=kundenart)
    assert found
    assert {p["kundenart"] for p in found} == {kundenart}
    assert set(ids(found)) == expected_ids(dataset, nachname="Pe", kundenart=kundenart)


def test_kundenart_splits_a_search_in_two(kp: httpx.Client) -> None:
    privat = search(kp, nachname="Peeters", kundenart="privat")["gesamt"]
    gewerblich = search(kp, nachname="Peeters", kundenart="gewerblich")["gesamt"]
    assert privat > 0
    assert gewerblich > 0
    assert privat + gewerblich == search(kp, nachname="Peeters")["gesamt"]


def test_criteria_combine_with_and(kp: httpx.Client, dataset: Dataset) -> None:
    found = search_all(kp, nachname="Ja", vorname="M", plz="2000", kundenart="privat")
    assert found
    assert {p["plz"] for p in found} == {"2000"}
    assert set(ids(found)) == expected_ids(
        dataset, nachname="Ja", vorname="M", plz="2000", kundenart="privat"
    )


# --- R6 observable in the data ----------------------------------------------------


def test_r6_nachname_vorname_and_plz_find_the_private_person_and_the_business(
    kp: httpx.Client,
) -> None:
    found = search_all(kp, nachname="Peeters", vorname="Ann", plz="2000")
    assert {FIXED.ann_peeters_kp_id, FIXED.business_kp_id} <= set(ids(found))
    kinds = {p["kpId"]: p["kundenart"] for p in found}
    assert kinds[FIXED.ann_peeters_kp_id] == "privat"
    assert kinds[FIXED.business_kp_id] == "gewerblich"


def test_r6_a_first_name_and_kundenart_privat_leaves_out_businesses(kp: httpx.Client) -> None:
    found = search_all(kp, nachname="Peeters", vorname="Ann", plz="2000", kundenart="privat")
    assert ids(found) == [FIXED.ann_peeters_kp_id]


# --- order and paging -------------------------------------------------------------


@pytest.mark.parametrize("nachname", ["Pe", "Ja", "Le", "Van"])
def test_results_are_ordered_by_nachname_vorname_kp_id(
    kp: httpx.Client, dataset: Dataset, nachname: str
) -> None:
    found = search_all(kp, nachname=nachname)
    assert len(found) > 100  # several pages, several surnames, many equal vornamen
    assert set(ids(found)) == expected_ids(dataset, nachname=nachname)
    assert_contract_order(found)


def test_equal_names_are_ordered_by_kp_id(kp: httpx.Client) -> None:
    found = search_all(kp, nachname="Peeters", kundenart="privat")
    by_name: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for person in found:
        by_name[(person["nachname"], person["vorname"])].append(person["kpId"])
    ties = [kp_ids for kp_ids in by_name.values() if len(kp_ids) > 1]
    assert ties, "the data should hold two Peeters with the same vorname"
    for kp_ids in ties:
        assert kp_ids == sorted(kp_ids)


def test_limit_and_offset_default_to_25_and_0_and_are_echoed(kp: httpx.Client) -> None:
    body = search(kp, nachname="Peeters")
    assert (body["limit"], body["offset"]) == (25, 0)
    assert body["gesamt"] > 25  # a common surname needs more than one page
    assert len(body["treffer"]) == 25


def test_limit_100_is_accepted(kp: httpx.Client) -> None:
    body = search(kp, nachname="Peeters", limit="100")
    assert body["limit"] == 100
    assert len(body["treffer"]) == min(100, body["gesamt"])
    assert body["gesamt"] > 100


def test_limit_and_offset_select_a_slice_of_the_results(kp: httpx.Client) -> None:
    everything = search_all(kp, nachname="Peeters")
    body = search(kp, nachname="Peeters", limit="7", offset="30")
    assert (body["limit"], body["offset"], body["gesamt"]) == (7, 30, len(everything))
    assert ids(body["treffer"]) == ids(everything[30:37])


def test_pages_at_the_default_limit_concatenate_to_gesamt_distinct_persons_in_order(
    kp: httpx.Client, dataset: Dataset
) -> None:
    first = search(kp, nachname="Peeters")
    gesamt = first["gesamt"]
    treffer: list[JSON] = list(first["treffer"])
    pages = 1
    while len(treffer) < gesamt:
        body = search(kp, nachname="Peeters", offset=str(len(treffer)))
        assert (body["limit"], body["gesamt"]) == (25, gesamt)
        assert body["treffer"]
        treffer += body["treffer"]
        pages += 1
    assert pages > 1
    assert len(treffer) == gesamt
    assert len(set(ids(treffer))) == gesamt
    assert set(ids(treffer)) == expected_ids(dataset, nachname="Peeters")
    assert ids(treffer) == ids(search_all(kp, nachname="Peeters"))
    assert_contract_order(treffer)


def test_an_offset_past_the_end_gives_no_treffer_and_the_same_gesamt(kp: httpx.Client) -> None:
    gesamt = search(kp, nachname="Peeters")["gesamt"]
    body = search(kp, nachname="Peeters", offset=str(gesamt))
    assert body == {"treffer": [], "gesamt": gesamt, "limit": 25, "offset": gesamt}


# --- the Person resource ----------------------------------------------------------


@pytest.mark.parametrize("nachname", ["Pe", "Ga", "Bo"])
def test_every_person_found_has_every_field_of_the_person_resource(
    kp: httpx.Client, nachname: str
) -> None:
    found = search_all(kp, nachname=nachname)
    assert found
    for person in found:
        assert_person(person)


def test_persons_found_include_businesses_private_persons_and_vat_numbers(
    kp: httpx.Client,
) -> None:
    found = search_all(kp, nachname="Pe")
    assert {p["kundenart"] for p in found} == {"privat", "gewerblich"}
    assert any(p["ustIdNr"] for p in found)
    assert any(p["nachname"] is None for p in search_all(kp, nachname="Ga"))


def test_get_person_of_goderis_is_the_contracts_example(kp: httpx.Client) -> None:
    response = kp.get(f"/personen/{FIXED.goderis_kp_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == GODERIS


def test_search_finds_goderis_as_the_contracts_example(kp: httpx.Client) -> None:
    found = search_all(kp, nachname="Goderis", vorname="Thiemen", plz="9000")
    assert GODERIS in found


@pytest.mark.parametrize(
    "kp_id",
    [FIXED.ann_peeters_kp_id, FIXED.business_kp_id, FIXED.import_rejected_kp_id],
)
def test_get_person_answers_the_person_a_search_finds(kp: httpx.Client, kp_id: str) -> None:
    response = kp.get(f"/personen/{kp_id}")
    assert response.status_code == 200
    person = response.json()
    assert_person(person)
    assert person["kpId"] == kp_id
    found = search_all(kp, nachname=person["nachname"], plz=person["plz"])
    assert person in found


def test_the_fixed_business_has_its_vat_number(kp: httpx.Client) -> None:
    business = kp.get(f"/personen/{FIXED.business_kp_id}").json()
    assert business["kundenart"] == "gewerblich"
    assert business["firma"] == "Peeters Bouw BV"
    assert business["ustIdNr"] == FIXED.business_vat_number
