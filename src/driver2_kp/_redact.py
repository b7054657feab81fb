"""Reprs without personal data: a customer's name never reaches a log through ``repr``.

The records of this library are people. Their reprs show what identifies a record
without telling anything about the person (numbers, ids, kinds) and mark every
other field that is set as ``<personal>`` (flags are left out: even that they are
set would tell); the values stay readable as attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import attrs

__all__ = ["PERSONAL", "redacted_repr"]

PERSONAL: Final = "<personal>"
"""What a repr shows in place of a personal value."""

C = TypeVar("C", bound=type)


def redacted_repr(*shown: str) -> Callable[[C], C]:
    """Give an attrs class a repr showing the ``shown`` fields and hiding the others.

    >>> @redacted_repr("number")
    ... @attrs.frozen
    ... class Row:
    ...     number: str
    ...     name: str | None = None
    >>> Row("74050", "Goderis")
    Row(number='74050', name=<personal>)
    """

    def decorate(cls: C) -> C:
        names = [field.name for field in attrs.fields(cls)]
        unknown = set(shown) - set(names)
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")

        def redacted(self: object) -> str:
            parts = []
            for name in names:
                value = getattr(self, name)
                if name in shown:
                    parts.append(f"{name}={value!r}")
                elif value is not None and value != () and not isinstance(value, bool):
                    parts.append(f"{name}={PERSONAL}")
            return f"{type(self).__name__}({', '.join(parts)})"

        cls.__repr__ = redacted  # type: ignore[assignment]
        return cls

    return decorate
