"""What the commands print: JSON, the FAQ's result table and the PlanManager party form.

JSON names a candidate's or party's fields by the library's attribute names,
not by the services' wire names; the tables are rich's, wide enough for a pipe.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final

import attrs
import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from driver2_kp._html import FAQ_COLUMNS, SOURCE_NAMES, faq_row
from driver2_kp._party import Party, Source
from driver2_kp._rules import candidate_of
from driver2_kp.lookup import Candidate, KPSkipReason, SearchResult, Selection


def echo_json(value: object) -> None:
    """Print ``value`` as indented JSON on stdout."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def plain(value: object) -> object:
    """A value as JSON has it: enums by value, dates in ISO 8601, errors as their message."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseException):
        return str(value)
    return value


def jsonable(value: Candidate | Party) -> dict[str, Any]:
    """A candidate or party as JSON, by the library's attribute names (not its wire record)."""
    return attrs.asdict(
        value,
        filter=lambda field, _: field.name != "record",
        value_serializer=lambda _, __, item: plain(item),
    )


def stdout() -> Console:
    """A console on stdout for the tables."""
    # A pipe gets the table at its own width, not folded to 80 columns.
    return Console(width=None if sys.stdout.isatty() else 1000, highlight=False)


# --- the result table ---------------------------------------------------------------------


def _cells(row: Candidate | Party) -> list[Text]:
    values = faq_row(row if isinstance(row, Candidate) else candidate_of(row))
    return [Text(value or "") for value in values]  # Text: a name is never read as markup


def result_table(rows: Sequence[Candidate | Party], roles: Sequence[str] = ()) -> Table:
    """The FAQ's result table of ``rows``; with ``roles``, a first column Rol."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("Rol", *FAQ_COLUMNS) if roles else FAQ_COLUMNS:
        table.add_column(column, overflow="fold")  # on a narrow terminal: wrapped, never cut
    for index, row in enumerate(rows):
        table.add_row(*([Text(roles[index])] if roles else []), *_cells(row))
    return table


def result_json(
    result: SearchResult, candidates: Sequence[Candidate], *, all_pages: bool
) -> dict[str, Any]:
    """A search result as ``search --json`` prints it."""
    return {
        "source": result.source.value,
        "total": result.total,
        "page": None if all_pages else result.page,
        "pages": result.pages,
        "role": None if result.role is None else result.role.value,
        "kp_skipped_reason": plain(result.kp_skipped_reason),
        "dropped_for_kp": list(result.dropped_for_kp),
        "candidates": [jsonable(candidate) for candidate in candidates],
    }


def show_result(
    result: SearchResult,
    candidates: Sequence[Candidate],
    *,
    all_pages: bool = False,
    kp_button: bool = False,
) -> None:
    """Print a search result: the table, how many were found where, and what KP was not told."""
    source = SOURCE_NAMES[result.source]
    if result.source is Source.KP and not kp_button:
        click.echo("Driver2 found nobody, so KP was searched.")
    if not candidates:
        click.echo(f"Nobody found in {source}.")
    else:
        stdout().print(result_table(candidates))
        where = f"all {result.pages} pages" if all_pages else f"page {result.page}"
        click.echo(f"{result.total} found in {source}, {where} of {result.pages}.")
        if not all_pages and result.page < result.pages:
            click.echo("More on the next page: --page N, or --all.")
    if result.kp_skipped_reason is KPSkipReason.DRIVER2_FOUND_CUSTOMERS:
        click.echo("KP not searched: Driver2 found customers; --kp searches KP as well.")
    elif result.kp_skipped_reason:
        click.echo(f"KP not searched: {result.kp_skipped_reason}.")
    if result.dropped_for_kp:
        click.echo(f"Not forwarded to KP: {', '.join(result.dropped_for_kp)}.")


# --- the party form -----------------------------------------------------------------------


def _yes(value: bool) -> str:
    return "ja" if value else "nee"


_PARTY_FORM: Final[tuple[tuple[str, Callable[[Party], str | None]], ...]] = (
    ("Externe Referentie", lambda p: p.driver2_number),
    ("KP", lambda p: p.kp_id),
    ("Naam", lambda p: p.name),
    ("Voornaam", lambda p: p.first_name),
    ("Contactpersoon", lambda p: p.contact_person),
    ("Rechtspersoonlijkheid", lambda p: p.legal_form.value),
    ("Aanspreking", lambda p: p.salutation),
    ("Adres", lambda p: " ".join(filter(None, (p.street, p.house_number, p.box)))),
    ("Adres 2", lambda p: p.address_line2),
    ("Postcode/Gemeente", lambda p: " ".join(filter(None, (p.postcode, p.city)))),
    ("Provincie", lambda p: p.province),
    ("Land", lambda p: p.country),
    ("Tel", lambda p: p.phone),
    ("Fax", lambda p: p.fax),
    ("GSM", lambda p: p.mobile),
    ("E-mail", lambda p: p.email),
    ("BTW plichtig", lambda p: _yes(p.vat_liable)),
    ("BTW-nummer", lambda p: p.vat_number),
    ("Taal", lambda p: p.language),
    ("Type Klant", lambda p: p.customer_type.value),
    ("Andersvalide", lambda p: _yes(p.disabled_person)),
    ("Rijbewijs", lambda p: p.driving_licence),
    ("Opmerkingen", lambda p: p.remarks),
)
"""The PlanManager party form: its labels, and what each shows of a `Party`."""


def _form(party: Party) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in _PARTY_FORM:
        table.add_row(label, Text(value(party) or ""))
    return table


def show_selection(selection: Selection) -> None:
    """Print whether the party was imported into Driver2, and the party as its form."""
    number = selection.party.driver2_number
    if selection.imported:
        click.echo(f"Imported into Driver2: customer {number}.")
    else:
        click.echo(f"Not imported into Driver2 ({selection.import_error}).")
        click.echo("The party is made from the KP data, none of them lost.")
    stdout().print(_form(selection.party))
