"""One call to Driver2 or KP: attempts, retries, the deadline, and errors, decided once.

`call_flow` is a generator that performs no I/O of its own. It yields what to do
next (`Send` an attempt with these timeouts, or `Sleep` so long) and receives
what happened (a response, or the exception sending raised). `run_sync` and
`run_async` drive it: they hold only the sending and the sleeping, so the sync
and async clients share every decision.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from http import HTTPStatus
from typing import Final, Generic, TypeAlias, TypeVar

import attrs
import httpx

from ._errors import (
    APIError,
    APIErrorFields,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    Driver2KPError,
    DuplicateCustomerError,
    FieldError,
    IdempotencyKeyReuseError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ResponseFormatError,
    ServerError,
    TransportError,
    ValidationError,
)
from ._retry import RetryPolicy, Timeouts, parse_retry_after

__all__ = [
    "Call",
    "ErrorBody",
    "Observer",
    "Operation",
    "Send",
    "Sleep",
    "api_error",
    "call_flow",
    "json_body",
    "run_async",
    "run_sync",
]

logger = logging.getLogger("driver2_kp")


@attrs.frozen(kw_only=True)
class ErrorBody:
    """What a service's error body says, read by that service's own reader."""

    code: str | None = None
    detail: str | None = None
    errors: tuple[FieldError, ...] = ()
    existing_customer_number: str | None = None


ErrorReader: TypeAlias = Callable[[httpx.Response], ErrorBody]


@attrs.frozen(kw_only=True)
class Call:
    """One request to make, as plain data: built by the pure request builders."""

    service: str
    """``Driver2`` or ``KP``, for messages and logs."""
    method: str
    path: str
    """Relative to the service's base URL, e.g. ``/customers/74050``."""
    endpoint: str
    """Method and path template, e.g. ``GET /customers/{customerNumber}``: never personal."""
    read_error: ErrorReader
    # What is sent may be personal (a name in the query, a customer in the body):
    # kept out of the repr, which names the endpoint only.
    params: tuple[tuple[str, str], ...] = attrs.field(default=(), repr=False)
    json: object = attrs.field(default=None, repr=False)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    @property
    def replayable(self) -> bool:
        """Whether sending it twice is harmless: a GET, or a POST with an ``Idempotency-Key``."""
        return self.method == "GET" or "Idempotency-Key" in self.headers

    def request(
        self, client: httpx.Client | httpx.AsyncClient, base_url: str, timeout: httpx.Timeout
    ) -> httpx.Request:
        """The httpx request for one attempt."""
        return client.build_request(
            self.method,
            base_url + self.path,
            params=self.params,
            json=self.json,
            headers=dict(self.headers),
            timeout=timeout,
        )


@attrs.frozen
class Send:
    """Send the call once, with these timeouts."""

    timeout: httpx.Timeout
    attempt: int


@attrs.frozen
class Sleep:
    """Wait this many seconds before the next attempt."""

    seconds: float


Outcome: TypeAlias = httpx.Response | Exception
Flow: TypeAlias = Generator[Send | Sleep, Outcome | None, httpx.Response]
Observer: TypeAlias = Callable[[Send | Sleep], None]
"""Told of each attempt and each wait of a call before it happens (progress reporting)."""

