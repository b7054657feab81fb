"""The sandbox: a local Driver2 + KP that serves both contracts, for demos and tests.

Install it with the ``sandbox`` extra (``pip install 'driver2-kp[sandbox]'``).
Run it from a shell with ``driver2-kp sandbox``, or in Python::

    from driver2_kp.sandbox import Sandbox

    with Sandbox(seed=42, driver2_latency=0.0) as sb:
        sb.driver2_url, sb.kp_url, sb.settings  # ready-to-use client settings

Pytest suites get it as the ``driver2_kp_sandbox`` fixture. Its data, slowness,
faults and control endpoints are described in ``docs/sandbox.md``.
"""

from __future__ import annotations

try:  # the sandbox extra: say how to install it rather than which module is missing
    import faker  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ModuleNotFoundError as missing:
    raise ModuleNotFoundError(
        f"driver2_kp.sandbox needs the 'sandbox' extra ({missing.name} is not installed): "
        "pip install 'driver2-kp[sandbox]'",
        name=missing.name,
    ) from missing

from ._app import create_app
from ._data import FIXED, Dataset, FixedRecords, generate
from ._server import LoggedRequest, Sandbox, SandboxError, serve
from ._state import (
    CLIENT_ID,
    CLIENT_SECRET,
    KP_API_KEY,
    KP_API_KEY_WITHOUT_RIGHTS,
    ConfigFields,
    FaultScript,
    RuntimeChanges,
    SandboxConfig,
)

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "FIXED",
    "KP_API_KEY",
    "KP_API_KEY_WITHOUT_RIGHTS",
    "ConfigFields",
    "Dataset",
    "FaultScript",
    "FixedRecords",
    "LoggedRequest",
    "RuntimeChanges",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "create_app",
    "generate",
    "serve",
]
