"""The lookup rules R1-R13 of PlanManager FAQ #1267, as the `CustomerLookup` facade.

Intentionally empty until the clients it builds on land.
"""

from __future__ import annotations

__all__: list[str] = []
