"""The bulk-matching notebook runs from top to bottom, and shows what it says it shows.

It is executed with nbclient in a kernel of this interpreter, from a copy in a
temporary directory, against the embedded sandbox it starts itself. The notebook
in docs/ is kept without outputs: the docs site executes it at every build, and
``tests/test_docs.py`` checks that the built page shows its tables and chart.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent / "docs" / "notebooks" / "bulk-matching.ipynb"
CELL_TIMEOUT = 120
"""Seconds a cell may take; the whole notebook takes about 6."""
FACTS = """\
import json, sys
print(json.dumps({
    "executable": sys.executable,
    "records": len(records),
    "matched": len(matched),
    "columns": list(matched.columns),
    "sandbox_stopped": sandbox.url == "",
}))
"""
"""Appended to the copy: what the kernel holds at the end, to check against."""

Output = dict[str, Any]

# nbformat's read, write and new_code_cell are not annotated: hence the ignores below.


def read(path: Path) -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return notebook


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    """The notebook, executed once in a temporary copy, with a cell of facts appended."""
    workdir = tmp_path_factory.mktemp("notebook")
    copy = workdir / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    notebook = read(copy)
    notebook.cells.append(nbformat.v4.new_code_cell(FACTS))  # type: ignore[no-untyped-call]
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()  # raises CellExecutionError on the first cell that fails
    nbformat.write(notebook, copy)  # type: ignore[no-untyped-call]  # kept for a look after a failure
    return notebook


def outputs(notebook: nbformat.NotebookNode, code: str) -> list[Output]:
    """The outputs of the one code cell whose source holds ``code``."""
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and code in c.source]
    return list(cell.outputs)


def data(notebook: nbformat.NotebookNode, code: str, mime: str) -> Any:
    """The one ``mime`` output of the code cell holding ``code``: text, or JSON."""
    (found,) = [o["data"][mime] for o in outputs(notebook, code) if mime in o.get("data", {})]
    return found


def test_the_notebook_is_kept_without_outputs() -> None:
    notebook = read(NOTEBOOK)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_it_runs_without_errors_in_this_interpreter_and_stops_the_sandbox(
    executed: nbformat.NotebookNode,
) -> None:
    every = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in every if o["output_type"] == "error"]
    facts = json.loads(outputs(executed, "json.dumps")[0]["text"])
    assert facts["executable"] == sys.executable
    assert facts["sandbox_stopped"]


def test_the_match_table_has_a_row_per_record(executed: nbformat.NotebookNode) -> None:
    facts = json.loads(outputs(executed, "json.dumps")[0]["text"])
    assert 200 <= facts["records"] == facts["matched"]
    assert {"source", "best_driver2_number", "best_kp_id", "score"} <= set(facts["columns"])
    assert "<th>best_driver2_number</th>" in data(executed, "matched[columns]", "text/html")
    shown = data(executed, "matched[columns]", "text/plain")
    assert f"[{facts['matched']} rows x 9 columns]" in shown


def test_match_frame_draws_the_notebook_progress_bar(executed: nbformat.NotebookNode) -> None:
    bar = data(executed, "match_frame(", "application/vnd.jupyter.widget-view+json")
    state = json.dumps(executed.metadata["widgets"])
    facts = json.loads(outputs(executed, "json.dumps")[0]["text"])
    assert bar["model_id"] in state
    assert f"{facts['records']}/{facts['records']}" in state  # the bar reached the end


def test_the_chart_is_drawn(executed: nbformat.NotebookNode) -> None:
    assert data(executed, "plt.show()", "image/png")


def test_a_search_result_shows_as_the_faqs_result_table(executed: nbformat.NotebookNode) -> None:
    table = data(executed, "lookup.match(", "text/html")
    assert "<th>Naam</th><th>Voornaam</th><th>Nummer</th>" in table
    assert "<td>Goderis</td><td>Thiemen</td><td>74050</td>" in table
    assert "best: 74050" in table
    plain = data(executed, "lookup.match(", "text/plain")
    assert "Goderis" not in plain


def test_the_party_shows_as_its_form(executed: nbformat.NotebookNode) -> None:
    form = data(executed, ".party", "text/html")
    assert "<td>Externe Referentie</td><td>74050</td>" in form


def test_the_rows_without_a_best_are_shown_for_review(executed: nbformat.NotebookNode) -> None:
    table = data(executed, 'sort_values("score"', "text/html")
    assert "<th>why_no_best</th>" in table
    assert "<th>lead_name</th>" in table
    assert "<th>margin</th>" in table
    assert "weak" in data(executed, "value_counts()", "text/plain")
    every = data(executed, 'candidates["row"]', "text/html")
    assert "<th>rank</th>" in every
    assert "<th>reasons</th>" in every
