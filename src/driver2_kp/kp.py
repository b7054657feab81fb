"""KP (KundenPortal), the importer's customer database (contract: ``kp-api.md``).

This module will hold the typed KP client: pure functions that build requests
and read responses, and thin sync and async clients that send them. It is
intentionally empty until that work lands; the sandbox in `driver2_kp.sandbox`
already serves the whole contract.
"""

from __future__ import annotations

__all__: list[str] = []
