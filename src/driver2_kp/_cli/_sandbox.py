"""``sandbox`` serves the simulator in the foreground; ``demo`` tours the lookup rules on one.

Both need the ``sandbox`` extra, imported only when they run: without it, the
other commands still work. `driver2_kp.sandbox.serve` does the serving; this
module prints where it listens, as a banner or as ``export`` lines for a shell.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import attrs
import click

from driver2_kp._criteria import SearchCriteria
from driver2_kp._errors import CriteriaError
from driver2_kp._party import PartyRole
from driver2_kp._settings import Settings, environment_of
from driver2_kp.lookup import CustomerLookup, Progress, SearchResult, Selection

from ._common import F, sandbox_extra
from ._output import echo_json, show_result

if TYPE_CHECKING:
    from driver2_kp.sandbox import Sandbox

# --- sandbox ------------------------------------------------------------------------------


def shell_exports(settings: Settings) -> str:
    """The ``export`` lines that make `Settings.from_env` read ``settings`` in a POSIX shell.

    Only for the sandbox, whose credentials are fixed and fake: they print as they are.

    >>> print(shell_exports(Settings(
    ...     driver2_base_url="http://[::1]:8765/driver2/api/v2",
    ...     driver2_client_id="sandbox-client",
    ...     driver2_client_secret="sandbox-secret",
    ...     kp_base_url="http://[::1]:8765/kp/api/v1",
    ...     kp_api_key="sandbox-key",
    ... )))
    export DRIVER2_BASE_URL='http://[::1]:8765/driver2/api/v2'
    export DRIVER2_CLIENT_ID=sandbox-client
    export DRIVER2_CLIENT_SECRET=sandbox-secret
    export KP_BASE_URL='http://[::1]:8765/kp/api/v1'
    export KP_API_KEY=sandbox-key
    """
    return "\n".join(
        f"export {name}={shlex.quote(value)}" for name, value in environment_of(settings).items()
    )


def _detach_stdout() -> None:
    """Send what stdout gets from now on to stderr: a ``$(...)`` reading it sees its end."""
    sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):  # not a file of its own (a test's capture)
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())


def _sandbox_defaults() -> dict[str, Any]:
    # The flags' defaults are SandboxConfig's, when the sandbox extra is installed.
    try:
        from driver2_kp.sandbox import SandboxConfig  # noqa: PLC0415 - the extra is optional
    except ImportError:
        return {}
    return attrs.asdict(SandboxConfig())


_CONFIG_FLAGS: Final = (
    ("--db", str, "SQLite file (overwritten) or :memory:."),
    ("--seed", int, "Seed of the data, jitter and faults."),
    ("--customers", int, "Driver2 customers."),
    ("--persons", int, "KP persons."),
    ("--driver2-latency", float, "Seconds per Driver2 request."),
    ("--kp-latency", float, "Seconds per KP request."),
    ("--jitter", float, "Latency varies by up to this fraction."),
    ("--fault-rate", float, "Probability of a transient fault."),
    ("--max-concurrency", int, "Driver2 requests in flight before 429."),
    ("--token-ttl", int, "Token lifetime, seconds."),
)
"""The `SandboxConfig` fields as flags."""


def _config_options(command: F) -> F:
    defaults = _sandbox_defaults()
    for flag, kind, text in reversed(_CONFIG_FLAGS):
        name = flag.removeprefix("--").replace("-", "_")
        default = defaults.get(name)
        command = click.option(
            flag, name, type=kind, default=default, show_default=default is not None, help=text
        )(command)
    return command


@click.command(
    epilog="""\b
    Examples:
      driver2-kp sandbox --port 0 --driver2-latency 1.5 --fault-rate 0.05
      eval "$(driver2-kp sandbox --print-env --port 0 2>sandbox.log &)"

    --print-env (or --json) prints the settings on stdout first, then serves
    with everything else on stderr, stdout closed: a $(...) reading it ends at
    once, while the sandbox goes on serving in the background. --port 0 listens
    on a free port, and prints that port: a taken 8765 cannot fail it unseen.
    """
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port; 0 picks a free one.",
)
@_config_options
@click.option(
    "--print-env",
    is_flag=True,
    help="Print 'export' lines for Settings.from_env() first; the rest on stderr.",
)
@click.option("--json", "as_json", is_flag=True, help="As --print-env, as one JSON object.")
def sandbox(*, host: str, port: int, print_env: bool, as_json: bool, **options: Any) -> None:
    """Serve the local Driver2 + KP simulator until interrupted."""
    if print_env and as_json:
        raise click.UsageError("give --print-env or --json, not both")
    with sandbox_extra():
        # The extra is optional: imported only to serve.
        from driver2_kp.sandbox import SandboxConfig, SandboxError, serve  # noqa: PLC0415
        from driver2_kp.sandbox._server import banner, settings_at  # noqa: PLC0415
    given = {name: value for name, value in options.items() if value is not None}
    try:
        config = SandboxConfig(**given)
    except ValueError as error:
        raise click.UsageError(str(error)) from None

    def on_ready(root: str) -> None:
        settings = settings_at(root)
        if print_env or as_json:
            if as_json:
                echo_json({"env": environment_of(settings), "url": root})
            else:
                click.echo(shell_exports(settings))
            _detach_stdout()
            click.echo(banner(root), err=True)
            click.echo(
                f"Serving as process {os.getpid()}: stop it with kill {os.getpid()}.", err=True
            )
        else:
            click.echo(banner(root))
            click.echo("\nTo use it from a shell:\n" + shell_exports(settings) + "\n")
            click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    try:
        serve(config, host, port, on_ready=on_ready)
    except SandboxError as error:  # a database it cannot open, a port it cannot listen on
        raise click.UsageError(str(error)) from None


# --- demo ---------------------------------------------------------------------------------


@click.command(
    epilog="""\b
    Example:
      driver2-kp demo --seed 7
    """
)
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the sandbox's data.")
def demo(seed: int) -> None:
    """Tour the lookup rules on an embedded sandbox."""
    with sandbox_extra():
        from driver2_kp.sandbox import Sandbox  # noqa: PLC0415 - the extra is optional
    with Sandbox(seed=seed, driver2_latency=0.2, kp_latency=0.05) as embedded:
        click.echo(f"Sandbox ready at {embedded.url} (seed {seed}).\n")
        _demo(embedded)


def _demo_result(result: SearchResult, *, kp_button: bool = False) -> None:
    show_result(result, result.candidates, kp_button=kp_button)
    click.echo()


def _demo_selection(selection: Selection) -> None:
    party = selection.party
    outcome = "imported" if selection.imported else f"not imported ({selection.import_error})"
    click.echo(f"  {outcome}; Driver2 number {party.driver2_number or '-'}")
    click.echo(
        f"  party: {party.name}, {party.legal_form}, {party.salutation or '-'}, "
        f"{party.postcode} {party.city}, {party.province or '-'}, {party.language}, "
        f"VAT {party.vat_number or '-'}\n"
    )


def _demo(embedded: Sandbox) -> None:
    from driver2_kp.sandbox import FIXED  # noqa: PLC0415 - the extra is optional

    def progress(step: Progress) -> None:
        click.echo(f"  ... {step}")

    with CustomerLookup.from_settings(embedded.settings, on_progress=progress) as lookup:
        click.echo(f"R12: vehicle {FIXED.vehicle_plate} first: its parties")
        for role, party in lookup.vehicle_parties(plate=FIXED.vehicle_plate).items():
            click.echo(f"  {role.value:<8} {party.driver2_number}  {party.name}")
        click.echo()

        click.echo("R1: Driver2 first: last name Goderis, postcode 9000, for the driver")
        goderis = SearchCriteria(last_name="Goderis", postcode="9000")
        _demo_result(lookup.search(goderis, role=PartyRole.DRIVER))

        criteria = SearchCriteria(
            last_name="Peeters", first_name="Ann", postcode="2000", email="ann@example.be"
        )
        click.echo("R3: Peeters, Ann, 2000, ann@example.be: Driver2 finds nobody, KP is searched")
        _demo_result(lookup.search(criteria))

        click.echo("R4: the KP button: Peeters, 2000 (no first name: businesses too)")
        firms = lookup.search_kp(SearchCriteria(last_name="Peeters", postcode="2000"))
        _demo_result(firms, kp_button=True)

        (firm,) = [c for c in firms.candidates if c.kp_id == FIXED.business_kp_id]
        click.echo(
            f"R8, R10: selecting {firm.name}: imported without its VAT number, kept on the party"
        )
        _demo_selection(lookup.select(firm))

        click.echo("R9: selecting Marc Dubois, whom Driver2 refuses: the KP data are loaded anyway")
        marc = lookup.search_kp(
            SearchCriteria(last_name="Dubois", first_name="Marc", postcode="75001")
        )
        (rejected,) = [c for c in marc.candidates if c.kp_id == FIXED.import_rejected_kp_id]
        _demo_selection(lookup.select(rejected))

        click.echo("R5, R11: refused before any request")
        refused: list[Callable[[], SearchResult]] = [
            lambda: lookup.search_kp(SearchCriteria(first_name="Ann")),
            lambda: lookup.search(SearchCriteria(last_name="Goderis"), role=PartyRole.INSURER),
        ]
        for attempt in refused:
            try:
                attempt()
            except CriteriaError as err:
                click.echo(f"  CriteriaError: {err}")
