"""The ``driver2-kp`` command: ``sandbox`` serves the simulator, ``demo`` tours the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs

from . import __version__
from ._criteria import SearchCriteria
from ._errors import CriteriaError
from ._party import PartyRole
from .lookup import Candidate, CustomerLookup, Progress, SearchResult, Selection

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["main"]

_NEEDS_EXTRA = "this command needs the sandbox extra: python -m pip install 'driver2-kp[sandbox]'"


def _sandbox_defaults() -> dict[str, object]:
    # The flags' defaults are SandboxConfig's, when the sandbox extra is installed.
    try:
        from .sandbox import SandboxConfig  # noqa: PLC0415 - the extra is optional
    except ImportError:
        return {}
    return attrs.asdict(SandboxConfig())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driver2-kp",
        description="Find customers in Driver2 and KP; run the local sandbox of both.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sandbox = commands.add_parser(
        "sandbox",
        help="serve the local Driver2 + KP simulator",
        description="Serve Driver2 at /driver2/api/v2 and KP at /kp/api/v1 until interrupted.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sandbox.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    config_options = (
        ("--db", str, "SQLite file (overwritten) or :memory:"),
        ("--seed", int, "seed of the data, jitter and faults"),
        ("--customers", int, "Driver2 customers"),
        ("--persons", int, "KP persons"),
        ("--driver2-latency", float, "seconds per Driver2 request"),
        ("--kp-latency", float, "seconds per KP request"),
        ("--jitter", float, "latency varies by up to this fraction"),
        ("--fault-rate", float, "probability of a transient fault"),
        ("--max-concurrency", int, "Driver2 requests in flight before 429"),
        ("--token-ttl", int, "token lifetime, seconds"),
    )
    defaults = _sandbox_defaults()
    for flag, kind, text in config_options:
        name = flag.removeprefix("--").replace("-", "_")
        sandbox.add_argument(flag, type=kind, default=defaults.get(name), help=text)

    demo = commands.add_parser(
        "demo",
        help="start the embedded sandbox and look customers up in Driver2 and KP",
        description="A tour on the embedded sandbox: no configuration, no network.",
    )
    demo.add_argument("--seed", type=int, default=42, help="seed of the sandbox's data")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``driver2-kp`` command; return its exit status."""
    args = _parser().parse_args(argv)
    try:
        from . import sandbox  # noqa: PLC0415 - only these commands need the extra
    except ImportError:
        print(f"driver2-kp: {_NEEDS_EXTRA}", file=sys.stderr)
        return 2
    if args.command == "sandbox":
        fields = attrs.fields_dict(sandbox.SandboxConfig)
        options = {
            name: value
            for name, value in vars(args).items()
            if name in fields and value is not None
        }
        try:
            config = sandbox.SandboxConfig(**options)
        except ValueError as err:
            print(f"driver2-kp sandbox: {err}", file=sys.stderr)
            return 2
        try:
            sandbox.serve(config, host=args.host, port=args.port)
        except OSError as err:
            print(
                f"driver2-kp sandbox: cannot listen on {args.host}:{args.port}: {err}",
                file=sys.stderr,
            )
            return 1
        return 0
    with sandbox.Sandbox(seed=args.seed, driver2_latency=0.2, kp_latency=0.05) as sb:
        print(f"Sandbox ready at {sb.url} (seed {args.seed}).\n")
        _demo(sb)
    return 0


# --- the demo ---------------------------------------------------------------------

_COLUMNS = ("Naam", "Voornaam", "Nummer", "KP", "Postcode", "Tel", "E-mail", "BTW-nummer")


def _table(candidates: Sequence[Candidate]) -> str:
    rows = [
        (
            c.name,
            c.first_name or "",
            c.driver2_number or "",
            c.kp_id or "",
            c.postcode or "",
            c.phone or "",
            c.email or "",
            c.vat_number or "",
        )
        for c in candidates
    ]
    cells: list[Sequence[str]] = [_COLUMNS, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def _show_result(result: SearchResult) -> None:
    print(_table(result.candidates))
    print(f"  {result.total} found in {result.source.name}, page {result.page} of {result.pages}")
    if result.kp_skipped_reason:
        print(f"  KP not searched: {result.kp_skipped_reason}")
    if result.dropped_for_kp:
        print(f"  not forwarded to KP: {', '.join(result.dropped_for_kp)}")
    print()


def _show_selection(selection: Selection) -> None:
    party = selection.party
    outcome = "imported" if selection.imported else f"not imported ({selection.import_error})"
    print(f"  {outcome}; Driver2 number {party.driver2_number or '-'}")
    print(
        f"  party: {party.name}, {party.legal_form}, {party.salutation or '-'}, "
        f"{party.postcode} {party.city}, {party.province or '-'}, {party.language}, "
        f"VAT {party.vat_number or '-'}\n"
    )


def _demo(sb: Sandbox) -> None:
    from .sandbox import FIXED  # noqa: PLC0415 - the extra is optional

    def progress(step: Progress) -> None:
        print(f"  ... {step}")

    with CustomerLookup.from_settings(sb.settings, on_progress=progress) as lookup:
        print(f"R12: vehicle {FIXED.vehicle_plate} first: its parties")
        for role, party in lookup.vehicle_parties(plate=FIXED.vehicle_plate).items():
            print(f"  {role.value:<8} {party.driver2_number}  {party.name}")
        print()

        print("R1: Driver2 first: last name Goderis, postcode 9000, for the driver")
        goderis = SearchCriteria(last_name="Goderis", postcode="9000")
        _show_result(lookup.search(goderis, role=PartyRole.DRIVER))

        criteria = SearchCriteria(
            last_name="Peeters", first_name="Ann", postcode="2000", email="ann@example.be"
        )
        print("R3: Peeters, Ann, 2000, ann@example.be: Driver2 finds nobody, KP is searched")
        _show_result(lookup.search(criteria))

        print("R4: the KP button: Peeters, 2000 (no first name: businesses too)")
        firms = lookup.search_kp(SearchCriteria(last_name="Peeters", postcode="2000"))
        _show_result(firms)

        (firm,) = [c for c in firms.candidates if c.kp_id == FIXED.business_kp_id]
        print(f"R8, R10: selecting {firm.name}: imported without its VAT number, kept on the party")
        _show_selection(lookup.select(firm))

        print("R9: selecting Marc Dubois, whom Driver2 refuses: the KP data are loaded anyway")
        marc = lookup.search_kp(
            SearchCriteria(last_name="Dubois", first_name="Marc", postcode="75001")
        )
        (rejected,) = [c for c in marc.candidates if c.kp_id == FIXED.import_rejected_kp_id]
        _show_selection(lookup.select(rejected))

        print("R5, R11: refused before any request")
        refused: list[Callable[[], SearchResult]] = [
            lambda: lookup.search_kp(SearchCriteria(first_name="Ann")),
            lambda: lookup.search(SearchCriteria(last_name="Goderis"), role=PartyRole.INSURER),
        ]
        for search in refused:
            try:
                search()
            except CriteriaError as err:
                print(f"  CriteriaError: {err}")