_BY_STATUS: Final[Mapping[int, type[APIError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}
_BY_CODE: Final[Mapping[str, type[ConflictError]]] = {
    "duplicate": DuplicateCustomerError,
    "idempotency-key-reuse": IdempotencyKeyReuseError,
}
# Safe to resend whatever the method: the request never reached the server.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Maybe processed: resend only a replayable call. RemoteProtocolError is a stale
# keep-alive connection closed under us, not a NetworkError, and often forgotten.
_MAYBE_SENT: Final = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
_TRANSIENT_STATUSES: Final = frozenset({500, 502, 503, 504})


def api_error(service: str, endpoint: str, response: httpx.Response, body: ErrorBody) -> APIError:
    """The exception for an error answer: one table from status (and code) to class."""
    status = response.status_code
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else APIError)
    if cls is ConflictError:
        cls = _BY_CODE.get(body.code or "", ConflictError)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "error"
    message = f"{status} {reason}" + (f" ({body.code})" if body.code else "")
    common: APIErrorFields = {
        "service": service,
        "endpoint": endpoint,
        "status": status,
        "code": body.code,
        "detail": body.detail,
    }
    if cls is ValidationError:
        fields = ", ".join(e.field for e in body.errors)
        return ValidationError(
            message + (f": invalid {fields}" if fields else ""), errors=body.errors, **common
        )
    if cls is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitError(message, retry_after=retry_after, **common)
    if cls is DuplicateCustomerError:
        existing = body.existing_customer_number
        return DuplicateCustomerError(message, existing_customer_number=existing, **common)
    return cls(message, **common)


def _error(call: Call, outcome: Outcome) -> Driver2KPError | None:
    """The error an outcome is, or ``None`` for a success."""
    where = {"service": call.service, "endpoint": call.endpoint}
    if isinstance(outcome, httpx.Response):
        if outcome.is_success:
            return None
        return api_error(call.service, call.endpoint, outcome, call.read_error(outcome))
    if isinstance(outcome, Driver2KPError):
        return outcome
    if isinstance(outcome, httpx.TimeoutException):
        return RequestTimeoutError(f"timed out ({type(outcome).__name__})", **where)
    if isinstance(outcome, httpx.RequestError):
        return TransportError(f"no usable answer ({type(outcome).__name__})", **where)
    raise outcome  # not ours to translate: a bug, let it surface


def _retryable(call: Call, outcome: Outcome, error: Driver2KPError) -> bool:
    if isinstance(outcome, _NOT_SENT):
        return True
    if isinstance(outcome, _MAYBE_SENT):
        return call.replayable
    if isinstance(error, RateLimitError):
        return True  # refused before any work was done
    return isinstance(error, APIError) and error.status in _TRANSIENT_STATUSES and call.replayable


def call_flow(
    call: Call,
    *,
    timeouts: Timeouts,
    retry: RetryPolicy,
    clock: Callable[[], float] = time.monotonic,
) -> Flow:
    """Decide the attempts of one call; see the module docstring.

    Each attempt's timeouts are cut to the time left before the deadline, and no
    wait is started that would end past it: then the last error is raised.
    """
    deadline = clock() + timeouts.deadline
    waits = retry.backoff_waits()
    for attempt in range(1, retry.attempts + 1):
        left = deadline - clock()
        if left <= 0:
            raise RequestTimeoutError(
                f"no answer within the deadline of {timeouts.deadline:g} s",
                service=call.service,
                endpoint=call.endpoint,
            )
        started = clock()
        outcome = yield Send(timeouts.for_attempt(left), attempt)
        assert outcome is not None
        error = _error(call, outcome)
        status = (
            outcome.status_code if isinstance(outcome, httpx.Response) else type(outcome).__name__
        )
        logger.debug(
            "%s %s: %s in %.3f s (attempt %d)",
            call.service,
            call.endpoint,
            status,
            clock() - started,
            attempt,
        )
        if error is None:
            assert isinstance(outcome, httpx.Response)
            return outcome
        cause = outcome if isinstance(outcome, Exception) and outcome is not error else None
        if attempt == retry.attempts or not _retryable(call, outcome, error):
            raise error from cause
        # The server's delay is waited as given: no jitter shortens it.
        asked = error.retry_after if isinstance(error, RateLimitError) else None
        if asked is None and isinstance(outcome, httpx.Response) and outcome.status_code == 503:
            asked = parse_retry_after(outcome.headers.get("Retry-After"))
        wait = asked if asked is not None else next(waits)
        too_long = asked is not None and asked > retry.max_retry_after
        if too_long or wait > deadline - clock():
            raise error from cause
        if retry.wait and wait > 0:
            yield Sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def run_sync(
    flow: Flow,
    send: Callable[[httpx.Timeout], httpx.Response],
    observe: Observer | None = None,
) -> httpx.Response:
    """Drive a call flow with blocking I/O; ``observe`` sees each instruction first."""
    instruction = next(flow)
    while True:
        if observe is not None:
            observe(instruction)
        outcome: Outcome | None = None
        if isinstance(instruction, Sleep):
            time.sleep(instruction.seconds)
        else:
            try:
                outcome = send(instruction.timeout)
            except (httpx.RequestError, Driver2KPError) as err:
                outcome = err
        try:
            instruction = flow.send(outcome)
        except StopIteration as done:
            response: httpx.Response = done.value
            return response


async def run_async(
    flow: Flow,
    send: Callable[[httpx.Timeout], Awaitable[httpx.Response]],
    observe: Observer | None = None,
) -> httpx.Response:
    """Drive a call flow with asyncio; ``observe`` sees each instruction first."""
    instruction = next(flow)
    while True:
        if observe is not None:
            observe(instruction)
        outcome: Outcome | None = None
        if isinstance(instruction, Sleep):
            await asyncio.sleep(instruction.seconds)
        else:
            try:
                outcome = await send(instruction.timeout)
            except (httpx.RequestError, Driver2KPError) as err:
                outcome = err
        try:
            instruction = flow.send(outcome)
        except StopIteration as done:
            response: httpx.Response = done.value
            return response


T = TypeVar("T")


@attrs.frozen
class Operation(Generic[T]):
    """A call and how to read its successful answer: what a client method performs."""

    call: Call
    read: Callable[[httpx.Response], T]


def json_body(response: httpx.Response, call: Call) -> object:
    """The JSON of a successful answer, or `ResponseFormatError` if it is none."""
    try:
        return response.json()
    except ValueError as err:
        kind = response.headers.get("Content-Type", "no content type")
        raise ResponseFormatError(
            f"the answer is not JSON ({kind})", service=call.service, endpoint=call.endpoint
        ) from err
