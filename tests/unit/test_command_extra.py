"""The command's libraries are an extra: the library imports without them, the command says so."""

from __future__ import annotations

import subprocess
import sys

import pytest

from driver2_kp._command import main


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_the_library_pulls_in_neither_click_nor_rich() -> None:
    # httpx imports its own command (httpx._main, click and rich) when they are installed, as
    # they are here: keep that one out, to see what the library itself imports.
    ran = _python(
        "import sys; sys.modules['httpx._main'] = None; "
        "import driver2_kp, driver2_kp.lookup, driver2_kp.matching; "
        "print(sorted({'click', 'rich'} & {name.partition('.')[0] for name in sys.modules}))"
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"


@pytest.mark.parametrize("library", ["click", "rich"])
def test_without_the_cli_extra_the_command_names_it_in_one_line(library: str) -> None:
    ran = _python(
        f"import sys; sys.modules[{library!r}] = None; "
        "from driver2_kp._command import main; raise SystemExit(main(['--help']))"
    )
    assert ran.returncode == 3
    assert ran.stdout == ""
    assert ran.stderr == (
        f"driver2-kp: the command needs the 'cli' extra ({library} is not installed): "
        "pip install 'driver2-kp[cli]'\n"
    )


def test_with_the_extra_the_entry_point_runs_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--version"]) == 0
    assert "driver2-kp" in capsys.readouterr().out
