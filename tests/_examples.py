"""What an example claims to print without being checked: the rule the docs' tests share.

An example shows an output only where a checker compares it: a ``>>>`` session
(doctest, a ```pycon block of the docs), or an ``assert`` in the code itself.
Elsewhere, a comment on a statement whose value is shown or discarded (a
``print``, a bare expression, a call) reads as that statement's output, so it
is not allowed there: an explanation goes on the line above.
"""

from __future__ import annotations

import ast
import io
import tokenize


def _comments(code: str) -> dict[int, tuple[str, bool]]:
    """Each comment of ``code`` by line: its text, and whether it is all that line holds."""
    lines = code.splitlines()
    return {
        token.start[0]: (token.string, not lines[token.start[0] - 1][: token.start[1]].strip())
        for token in tokenize.generate_tokens(io.StringIO(code).readline)
        if token.type == tokenize.COMMENT
    }


def unchecked_outputs(code: str, first_line: int = 0) -> list[str]:
    """The comments of ``code`` that read as an output: on or right after an expression statement.

    ``first_line`` is the line of the page or module where ``code`` starts, for
    the messages. Top-level ``await`` is allowed, as in the examples.
    """
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(code, "<example>", "exec", flags=flags, dont_inherit=True)
    comments = _comments(code)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Expr) or isinstance(node.value, ast.Constant):
            continue
        end = node.end_lineno or node.lineno
        claimed = [comments[end][0]] if end in comments else []
        following = end + 1
        while following in comments and comments[following][1]:
            claimed.append(comments[following][0])
            following += 1
        if claimed:
            found.append(f"line {first_line + node.lineno}: {' '.join(claimed)}")
    return found
