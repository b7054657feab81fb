"""What the sync and async clients share: an httpx client, auth, and `perform`.

`SyncSender` and `AsyncSender` differ only in sending, sleeping and closing; what
to send and how to read the answer is an `Operation`, built by pure functions in
`driver2_kp.driver2` and `driver2_kp.kp`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

import httpx

from ._http import Operation, call_flow, run_async, run_sync
from ._retry import RetryPolicy, Timeouts
from ._settings import Secret

__all__ = ["APIKeyAuth", "AsyncSender", "SyncSender"]

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


class _Sender:
    def __init__(
        self, base_url: str, auth: httpx.Auth, timeouts: Timeouts, retry: RetryPolicy
    ) -> None:
        self.base_url = base_url
        self.auth = auth
        self.timeouts = timeouts
        self.retry = retry


class SyncSender(_Sender):
    """Performs operations over a blocking `httpx.Client` (the caller's, or its own)."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        timeouts: Timeouts,
        retry: RetryPolicy,
        *,
        http_client: httpx.Client | None,
        transport: httpx.BaseTransport | None,
    ) -> None:
        super().__init__(base_url, auth, timeouts, retry)
        if http_client is not None and transport is not None:
            raise TypeError("pass http_client or transport, not both")
        self._owned = http_client is None
        self.http = http_client or httpx.Client(transport=transport)

    def perform(self, operation: Operation[T], timeouts: Timeouts | None = None) -> T:
        """Send the operation's call, retrying as the policy says; read the answer."""
        call = operation.call
        flow = call_flow(call, timeouts=timeouts or self.timeouts, retry=self.retry)

        def send(timeout: httpx.Timeout) -> httpx.Response:
            return self.http.send(call.request(self.http, self.base_url, timeout), auth=self.auth)

        return operation.read(run_sync(flow, send))

    def close(self) -> None:
        """Close the httpx client if it is ours; a caller's stays open."""
        if self._owned:
            self.http.close()


class AsyncSender(_Sender):
    """Performs operations over an `httpx.AsyncClient` (the caller's, or its own)."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        timeouts: Timeouts,
        retry: RetryPolicy,
        *,
        http_client: httpx.AsyncClient | None,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        super().__init__(base_url, auth, timeouts, retry)
        if http_client is not None and transport is not None:
            raise TypeError("pass http_client or transport, not both")
        self._owned = http_client is None
        self.http = http_client or httpx.AsyncClient(transport=transport)

    async def perform(self, operation: Operation[T], timeouts: Timeouts | None = None) -> T:
        """Send the operation's call, retrying as the policy says; read the answer."""
        call = operation.call
        flow = call_flow(call, timeouts=timeouts or self.timeouts, retry=self.retry)

        async def send(timeout: httpx.Timeout) -> httpx.Response:
            return await self.http.send(
                call.request(self.http, self.base_url, timeout), auth=self.auth
            )

        return operation.read(await run_async(flow, send))

    async def aclose(self) -> None:
        """Close the httpx client if it is ours; a caller's stays open."""
        if self._owned:
            await self.http.aclose()
