"""Driver2's OAuth 2.0 client credentials, as an `httpx.Auth`.

One token is fetched and reused until shortly before it expires; a 401 fetches a
new one once and repeats the request once. Concurrent requests (threads, or tasks)
share one fetch: whoever holds the lock fetches, the others find the new token.

The decisions and the token request are plain methods; `sync_auth_flow` and
`async_auth_flow` differ only in the lock they take.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Final

import anyio
import httpx

from ._errors import ResponseFormatError
from ._http import ErrorBody, api_error
from ._settings import Secret

__all__ = ["Driver2Auth"]

_SERVICE: Final = "Driver2"
_ENDPOINT: Final = "POST /oauth/token"


class Driver2Auth(httpx.Auth):
    """Bearer tokens from Driver2's ``POST /oauth/token``, refreshed when needed.

    ``refresh_margin`` (seconds, default 60) is how long before expiry a token is
    replaced; a token that lives shorter than twice that is used for half its life.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: Secret,
        *,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._thread_lock = threading.Lock()
        self._task_lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"Driver2Auth(token_url={self._token_url!r}, client_id={self._client_id!r})"

    # --- decisions, no I/O --------------------------------------------------------

    def _needs_token(self, used: str | None) -> bool:
        """Whether to fetch: no token, one about to expire, or the one a 401 refused."""
        return self._token is None or self._token == used or self._clock() >= self._renew_at

    def token_request(self, request: httpx.Request) -> httpx.Request:
        """The token request for ``request``: client credentials as a form, same timeouts."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret.reveal(),
        }
        # Without its own timeout the token request would get the client's default,
        # which knows nothing of Driver2's slowness nor of the call's deadline.
        extensions = {k: v for k, v in request.extensions.items() if k == "timeout"}
        return httpx.Request("POST", self._token_url, data=form, extensions=extensions)

    def read_token(self, response: httpx.Response) -> None:
        """Keep the token from the token endpoint's answer, or raise why there is none."""
        if not response.is_success:
            code = _oauth_error(response)
            raise api_error(_SERVICE, _ENDPOINT, response, ErrorBody(code=code))
        try:
            body = response.json()
            token, lifetime = body["access_token"], body["expires_in"]
        except (ValueError, KeyError, TypeError) as err:
            raise ResponseFormatError(
                "the token answer has no access_token and expires_in",
                service=_SERVICE,
                endpoint=_ENDPOINT,
            ) from err
        if (
            not isinstance(token, str)
            or not isinstance(lifetime, int | float)
            or isinstance(lifetime, bool)
        ):
            raise ResponseFormatError(
                "the token answer has no access_token and expires_in",
                service=_SERVICE,
                endpoint=_ENDPOINT,
            )
        margin = min(self._refresh_margin, lifetime / 2)
        self._token, self._renew_at = token, self._clock() + lifetime - margin

    def _authorized(self, request: httpx.Request) -> str:
        assert self._token is not None
        request.headers["Authorization"] = f"Bearer {self._token}"
        return self._token

    # --- the flows: the same steps, each with its own lock ------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Authorize ``request``, fetching or refreshing the token under a thread lock."""
        used: str | None = None
        for _ in range(2):  # the request, and its one repeat after a 401
            with self._thread_lock:
                if self._needs_token(used):
                    answer = yield self.token_request(request)
                    answer.read()
                    self.read_token(answer)
                used = self._authorized(request)
            response = yield request
            if response.status_code != 401:
                return

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Authorize ``request``, fetching or refreshing the token under a task lock."""
        used: str | None = None
        for _ in range(2):
            async with self._task_lock:
                if self._needs_token(used):
                    answer = yield self.token_request(request)
                    await answer.aread()
                    self.read_token(answer)
                used = self._authorized(request)
            response = yield request
            if response.status_code != 401:
                return


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return error if isinstance(error, str) else None
