"""The docs' code examples run, page by page, against the session's sandbox.

Every ```python block of README.md and of every page under ``docs/`` runs in
the order of its page, in one namespace per page, against the
``driver2_kp_sandbox`` fixture (reset, no latency). The ``DRIVER2_*`` and
``KP_*`` variables name the sandbox, so that ``Settings.from_env()`` works as
the pages show it. Top-level ``await`` runs, as in a notebook cell.

An example that shows its output is a ```pycon block, a session of ``>>>``
lines and what they print: `doctest` runs it in the page's namespace and
compares every output with the page's. A ```python block shows no output: a
``print`` or a bare expression there carries no comment that could claim one
(`tests._examples.unchecked_outputs`).

A block titled with a file name (```python title="conftest.py"```) is that
file. The pages' files make one test suite, run with pytest twice in a
directory of its own: recording the cassettes of its ``@pytest.mark.vcr``
tests, then replaying them.

A block that cannot run as it stands says so on the line before it, with
``<!-- not run: why -->``. It is still compiled, and shows here as a skipped
test that says why. A block that needs a library the project does not depend
on says ``<!-- needs: module -->``: it runs on its own where that module is
installed (CI installs the ``spark`` extra for its run on Python 3.13), and is
skipped elsewhere, saying so.
"""

from __future__ import annotations

import ast
import asyncio
import doctest
import inspect
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import CodeType
from typing import Final

import pytest

import driver2_kp
import driver2_kp.sandbox
from driver2_kp import CustomerLookup, Driver2Client, KPClient, Settings
from driver2_kp._logs import personal_data_logged
from driver2_kp.sandbox import CLIENT_SECRET, KP_API_KEY
from tests._examples import unchecked_outputs

ROOT: Final = Path(__file__).parent.parent
DOCS: Final = ROOT / "docs"
FENCE: Final = re.compile(
    r"^(?P<indent>[ ]*)```(?P<language>python|pycon)(?P<info>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=indent)```[ ]*$",
    re.MULTILINE | re.DOTALL,
)
DOCTEST_FLAGS: Final = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
"""``...`` stands for what varies (a port, a time), and line breaks are free."""
NOT_RUN: Final = re.compile(r"<!--\s*not run:\s*(?P<why>.+?)\s*-->")
NEEDS: Final = re.compile(r"<!--\s*needs:\s*(?P<module>[\w.]+)\s*-->")
TITLE: Final = re.compile(r'title="(?P<title>[^"]+\.py)"')
API_ENTRY: Final = re.compile(r"^::: (?P<name>[\w.]+)\s*$", re.MULTILINE)
MOST_NOT_RUN: Final = 2
"""Blocks that may be marked ``not run``, docs-wide: prefer an example that runs."""
SUITE_TIMEOUT: Final = 120.0
"""Seconds for one run of the docs' test files: a hung sandbox fails the test, not CI."""


