"""One call to Driver2 or KP: token, attempts, retries, the deadline and errors, decided once.

`call_flow` is a generator that performs no I/O of its own. It yields what to do
next (`Authorize`: get a bearer token; `Send` an attempt; `Sleep` so long) and
receives what happened (a token, a response, or the exception raised). `run_sync`
and `run_async` drive it: they hold only the doing, so the sync and async
clients share every decision.

Transient failures are retried until the deadline runs out (or the policy's
optional cap on attempts is reached); when the deadline ends the call, the
error is a `DeadlineExceededError` naming the deadline, the step and the
attempts. Slow is not down: when the service answers nothing at all for the
call's outage patience (``Timeouts.patience``), the call ends sooner, with a
`ServiceDownError` that names the last failure.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping
from http import HTTPStatus
from typing import Final, Generic, TypeAlias, TypeVar

import attrs
import httpx

from ._deadline import Deadline, Expired
from ._errors import (
    APIError,
    APIErrorFields,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DeadlineExceededError,
    Driver2KPError,
    DuplicateCustomerError,
    FieldError,
    IdempotencyKeyReuseError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ResponseFormatError,
    ServerError,
    ServiceDownError,
    TransportError,
    ValidationError,
)
from ._gate import Unanswered
from ._logs import personal_data_logged
from ._retry import RetryPolicy, Timeouts, parse_retry_after
from ._settings import Secret

__all__ = [
    "Authorize",
    "Call",
    "ErrorBody",
    "Observer",
    "Operation",
    "Send",
    "Sleep",
    "api_error",
    "call_flow",
    "deadline_error",
    "down_error",
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
    hint: str | None = None
    """What the user should check, added to the message (the variable to set, say)."""


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
    step: str
    """What the call does, for messages: ``searching Driver2``."""
    read_error: ErrorReader
    # What is sent may be personal (a name in the query, a customer in the body)
    # or secret (the token request's form): kept out of the repr.
    params: tuple[tuple[str, str], ...] = attrs.field(default=(), repr=False)
    json: object = attrs.field(default=None, repr=False)
    form: tuple[tuple[str, str | Secret], ...] = attrs.field(default=(), repr=False)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    repeatable: bool = False
    """Whether sending it twice is harmless whatever its method (the token request)."""

    @property
    def replayable(self) -> bool:
        """Whether sending it twice is harmless: a GET, a POST with an ``Idempotency-Key``, ..."""
        return self.repeatable or self.method == "GET" or "Idempotency-Key" in self.headers

    def request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        base_url: str,
        headers: Mapping[str, str],
        timeouts: Mapping[str, float],
    ) -> httpx.Request:
        """The httpx request for one attempt, with the client's ``headers`` (auth, agent).

        ``timeouts`` is what httpcore reads per phase (``connect``, ``read``, ...).
        """
        form = {name: v.reveal() if isinstance(v, Secret) else v for name, v in self.form}
        request = client.build_request(
            self.method,
            base_url + self.path,
            params=self.params,
            json=self.json,
            data=form or None,
            headers={**headers, **self.headers},
        )
        request.extensions["timeout"] = timeouts
        return request


@attrs.frozen
class Authorize:
    """Get a bearer token: the valid one, or a new one if ``refused`` is the one held."""

    refused: str | None = attrs.field(repr=False)


@attrs.frozen
class Send:
    """Send the call once, with these timeouts (and this bearer token, if any)."""

    timeout: httpx.Timeout
    attempt: int
    token: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Sleep:
    """Wait this many seconds before the next attempt."""

    seconds: float
    retry_in: float | None = None
    """The whole wait before the next attempt, when this sleep is only its first part.

    A 503's ``Retry-After`` is waited in two parts: whether the rest is waited
    depends on whether the service answered others meanwhile.
    """

    @property
    def until_retry(self) -> float:
        """Seconds until the next attempt at most: what progress reports show."""
        return self.seconds if self.retry_in is None else self.retry_in


Outcome: TypeAlias = httpx.Response | str | BaseException | None
Flow: TypeAlias = Generator[Authorize | Send | Sleep, Outcome, httpx.Response]
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
# The request itself could not be made (a header a setting put in, a URL): nothing left.
_NEVER_SENT: Final = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL)
NOISE_RETRIES: Final = 2
"""A call's failures, at most, that do not make its backoff waits grow because they were noise.

