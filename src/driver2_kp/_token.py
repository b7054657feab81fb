"""Driver2's OAuth 2.0 client-credentials token: fetched once, shared, refreshed in time.

The token request is an `Operation` like any other (``POST /oauth/token``): it
passes the client's gate, is retried on transient failures, and fits in the
deadline of the call that needs it. `TokenCache` decides, on plain values, when
a new token is needed: none yet, one about to expire, or the one a 401 refused.

Fetching is single-flight: the first caller that needs a token fetches it, and
every caller that needs one meanwhile waits for that fetch, each only as long
as its own deadline allows, and shares its outcome, a token or the error. When
the fetcher's own deadline ended the fetch, a waiter whose deadline ends more
than 0.1 s later fetches again. `SyncTokens` (threads) and `AsyncTokens`
(tasks) only wait.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, Final

import attrs
import httpx

from ._deadline import Deadline
from ._errors import DeadlineExceededError, ResponseFormatError, TransportError
from ._http import Call, ErrorBody, Observer, Operation, deadline_error
from ._settings import HEADER_SAFE, Secret

__all__ = [
    "ENDPOINT",
    "AsyncTokens",
    "SyncTokens",
    "Token",
    "TokenCache",
    "retrieve",
    "token_request",
]

SERVICE: Final = "Driver2"
STEP: Final = "requesting a Driver2 token"
ENDPOINT: Final = "POST /oauth/token"
"""The token request, as errors name it: a 404 there means DRIVER2_BASE_URL's path is wrong."""
_WAITING: Final = "for the token request to answer"
_LATER: Final = 0.1
"""Seconds by which a waiter's deadline must outlast the fetcher's for it to fetch again."""
_CREDENTIALS: Final = "check DRIVER2_CLIENT_ID and DRIVER2_CLIENT_SECRET"
_BASE_PATH: Final = (
    "no token endpoint at {base}/oauth/token: DRIVER2_BASE_URL's path looks wrong "
    "(it is the API's base, e.g. https://driver2.example.be/api/v2)"
)


@attrs.frozen
class Token:
    """An access token and how long it lives, in seconds."""

    value: str = attrs.field(repr=False)
    expires_in: float


def _oauth_error(response: httpx.Response) -> ErrorBody:
    """The token endpoint's ``{"error": ...}``, with what the user should check."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    hint = None
    if response.status_code in (400, 401, 403) and error in (None, "invalid_client"):
        hint = _CREDENTIALS
    elif response.status_code == 404:
        try:
            base = str(response.request.url).removesuffix("/oauth/token")
        except RuntimeError:  # a response made without its request
            base = "DRIVER2_BASE_URL"
        hint = _BASE_PATH.format(base=base)
    return ErrorBody(code=error if isinstance(error, str) else None, hint=hint)


def _read_token(response: httpx.Response) -> Token:
    try:
        body = response.json()
        token, lifetime = body["access_token"], body["expires_in"]
    except (ValueError, KeyError, TypeError):
        token = lifetime = None
    if (
        isinstance(token, str)
        and HEADER_SAFE.fullmatch(token)  # sent as "Bearer <token>": visible ASCII only
        and isinstance(lifetime, int | float)
        and not isinstance(lifetime, bool)
        and 0 < lifetime < math.inf
    ):
        return Token(token, float(lifetime))
    raise ResponseFormatError(
        "the token answer has no access_token and expires_in",
        service=SERVICE,
        endpoint=ENDPOINT,
    )


def token_request(client_id: str, client_secret: Secret) -> Operation[Token]:
    """``POST /oauth/token``: a token for these client credentials (a form, as OAuth wants)."""
    call = Call(
        service=SERVICE,
        method="POST",
        path="/oauth/token",
        endpoint=ENDPOINT,
        step=STEP,
        read_error=_oauth_error,
        form=(
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ),
        repeatable=True,  # a second token request is harmless
    )
    return Operation(call, _read_token)


@attrs.define
class TokenCache:
    """The token held, and when to replace it: decisions only.

    ``refresh_margin`` (seconds, default 60) is how long before expiry a token
    is replaced; a token that lives shorter than twice that is used for half
    its life.
    """

    refresh_margin: float = 60.0
    clock: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)
    _token: str | None = attrs.field(default=None, repr=False)
    _renew_at: float = 0.0

    def usable(self, refused: str | None = None) -> str | None:
        """The token to use, or ``None`` if a new one is needed (``refused`` by a 401)."""
        if self._token is None or self._token == refused or self.clock() >= self._renew_at:
            return None
        return self._token

    def keep(self, token: Token) -> str:
        """Hold a new token; return its value."""
        margin = min(self.refresh_margin, token.expires_in / 2)
        self._token, self._renew_at = token.value, self.clock() + token.expires_in - margin
        return token.value


class _Abandoned(Exception):  # noqa: N818 - what happened to the fetch, for its waiters
    """The fetcher was interrupted: its waiters fetch again."""


def _outlasts(waiter: Deadline, fetcher: Deadline) -> bool:
    """Whether a waiter has time left well after the fetcher's deadline ran out."""
    return waiter.at > fetcher.at + _LATER and waiter.left() > 0


