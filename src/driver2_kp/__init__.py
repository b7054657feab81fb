"""driver2_kp: find a customer in Driver2 or KP and turn it into a PlanManager party.

The public names are re-exported here; everything in a module whose name starts
with an underscore is private. The local simulator of both services lives in
`driver2_kp.sandbox` (install the ``sandbox`` extra).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._errors import ConfigurationError, Driver2KPError
from ._settings import Secret, Settings

try:
    __version__ = version("driver2-kp")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "ConfigurationError",
    "Driver2KPError",
    "Secret",
    "Settings",
    "__version__",
]
