"""The gate in front of each service: request log, concurrency limit, latency and faults.

A pure ASGI middleware, so that it can hold a request for its latency without
blocking others (``asyncio.sleep``), see the whole body for the log, and drop a
connection the way a failing gateway does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Final
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._data import JSONObject
from ._state import FaultScript, SandboxState, Service

__all__ = ["DroppedConnection", "Gate"]

FaultResponder = Callable[[int, int | None], Response]
"""Builds a service's answer to a fault: ``(status, retry_after) -> Response``."""

_MASKED: Final = "***"
_UNGATED: Final = frozenset({"/openapi.json"})
_NOT_COUNTED: Final = frozenset({"/oauth/token", "/openapi.json"})


class DroppedConnection(Exception):  # noqa: N818 - it names what happens, not a failure
    """Raised after the response has started so that the server closes the connection."""


def _masked_headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name == "authorization":
            scheme = value.split(" ", 1)[0]
            value = f"{scheme} {_MASKED}" if " " in value else _MASKED
        elif name == "x-api-key":
            value = _MASKED
        headers[name] = value
    return headers


def _logged_body(body: bytes, content_type: str) -> object:
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {
            name: _MASKED if name == "client_secret" else value
            for name, value in parse_qsl(text, keep_blank_values=True)
        }
    if "json" in content_type:
        try:
            parsed: object = json.loads(text)
        except ValueError:
            return text
        return parsed
    return text


class Gate:
    """Wraps one service's ASGI app with what the sandbox adds to the contract."""

    def __init__(
        self, app: ASGIApp, state: SandboxState, service: Service, faults: FaultResponder
    ) -> None:
        self._app = app
        self._state = state
        self._service: Service = service
        self._fault_response = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
        if path in _UNGATED:
            await self._app(scope, receive, send)
            return
        body = await _read_body(receive)
        entry = self._log(scope, path, body)
        counted = self._service == "driver2" and path not in _NOT_COUNTED
        state = self._state
        entry["in_flight"] = state.arrive(self._service, counted=counted)
        entry["arrived"] = time.monotonic()
        try:
            if counted and state.in_flight["driver2"] > state.config.max_concurrency:
                entry["fault"] = "max-concurrency"
                await self._answer(self._fault_response(429, 1), scope, receive, send, entry)
                return
            await asyncio.sleep(state.latency(self._service))
            fault = state.next_fault(self._service, scope["method"], path)
            await self._handle(fault, scope, _replay(body), send, entry)
        finally:
            entry["left"] = time.monotonic()
            state.leave(self._service, counted=counted)

    async def _handle(
        self,
        fault: FaultScript | None,
        scope: Scope,
        receive: Receive,
        send: Send,
        entry: JSONObject,
    ) -> None:
        if fault is None:
            await self._app(scope, receive, _recording(send, entry))
            return
        entry["fault"] = fault.fault if fault.fault != "status" else str(fault.status)
        if fault.fault == "status":
            await self._answer(
                self._fault_response(fault.status, fault.retry_after), scope, receive, send, entry
            )
        elif fault.fault == "delay":
            await asyncio.sleep(fault.seconds)
            await self._app(scope, receive, _recording(send, entry))
        elif fault.fault == "trickle":
            await self._app(scope, receive, _trickling(_recording(send, entry), fault.seconds))
        elif fault.fault == "commit-then-drop":
            await self._app(scope, receive, _swallow(entry))
            await _drop(send)
        else:
            await _drop(send)

    async def _answer(
        self, response: Response, scope: Scope, receive: Receive, send: Send, entry: JSONObject
    ) -> None:
        await response(scope, receive, _recording(send, entry))

    def _log(self, scope: Scope, path: str, body: bytes) -> JSONObject:
        headers = _masked_headers(scope)
        query = scope["query_string"].decode("latin-1")
        entry: JSONObject = {
            "seq": len(self._state.log) + 1,
            "service": self._service,
            "method": scope["method"],
            "path": path,
            "query": dict(parse_qsl(query, keep_blank_values=True)),
            "query_string": query,
            "headers": headers,
            "body": _logged_body(body, headers.get("content-type", "")),
            "status": None,
            "fault": None,
        }
        self._state.log.append(entry)
        return entry


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            # Nothing more will come; wait like a client that keeps the connection open.
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _recording(send: Send, entry: JSONObject) -> Send:
    async def recording_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            entry["status"] = message["status"]
        await send(message)

    return recording_send


_TRICKLE: Final = 16
"""Bytes of the body a ``trickle`` fault sends at a time."""


def _trickling(send: Send, seconds: float) -> Send:
    async def trickle(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        for start in range(0, len(body), _TRICKLE):
            await asyncio.sleep(seconds)
            last = start + _TRICKLE >= len(body)
            piece = body[start : start + _TRICKLE]
            await send({"type": "http.response.body", "body": piece, "more_body": more or not last})
        if not body:
            await send(message)

    return trickle


def _swallow(entry: JSONObject) -> Send:
    async def swallow(message: Message) -> None:
        if message["type"] == "http.response.start":
            entry["committed_status"] = message["status"]

    return swallow


async def _drop(send: Send) -> None:
    # Uvicorn closes the transport when the app fails after the response started:
    # the client sees the status line, then the connection end, and no complete answer.
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
    )
    raise DroppedConnection
