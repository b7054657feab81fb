"""What every client shares: an httpx client, its gate, its token, and `perform`.

`SyncClient` and `AsyncClient` differ only in sending, waiting and closing; what
to send and how to read the answer is an `Operation`, built by the pure
functions of `driver2_kp.driver2` and `driver2_kp.kp`, and what to do when is
decided by `driver2_kp._http.call_flow`.
"""

from __future__ import annotations

import asyncio
import contextvars
import platform
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Final, Self, TypeVar

import attrs
import httpx

from ._attempt import attempt_timeout, run_async_attempt, run_attempt
from ._deadline import Deadline, Expired
from ._errors import TransportError
from ._gate import AsyncGate, GateState, Slot, SyncGate
from ._http import (
    Authorize,
    Call,
    Flow,
    Observer,
    Operation,
    Send,
    call_flow,
    run_async,
    run_sync,
)
from ._logs import install
from ._retry import RetryPolicy, Timeouts
from ._settings import Secret, Settings
from ._token import AsyncTokens, SyncTokens, Token, TokenCache

__all__ = ["USER_AGENT", "AsyncClient", "Endpoint", "SyncClient"]

T = TypeVar("T")


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


USER_AGENT: Final = (
    f"driver2-kp/{_version('driver2-kp')} httpx/{httpx.__version__} "
    f"python/{platform.python_version()}"
)
"""The ``User-Agent`` of every request, so that a service's operators can tell us apart."""

_ATTEMPT: Final = "driver2-kp-attempt"
"""The name of the thread a blocking client sends an attempt from."""

install()  # personal data out of httpx's and httpcore's records of our requests


@attrs.frozen
class Endpoint:
    """Where a service is, how to authenticate to it, its timeouts and its bound in flight."""

    base_url: str
    timeouts: Timeouts
    max_in_flight: int
    start_in_flight: int | None = None
    """How many the gate lets through at first: what the contract says the service takes."""
    headers: Mapping[str, Secret] = attrs.field(factory=dict, repr=False)
    """Headers that authenticate every request (KP's ``X-API-Key``)."""
    token: Operation[Token] | None = None
    """The token request, for a service that wants a bearer token (Driver2)."""


@attrs.frozen
class _Plan:
    """One call as a client makes it: its deadline, its timeouts, whether it needs a token."""

    call: Call
    deadline: Deadline
    timeouts: Timeouts
    authorize: bool
    step: str | None