A failure is noise when the service answered other calls meanwhile (see
`call_flow`): it is up (R13). Waits grow with a call's failures so as not to
press a struggling service; noise says it does not struggle, so it is waited
the backoff's first wait. Beyond these, a request that fails again and again
backs off as usual, even while others are answered.
"""


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} error"


def api_error(service: str, endpoint: str, response: httpx.Response, body: ErrorBody) -> APIError:
    """The exception for an error answer: one table from status (and code) to class."""
    status = response.status_code
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else APIError)
    if cls is ConflictError:
        cls = _BY_CODE.get(body.code or "", ConflictError)
    message = _reason(status) + (f" ({body.code})" if body.code else "")
    common: APIErrorFields = {
        "service": service,
        "endpoint": endpoint,
        "status": status,
        "code": body.code,
        "detail": body.detail,
    }
    if cls is ValidationError:
        fields = ", ".join(e.field for e in body.errors)
        message += f": invalid {fields}" if fields else ""
    message += f"; {body.hint}" if body.hint else ""
    if cls is ValidationError:
        return ValidationError(message, errors=body.errors, **common)
    if cls is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitError(message, retry_after=retry_after, **common)
    if cls is DuplicateCustomerError:
        existing = body.existing_customer_number
        return DuplicateCustomerError(message, existing_customer_number=existing, **common)
    return cls(message, **common)


def _where(error: httpx.RequestError) -> str:
    """``host:port`` of the request that failed: where the user should look."""
    try:
        url = error.request.url
    except RuntimeError:  # an error raised without its request
        return "the service"
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return f"{url.host}:{port}" if port else url.host


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
        return RequestTimeoutError(
            f"{_where(outcome)} timed out ({type(outcome).__name__})", **where
        )
    if isinstance(outcome, httpx.ConnectError):
        return TransportError(f"could not connect to {_where(outcome)} (ConnectError)", **where)
    if isinstance(outcome, _NEVER_SENT):
        return TransportError(
            f"the request could not be made ({type(outcome).__name__}): check the settings",
            **where,
        )
    if isinstance(outcome, httpx.RequestError):
        return TransportError(
            f"no usable answer from {_where(outcome)} ({type(outcome).__name__})", **where
        )
    assert isinstance(outcome, BaseException)
    raise outcome  # not ours to translate: a bug, let it surface


def _retryable(call: Call, outcome: Outcome, error: Driver2KPError) -> bool:
    if isinstance(outcome, _NOT_SENT):
        return True
    if isinstance(outcome, _MAYBE_SENT):
        return call.replayable
    if isinstance(error, RateLimitError):
        return True  # refused before any work was done
    return isinstance(error, APIError) and error.status in _TRANSIENT_STATUSES and call.replayable


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def deadline_error(
    call: Call,
    deadline: Deadline,
    *,
    step: str,
    attempts: int,
    waiting: str | None = None,
    last: Driver2KPError | None = None,
    retry_after: float | None = None,
) -> DeadlineExceededError:
    """The error for a deadline that ran out (or would, before ``retry_after`` is waited)."""
    when = f"while {step}" + (f", waiting {waiting}" if waiting else "")
    if retry_after is not None:
        ran_out = (
            f"{call.service} asks to retry after {retry_after:g} s, longer than the "
            f"{max(deadline.left(), 0):.1f} s left of the deadline of {deadline.seconds:g} s"
        )
    else:
        ran_out = f"the deadline of {deadline.seconds:g} s ran out"
    tried = _plural(attempts, "attempt")
    if last is not None:
        tried += f"; the last failed: {last}"
    return DeadlineExceededError(
        f"{ran_out} {when} ({tried})",
        service=call.service,
        endpoint=call.endpoint,
        deadline=deadline.seconds,
        step=step,
        attempts=attempts,
        last_error=last,
    )


def down_error(
    call: Call,
    *,
    silent_for: float,
    patience: float,
    attempts: int,
    last: Driver2KPError | None = None,
) -> ServiceDownError:
    """The error for a service that answered nothing for longer than the outage patience."""
    tried = _plural(attempts, "attempt")
    if last is not None:
        tried += f"; the last failed: {last}"
    else:
        tried += ", waiting for the probes of other calls"
    return ServiceDownError(
        f"{call.service} does not answer: nothing but failures for {silent_for:.1f} s, "
        f"longer than the outage patience of {patience:g} s ({tried})",
        service=call.service,
        endpoint=call.endpoint,
        silent_for=silent_for,
        patience=patience,
        attempts=attempts,
        last_error=last,
    )


def _log(call: Call, outcome: Outcome, took: float, attempt: int) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    status = outcome.status_code if isinstance(outcome, httpx.Response) else type(outcome).__name__
    # The query's values are personal: logged only when the user opted in.
    query = f" {dict(call.params)}" if call.params and personal_data_logged() else ""
    logger.debug(
        "%s %s%s: %s in %.3f s (attempt %d)",
        call.service,
        call.endpoint,
        query,
        status,
        took,
        attempt,
    )


def _stopped(
    call: Call,
    why: Expired | Unanswered,
    *,
    deadline: Deadline,
    timeouts: Timeouts,
    step: str,
    attempts: int,
    last: Driver2KPError | None,
) -> DeadlineExceededError | ServiceDownError:
    """The error of a call stopped by its deadline, or by its outage patience."""
    if isinstance(why, Unanswered):
        assert timeouts.patience is not None
        patience = timeouts.patience
        return down_error(
            call, silent_for=why.silent_for, patience=patience, attempts=attempts, last=last
        )
    attempts += why.sent
    return deadline_error(
        call, deadline, step=step, attempts=attempts, waiting=why.waiting, last=last
    )


def _authorized(
    refused: str | None, timeouts: Timeouts
) -> Generator[Authorize, Outcome, str | ServiceDownError]:
    """A bearer token; or, for a call that waits outages out, the token request's outage."""
    answer = yield Authorize(refused)
    if isinstance(answer, ServiceDownError) and timeouts.patience is None:
        return answer
    if isinstance(answer, BaseException):
        raise answer  # the token call's own error: it names its own step
    assert isinstance(answer, str)
    return answer


