"""The OpenAPI documents of both services, served at ``<base>/openapi.json``."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["openapi_document", "openapi_endpoint"]


@functools.cache
def _document(service: str) -> str:
    return files(__package__).joinpath("openapi", f"{service}.json").read_text(encoding="utf-8")


def openapi_document(service: str, base_url: str) -> dict[str, Any]:
    """The OpenAPI document of ``service`` (``driver2`` or ``kp``), served from ``base_url``."""
    document: dict[str, Any] = json.loads(_document(service))
    document["servers"] = [{"url": base_url}]
    return document


def openapi_endpoint(service: str) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint serving the document with its own base URL as server."""

    async def endpoint(request: Request) -> Response:
        base_url = str(request.url.replace(query="")).removesuffix("/openapi.json")
        return JSONResponse(openapi_document(service, base_url))

    return endpoint