@dataclass(frozen=True)
class Block:
    """One ```python or ```pycon block of a page."""

    page: str
    """Its path from the project's root: ``README.md``, ``docs/lookup.md``."""
    line: int
    code: str
    session: bool = False
    """A ```pycon block: ``>>>`` lines and their outputs, compared by `doctest`."""
    not_run: str | None = None
    """Why it is not run, from its ``<!-- not run: why -->`` comment."""
    file: str | None = None
    """The file it is, from its ``title="..."``."""
    needs: str | None = None
    """The module it needs, from its ``<!-- needs: module -->`` comment."""

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    def compiled(self) -> CodeType:
        """The block as code; it may ``await`` at top level, as in a notebook cell.

        Its line numbers are the page's, so that a traceback points into the page.
        """
        code: CodeType = compile(
            "\n" * self.line + self.code,
            self.page,
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
        return code


def blocks_of(path: Path) -> list[Block]:
    """The ```python and ```pycon blocks of one page, in order."""
    text = path.read_text(encoding="utf-8")
    page = path.relative_to(ROOT).as_posix()
    blocks = []
    for fence in FENCE.finditer(text):
        before = text[: fence.start()].rstrip().rpartition("\n")[2]
        not_run = NOT_RUN.search(before)
        needs = NEEDS.search(before)
        title = TITLE.search(fence["info"])
        width = len(fence["indent"])
        body = "".join(line[width:] for line in fence["body"].splitlines(keepends=True))
        blocks.append(
            Block(
                page=page,
                line=text.count("\n", 0, fence.start()) + 1,
                code=body,
                session=fence["language"] == "pycon",
                not_run=not_run["why"] if not_run else None,
                file=title["title"] if title else None,
                needs=needs["module"] if needs else None,
            )
        )
    return blocks


PAGE_PATHS: Final = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
BLOCKS: Final = [block for path in PAGE_PATHS for block in blocks_of(path)]
PAGES: Final = sorted({b.page for b in BLOCKS if not b.file and not b.not_run and not b.needs})
FILES: Final = [b for b in BLOCKS if b.file and not b.not_run]
NOT_RUN_BLOCKS: Final = [b for b in BLOCKS if b.not_run]
NEEDING_BLOCKS: Final = [b for b in BLOCKS if b.needs]


def run_session(block: Block, namespace: dict[str, object]) -> None:
    """Run a ```pycon block with `doctest` in the page's namespace; fail on an output not shown."""
    test = doctest.DocTestParser().get_doctest(
        block.code, namespace, block.id, block.page, block.line
    )
    assert test.examples, f"{block.id}: a pycon block without a >>> line"
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    failed = runner.run(test, out=report.append, clear_globs=False).failed
    namespace.update(test.globs)  # the test ran in a copy: the page goes on with what it made
    assert not failed, f"{block.id}: the output shown is not the output printed\n" + "".join(report)


def run_block(block: Block, namespace: dict[str, object]) -> None:
    """Run one block in the page's namespace; an ``await`` at top level runs in an event loop."""
    if block.session:
        run_session(block, namespace)
        return
    code = block.compiled()
    try:
        if code.co_flags & inspect.CO_COROUTINE:
            asyncio.run(eval(code, namespace))
        else:
            exec(code, namespace)
    except BaseException as error:
        error.add_note(f"in the example at {block.id}")
        raise


@pytest.mark.parametrize("page", PAGES)
def test_the_examples_of_a_page_run(
    page: str,
    sandbox_env: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page's blocks run in order, in one namespace, as a reader would type them."""
    monkeypatch.chdir(tmp_path)
    # The file the pages read their records from, as a reader's would be.
    (tmp_path / "customers.csv").write_text("last_name,postcode\nGoderis,9000\n", encoding="utf-8")
    namespace: dict[str, object] = {"__name__": f"docs.{page}"}
    # A page may turn this process-wide switch on: the tests after it must not inherit it.
    showing_values = personal_data_logged()
    try:
        for block in BLOCKS:
            if block.page == page and not block.file and not block.not_run and not block.needs:
                run_block(block, namespace)
    finally:
        driver2_kp.log_personal_data(showing_values)
        # A page may keep a lookup open across its blocks, as a reader's session does.
        for value in namespace.values():
            if isinstance(value, CustomerLookup | Driver2Client | KPClient):
                value.close()


@pytest.mark.parametrize("block", NEEDING_BLOCKS, ids=[b.id for b in NEEDING_BLOCKS])
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")
def test_a_block_that_needs_a_library_runs_where_it_is_installed(
    block: Block, sandbox_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Such a block runs alone, in a namespace of its own, where its library is installed."""
    assert block.needs is not None
    pytest.importorskip(block.needs, reason=f"{block.id} needs {block.needs}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # Spark's workers: this interpreter
    run_block(block, {"__name__": f"docs.{block.page}"})


def count_tests(files: list[Block]) -> int:
    """How many test functions the files define."""
    return sum(len(re.findall(r"^(?:async )?def test_", b.code, re.MULTILINE)) for b in files)


def test_the_files_of_the_docs_pass_recording_then_replaying(pytester: pytest.Pytester) -> None:
    """The pages' test files make one suite: it passes live, recording, then from its cassettes."""
    names = [b.file for b in FILES]
    assert len(set(names)) == len(names), f"two blocks are the same file: {names}"
    pytester.makepyfile(**{Path(b.file).stem: b.code for b in FILES if b.file})
    tests = count_tests(FILES)
    recording = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--record-mode=once", timeout=SUITE_TIMEOUT
    )
    recording.assert_outcomes(passed=tests)
    cassettes = sorted(pytester.path.rglob("cassettes/**/*.yaml"))
    assert cassettes, "no cassette was recorded"
    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8")
        assert CLIENT_SECRET not in text, f"the client secret is in {cassette.name}"
        assert KP_API_KEY not in text, f"the KP API key is in {cassette.name}"
    # Replaying refuses a request its cassette does not hold: passing proves they match.
    replaying = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=SUITE_TIMEOUT)
    replaying.assert_outcomes(passed=tests)


_NONE_NOT_RUN = pytest.param(
    None,
    id="none",
    marks=pytest.mark.skip(reason="no block of the docs is marked 'not run': none to compile"),
)


@pytest.mark.parametrize(
    "block",
    [pytest.param(b, id=b.id) for b in NOT_RUN_BLOCKS] or [_NONE_NOT_RUN],
)
def test_a_block_not_run_still_compiles(block: Block) -> None:
    """A block marked ``not run`` is at least valid Python; then it is skipped, saying why."""
    block.compiled()
    pytest.skip(f"{block.id} not run: {block.not_run}")


def test_few_blocks_are_not_run() -> None:
    """Examples run: only a few, each saying why, may not."""
    assert len(NOT_RUN_BLOCKS) <= MOST_NOT_RUN, [f"{b.id}: {b.not_run}" for b in NOT_RUN_BLOCKS]


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if not b.session], ids=[b.id for b in BLOCKS if not b.session]
)
def test_a_python_block_shows_no_output_it_does_not_check(block: Block) -> None:
    """An output shown beside code is checked only in a ```pycon block: elsewhere, none."""
    assert not unchecked_outputs(block.code, block.line), (
        f"{block.id}: show the output in a ```pycon block, where doctest checks it"
    )


