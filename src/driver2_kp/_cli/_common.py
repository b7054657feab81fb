"""What the lookup commands share: settings, the lookup, the spinner and the shared options.

Settings come from the environment (`Settings.from_env`), or from an embedded
sandbox with ``--sandbox``; `lookup` opens a `CustomerLookup` on either. The
spinner shows on stderr, and only when stdout is a terminal and ``--json`` is
not given.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, TypeVar

import click
from rich.console import Console
from rich.status import Status

from driver2_kp._errors import ConfigurationError
from driver2_kp._party import PartyRole
from driver2_kp._settings import Settings
from driver2_kp.lookup import CustomerLookup, Progress

if TYPE_CHECKING:
    from driver2_kp.sandbox import Sandbox

PROG: Final = "driver2-kp"
F = TypeVar("F", bound=Callable[..., Any])

ROLES: Final = click.Choice([role.value for role in PartyRole], case_sensitive=False)
"""``--role``: the party being filled in."""


def one_line(text: str) -> str:
    """``text`` on one line: a message on stderr is always one."""
    return " ".join(text.split())


def lookup_options(command: F) -> F:
    """``--json`` and ``--sandbox``, which every lookup command takes."""
    command = click.option(
        "--sandbox",
        "use_sandbox",
        is_flag=True,
        help="Run against an embedded sandbox (no latency, seeded data): no settings needed.",
    )(command)
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print JSON on stdout, and nothing else there.",
    )(command)


class Spinner:
    """rich's spinner on stderr while Driver2 is slow: only when stdout is a terminal."""

    def __init__(self, *, as_json: bool) -> None:
        shown = not as_json and sys.stdout.isatty()
        self.console = Console(stderr=True) if shown else None
        self._status: Status | None = None

    @contextlib.contextmanager
    def running(self, text: str) -> Iterator[None]:
        """Spin, saying ``text``, while the block runs."""
        if self.console is None:
            yield
            return
        with self.console.status(text) as status:
            self._status = status
            try:
                yield
            finally:
                self._status = None

    def report(self, progress: Progress) -> None:
        """The lookup's `ProgressCallback`: which step, which attempt, how long."""
        if self._status is not None:
            self._status.update(str(progress))


def _settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except ConfigurationError as error:
        raise ConfigurationError(
            f"{error} (settings come from the environment: see '{PROG} --help'); "
            "or add --sandbox to try the embedded sandbox"
        ) from None


@contextlib.contextmanager
def sandbox_extra() -> Iterator[None]:
    """Around an import of `driver2_kp.sandbox`: without the extra, say how to install it."""
    try:
        yield
    except ModuleNotFoundError as missing:  # its message names the extra to install
        raise ConfigurationError(str(missing)) from None


def _embedded() -> Sandbox:
    """A sandbox that answers at once; what ``--sandbox`` runs against."""
    with sandbox_extra():
        from driver2_kp.sandbox import Sandbox, SandboxConfig  # noqa: PLC0415 - the extra is optional

    return Sandbox(SandboxConfig(driver2_latency=0.0, kp_latency=0.0, jitter=0.0))


@contextlib.contextmanager
def open_lookup(*, use_sandbox: bool, spinner: Spinner) -> Iterator[CustomerLookup]:
    """A `CustomerLookup` on the environment's settings, or on an embedded sandbox."""
    with contextlib.ExitStack() as stack:
        if use_sandbox:
            with spinner.running("Starting the embedded sandbox"):
                settings = stack.enter_context(_embedded()).settings
        else:
            settings = _settings_from_env()
        yield stack.enter_context(
            CustomerLookup.from_settings(settings, on_progress=spinner.report)
        )
