"""Text keys the sandbox matches on: folded names and the digits of a phone number."""

from __future__ import annotations

import unicodedata

__all__ = ["digits", "fold"]


def fold(text: str) -> str:
    """Case- and accent-insensitive key: ``"Éloïse"`` and ``"eloise"`` fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def digits(text: str) -> str:
    """The ASCII digits of ``text``, in order: ``"+32 9 223"`` gives ``"329223"``."""
    return "".join(c for c in text if c in "0123456789")
