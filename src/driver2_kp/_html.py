"""HTML for notebooks: results as PlanManager's result table, a party as its form.

Jupyter shows an object's ``_repr_html_``; `SearchResult`, `Candidate` and
`Party` hand that to the functions here. A person asked to see the object, so
its values are shown, all escaped; the plain ``repr``, which reaches logs, stays
redacted.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Final

from ._candidate import Candidate
from ._party import Party
from ._results import SearchResult

__all__ = [
    "FAQ_COLUMNS",
    "SOURCE_NAMES",
    "candidate_html",
    "faq_row",
    "party_html",
    "search_result_html",
    "table",
]

FAQ_COLUMNS: Final = ("Naam", "Voornaam", "Nummer", "Postcode", "Tel", "E-mail", "BTW-nummer")
"""The columns of PlanManager's result table (FAQ #1267)."""

SOURCE_NAMES: Final = {"driver2": "Driver2", "kp": "KP"}
"""How each `Source` is named to people, by its value."""
_PARTY_FIELDS: Final = (
    ("Bron", "source"),
    ("Externe Referentie", "driver2_number"),
    ("KP-id", "kp_id"),
    ("Naam", "name"),
    ("Voornaam", "first_name"),
    ("Contactpersoon", "contact_person"),
    ("Rechtspersoonlijkheid", "legal_form"),
    ("Aanspreking", "salutation"),
    ("Straat", "street"),
    ("Huisnummer", "house_number"),
    ("Bus", "box"),
    ("Adres 2", "address_line2"),
    ("Postcode", "postcode"),
    ("Gemeente", "city"),
    ("Provincie", "province"),
    ("Land", "country"),
    ("Tel", "phone"),
    ("Fax", "fax"),
    ("GSM", "mobile"),
    ("E-mail", "email"),
    ("BTW plichtig", "vat_liable"),
    ("BTW-nummer", "vat_number"),
    ("Taal", "language"),
    ("Type Klant", "customer_type"),
    ("Andersvalide", "disabled_person"),
    ("Rijbewijs", "driving_licence"),
    ("Opmerkingen", "remarks"),
)
"""Every field of `Party` but ``record``, in the order of the party form, with its label."""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)  # an enum's str is its value: "natural_person", "kp"


def table(header: Sequence[str], rows: Iterable[Sequence[object]], *, bold: int = -1) -> str:
    """An HTML table of ``rows`` under ``header``, every cell escaped; row ``bold`` in bold.

    >>> print(table(("Naam",), [("<b>Peeters</b>",), (None,)]))
    <table>
    <thead><tr><th>Naam</th></tr></thead>
    <tbody>
    <tr><td>&lt;b&gt;Peeters&lt;/b&gt;</td></tr>
    <tr><td></td></tr>
    </tbody>
    </table>
    """
    head = "".join(f"<th>{html.escape(name)}</th>" for name in header)
    lines = []
    for at, row in enumerate(rows):
        cells = "".join(f"<td>{html.escape(_text(value))}</td>" for value in row)
        style = ' style="font-weight: bold"' if at == bold else ""
        lines.append(f"<tr{style}>{cells}</tr>")
    if not lines:
        lines.append(f'<tr><td colspan="{len(header)}">Nobody found.</td></tr>')
    return "\n".join(
        ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>", *lines, "</tbody>", "</table>"]
    )


def faq_row(candidate: Candidate) -> tuple[str | None, ...]:
    """A candidate as a row of the FAQ's result table, in `FAQ_COLUMNS` order.

    "Nummer" is the Driver2 customer number. A KP person has none until it is
    imported, so a KP row shows its KP id there (``KP-0012345``), as PlanManager
    fills the one table after the KP button.
    """
    return (
        candidate.name,
        candidate.first_name,
        candidate.driver2_number or candidate.kp_id,
        candidate.postcode,
        candidate.phone,
        candidate.email,
        candidate.vat_number,
    )


def _lines(*texts: str) -> str:
    return "<p>" + "<br>".join(html.escape(text) for text in texts) + "</p>"


def candidate_html(candidate: Candidate) -> str:
    """A candidate as its row of the FAQ's result table, under its source."""
    rendered = table(FAQ_COLUMNS, [faq_row(candidate)])
    source = SOURCE_NAMES[candidate.source]
    return "\n".join(['<div class="driver2-kp">', _lines(source), rendered, "</div>"])


def _summary(result: SearchResult) -> list[str]:
    source = SOURCE_NAMES[result.source]
    lines = [f"{source}: {result.total} found, page {result.page} of {result.pages}"]
    if result.blocks:
        unread = f", {result.unread} unread" if result.unread else ""
        best = result.best
        if best is not None:
            number = best.driver2_number or best.kp_id
            verdict = f"best: {number}, score {result.matches[0].score:.3f}"
        elif result.matches:
            verdict = f"no clear best (top score {result.matches[0].score:.3f})"
        else:
            verdict = "no best"
        searches = f"{len(result.blocks)} search{'es' if len(result.blocks) > 1 else ''}"
        lines.append(f"match: {searches}{unread}; {verdict}")
    if result.kp_skipped_reason is not None:
        lines.append(f"KP not searched: {result.kp_skipped_reason}")
    if result.dropped_for_kp:
        lines.append(f"not sent to KP: {', '.join(result.dropped_for_kp)}")
    return lines


def search_result_html(result: SearchResult) -> str:
    """A result as the FAQ's result table, under a line with its source, total and page.

    A match's line adds its searches and its best with its score; its rows are
    ranked as ``result.matches``, the best in bold, with a ``score`` column.
    """
    if result.blocks:
        best = result.best
        rows = [(*faq_row(m.candidate), f"{m.score:.3f}") for m in result.matches]
        rendered = table((*FAQ_COLUMNS, "score"), rows, bold=0 if best is not None else -1)
    else:
        rendered = table(FAQ_COLUMNS, [faq_row(c) for c in result.candidates])
    return "\n".join(['<div class="driver2-kp">', _lines(*_summary(result)), rendered, "</div>"])


def party_html(party: Party) -> str:
    """A party as the PlanManager party form: each field's label, value and attribute."""
    rows = [(label, getattr(party, name), name) for label, name in _PARTY_FIELDS]
    source = SOURCE_NAMES[party.source]
    return "\n".join(
        [
            '<div class="driver2-kp">',
            _lines(f"Party from {source}"),
            table(("field", "value", "attribute"), rows),
            "</div>",
        ]
    )
