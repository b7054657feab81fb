"""The ``driver2-kp`` command: ``sandbox`` serves the simulator, ``demo`` tours the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from . import __version__
from ._models import CustomerQuery, PersonKind, PersonQuery
from .driver2 import Driver2Client
from .kp import KPClient

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

_COLUMNS = ("Naam", "Voornaam", "Nummer", "Postcode", "Tel", "E-mail", "BTW-nummer")


def _table(rows: Sequence[Sequence[str]]) -> str:
    cells: list[Sequence[str]] = [_COLUMNS, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells
    )


def _demo(sb: Sandbox) -> None:
    from .sandbox import FIXED  # noqa: PLC0415 - the extra is optional

    settings = sb.settings
    with Driver2Client(settings) as driver2, KPClient(settings) as kp:
        query = CustomerQuery(name="Goderis", postcode="9000")
        print("Driver2 search: name Goderis, postcode 9000")
        page = driver2.search_customers(query)
        rows = [
            (
                c.name,
                c.first_name or "",
                c.customer_number,
                c.address.postcode or "",
                c.phone or "",
                c.email or "",
                c.vat_number or "",
            )
            for c in page.items
        ]
        print(_table(rows))
        print(f"  {page.total_items} found, page {page.page} of {page.total_pages}\n")

        persons = PersonQuery(
            last_name="Peeters", first_name="Ann", postcode="2000", kind=PersonKind.PRIVATE
        )
        print("KP search: last name Peeters, first name Ann, postcode 2000, private persons only")
        found = kp.search_persons(persons)
        rows = [
            (
                p.last_name or p.company or "",
                p.first_name or "",
                p.kp_id,
                p.postcode or "",
                p.phone or p.mobile or "",
                p.email or "",
                p.vat_number or "",
            )
            for p in found.items
        ]
        print(_table(rows))
        print(
            f"  {found.total} found; without the restriction to private persons KP also finds "
            f"the business {FIXED.business_kp_id}."
        )
