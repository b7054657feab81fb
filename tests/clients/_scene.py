"""What a client test sees, whatever the mode: settings, the sandbox's controls, what was sent.

A test reads the same in the three modes (see ``conftest.py``). `Scene` gives it
the `Settings` to use, clients whose every HTTP exchange is kept (token requests
included, in every mode: the transport sees what vcrpy plays back too), and the
sandbox's controls, which do nothing when cassettes are replayed: the cassette
already holds the answers those controls produced when it was recorded.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final, Literal

import attrs
import httpx

from driver2_kp import (
    AsyncCustomerLookup,
    AsyncDriver2Client,
    AsyncKPClient,
    CustomerLookup,
    Driver2Client,
    KPClient,
    Settings,
)
from driver2_kp.sandbox import (
    CLIENT_ID,
    CLIENT_SECRET,
    KP_API_KEY,
    FaultScript,
    LoggedRequest,
    Sandbox,
)

__all__ = [
    "FIXED_ORIGIN",
    "REPLAY_SETTINGS",
    "Exchange",
    "Mode",
    "Scene",
    "to_fixed_origin",
]

Mode = Literal["replay", "live", "record"]

FIXED_HOST: Final = "sandbox.test"
FIXED_ORIGIN: Final = "http://" + FIXED_HOST
"""Where the cassettes say the sandbox was, whatever port it had when they were recorded."""
DRIVER2_PATH: Final = "/driver2/api/v2"
KP_PATH: Final = "/kp/api/v1"
REPLAY_SETTINGS: Final = Settings(
    driver2_base_url=FIXED_ORIGIN + DRIVER2_PATH,
    driver2_client_id=CLIENT_ID,
    driver2_client_secret=CLIENT_SECRET,
    kp_base_url=FIXED_ORIGIN + KP_PATH,
    kp_api_key=KP_API_KEY,
)
"""The settings when replaying: the credentials never reach a cassette (they are scrubbed)."""

_LOCAL_ORIGIN: Final = re.compile(r"^http://127\.0\.0\.1:[0-9]+")
_CONTROL: Final = re.compile(r"^[a-z]+://[^/]+/_sandbox/")


def to_fixed_origin(request: Any) -> Any:
    """vcrpy's ``before_record_request``: the sandbox's origin made fixed, its controls dropped.

    vcrpy applies it to each request before recording it and before looking it up
    in a cassette, so a request to ``http://127.0.0.1:PORT`` and one to
    ``http://sandbox.test`` are the same to it. The ``/_sandbox`` control requests
    (reset, faults, expire-tokens) are the scene, not what the clients sent: they
    are neither recorded nor looked up.
    """
    request.uri = _LOCAL_ORIGIN.sub(FIXED_ORIGIN, request.uri)
    if _CONTROL.match(request.uri):
        return None
    if "host" in request.headers:
        request.headers["host"] = FIXED_HOST
    return request


@attrs.define
class Exchange:
    """One request a client sent, and its response (``None`` if none came)."""

    request: httpx.Request
    headers: httpx.Headers = attrs.field(init=False)
    """The request's headers as they were sent (httpx's auth reuses the request object)."""
    response: httpx.Response | None = None

    def __attrs_post_init__(self) -> None:
        self.headers = self.request.headers.copy()

    @property
    def service(self) -> str:
        """``driver2`` or ``kp``."""
        return "kp" if self.request.url.path.startswith(KP_PATH) else "driver2"

    @property
    def path(self) -> str:
        """The path relative to the service's base URL, e.g. ``/customers/74050``."""
        path = self.request.url.path
        return path.removeprefix(KP_PATH if self.service == "kp" else DRIVER2_PATH)


class _RecordingTransport(httpx.BaseTransport):
    """An `httpx.HTTPTransport` (the one vcrpy patches) keeping every exchange."""

    def __init__(self, exchanges: list[Exchange]) -> None:
        self._inner = httpx.HTTPTransport()
        self._exchanges = exchanges

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = Exchange(request)
        self._exchanges.append(exchange)
        exchange.response = self._inner.handle_request(request)
        return exchange.response

    def close(self) -> None:
        self._inner.close()