def _cause(outcome: Outcome, error: Driver2KPError) -> BaseException | None:
    """What ``error`` was raised from: the exception the attempt ended in, if not itself."""
    return outcome if isinstance(outcome, BaseException) and outcome is not error else None


def _count(answers: Callable[[], int] | None) -> int:
    """The answers the service has given so far, 0 if they are not counted."""
    return answers() if answers is not None else 0


def _expired(error: Driver2KPError) -> bool:
    """Whether ``error`` is a 401: the bearer token may have expired."""
    return isinstance(error, AuthenticationError) and error.status == 401


def _asked(error: Driver2KPError, outcome: Outcome) -> float | None:
    """The delay the service asked for: a 429's, or a 503's ``Retry-After``."""
    if isinstance(error, RateLimitError):
        return error.retry_after
    if isinstance(outcome, httpx.Response) and outcome.status_code == 503:
        return parse_retry_after(outcome.headers.get("Retry-After"))
    return None


def _wait_out(
    asked: float | None,
    waits: Iterator[float],
    left: float,
    *,
    outage: float | None,
    answers: Callable[[], int] | None,
    heard: int,
) -> Generator[Sleep, Outcome, None]:
    """Wait before the next attempt: the service's ``asked`` delay, else the next backoff.

    A backoff longer than the time ``left`` is cut to half of it (one more try
    fits), and no wait goes past the ``outage`` patience left. With ``answers``
    (a 503's ``Retry-After``), only the next backoff is waited first: when the
    service has given more than ``heard`` answers by then, it answered others
    meanwhile, and the 503 was a gateway's noise, not an outage.
    """
    wait = asked if asked is not None else min(next(waits), left / 2)
    if outage is not None:
        wait = min(wait, outage)
    if answers is not None:
        early = min(next(waits), wait)
        if early > 0:
            yield Sleep(early, retry_in=wait)
        if answers() > heard:
            return
        wait -= early
    if wait > 0:
        yield Sleep(wait)


