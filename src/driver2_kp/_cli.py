"""The ``driver2-kp`` command: ``sandbox`` serves the simulator, ``demo`` tours the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs
import httpx

from . import __version__

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
    # Plain HTTP for now: the typed clients and the CustomerLookup facade will replace this.
    from .sandbox import CLIENT_ID, CLIENT_SECRET, FIXED, KP_API_KEY  # noqa: PLC0415

    with httpx.Client(timeout=30.0) as http:
        token = http.post(
            sb.driver2_url + "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        ).json()["access_token"]
        criteria = {"name": "Goderis", "postcode": "9000"}
        print(f"Driver2 search {criteria}:")
        page = http.get(
            sb.driver2_url + "/customers",
            params=criteria,
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        rows = [
            (
                c["name"],
                c["firstName"] or "",
                c["customerNumber"],
                c["address"]["postcode"] or "",
                c["phone"] or "",
                c["email"] or "",
                c["vatNumber"] or "",
            )
            for c in page["items"]
        ]
        print(_table(rows))
        print(f"  {page['totalItems']} found, page {page['page']} of {page['totalPages']}\n")

        kp_query = {"nachname": "Peeters", "vorname": "Ann", "plz": "2000", "kundenart": "privat"}
        print(f"KP search {kp_query} (a first name restricts KP to private persons):")
        answer = http.get(
            sb.kp_url + "/personen", params=kp_query, headers={"X-API-Key": KP_API_KEY}
        ).json()
        rows = [
            (
                p["nachname"] or p["firma"] or "",
                p["vorname"] or "",
                p["kpId"],
                p["plz"] or "",
                p["telefon"] or p["mobil"] or "",
                p["email"] or "",
                p["ustIdNr"] or "",
            )
            for p in answer["treffer"]
        ]
        print(_table(rows))
        print(
            f"  {answer['gesamt']} found; without kundenart=privat KP also finds the business "
            f"{FIXED.business_kp_id}."
        )
