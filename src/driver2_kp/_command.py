"""The ``driver2-kp`` command's entry point, importable without the command's libraries.

click and rich are the ``cli`` extra's: a backend that imports the library
does not install them. Without them, the command says in one line which
extra to install, as the sandbox does, and exits 3 (an extra missing).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Final

__all__ = ["main"]

_LIBRARIES: Final = frozenset({"click", "rich"})
_MISSING_EXTRA: Final = 3
"""`ExitCode.CONFIGURATION`: the environment to fix (the command's own module needs click)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``driver2-kp`` with ``argv``; without the ``cli`` extra, say so and return 3."""
    try:
        command = importlib.import_module("driver2_kp._cli")
    except ModuleNotFoundError as missing:
        library = (missing.name or "").partition(".")[0]
        if library not in _LIBRARIES:
            raise
        print(
            f"driver2-kp: the command needs the 'cli' extra ({library} is not installed): "
            "pip install 'driver2-kp[cli]'",
            file=sys.stderr,
        )
        return _MISSING_EXTRA
    run: Callable[[Sequence[str] | None], int] = command.main
    return run(argv)
