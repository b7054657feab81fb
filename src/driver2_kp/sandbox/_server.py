"""Running the sandbox: in the foreground for the CLI, or in a background thread (`Sandbox`)."""

from __future__ import annotations

import contextlib
import logging
import socket
import sqlite3
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeAlias, Unpack

import attrs
import httpx
import uvicorn

from driver2_kp._settings import Settings

from ._app import CONTROL_PATH, DRIVER2_PATH, KP_PATH, create_app
from ._gate import DroppedConnection
from ._state import (
    CLIENT_ID,
    CLIENT_SECRET,
    KP_API_KEY,
    ConfigFields,
    FaultScript,
    RuntimeChanges,
    SandboxConfig,
    SandboxState,
)

__all__ = ["LoggedRequest", "Sandbox", "SandboxError", "banner", "serve", "settings_at"]

JSONValue: TypeAlias = "dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None"
"""Any JSON value, as parsed."""

_STARTUP_TIMEOUT = 60.0  # seconds; generating the default data takes a few


class SandboxError(RuntimeError):
    """The sandbox could not start, or a control request failed."""


@attrs.frozen(kw_only=True)
class LoggedRequest:
    """One request the sandbox received, as its request log shows it (secrets masked)."""

    seq: int
    """Position in the log, from 1 after each reset."""
    service: str
    """``driver2`` or ``kp``."""
    method: str
    path: str
    """Path relative to the service's base URL, e.g. ``/customers``."""
    query: dict[str, str]
    """Query parameters (the last value of a repeated one)."""
    query_string: str
    headers: dict[str, str]
    """Lower-case names; ``authorization`` and ``x-api-key`` values masked."""
    body: JSONValue
    """Parsed JSON or form (``client_secret`` masked), else text, or ``None``."""
    status: int | None
    """The status answered, ``None`` when the connection was dropped."""
    fault: str | None
    """The fault injected into this request, if any."""
    committed_status: int | None = None
    """With a ``commit-then-drop`` fault: the status the client never got."""
    in_flight: int | None = None
    """Requests to the same service in flight when it arrived, itself included."""
    arrived: float | None = None
    """When it arrived, on the sandbox's monotonic clock (seconds)."""
    left: float | None = None
    """When its answer was sent, or its connection dropped; ``None`` while it runs."""


class _DropFilter(logging.Filter):
    # A dropped connection is the sandbox's doing, not an error worth a traceback.
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


_DROP_FILTER = _DropFilter()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self._on_ready()