def test_the_api_reference_documents_every_public_name_once() -> None:
    """Every name of ``__all__`` has its entry in docs/api/, and only one."""
    entries = [
        entry["name"]
        for page in sorted((DOCS / "api").glob("*.md"))
        for entry in API_ENTRY.finditer(page.read_text(encoding="utf-8"))
    ]
    public = [f"driver2_kp.{name}" for name in driver2_kp.__all__] + [
        f"driver2_kp.sandbox.{name}" for name in driver2_kp.sandbox.__all__
    ]
    documented = [name for name in entries if not name.endswith(".pytest_plugin")]
    assert sorted(documented) == sorted(public)


class _Shown(HTMLParser):
    """What a built page shows: its images with their data, and its tables' headers."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.headers: list[str] = []
        self._in_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        self._in_header = tag == "th"

    def handle_data(self, data: str) -> None:
        if self._in_header:
            self.headers.append(data.strip())
            self._in_header = False


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site, built with ``mkdocs build --strict``, which executes the notebook.

    Without ``--quiet``, which silences the warnings that ``--strict`` counts.
    """
    built = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(built)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    return built


def test_the_site_builds_with_warnings_as_errors(site: Path) -> None:
    """No broken link, anchor or reference: the build passed, and made every page."""
    pages = {path.relative_to(DOCS).with_suffix("").as_posix() for path in DOCS.rglob("*.md")}
    built = {path.parent.relative_to(site).as_posix() for path in site.rglob("index.html")}
    assert {page for page in pages if page != "index" and not page.startswith("_")} <= built


def test_the_notebook_page_shows_its_tables_and_its_chart(site: Path) -> None:
    """The notebook page shows what a run of it shows, not only its code."""
    shown = _Shown()
    shown.feed((site / "notebooks" / "bulk-matching" / "index.html").read_text(encoding="utf-8"))
    assert [src for src in shown.images if src.startswith("data:image/png;base64,")], "no chart"
    # The match table, the FAQ's result table, and the review of the rows without a best.
    assert {"best_driver2_number", "Naam", "why_no_best", "lead_name"} <= set(shown.headers)