class _AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """An `httpx.AsyncHTTPTransport` (the one vcrpy patches) keeping every exchange."""

    def __init__(self, exchanges: list[Exchange]) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._exchanges = exchanges

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = Exchange(request)
        self._exchanges.append(exchange)
        exchange.response = await self._inner.handle_async_request(request)
        return exchange.response

    async def aclose(self) -> None:
        await self._inner.aclose()


@attrs.define
class Scene:
    """The settings, clients and sandbox controls of one client test."""

    mode: Mode
    settings: Settings
    """Where the services are (the sandbox, or the cassettes' fixed origin), no waiting."""
    sandbox: Sandbox | None = None
    """The running sandbox; ``None`` when replaying."""
    exchanges: list[Exchange] = attrs.Factory(list)
    """Every exchange of the clients made here, oldest first, token requests included."""

    # --- clients --------------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """A transport that keeps its exchanges in `exchanges`."""
        return _RecordingTransport(self.exchanges)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async transport that keeps its exchanges in `exchanges`."""
        return _AsyncRecordingTransport(self.exchanges)

    def driver2(self, settings: Settings | None = None, **options: Any) -> Driver2Client:
        """A `Driver2Client` on these settings (or ``settings``); ``options`` go to it."""
        return Driver2Client(settings or self.settings, transport=self.transport(), **options)

    def async_driver2(self, settings: Settings | None = None, **options: Any) -> AsyncDriver2Client:
        """An `AsyncDriver2Client` on these settings (or ``settings``)."""
        return AsyncDriver2Client(
            settings or self.settings, transport=self.async_transport(), **options
        )

    def kp(self, settings: Settings | None = None, **options: Any) -> KPClient:
        """A `KPClient` on these settings (or ``settings``)."""
        return KPClient(settings or self.settings, transport=self.transport(), **options)

    def async_kp(self, settings: Settings | None = None, **options: Any) -> AsyncKPClient:
        """An `AsyncKPClient` on these settings (or ``settings``)."""
        return AsyncKPClient(settings or self.settings, transport=self.async_transport(), **options)

    @contextlib.contextmanager
    def lookup(self, settings: Settings | None = None, **options: Any) -> Iterator[CustomerLookup]:
        """A `CustomerLookup` over this scene's clients, closed on leaving; ``options`` go to it."""
        with self.driver2(settings) as driver2, self.kp(settings) as kp:
            yield CustomerLookup(driver2, kp, **options)

    @contextlib.asynccontextmanager
    async def async_lookup(
        self, settings: Settings | None = None, **options: Any
    ) -> AsyncIterator[AsyncCustomerLookup]:
        """An `AsyncCustomerLookup` over this scene's clients, closed on leaving."""
        async with self.async_driver2(settings) as driver2, self.async_kp(settings) as kp:
            yield AsyncCustomerLookup(driver2, kp, **options)

    def sent(self, service: str, method: str, path: str = "*") -> list[Exchange]:
        """The exchanges of ``service`` with this method and path (``*`` wildcards)."""
        return [
            e
            for e in self.exchanges
            if e.service == service
            and e.request.method == method
            and fnmatch.fnmatchcase(e.path, path)
        ]

    # --- the sandbox: no-ops when replaying -----------------------------------------

    @property
    def live(self) -> bool:
        """Whether a sandbox answers (live or record mode), rather than cassettes."""
        return self.sandbox is not None

    def script_faults(self, *scripts: FaultScript) -> None:
        """Script the sandbox's next faults; the cassette holds them when replaying."""
        if self.sandbox is not None:
            self.sandbox.script_faults(*scripts)

    def expire_tokens(self) -> None:
        """Expire every Driver2 token; the cassette holds the 401 when replaying."""
        if self.sandbox is not None:
            self.sandbox.expire_tokens()

    def requests(self, service: str | None = None) -> list[LoggedRequest]:
        """The sandbox's request log: only live-only tests may ask for it."""
        if self.sandbox is None:
            raise RuntimeError("the request log needs the sandbox: mark the test live_only")
        return self.sandbox.requests(service)
