"""What every client shares: an httpx client, its gate, its token, and `perform`.

`SyncClient` and `AsyncClient` differ only in sending, waiting and closing; what
to send and how to read the answer is an `Operation`, built by the pure
functions of `driver2_kp.driver2` and `driver2_kp.kp`, and what to do when is
decided by `driver2_kp._http.call_flow`.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
from collections.abc import AsyncIterator, Iterator, Mapping
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Final, Self, TypeVar

import attrs
import httpx

from ._attempt import ANSWER, GOING_OUT, AttemptTimeouts, bounded, phase_of
from ._budget import Unbounded, budget_of
from ._deadline import Deadline, Expired
from ._errors import TransportError
from ._gate import AsyncGate, GateState, Patience, Slot, SyncGate, verdict_of
from ._http import (
    Authorize,
    Call,
    Flow,
    Observer,
    Operation,
    Send,
    Sleep,
    call_flow,
    run_async,
    run_sync,
)
from ._logs import install, sending
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
    budget: str | None = None
    """A budget shared beyond this client (``"dask:<name>"``): see `driver2_kp._budget`."""


@attrs.frozen
class _Plan:
    """One call as a client makes it: its deadline, its timeouts, whether it needs a token."""

    call: Call
    deadline: Deadline
    timeouts: Timeouts
    authorize: bool
    step: str | None
    patience: Patience | None
    """How long the call waits while the service answers nothing, from when it began."""


def _retries(observe: Observer | None) -> Observer | None:
    """``observe``, told only of a token request's retries and waits: its first try is quiet."""
    if observe is None:
        return None
    told = observe

    def retries(instruction: Send | Sleep) -> None:
        if isinstance(instruction, Sleep) or instruction.attempt > 1:
            told(instruction)

    return retries


def _closed(call: Call) -> TransportError:
    return TransportError("the client is closed", service=call.service, endpoint=call.endpoint)


class _Attempt:
    """One attempt under way: its place at the gate, whether it went out, its timeouts.

    A context manager around the sending: on leaving, the gate learns the
    outcome and gets its place back (or a ghost), and an error is raised in
    the words the call flow understands. Both shells send inside it.
    """

    def __init__(
        self,
        plan: _Plan,
        slot: Slot,
        send: Send,
        client: httpx.Client | httpx.AsyncClient,
        gate: SyncGate | AsyncGate,
    ) -> None:
        self.plan = plan
        self.slot = slot
        self.timeouts = AttemptTimeouts(send.timeout, plan.deadline)
        self._client = client
        self._gate = gate

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if error is not None:
                failure = self._failed(error)
                if failure is not error:
                    raise failure from None
        finally:
            self._gate.release(self.slot)

    def answered(self, response: httpx.Response) -> httpx.Response:
        """The service answered: the gate learns what the answer says."""
        self.slot.verdict = verdict_of(response)
        return response

    def _failed(self, error: BaseException) -> BaseException:
        """What to raise for an attempt that ended in ``error``; what the gate learns of it."""
        cut = isinstance(error, httpx.TimeoutException) and phase_of(error) in self.timeouts.cut
        if cut or isinstance(error, Expired | TimeoutError):  # our deadline, not the service
            return self._given_up()
        self.slot.verdict = verdict_of(error)
        if not isinstance(error, Exception):  # cancelled or interrupted: we gave up too
            self._given_up()
        if isinstance(error, RuntimeError) and self._client.is_closed:  # say so, in our words
            return _closed(self.plan.call)
        return error

    def _given_up(self) -> Expired:
        """The caller gave up: a request that went out leaves a ghost at the gate.

        It lasts as long as the service could still be working on it, judged
        from the latencies it showed, never past the read timeout.
        """
        sent = self.timeouts.sent
        if sent:
            ticket, read = self.slot.ticket, self.plan.timeouts.read
            self.slot.ghost_until = self._gate.state.ghost_until(ticket, read)
        return Expired(ANSWER if sent else GOING_OUT, sent=sent)