def _waited_too_long(operation: Operation[Token], deadline: Deadline) -> DeadlineExceededError:
    return deadline_error(operation.call, deadline, step=STEP, attempts=0, waiting=_WAITING)


class SyncTokens:
    """Single-flight tokens for threads: one fetches, the others wait on its future."""

    def __init__(
        self,
        cache: TokenCache,
        operation: Operation[Token],
        perform: Callable[[Operation[Token], Deadline, Observer | None], Token],
    ) -> None:
        self._cache = cache
        self._operation = operation
        self._perform = perform
        self._lock = threading.Lock()
        self._flight: Future[str] | None = None
        self._fetcher = Deadline(0.0, 0.0)
        """The deadline of the caller fetching (or who fetched last)."""

    def get(self, refused: str | None, deadline: Deadline, observe: Observer | None = None) -> str:
        """A usable token, fetched if need be, within ``deadline``.

        The caller who fetches it tells ``observe`` of its attempts and waits.
        """
        while True:
            with self._lock:
                token = self._cache.usable(refused)
                if token is not None:
                    return token
                leading = self._flight is None
                if self._flight is None:
                    self._flight, self._fetcher = Future(), deadline
                flight, fetcher = self._flight, self._fetcher
            if leading:
                return self._fetch(flight, deadline, observe)
            try:
                return flight.result(timeout=max(deadline.left(), 0.0))
            except TimeoutError:
                raise _waited_too_long(self._operation, deadline) from None
            except DeadlineExceededError:
                if not _outlasts(deadline, fetcher):
                    raise
                # The fetcher's deadline ran out, ours has time: fetch again.
            except _Abandoned:
                pass  # the fetcher was interrupted (Ctrl+C): fetch again

    def _fetch(self, flight: Future[str], deadline: Deadline, observe: Observer | None) -> str:
        try:
            token = self._perform(self._operation, deadline, observe)
        except BaseException as error:
            with self._lock:
                self._flight = None
            # An interruption is the fetcher's own, not its waiters'.
            flight.set_exception(error if isinstance(error, Exception) else _Abandoned())
            raise
        with self._lock:
            value = self._cache.keep(token)
            self._flight = None
        flight.set_result(value)
        return value


class AsyncTokens:
    """Single-flight tokens for tasks: the fetch is a task of its own, awaited shielded.

    A caller that gives up (its deadline, a cancellation) leaves the fetch
    running for the others; `close` cancels one still running.
    """

    def __init__(
        self,
        cache: TokenCache,
        operation: Operation[Token],
        perform: Callable[[Operation[Token], Deadline, Observer | None], Awaitable[Token]],
    ) -> None:
        self._cache = cache
        self._operation = operation
        self._perform = perform
        self._flight: asyncio.Task[str] | None = None
        self._fetcher = Deadline(0.0, 0.0)
        """The deadline of the caller fetching (or who fetched last)."""

    async def get(
        self, refused: str | None, deadline: Deadline, observe: Observer | None = None
    ) -> str:
        """A usable token, fetched if need be, within ``deadline``; see `SyncTokens.get`."""
        while True:
            token = self._cache.usable(refused)
            if token is not None:
                return token
            loop = asyncio.get_running_loop()
            if self._flight is not None and (
                self._flight.done() or self._flight.get_loop() is not loop
            ):
                self._flight = None  # ended, or of an event loop that is gone
            leading = self._flight is None
            if self._flight is None:
                self._flight = loop.create_task(self._fetch(deadline, observe))
                self._flight.add_done_callback(self._landed)
                self._flight.add_done_callback(retrieve)
                self._fetcher = deadline
            flight, fetcher = self._flight, self._fetcher
            try:
                if leading:  # the fetch ends by this caller's deadline: its own error says how
                    return await asyncio.shield(flight)
                async with asyncio.timeout(max(deadline.left(), 0.0)):
                    return await asyncio.shield(flight)
            except TimeoutError:
                raise _waited_too_long(self._operation, deadline) from None
            except DeadlineExceededError:
                if not _outlasts(deadline, fetcher):
                    raise
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if flight.cancelled() and (current is None or not current.cancelling()):
                    call = self._operation.call  # closed under us, not cancelled ourselves
                    raise TransportError(
                        "the client is closed", service=call.service, endpoint=call.endpoint
                    ) from None
                raise

    async def _fetch(self, deadline: Deadline, observe: Observer | None) -> str:
        return self._cache.keep(await self._perform(self._operation, deadline, observe))

    def _landed(self, flight: asyncio.Task[str]) -> None:
        # Here, not in _fetch: a task cancelled before it began never runs its body.
        if self._flight is flight:
            self._flight = None

    def close(self) -> None:
        """Cancel a fetch still running."""
        if self._flight is not None:
            self._flight.cancel()


def retrieve(task: asyncio.Task[Any]) -> None:
    """A task's error retrieved, for a task no one may wait for any more (a done-callback).

    Its waiters may have given up before it ended: its error is theirs to see,
    not the event loop's "exception was never retrieved".
    """
    if not task.cancelled():
        task.exception()
