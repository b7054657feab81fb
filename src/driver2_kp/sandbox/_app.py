"""The sandbox as one ASGI application: Driver2, KP and the control endpoints."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Final

from starlette.applications import Starlette
from starlette.routing import Mount

from ._control import control_app
from ._driver2 import driver2_app, driver2_fault
from ._gate import Gate
from ._kp import kp_app, kp_fault
from ._state import SandboxConfig, SandboxState

__all__ = ["CONTROL_PATH", "DRIVER2_PATH", "KP_PATH", "create_app"]

DRIVER2_PATH: Final = "/driver2/api/v2"
KP_PATH: Final = "/kp/api/v1"
CONTROL_PATH: Final = "/_sandbox"


def create_app(
    config: SandboxConfig | None = None, *, state: SandboxState | None = None
) -> Starlette:
    """The sandbox's ASGI app; pass ``state`` to share it, else one is made from ``config``.

    Serve it with any ASGI server, for instance ``uvicorn``::

        uvicorn.run(create_app(SandboxConfig(driver2_latency=0)), host="127.0.0.1")
    """
    own = state is None
    state = state or SandboxState(config or SandboxConfig())

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if own:  # made here: closed here, when the server shuts down
                state.close()

    app = Starlette(
        routes=[
            Mount(DRIVER2_PATH, Gate(driver2_app(state), state, "driver2", driver2_fault)),
            Mount(KP_PATH, Gate(kp_app(state), state, "kp", kp_fault)),
            Mount(CONTROL_PATH, control_app(state)),
        ],
        lifespan=lifespan,
    )
    app.state.sandbox = state
    return app
