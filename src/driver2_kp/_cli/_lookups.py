"""The lookups of one customer or vehicle: ``search``, ``vehicle`` and ``import``.

Each reads its criteria from its flags, asks the lookup, and prints a table
or the party form (`._output`), or JSON with ``--json``.
"""

from __future__ import annotations

from typing import Final

import click

from driver2_kp._criteria import SearchCriteria
from driver2_kp._errors import NotFoundError, VehicleNotFoundError
from driver2_kp._party import party_from_person
from driver2_kp._rules import candidate_of

from ._common import ROLES, F, Spinner, lookup_options, open_lookup
from ._output import (
    echo_json,
    jsonable,
    plain,
    result_json,
    result_table,
    show_result,
    show_selection,
    stdout,
)

# --- search -------------------------------------------------------------------------------

_CRITERIA: Final = {
    "last_name": "Last name or company name (a prefix is enough).",
    "first_name": "First name; in KP it means private persons only.",
    "postcode": "Postcode.",
    "email": "E-mail address.",
    "phone": "Phone or mobile number, in any spelling.",
    "vat_number": "VAT number, e.g. BE0403019261.",
    "customer_number": "Driver2 customer number.",
    "country": "Country, ISO 3166-1 alpha-2 (BE).",
}
"""The criteria flags, in the order of the FAQ's search form; each a `SearchCriteria` field."""


def _criteria_options(command: F) -> F:
    for field, text in reversed(_CRITERIA.items()):
        flag = "--" + field.replace("_", "-")
        command = click.option(flag, field, metavar="TEXT", help=text)(command)
    return command


def _criteria(given: dict[str, str | None]) -> SearchCriteria:
    criteria = SearchCriteria(**given)  # a bad value: CriteriaError, before anything is sent
    if criteria.is_empty():
        flags = ", ".join("--" + field.replace("_", "-") for field in _CRITERIA)
        raise click.UsageError(f"give at least one criterion: {flags}")
    return criteria


@click.command(
    epilog="""\b
    Examples:
      driver2-kp search --last-name Goderis --postcode 9000
      driver2-kp search --last-name Peeters --kp --json
      driver2-kp search --sandbox --last-name Pe --all

    Driver2 is searched first with every criterion; when it finds nobody and a
    last name is given, KP is searched with the last name, first name and
    postcode. --kp searches KP (the "KP" button). Nobody found exits 0.
    """
)
@_criteria_options
@click.option("--role", type=ROLES, help="The party being filled in (owner, driver, ...).")
@click.option("--kp", "kp_button", is_flag=True, help='Search KP (the "KP" button).')
@click.option(
    "--page",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="The page of 10 to show.",
)
@click.option("--all", "all_pages", is_flag=True, help="Show every page.")
@lookup_options
def search(
    *,
    role: str | None,
    kp_button: bool,
    page: int,
    all_pages: bool,
    as_json: bool,
    use_sandbox: bool,
    **given: str | None,
) -> None:
    """Search Driver2 (then KP); print the result table.

    KP is searched when Driver2 finds nobody and a last name is given.
    """
    if all_pages and page != 1:
        raise click.UsageError("give --page or --all, not both")
    criteria = _criteria(given)
    spinner = Spinner(as_json=as_json)
    doing = "Searching KP" if kp_button else "Searching Driver2 (it can be slow)"
    with open_lookup(use_sandbox=use_sandbox, spinner=spinner) as lookup, spinner.running(doing):
        find = lookup.search_kp if kp_button else lookup.search
        result = find(criteria, role=role, page=page)
        candidates = lookup.all_candidates(result) if all_pages else result.candidates
    if as_json:
        echo_json(result_json(result, candidates, all_pages=all_pages))
    else:
        show_result(result, candidates, all_pages=all_pages, kp_button=kp_button)


# --- vehicle ------------------------------------------------------------------------------


@click.command(
    epilog="""\b
    Examples:
      driver2-kp vehicle 1-ABC-123
      driver2-kp vehicle --vin WVWZZZ1JZXW000001

    Prints the owner, driver and insured/lessee of the vehicle: load them before
    the other parties, as they overwrite those. A plate or VIN Driver2 does not
    know is no error (exit 0): fill the parties in by hand.
    """
)
@click.argument("plate", required=False)
@click.option("--vin", help="The vehicle's VIN, instead of its PLATE.")
@lookup_options
def vehicle(plate: str | None, *, vin: str | None, as_json: bool, use_sandbox: bool) -> None:
    """Load a vehicle's owner, driver and lessee from Driver2, by plate or VIN."""
    if (plate is None) == (vin is None):
        raise click.UsageError("give a PLATE or --vin VIN" + (", not both" if vin else ""))
    by, value = ("plate", plate) if vin is None else ("VIN", vin)
    spinner = Spinner(as_json=as_json)
    loading = spinner.running("Loading the vehicle from Driver2")
    with open_lookup(use_sandbox=use_sandbox, spinner=spinner) as lookup, loading:
        try:
            parties = lookup.vehicle_parties(plate=plate, vin=vin)
            found = True
        except VehicleNotFoundError:
            parties, found = {}, False
    if as_json:
        shown = {role.value: jsonable(party) for role, party in parties.items()}
        echo_json({by.lower(): value, "found": found, "parties": shown})
    elif not found:
        click.echo(f"Driver2 has no vehicle with the {by} {value}.")
    elif not parties:
        click.echo("The vehicle has no owner, driver or lessee in Driver2.")
    else:
        roles = [role.value for role in parties]
        stdout().print(result_table(list(parties.values()), roles))


# --- import -------------------------------------------------------------------------------


@click.command(
    "import",
    epilog="""\b
    Example:
      driver2-kp import KP-0020002

    The person is created in Driver2 (once: importing again finds the same
    customer), without the VAT number, which Driver2 does not take; the party
    keeps it. If the import fails, the party is made from the KP data anyway,
    and the command still exits 0: the output says why.
    """,
)
@click.argument("kp_id", metavar="KP_ID")
@lookup_options
def import_(kp_id: str, *, as_json: bool, use_sandbox: bool) -> None:
    """Import a KP person into Driver2; print the party."""
    spinner = Spinner(as_json=as_json)
    with open_lookup(use_sandbox=use_sandbox, spinner=spinner) as lookup:
        with spinner.running("Fetching the person from KP"):
            try:
                person = lookup.kp.get_person(kp_id)
            except NotFoundError:
                raise click.BadParameter(f"KP has no person {kp_id}", param_hint="KP_ID") from None
        # What a KP search's row would be: select() reads the person it holds.
        candidate = candidate_of(party_from_person(person))
        with spinner.running("Importing the person into Driver2"):
            selection = lookup.select(candidate)
    if as_json:
        echo_json(
            {
                "imported": selection.imported,
                "import_error": plain(selection.import_error),
                "party": jsonable(selection.party),
            }
        )
    else:
        show_selection(selection)
