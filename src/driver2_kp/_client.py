"""What every client shares: an httpx client, auth, timeouts, retries, and `_perform`.

`SyncClient` and `AsyncClient` differ only in sending and closing; what to send
and how to read the answer is an `Operation`, built by the pure functions of
`driver2_kp.driver2` and `driver2_kp.kp`.
"""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs
import httpx

from ._http import Flow, Observer, Operation, call_flow, run_async, run_sync
from ._retry import RetryPolicy, Timeouts
from ._settings import Secret, Settings

__all__ = ["APIKeyAuth", "AsyncClient", "Endpoint", "SyncClient"]

T = TypeVar("T")


class APIKeyAuth(httpx.Auth):
    """KP's authentication: the key in an ``X-API-Key`` header."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the key to ``request``."""
        request.headers["X-API-Key"] = self._key.reveal()
        yield request

    def __repr__(self) -> str:
        return "APIKeyAuth(key=Secret('**********'))"


@attrs.frozen
class Endpoint:
    """Where a service is, how to authenticate to it, and its default timeouts."""

    base_url: str
    auth: httpx.Auth
    timeouts: Timeouts


class _Client:
    """What both kinds of client hold: where, how to authenticate, timeouts, retries.

    A service's client says only where it is: ``_endpoint(settings)``.
    """

    @staticmethod
    def _endpoint(settings: Settings) -> Endpoint:
        raise NotImplementedError  # pragma: no cover - every service's client sets it

    def __init__(
        self,
        settings: Settings,
        timeouts: Timeouts | None,
        retry: RetryPolicy | None,
        *,
        custom: bool,
        transport: object,
    ) -> None:
        if custom and transport is not None:
            raise TypeError("pass http_client or transport, not both")
        endpoint = self._endpoint(settings)
        self.settings = settings
        """The settings this client was made with."""
        self._base_url = endpoint.base_url
        self._auth = endpoint.auth
        self._timeouts = timeouts or endpoint.timeouts
        self._retry = retry or settings.retry
        self._owned = not custom

    @property
    def timeouts(self) -> Timeouts:
        """The timeouts of each call, unless a method is given its own."""
        return self._timeouts

    @property
    def retry(self) -> RetryPolicy:
        """When this client retries a failed call."""
        return self._retry

    def _flow(self, operation: Operation[Any], timeouts: Timeouts | None) -> Flow:
        return call_flow(operation.call, timeouts=timeouts or self._timeouts, retry=self._retry)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"


class SyncClient(_Client):
    """A blocking client over an `httpx.Client` (the caller's, or its own); a context manager.

    Pass ``http_client`` (your own `httpx.Client`, for proxies, certificates or
    HTTP/2; it is not closed here) or ``transport``. ``timeouts`` and ``retry``
    override those of ``settings``; every method also takes ``timeouts``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            settings, timeouts, retry, custom=http_client is not None, transport=transport
        )
        self._http = http_client or httpx.Client(transport=transport)

    def _perform(
        self,
        operation: Operation[T],
        timeouts: Timeouts | None = None,
        observe: Observer | None = None,
    ) -> T:
        call = operation.call

        def send(timeout: httpx.Timeout) -> httpx.Response:
            request = call.request(self._http, self._base_url, timeout)
            return self._http.send(request, auth=self._auth)

        return operation.read(run_sync(self._flow(operation, timeouts), send, observe))

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``)."""
        if self._owned:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_Client):
    """An asyncio client over an `httpx.AsyncClient` (the caller's, or its own).

    Takes the same arguments as `SyncClient`, with an `httpx.AsyncClient` or an
    async transport.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            settings, timeouts, retry, custom=http_client is not None, transport=transport
        )
        self._http = http_client or httpx.AsyncClient(transport=transport)

    async def _perform(
        self,
        operation: Operation[T],
        timeouts: Timeouts | None = None,
        observe: Observer | None = None,
    ) -> T:
        call = operation.call

        async def send(timeout: httpx.Timeout) -> httpx.Response:
            request = call.request(self._http, self._base_url, timeout)
            return await self._http.send(request, auth=self._auth)

        flow = self._flow(operation, timeouts)
        return operation.read(await run_async(flow, send, observe))

    async def aclose(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``)."""
        if self._owned:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