def _listen(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that
    # say so, and without it every answer waits 40 ms for a delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _server(state: SandboxState, *, on_ready: Callable[[], None], quiet: bool) -> _Server:
    logging.getLogger("uvicorn.error").addFilter(_DROP_FILTER)
    config = uvicorn.Config(
        create_app(state=state),
        http="h11",
        loop="asyncio",
        lifespan="off",
        access_log=not quiet,
        # Embedded, leave the host application's logging alone.
        log_config=None if quiet else uvicorn.config.LOGGING_CONFIG,
        log_level="warning" if quiet else "info",
    )
    return _Server(config, on_ready)


def settings_at(root: str) -> Settings:
    """`Settings` for the sandbox served at ``root`` (``http://127.0.0.1:8765``)."""
    return Settings(
        driver2_base_url=root + DRIVER2_PATH,
        driver2_client_id=CLIENT_ID,
        driver2_client_secret=CLIENT_SECRET,
        kp_base_url=root + KP_PATH,
        kp_api_key=KP_API_KEY,
    )


def banner(root: str) -> str:
    """Where the sandbox served at ``root`` answers, and with which (fake) credentials."""
    return "\n".join(
        (
            f"Driver2: {root}{DRIVER2_PATH}  client id {CLIENT_ID!r}, secret {CLIENT_SECRET!r}",
            f"KP:      {root}{KP_PATH}  X-API-Key {KP_API_KEY!r}",
            f"Control: {root}{CONTROL_PATH}  (reset, requests, config, expire-tokens, faults)",
        )
    )


def _print_banner(root: str) -> None:
    print(banner(root))
    print("Press Ctrl+C to stop.", flush=True)


def serve(
    config: SandboxConfig,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the sandbox in the foreground until interrupted.

    ``on_ready`` is told the root URL (``http://127.0.0.1:8765``) once requests
    are answered; by default, where and how to connect is printed. A database
    that cannot be opened, or a port that cannot be listened on, raises
    `SandboxError` before anything is served.
    """
    try:
        state = SandboxState(config)  # the data first: a bad db fails before the port is taken
    except sqlite3.Error as error:
        raise SandboxError(f"cannot open the database {config.db}: {error}") from None
    try:
        try:
            sock = _listen(host, port)
        except OSError as error:
            reason = error.strerror or str(error)
            raise SandboxError(f"cannot listen on {host}:{port}: {reason}") from None
        shown = f"[{host}]" if ":" in host else host
        root = f"http://{shown}:{sock.getsockname()[1]}"
        announce = on_ready or _print_banner
        # Uvicorn shuts down cleanly, then re-raises the Ctrl+C: no traceback for that.
        with contextlib.suppress(KeyboardInterrupt):
            _server(state, on_ready=lambda: announce(root), quiet=False).run(sockets=[sock])
    finally:
        state.close()


class Sandbox:
    """The sandbox served from a background thread on a free loopback port.

    For tests and notebooks; keyword arguments are `SandboxConfig` fields::

        with Sandbox(seed=42, driver2_latency=0.0) as sb:
            sb.driver2_url, sb.kp_url, sb.settings  # ready-to-use client settings

    The control helpers (`reset`, `requests`, `configure`, `expire_tokens`,
    `script_faults`) call the ``/_sandbox`` endpoints.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        **fields: Unpack[ConfigFields],
    ) -> None:
        self.config = attrs.evolve(config or SandboxConfig(), **fields)
        self._host = host
        self._thread: threading.Thread | None = None
        self._server: _Server | None = None
        self._state: SandboxState | None = None
        self._control: httpx.Client | None = None
        self.url = ""
        """The server's root URL, e.g. ``http://127.0.0.1:50123``; set by `start`."""

    @property
    def driver2_url(self) -> str:
        """Driver2's base URL."""
        return self._started_url() + DRIVER2_PATH

    @property
    def kp_url(self) -> str:
        """KP's base URL."""
        return self._started_url() + KP_PATH

    @property
    def settings(self) -> Settings:
        """`Settings` with this sandbox's URLs and credentials."""
        return settings_at(self._started_url())

    def _started_url(self) -> str:
        if not self.url:
            raise SandboxError(
                "the sandbox is not running: use it as a context manager or call start()"
            )
        return self.url

    def start(self) -> Self:
        """Generate the data, start serving, and return once requests are answered."""
        if self._thread is not None:
            raise SandboxError("the sandbox is already running")
        sock = _listen(self._host, 0)
        ready = threading.Event()
        self._state = SandboxState(self.config)
        self._server = _server(self._state, on_ready=ready.set, quiet=True)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="driver2-kp-sandbox",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(_STARTUP_TIMEOUT) or not self._thread.is_alive():
            self.stop()
            sock.close()
            raise SandboxError("the sandbox did not start; see the log of 'uvicorn.error'")
        host = f"[{self._host}]" if ":" in self._host else self._host
        self.url = f"http://{host}:{sock.getsockname()[1]}"
        self._control = httpx.Client(base_url=self.url + CONTROL_PATH, timeout=30.0)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_STARTUP_TIMEOUT)
        if self._state is not None:
            self._state.close()
        self._thread = self._server = self._state = None
        self.url = ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url or None!r}, seed={self.config.seed})"

    # --- control ------------------------------------------------------------------

    def _call(self, method: str, path: str, body: object = None) -> httpx.Response:
        if self._control is None:
            raise SandboxError("the sandbox is not running")
        response = self._control.request(method, path, json=body)
        if response.is_error:
            raise SandboxError(
                f"{method} {CONTROL_PATH}{path} failed: {response.status_code} {response.text}"
            )
        return response

    def reset(self) -> None:
        """Restore the seeded data; clear tokens' history, idempotency keys, the log and faults.

        Requests still in flight (a test's callers gave up on them) are let
        finish first, for up to 15 s, so that the next test meets an idle sandbox.
        """
        self._call("POST", "/reset")

    def requests(self, service: str | None = None) -> list[LoggedRequest]:
        """The requests received since the last reset, oldest first; optionally of one service."""
        params = "" if service is None else f"?service={service}"
        entries = self._call("GET", "/requests" + params).json()["requests"]
        return [LoggedRequest(**entry) for entry in entries]

    def driver2_token(self) -> str:
        """A fresh Driver2 access token, for code that calls Driver2 without the clients."""
        response = httpx.post(
            self.driver2_url + "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        if response.is_error:
            raise SandboxError(f"POST /oauth/token failed: {response.status_code}")
        token: str = response.json()["access_token"]
        return token

    def peak_in_flight(self, service: str) -> int:
        """The most requests to ``service`` that overlapped since the last reset.

        Counted from the log's ``arrived`` and ``left`` times, so requests from
        before the reset (another test's, still running) do not count.
        """
        edges = []
        for entry in self.requests(service):
            if entry.arrived is not None:
                edges.append((entry.arrived, 1))
                if entry.left is not None:
                    edges.append((entry.left, -1))
        peak = running = 0
        for _, step in sorted(edges, key=lambda edge: (edge[0], edge[1])):
            running += step
            peak = max(peak, running)
        return peak

    def configure(self, **changes: Unpack[RuntimeChanges]) -> SandboxConfig:
        """Change latency, jitter, fault rate, max concurrency or token TTL while running."""
        config = self._call("PUT", "/config", changes).json()
        return SandboxConfig(**config)

    def expire_tokens(self) -> None:
        """Expire every Driver2 token issued so far."""
        self._call("POST", "/expire-tokens")

    def script_faults(self, *scripts: FaultScript) -> None:
        """Replace the scripted faults; none clears them.

        ``sb.script_faults(FaultScript(service="driver2", method="POST", path="/customers",
        fault="commit-then-drop"))`` commits the next create and drops its connection.
        """
        self._call("PUT", "/faults", [s.to_json() for s in scripts]) if scripts else self._call(
            "DELETE", "/faults"
        )
