"""The ``driver2-kp`` command: look customers up in Driver2 and KP from a shell.

``search``, ``vehicle``, ``import`` and ``match`` read the settings from the
environment, as `Settings.from_env` does, or run against an embedded sandbox
with ``--sandbox``; each prints a table, or JSON with ``--json``. ``sandbox``
serves the simulator, ``demo`` tours the library on it. docs/cli.md shows them.

Every failure is one line on stderr and an exit code of its kind (`ExitCode`)::

    0    done, also when nobody was found
    1    the reader of stdout went away (``| head``), or a bug: a traceback to report
    2    usage or criteria error: a bad flag or value, a page beyond the last
    3    configuration error: a setting missing, malformed or refused (a wrong base URL
         path too); an extra missing
    4    service failure: Driver2 or KP could not answer (deadline, 5xx, 429)
    130  interrupted (Ctrl+C)

Click parses; rich draws the tables, the spinner and the progress bar (on
stderr, and only when stdout is a terminal and ``--json`` is not given).

This module holds the group, `main` and the exit codes; the commands live by
concern, each a ``click.command`` added to the group here:

- `._common`: settings, the lookup, the spinner, the shared options;
- `._output`: JSON, the result table, the party form;
- `._lookups`: ``search``, ``vehicle``, ``import``;
- `._match`: ``match``;
- `._sandbox`: ``sandbox``, ``demo``.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Sequence
from typing import Any, Final

import click

from driver2_kp import __version__
from driver2_kp._errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    CriteriaError,
    Driver2KPError,
    NotFoundError,
)
from driver2_kp._token import ENDPOINT as TOKEN_ENDPOINT

from ._common import PROG, one_line
from ._lookups import import_, search, vehicle
from ._match import match
from ._sandbox import demo, sandbox, shell_exports

__all__ = ["ExitCode", "cli", "exit_code_of", "main", "shell_exports"]


class ExitCode(enum.IntEnum):
    """What the exit status of ``driver2-kp`` tells a script; "nobody found" is `OK`."""

    OK = 0
    PIPE_CLOSED = 1
    """The reader of stdout went away (``| head``): click's own exit, quietly.

    An unexpected error, a bug, also exits 1: Python's own exit, with its traceback.
    """
    USAGE = 2
    """A bad flag, argument or criterion; fix the command."""
    CONFIGURATION = 3
    """A setting is missing, malformed or refused, or an extra is not installed."""
    SERVICE = 4
    """Driver2 or KP could not answer: try again later."""
    INTERRUPTED = 130
    """Ctrl+C."""


_EXIT_CODES: Final[tuple[tuple[type[Exception], ExitCode], ...]] = (
    (click.UsageError, ExitCode.USAGE),
    (CriteriaError, ExitCode.USAGE),
    # Driver2 refused what was asked as malformed: a page beyond the last, say.
    (BadRequestError, ExitCode.USAGE),
    (ConfigurationError, ExitCode.CONFIGURATION),
    # The credentials in the environment were refused: fix them, not the service.
    (AuthenticationError, ExitCode.CONFIGURATION),
    (Driver2KPError, ExitCode.SERVICE),
)
"""Each kind of error and its exit code; the first that matches wins."""


def exit_code_of(error: Exception) -> ExitCode:
    """The exit code for ``error``: its kind's in `_EXIT_CODES`.

    >>> exit_code_of(CriteriaError("vat_number", "is not a valid VAT number"))
    <ExitCode.USAGE: 2>
    """
    if isinstance(error, NotFoundError) and error.endpoint == TOKEN_ENDPOINT:
        # No token endpoint: DRIVER2_BASE_URL's path is wrong, and waiting will not mend it.
        return ExitCode.CONFIGURATION
    for kind, code in _EXIT_CODES:
        if isinstance(error, kind):
            return code
    raise TypeError(f"no exit code for {type(error).__name__}")


class _CommandError(Exception):
    """A library error as a command met it: one line, and the exit code of its kind."""

    def __init__(self, error: Driver2KPError, command: str) -> None:
        super().__init__(f"{command}: {one_line(str(error))}")
        self.exit_code = exit_code_of(error)


class _Commands(click.Group):
    """The ``driver2-kp`` group: every error ends as one line on stderr and its `ExitCode`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Driver2KPError as error:
            # Library messages name the service and endpoint, never a secret or personal data.
            raise _CommandError(error, f"{ctx.command_path} {ctx.invoked_subcommand}") from error

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        code: int = ExitCode.OK
        try:
            returned = super().main(
                args,
                prog_name or PROG,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = returned if isinstance(returned, int) else ExitCode.OK  # --help: its Exit
        except click.exceptions.NoArgsIsHelpError as error:
            error.show()  # no command: the help, on stderr
            code = ExitCode.USAGE
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx else PROG
            message = one_line(error.format_message())
            click.echo(f"{where}: {message} (see '{where} --help')", err=True)
            code = exit_code_of(error)
        except _CommandError as error:
            click.echo(str(error), err=True)
            code = error.exit_code
        except click.ClickException as error:
            click.echo(f"{PROG}: {one_line(error.format_message())}", err=True)
            code = error.exit_code
        except click.Abort:
            click.echo(f"{PROG}: interrupted", err=True)
            code = ExitCode.INTERRUPTED
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(
    PROG,
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""Settings come from the environment: DRIVER2_BASE_URL, DRIVER2_CLIENT_ID,
    DRIVER2_CLIENT_SECRET, KP_BASE_URL, KP_API_KEY (see 'driver2-kp sandbox --print-env').

    \b
    Exit codes:
      0    done, also when nobody was found
      1    the reader of stdout went away (| head), or a bug: please report its traceback
      2    usage or criteria error
      3    configuration error (settings missing, malformed or refused, a wrong base URL
           path; an extra missing)
      4    service failure (Driver2 or KP could not answer)
      130  interrupted

    \b
    Example:
      driver2-kp search --sandbox --last-name Goderis --postcode 9000
    """,
)
@click.version_option(__version__, prog_name=PROG)
def cli() -> None:
    """Find customers in Driver2 and KP; run the local sandbox of both."""


cli.add_command(search)
cli.add_command(vehicle)
cli.add_command(import_)
cli.add_command(match)
cli.add_command(sandbox)
cli.add_command(demo)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``driver2-kp`` command with ``argv`` (default: the process's); return its status."""
    code: int = cli.main(argv, PROG, standalone_mode=False)
    return code
