"""docs/cli.md's examples run: each ``$ driver2-kp ...`` prints what the page shows.

A ``$`` line of a ```console block is a command; the lines after it, or else
the ```text or ```json block right after the console block, are its output.
A line ``...`` stands for any lines. A command exits 0, its output on
stdout and nothing on stderr, unless ``$ echo $?`` follows it with another
code: then its output is on stderr, and stdout is empty. ``--sandbox`` runs on
the session's sandbox (the same seeded data, reset for each example); a
command without it runs in an environment without settings.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Final

import pytest
from click.testing import CliRunner

from driver2_kp._cli import cli
from driver2_kp._settings import environment_of
from driver2_kp.sandbox import Sandbox

PAGE: Final = Path(__file__).parents[2] / "docs" / "cli.md"
BLOCK: Final = re.compile(
    r"^```console\n(?P<console>.*?)^```\n(?:\n```(?:text|json)\n(?P<shown>.*?)^```$)?",
    re.MULTILINE | re.DOTALL,
)
ANY_LINES: Final = "..."
EXIT_STATUS: Final = "echo $?"


def examples() -> list[tuple[str, str, int]]:
    """Each command of the page, the output it shows, and its exit code."""
    found: list[tuple[str, str, int]] = []
    for block in BLOCK.finditer(PAGE.read_text(encoding="utf-8")):
        parts = re.split(r"^\$ (.*)\n", block["console"], flags=re.MULTILINE)
        commands = list(zip(parts[1::2], parts[2::2], strict=True))
        for command, shown in commands:
            if command == EXIT_STATUS:  # the exit code of the command before
                found[-1] = (*found[-1][:2], int(shown))
                continue
            inline = shown or (block["shown"] or "" if len(commands) == 1 else "")
            found.append((command, inline, 0))
    return found


def as_pattern(shown: str) -> re.Pattern[str]:
    lines = [line.rstrip() for line in shown.strip("\n").splitlines()]
    parts = ["(?:.*\n)*?" if line == ANY_LINES else re.escape(line) + "\n" for line in lines]
    return re.compile("".join(parts))


def test_the_page_has_examples_with_output() -> None:
    shown = [command for command, output, _ in examples() if output.strip()]
    assert len(shown) >= 5
    assert any("--json" in command for command in shown)
    assert any(code != 0 for _, _, code in examples())  # a failure is shown too


@pytest.mark.parametrize(("command", "shown", "exit_code"), examples())
def test_a_documented_command_prints_what_the_page_shows(
    command: str,
    shown: str,
    exit_code: int,
    clean_env: pytest.MonkeyPatch,
    driver2_kp_sandbox: Sandbox,
) -> None:
    program, *args = shlex.split(command)
    assert program == "driver2-kp"
    if "--sandbox" in args:  # the session's sandbox: the same data, already running
        args.remove("--sandbox")
        for name, value in environment_of(driver2_kp_sandbox.settings).items():
            clean_env.setenv(name, value)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == exit_code, result.output
    output, silent = (
        (result.stdout, result.stderr) if exit_code == 0 else (result.stderr, result.stdout)
    )
    assert silent == ""
    printed = "".join(line.rstrip() + "\n" for line in output.splitlines())
    assert as_pattern(shown).fullmatch(printed), printed
