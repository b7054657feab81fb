"""A griffe extension: the docstrings' reST-style examples, as Markdown for the API reference.

The docstrings are written to read well in ``help()`` and to run as doctests:
a paragraph ending in ``::`` introduces an indented example, and ``>>>`` lines
are doctests. Markdown would show the first with its ``::`` and the second as
three nested quotes. This extension fences both, when mkdocstrings loads the
package; the source stays as it is.
"""

from __future__ import annotations

import ast
from typing import Any

import griffe

__all__ = ["MarkdownBlocks", "fenced"]


def _indent(line: str) -> int:
    # A blank line has no indentation of its own: it belongs to whatever surrounds it.
    return len(line) - len(line.lstrip(" ")) if line.strip() else -1


def _language(code: str) -> str:
    # An example is Python (top-level await included); anything else is shown as text.
    try:
        compile(
            code, "<docstring>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        )
    except SyntaxError:
        return "text"
    return "python"


def _fence(language: str, code: list[str], indent: int) -> list[str]:
    pad = " " * indent
    return [
        "",
        f"{pad}```{language}",
        *(pad + line if line else "" for line in code),
        f"{pad}```",
        "",
    ]


def _dedent(block: list[str]) -> list[str]:
    inner = min(_indent(line) for line in block if line.strip())
    return [line[inner:] if line.strip() else "" for line in block]


def fenced(text: str) -> str:
    """``text`` with its ``::`` literal blocks and ``>>>`` doctest blocks in Markdown fences."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line, stripped = lines[i], lines[i].strip()
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out.extend(_fence("pycon", _dedent(block), _indent(line)))
            continue
        base = _indent(line)
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if stripped.endswith("::") and j < len(lines) and _indent(lines[j]) > base:
            # reST: "Example::" reads "Example:", "Example ::" reads "Example", "::" is dropped.
            if stripped != "::":
                out.append(line.rstrip()[:-3] if stripped.endswith(" ::") else line.rstrip()[:-1])
            block = []
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
                block.append(lines[j])
                j += 1
            while not block[-1].strip():
                block.pop()
            code = _dedent(block)
            out.extend(_fence(_language("\n".join(code)), code, base))
            i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class MarkdownBlocks(griffe.Extension):
    """Fence the examples of every docstring, as mkdocstrings loads the package."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring, if it has one."""
        if obj.docstring is not None:
            obj.docstring.value = fenced(obj.docstring.value)
