"""At 30 % transient faults, lookups and imports give what they give without faults."""

from __future__ import annotations

from typing import Any

import pytest

from driver2_kp import (
    Candidate,
    Customer,
    CustomerLookup,
    SearchCriteria,
    SearchResult,
    Selection,
    Settings,
)
from driver2_kp.sandbox import FaultScript, Sandbox, SandboxConfig, generate

from ._harness import Kind, together

LOOKUPS = 200
IMPORTS = 20


@pytest.fixture(scope="module")
def criteria() -> tuple[list[SearchCriteria], list[SearchCriteria]]:
    """200 searches (150 Driver2 customers, 50 KP-only persons) and 20 KP persons to import."""
    config = SandboxConfig()  # the data of the session's sandbox
    data = generate(config.seed, config.customers, config.persons)
    in_driver2 = {c["kpReference"] for c in data.customers if c["kpReference"]}
    kp_only = [
        p
        for p in data.persons
        if p["kpId"] not in in_driver2 and p["nachname"] and p["kundenart"] == "privat"
    ]
    searches = [
        SearchCriteria(last_name=c["name"], postcode=c["address"]["postcode"])
        for c in data.customers[:150]
    ]
    searches += [
        SearchCriteria(last_name=p["nachname"], first_name=p["vorname"], postcode=p["plz"])
        for p in kp_only[:50]
    ]
    imports = [
        SearchCriteria(last_name=p["nachname"], first_name=p["vorname"], postcode=p["plz"])
        for p in kp_only[50 : 50 + IMPORTS]
    ]
    return searches, imports


def _found(result: SearchResult) -> tuple[Any, ...]:
    rows = tuple((c.driver2_number, c.kp_id, c.name, c.postcode) for c in result.candidates)
    return (result.source, result.total, rows)


def _imported(selection: Selection) -> tuple[Any, ...]:
    party = selection.party
    failure = type(selection.import_error).__name__ if selection.import_error else None
    return (selection.imported, failure, party.kp_id, party.name, party.postcode)


def _driver2_customers_of(settings: Settings, selection: Selection) -> list[str | None]:
    """The numbers of the Driver2 customers imported from the selected KP person."""
    party = selection.party
    with CustomerLookup.from_settings(settings) as lookup:
        result = lookup.search(SearchCriteria(last_name=party.name, postcode=party.postcode))
        return [
            c.driver2_number
            for c in lookup.iter_candidates(result)
            if isinstance(c.record, Customer) and c.record.kp_reference == party.kp_id
        ]


def _run(
    kind: Kind, settings: Settings, searches: list[SearchCriteria], imports: list[SearchCriteria]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[Selection]]:
    looked_up = together(kind, settings, "search", [(c,) for c in searches])
    assert looked_up.errors == []
    chosen = together(kind, settings, "search_kp", [(c,) for c in imports])
    assert chosen.errors == []
    candidates: list[Candidate] = [result.candidates[0] for result in chosen.values]
    selected = together(kind, settings, "select", [(c,) for c in candidates])
    assert selected.errors == []
    print(
        f"\n{kind}: {LOOKUPS} lookups in {looked_up.seconds:.2f} s, "
        f"{IMPORTS} imports in {selected.seconds:.2f} s"
    )
    return (
        [_found(r) for r in looked_up.values],
        [_imported(s) for s in selected.values],
        selected.values,
    )


def test_at_30_percent_faults_lookups_and_imports_match_a_fault_free_run(
    kind: Kind,
    sandbox: Sandbox,
    settings: Settings,
    criteria: tuple[list[SearchCriteria], list[SearchCriteria]],
) -> None:
    searches, imports = criteria
    calm_found, calm_imported, _ = _run(kind, settings, searches, imports)
    sandbox.reset()
    sandbox.configure(fault_rate=0.3)
    found, imported, selections = _run(kind, settings, searches, imports)
    faults = [entry for entry in sandbox.requests() if entry.fault is not None]
    print(f"{kind}: {len(faults)} faults of {len(sandbox.requests())} requests")
    assert len(faults) >= 50  # the faults did happen
    assert found == calm_found
    assert imported == calm_imported
    assert all(selection.imported for selection in selections)
    sandbox.configure(fault_rate=0.0)
    for selection in selections:
        assert _driver2_customers_of(settings, selection) == [selection.party.driver2_number]


def test_a_create_committed_but_whose_answer_was_lost_makes_exactly_one_customer(
    kind: Kind,
    sandbox: Sandbox,
    settings: Settings,
    criteria: tuple[list[SearchCriteria], list[SearchCriteria]],
) -> None:
    _, imports = criteria
    person = imports[0]
    (found,) = together(kind, settings, "search_kp", [(person,)]).values
    sandbox.script_faults(
        FaultScript(service="driver2", method="POST", path="/customers", fault="commit-then-drop")
    )
    (selection,) = together(kind, settings, "select", [(found.candidates[0],)]).values
    assert selection.imported
    assert selection.import_error is None
    creates = [
        e for e in sandbox.requests("driver2") if (e.method, e.path) == ("POST", "/customers")
    ]
    assert [(e.committed_status, e.status) for e in creates] == [(201, None), (None, 201)]
    keys = {e.headers["idempotency-key"] for e in creates}
    assert len(keys) == 1  # the retry replayed the first create
    assert _driver2_customers_of(settings, selection) == [selection.party.driver2_number]