def call_flow(
    call: Call,
    *,
    deadline: Deadline,
    timeouts: Timeouts,
    retry: RetryPolicy,
    authorize: bool = False,
    step: str | None = None,
    silence: Callable[[], float] | None = None,
    answers: Callable[[], int] | None = None,
) -> Flow:
    """Decide the attempts of one call; see the module docstring.

    The shell stops waiting for an answer when ``deadline`` passes (`Expired`),
    and no wait is started that would end past it: a ``Retry-After`` longer than
    the time left ends the call at once, a backoff is cut to half the time left.
    With ``authorize``, a bearer token is asked for first, and a 401 asks for a
    new one and repeats the request once. ``step`` names what the call does in a
    deadline error (``call.step`` if not given). ``silence`` says how long the
    service has answered nothing since this call began (its gate knows, from
    every call's outcomes); past ``timeouts.patience`` the call ends with
    `ServiceDownError`, and no backoff waits beyond it. The shell raises
    `Unanswered` when that patience ran out while it waited at the gate.

    ``answers`` counts the answers the service has given any call (its gate
    counts them). A 503's ``Retry-After`` says how long the service will be
    away; when it answered other calls since the call's previous attempt
    ended (or, for its first, went out) and up to the end of the backoff's
    first wait, it is not away, and the 503 was a gateway's noise (R13): the
    call tries again then instead of waiting the rest. Counting from the
    previous attempt's end takes in the wait before this one: a search retried
    after a 429 near the end of a bulk run, when few others are still out,
    knows the service answered them meanwhile. A 429's ``Retry-After`` is
    always waited.
    """
    step = step or call.step
    attempts = 0
    token: str | None = None
    refused: str | None = None
    last: Driver2KPError | None = None
    waits = retry.backoff_waits()
    heard: int | None = None
    forgiven = 0  # failures that were noise, waited without making the waits grow
    patience = timeouts.patience
    while True:
        if authorize and token is None:
            got = yield from _authorized(refused, timeouts)
            if isinstance(got, ServiceDownError):
                last = got  # the token request ran out of its patience; this call waits on
                continue
            token = got
        if deadline.left() <= 0:
            raise deadline_error(call, deadline, step=step, attempts=attempts, last=last) from last
        started = time.monotonic()
        # Answers given before it went out (after a failure: since that failure).
        heard = _count(answers) if heard is None else heard
        outcome = yield Send(timeouts.per_attempt, attempts + 1, token)
        if isinstance(outcome, Expired | Unanswered):  # the shell stopped waiting
            raise _stopped(
                call,
                outcome,
                deadline=deadline,
                timeouts=timeouts,
                step=step,
                attempts=attempts,
                last=last,
            ) from last
        attempts += 1
        _log(call, outcome, time.monotonic() - started, attempts)
        error = _error(call, outcome)
        if error is None:
            assert isinstance(outcome, httpx.Response)
            return outcome
        if authorize and _expired(error) and refused is None:
            refused, token = token, None  # the token may have expired: one new, one repeat
            heard = None  # the token's answer is not another call's
            continue
        if retry.capped(attempts) or not _retryable(call, outcome, error):
            raise error from _cause(outcome, error)
        last = error
        silent = silence() if silence is not None and patience is not None else 0.0
        if patience is not None and 0 < patience <= silent:
            raise down_error(
                call, silent_for=silent, patience=patience, attempts=attempts, last=error
            ) from error
        asked = _asked(error, outcome)  # waited as given: no jitter shortens it
        left = deadline.left()
        if asked is not None and asked >= left:
            raise deadline_error(
                call, deadline, step=step, attempts=attempts, last=error, retry_after=asked
            ) from error
        # Answers from here on are others': this attempt's own is counted already.
        seen = _count(answers)
        refusal = isinstance(error, RateLimitError)  # a 429: always waited
        noise = seen > heard and not refusal and forgiven < NOISE_RETRIES
        forgiven += noise
        if retry.wait:
            yield from _wait_out(
                asked,
                retry.backoff_waits() if noise else waits,  # noise does not make waits grow
                left,
                outage=patience - silent if patience is not None and silent > 0 else None,
                answers=answers if asked is not None and not refusal else None,
                heard=heard,
            )
        heard = seen


Instruction: TypeAlias = Authorize | Send | Sleep


def run_sync(
    flow: Flow,
    *,
    send: Callable[[Send], httpx.Response],
    authorize: Callable[[Authorize], str],
    observe: Observer | None = None,
) -> httpx.Response:
    """Drive a call flow with blocking I/O; ``observe`` sees each attempt and wait first."""
    instruction: Instruction = next(flow)
    while True:
        outcome: Outcome = None
        try:
            if isinstance(instruction, Authorize):
                outcome = authorize(instruction)
            else:
                if observe is not None:
                    observe(instruction)
                if isinstance(instruction, Sleep):
                    time.sleep(instruction.seconds)
                else:
                    outcome = send(instruction)
        except (httpx.RequestError, Driver2KPError, Expired, Unanswered) as err:
            outcome = err
        try:
            instruction = flow.send(outcome)
        except StopIteration as done:
            response: httpx.Response = done.value
            return response


async def run_async(
    flow: Flow,
    *,
    send: Callable[[Send], Awaitable[httpx.Response]],
    authorize: Callable[[Authorize], Awaitable[str]],
    observe: Observer | None = None,
) -> httpx.Response:
    """Drive a call flow with asyncio; ``observe`` sees each attempt and wait first."""
    instruction: Instruction = next(flow)
    while True:
        outcome: Outcome = None
        try:
            if isinstance(instruction, Authorize):
                outcome = await authorize(instruction)
            else:
                if observe is not None:
                    observe(instruction)
                if isinstance(instruction, Sleep):
                    await asyncio.sleep(instruction.seconds)
                else:
                    outcome = await send(instruction)
        except (httpx.RequestError, Driver2KPError, Expired, Unanswered) as err:
            outcome = err
        try:
            instruction = flow.send(outcome)
        except StopIteration as done:
            response: httpx.Response = done.value
            return response


T = TypeVar("T")


@attrs.frozen
class Operation(Generic[T]):
    """A call and how to read its successful answer: what a client performs.

    The request builders of `driver2_kp.driver2` and `driver2_kp.kp` make them;
    ``client.perform(operation)`` sends one.
    """

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