class _Client:
    """What both kinds of client hold: where, how to authenticate, timeouts, retries, gate.

    A service's client says only where it is: ``_endpoint(settings)``.
    """

    _gate: SyncGate | AsyncGate
    """Made by each kind of client: the shell its callers wait in."""

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
        self._outlasting = attrs.evolve(self._timeouts, patience=None)
        self._retry = retry or settings.retry
        self._gate_state = GateState(
            endpoint.max_in_flight, start_at=endpoint.start_in_flight, spaced=self._retry.wait
        )
        self._budget = budget_of(
            endpoint.budget, endpoint.start_in_flight or endpoint.max_in_flight
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

    def timeouts_for(self, *, wait_out_outages: bool) -> Timeouts | None:
        """The timeouts of a call that waits outages out (no patience), made once; else ``None``."""
        return self._outlasting if wait_out_outages else None

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
        seconds = timeouts.patience
        patience = None if seconds is None else Patience(seconds, self._gate_state.clock())
        return _Plan(call, deadline, timeouts, authorize=authorize, step=step, patience=patience)

    def _flow(self, plan: _Plan) -> Flow:
        patience, gate = plan.patience, self._gate_state
        return call_flow(
            plan.call,
            deadline=plan.deadline,
            timeouts=plan.timeouts,
            retry=self._retry,
            authorize=plan.authorize,
            step=plan.step,
            silence=None if patience is None else lambda: gate.silence(patience.since),
            answers=lambda: gate.answers,
        )

    def _lease(self, slot: Slot, plan: _Plan) -> None:
        """Take a place in the budget shared beyond this client; if none came, the slot back."""
        try:
            self._budget.acquire(plan.deadline)
        except BaseException:
            self._gate.release(slot)  # never sent: the gate learns nothing
            raise

    def _request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        attempt: _Attempt,
        send: Send,
    ) -> httpx.Request:
        """The request of one attempt, built once it has its place at the gate.

        No request goes out after its caller's deadline: `Expired` if none is left.
        """
        if attempt.plan.deadline.left() <= 0:
            raise Expired(GOING_OUT)
        headers = {"User-Agent": USER_AGENT}
        headers |= {name: secret.reveal() for name, secret in self._endpoint_headers.items()}
        if send.token is not None:
            headers["Authorization"] = f"Bearer {send.token}"
        return attempt.plan.call.request(http, self._base_url, headers, attempt.timeouts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"


class SyncClient(_Client):
    """A blocking client over an `httpx.Client` (the caller's, or its own); a context manager.

    Pass ``http_client`` (your own `httpx.Client`, for proxies, certificates or
    HTTP/2; it is not closed here) or ``transport``. ``timeouts`` and ``retry``
    override those of ``settings``; every method also takes ``timeouts``. It is
    safe to share between threads: they share its gate and its token.
    """

    _gate: SyncGate

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

    def _fetch_token(
        self, operation: Operation[Token], deadline: Deadline, observe: Observer | None
    ) -> Token:
        plan = self._plan(operation.call, deadline=deadline, token=True)
        return operation.read(self._exchange(plan, observe))

    def _exchange(self, plan: _Plan, observe: Observer | None = None) -> httpx.Response:
        def send(instruction: Send) -> httpx.Response:
            if self._http.is_closed:
                raise _closed(plan.call)
            slot = self._gate.acquire(plan.deadline, plan.patience, retry=instruction.attempt > 1)
            with (
                self._leased(slot, plan),
                _Attempt(plan, slot, instruction, self._http, self._gate) as attempt,
            ):
                request = self._request(self._http, attempt, instruction)
                with sending():
                    response = self._http.send(request, stream=True)
                    return attempt.answered(bounded(response, plan.deadline))

        def token(instruction: Authorize) -> str:
            assert self._tokens is not None
            return self._tokens.get(instruction.refused, plan.deadline, _retries(observe))

        return run_sync(self._flow(plan), send=send, authorize=token, observe=observe)

    @contextlib.contextmanager
    def _leased(self, slot: Slot, plan: _Plan) -> Iterator[None]:
        """A place in the budget shared beyond this client, for one attempt."""
        self._lease(slot, plan)
        try:
            yield
        finally:
            self._budget.release()

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``)."""
        self._budget.close()
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

    _gate: AsyncGate

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

    async def _fetch_token(
        self, operation: Operation[Token], deadline: Deadline, observe: Observer | None
    ) -> Token:
        plan = self._plan(operation.call, deadline=deadline, token=True)
        return operation.read(await self._exchange(plan, observe))

    async def _exchange(self, plan: _Plan, observe: Observer | None = None) -> httpx.Response:
        async def send(instruction: Send) -> httpx.Response:
            if self._http.is_closed:
                raise _closed(plan.call)
            slot = await self._gate.acquire(
                plan.deadline, plan.patience, retry=instruction.attempt > 1
            )
            async with self._leased(slot, plan):
                return await self._attempt(plan, slot, instruction)

        async def token(instruction: Authorize) -> str:
            assert self._tokens is not None
            return await self._tokens.get(instruction.refused, plan.deadline, _retries(observe))

        return await run_async(self._flow(plan), send=send, authorize=token, observe=observe)

    @contextlib.asynccontextmanager
    async def _leased(self, slot: Slot, plan: _Plan) -> AsyncIterator[None]:
        """A place in the budget shared beyond this client, taken off the event loop."""
        if isinstance(self._budget, Unbounded):  # no thread to hop to for nothing
            yield
            return
        await asyncio.to_thread(self._lease, slot, plan)
        try:
            yield
        finally:
            await asyncio.to_thread(self._budget.release)

    async def _attempt(self, plan: _Plan, slot: Slot, instruction: Send) -> httpx.Response:
        with _Attempt(plan, slot, instruction, self._http, self._gate) as attempt:
            request = self._request(self._http, attempt, instruction)
            async with asyncio.timeout(max(plan.deadline.left(), 0.0)):
                with sending():
                    return attempt.answered(await self._http.send(request))

    async def aclose(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``)."""
        self._budget.close()
        if self._tokens is not None:
            self._tokens.close()
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
