"""The ``Example::`` blocks of the docstrings run, as the API reference shows them.

The API reference renders the docstrings; their ``>>>`` lines are doctests
(``--doctest-modules``), and their ``Example::`` blocks, which need a Driver2
and a KP, run here against the session's sandbox. Each block runs alone, in a
namespace that holds what a reader of the reference has at hand: the public
names, ``settings`` (also in the environment, for ``Settings.from_env()``), a
``lookup``, a search ``result`` and a ``kp_result``, some ``rows`` of criteria,
``customers.csv`` in the working directory. A block that awaits runs in an
event loop, with an `AsyncCustomerLookup` as its ``lookup``. A block shows an
output only as an ``assert``, which checks it (`tests._examples`).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import logging
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pytest

import driver2_kp
from driver2_kp import (
    AsyncCustomerLookup,
    AsyncDriver2Client,
    CustomerLookup,
    Driver2Client,
    PartyRole,
    SearchCriteria,
    Settings,
)
from driver2_kp._logs import personal_data_logged
from driver2_kp.driver2 import get_customer_request
from driver2_kp.sandbox import FIXED
from tests._examples import unchecked_outputs

SOURCE: Final = Path(driver2_kp.__file__).parent
GODERIS: Final = SearchCriteria(last_name="Goderis", postcode="9000")
ANN_PEETERS: Final = SearchCriteria(last_name="Peeters", first_name="Ann", postcode="2000")


@dataclass(frozen=True)
class Example:
    """One ``Example::`` block of a docstring."""

    where: str
    """``module.py:line``, the line of the docstring's owner."""
    code: str

    @property
    def awaits(self) -> bool:
        """Whether it awaits at top level (``await``, ``async for``, ``async with``)."""
        flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        tree = compile(self.code, self.where, "exec", flags=flags)
        return any(isinstance(n, ast.Await | ast.AsyncFor | ast.AsyncWith) for n in ast.walk(tree))


def _block(doc: str) -> str:
    """The indented block after ``Example::``, dedented."""
    lines = doc.split("Example::", 1)[1].split("\n")[1:]
    body = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        body.append(line)
    return textwrap.dedent("\n".join(body)).strip() + "\n"


def examples() -> Iterator[Example]:
    """Every ``Example::`` block of the package's docstrings, module by module."""
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            doc = ast.get_docstring(node, clean=True)
            if doc and "Example::" in doc:
                where = f"{path.relative_to(SOURCE.parent).as_posix()}:{node.lineno}"
                yield Example(where, _block(doc))


EXAMPLES: Final = list(examples())


@pytest.fixture
def namespace(
    sandbox_env: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """What a reader of the reference has at hand, against the reset session sandbox."""
    settings = sandbox_env
    monkeypatch.chdir(tmp_path)
    pd.DataFrame([{"last_name": "Goderis", "postcode": "9000"}]).to_csv("customers.csv")
    # An example may turn this process-wide switch on: the tests after it must not inherit it.
    showing_values = personal_data_logged()
    with (
        CustomerLookup.from_settings(settings) as lookup,
        Driver2Client(settings) as driver2,
        contextlib.ExitStack() as restore,
    ):
        restore.callback(driver2_kp.log_personal_data, showing_values)
        # ... or configure logging (logging.basicConfig): the root logger is put back as it was.
        root = logging.getLogger()
        restore.callback(root.setLevel, root.level)
        restore.callback(setattr, root, "handlers", list(root.handlers))
        held = lookup.vehicle_parties(plate=FIXED.vehicle_plate)
        names = {name: getattr(driver2_kp, name) for name in driver2_kp.__all__}
        yield {
            **names,
            "__name__": "example",
            "pd": pd,
            "get_customer_request": get_customer_request,
            "settings": settings,
            "lookup": lookup,
            "driver2": driver2,
            "result": lookup.search(GODERIS),
            "kp_result": lookup.search_kp(ANN_PEETERS),
            "candidate": lookup.search(GODERIS).candidates[0],
            "criteria": GODERIS,
            "rows": [GODERIS, ANN_PEETERS],
            "plate": FIXED.vehicle_plate,
            "held": held,
            "someone": held[PartyRole.OWNER],
            "vehicle_parties": held,
        }


async def _awaited(example: Example, namespace: dict[str, Any]) -> None:
    """Run an awaiting example in this loop, with async twins of the lookup and the client."""
    settings: Settings = namespace["settings"]
    async with (
        AsyncCustomerLookup.from_settings(settings) as lookup,
        AsyncDriver2Client(settings) as driver2,
    ):
        namespace.update(lookup=lookup, driver2=driver2)
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        code = compile(example.code, example.where, "exec", flags=flags, dont_inherit=True)
        result = eval(code, namespace)
        if inspect.iscoroutine(result):
            await result


def test_every_public_facade_method_shows_an_example() -> None:
    """The reference's examples are many: what this file runs is not a handful."""
    assert len(EXAMPLES) >= 25


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
def test_a_docstring_example_shows_no_output_it_does_not_check(example: Example) -> None:
    assert not unchecked_outputs(example.code), (
        f"{example.where}: show the output with an assert, which checks it, or not at all"
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
def test_a_docstring_example_runs(example: Example, namespace: dict[str, Any]) -> None:
    try:
        if example.awaits:
            asyncio.run(_awaited(example, namespace))
        else:
            exec(compile(example.code, example.where, "exec", dont_inherit=True), namespace)
    except BaseException as error:
        error.add_note(f"in the Example:: block of {example.where}")
        raise
