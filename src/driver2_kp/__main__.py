"""``python -m driver2_kp``: the ``driver2-kp`` command."""

from __future__ import annotations

from ._command import main

if __name__ == "__main__":
    raise SystemExit(main())
