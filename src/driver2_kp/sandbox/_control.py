"""The ``/_sandbox`` control endpoints: reset, request log, configuration, tokens, faults.

Never part of the two contracts; tests and the demo use them to set a scene and
to prove what a client sent.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._state import FaultScript, SandboxState

__all__ = ["control_app"]


def _bad_request(message: str) -> Response:
    return JSONResponse({"error": message}, 400)


async def _json(request: Request) -> object:
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


def control_app(state: SandboxState) -> Starlette:
    """The control API, to be mounted at ``/_sandbox``."""

    async def reset(_: Request) -> Response:
        await state.quiet()  # the last test's requests leave first: the next starts idle
        state.reset()
        return Response(status_code=204)

    async def requests(request: Request) -> Response:
        service = request.query_params.get("service")
        entries = [e for e in state.log if service in (None, e["service"])]
        return JSONResponse({"requests": entries})

    async def get_config(_: Request) -> Response:
        return JSONResponse(state.config.to_json())

    async def put_config(request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            return _bad_request("the body must be a JSON object")
        try:
            state.config = state.config.changed(body)
        except ValueError as err:
            return _bad_request(str(err))
        return JSONResponse(state.config.to_json())

    async def expire_tokens(_: Request) -> Response:
        state.expire_tokens()
        return Response(status_code=204)

    async def get_faults(_: Request) -> Response:
        return JSONResponse({"faults": [f.to_json() for f in state.faults]})

    async def put_faults(request: Request) -> Response:
        body = await _json(request)
        scripts = body if isinstance(body, list) else [body]
        try:
            state.faults = [FaultScript.from_json(script) for script in scripts]
        except ValueError as err:
            return _bad_request(str(err))
        return await get_faults(request)

    async def delete_faults(_: Request) -> Response:
        state.faults = []
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/reset", reset, methods=["POST"]),
            Route("/requests", requests, methods=["GET"]),
            Route("/config", get_config, methods=["GET"]),
            Route("/config", put_config, methods=["PUT"]),
            Route("/expire-tokens", expire_tokens, methods=["POST"]),
            Route("/faults", get_faults, methods=["GET"]),
            Route("/faults", put_faults, methods=["PUT"]),
            Route("/faults", delete_faults, methods=["DELETE"]),
        ]
    )