class _Client:
    """What both kinds of client hold: where, how to authenticate, timeouts, retries, gate.

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
        self._endpoint_headers = endpoint.headers
        self._token_operation = endpoint.token
        self._timeouts = timeouts or endpoint.timeouts
        self._retry = retry or settings.retry
        self._gate_state = GateState(
            endpoint.max_in_flight, start_at=endpoint.start_in_flight, spaced=self._retry.wait
        )
        self._owned = not custom
        # The pool follows the gate: a request let through never waits for a connection.
        self._limits = httpx.Limits(
            max_connections=endpoint.max_in_flight,
            max_keepalive_connections=endpoint.max_in_flight,
        )

    @property
    def timeouts(self) -> Timeouts:
        """The timeouts of each call, unless a method is given its own."""
        return self._timeouts

    @property
    def retry(self) -> RetryPolicy:
        """When this client retries a failed call."""
        return self._retry

    @property
    def max_in_flight(self) -> int:
        """The most requests this client ever has in flight (its settings' bound)."""
        return self._gate_state.max_in_flight

    @property
    def in_flight_limit(self) -> int:
        """How many requests the gate lets through at once now (it adapts; see the docs)."""
        return int(self._gate_state.limit)

    def _plan(
        self,
        call: Call,
        *,
        timeouts: Timeouts | None = None,
        deadline: Deadline | None = None,
        step: str | None = None,
        token: bool = False,
    ) -> _Plan:
        """How to make ``call``: within its own deadline, or the caller's if that ends sooner.

        A token request (``token``) runs within the deadline of the call that needs it.
        """
        timeouts = timeouts or self._timeouts
        if not token:
            deadline = Deadline.after(timeouts.deadline).sooner(deadline)
        assert deadline is not None
        authorize = not token and self._token_operation is not None
        return _Plan(call, deadline, timeouts, authorize=authorize, step=step)

    def _flow(self, plan: _Plan) -> Flow:
        return call_flow(
            plan.call,
            deadline=plan.deadline,
            timeouts=plan.timeouts,
            retry=self._retry,
            authorize=plan.authorize,
            step=plan.step,
        )

    def _request(
        self, http: httpx.Client | httpx.AsyncClient, plan: _Plan, send: Send
    ) -> httpx.Request:
        """The request of one attempt, built once it has its place at the gate."""
        timeout = attempt_timeout(send.timeout, plan.deadline)
        headers = {"User-Agent": USER_AGENT}
        headers |= {name: secret.reveal() for name, secret in self._endpoint_headers.items()}
        if send.token is not None:
            headers["Authorization"] = f"Bearer {send.token}"
        return plan.call.request(http, self._base_url, headers, timeout)

    @staticmethod
    def _closed(call: Call) -> TransportError:
        return TransportError("the client is closed", service=call.service, endpoint=call.endpoint)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"


class SyncClient(_Client):
    """A blocking client over an `httpx.Client` (the caller's, or its own); a context manager.

    Pass ``http_client`` (your own `httpx.Client`, for proxies, certificates or
    HTTP/2; it is not closed here) or ``transport``. ``timeouts`` and ``retry``
    override those of ``settings``; every method also takes ``timeouts``. It is
    safe to share between threads: they share its gate and its token.
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
        self._http = http_client or httpx.Client(transport=transport, limits=self._limits)
        self._gate = SyncGate(self._gate_state)
        self._tokens = (
            None
            if self._token_operation is None
            else SyncTokens(TokenCache(), self._token_operation, self._fetch_token)
        )

    def perform(
        self,
        operation: Operation[T],
        *,
        timeouts: Timeouts | None = None,
        deadline: Deadline | None = None,
        step: str | None = None,
        observe: Observer | None = None,
    ) -> T:
        """Send ``operation`` (made by a request builder) and read its answer.

        The one way every method of a client, and `CustomerLookup`, sends a
        request: through the gate, with a token if the service wants one,
        retried on transient failures until the deadline. The deadline is the
        call's own (``timeouts.deadline``), or ``deadline`` if that ends sooner;
        ``step`` names what is done in a `DeadlineExceededError`; ``observe`` is
        told of each attempt and wait before it happens.

        Example::

            from driver2_kp.driver2 import get_customer_request

            customer = driver2.perform(get_customer_request("74050"))
        """
        plan = self._plan(operation.call, timeouts=timeouts, deadline=deadline, step=step)
        return operation.read(self._exchange(plan, observe))

    def _fetch_token(self, operation: Operation[Token], deadline: Deadline) -> Token:
        plan = self._plan(operation.call, deadline=deadline, token=True)
        return operation.read(self._exchange(plan))

    def _exchange(self, plan: _Plan, observe: Observer | None = None) -> httpx.Response:
        def send(instruction: Send) -> httpx.Response:
            if self._http.is_closed:
                raise self._closed(plan.call)
            slot = self._gate.acquire(plan.deadline)
            answer: Future[httpx.Response] = Future()
            try:
                request = self._request(self._http, plan, instruction)
                # The caller's context goes along: request ids and tracing in hooks.
                context = contextvars.copy_context()
                threading.Thread(
                    target=context.run,
                    args=(self._attempt, request, slot, answer, plan.timeouts.longest_attempt),
                    name=_ATTEMPT,
                    daemon=True,
                ).start()
            except BaseException:
                self._gate.release(slot)
                raise
            try:
                return answer.result(timeout=max(plan.deadline.left(), 0.0))
            except TimeoutError:
                raise Expired("for the answer", sent=True) from None
            except RuntimeError:
                if self._http.is_closed:  # closed while it was sent: say so, in our words
                    raise self._closed(plan.call) from None
                raise

        def token(instruction: Authorize) -> str:
            assert self._tokens is not None
            return self._tokens.get(instruction.refused, plan.deadline)

        return run_sync(self._flow(plan), send=send, authorize=token, observe=observe)

    def _attempt(
        self, request: httpx.Request, slot: Slot, answer: Future[httpx.Response], limit: float
    ) -> None:
        """One attempt, in a thread of its own; its place at the gate is given back after."""
        try:
            run_attempt(self._http, request, slot, answer, limit)
        finally:
            self._gate.release(slot)

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
    async transport. Its tasks share its gate and its token; a caller stops
    waiting at its deadline, whatever the attempt is doing.
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
        self._http = http_client or httpx.AsyncClient(transport=transport, limits=self._limits)
        self._gate = AsyncGate(self._gate_state)
        self._attempts: set[asyncio.Task[httpx.Response]] = set()
        self._tokens = (
            None
            if self._token_operation is None
            else AsyncTokens(TokenCache(), self._token_operation, self._fetch_token)
        )

    async def perform(
        self,
        operation: Operation[T],
        *,
        timeouts: Timeouts | None = None,
        deadline: Deadline | None = None,
        step: str | None = None,
        observe: Observer | None = None,
    ) -> T:
        """Send ``operation`` and read its answer: see `SyncClient.perform`.

        Example::

            customer = await driver2.perform(get_customer_request("74050"))
        """
        plan = self._plan(operation.call, timeouts=timeouts, deadline=deadline, step=step)
        return operation.read(await self._exchange(plan, observe))

    async def _fetch_token(self, operation: Operation[Token], deadline: Deadline) -> Token:
        plan = self._plan(operation.call, deadline=deadline, token=True)
        return operation.read(await self._exchange(plan))

    async def _exchange(self, plan: _Plan, observe: Observer | None = None) -> httpx.Response:
        async def send(instruction: Send) -> httpx.Response:
            if self._http.is_closed:
                raise self._closed(plan.call)
            slot = await self._gate.acquire(plan.deadline)
            try:
                request = self._request(self._http, plan, instruction)
            except BaseException:
                self._gate.release(slot)
                raise
            limit = plan.timeouts.longest_attempt
            attempt = asyncio.ensure_future(run_async_attempt(self._http, request, slot, limit))
            # Given back when the attempt ends, however: even cancelled before it began.
            attempt.add_done_callback(lambda _: self._gate.release(slot))
            self._attempts.add(attempt)
            attempt.add_done_callback(self._attempts.discard)
            attempt.add_done_callback(_retrieve)
            try:
                async with asyncio.timeout(max(plan.deadline.left(), 0.0)):
                    return await asyncio.shield(attempt)
            except TimeoutError:
                raise Expired("for the answer", sent=True) from None
            except asyncio.CancelledError:
                if attempt.cancelled() and not _being_cancelled():
                    raise self._closed(plan.call) from None  # aclose did it, not our caller
                raise

        async def token(instruction: Authorize) -> str:
            assert self._tokens is not None
            return await self._tokens.get(instruction.refused, plan.deadline)

        return await run_async(self._flow(plan), send=send, authorize=token, observe=observe)

    async def aclose(self) -> None:
        """Cancel the attempts still running; close the pool (unless it is ``http_client``)."""
        if self._tokens is not None:
            self._tokens.close()
        for attempt in list(self._attempts):
            attempt.cancel()
        await asyncio.gather(*self._attempts, return_exceptions=True)
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


def _retrieve(attempt: asyncio.Task[httpx.Response]) -> None:
    # A caller that stopped waiting leaves the attempt's error unread: read it
    # here, or the event loop reports "exception was never retrieved".
    if not attempt.cancelled():
        attempt.exception()


def _being_cancelled() -> bool:
    """Whether the current task is being cancelled (by its caller, not by us)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
