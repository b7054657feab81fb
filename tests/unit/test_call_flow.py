"""The decisions of one call, driven by hand: a fake clock, fake outcomes, no I/O."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from types import SimpleNamespace

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from driver2_kp import (
    APIError,
    AuthenticationError,
    BadRequestError,
    Deadline,
    DeadlineExceededError,
    Driver2KPError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    ServiceDownError,
    Timeouts,
    TransportError,
)
from driver2_kp._deadline import Expired
from driver2_kp._gate import Unanswered
from driver2_kp._http import (
    NOISE_RETRIES,
    Authorize,
    Call,
    ErrorBody,
    Flow,
    Send,
    Sleep,
    call_flow,
    run_async,
    run_sync,
)
from driver2_kp.driver2 import read_problem
from driver2_kp.kp import read_fehler
from tests._clock import FakeClock

Outcome = httpx.Response | BaseException

GET = Call(
    service="Driver2",
    method="GET",
    path="/customers",
    endpoint="GET /customers",
    step="searching Driver2",
    read_error=read_problem,
    params=(("name", "Goderis"), ("postcode", "9000"), ("page", "1")),
)
POST_WITH_KEY = Call(
    service="Driver2",
    method="POST",
    path="/customers",
    endpoint="POST /customers",
    step="creating a Driver2 customer",
    read_error=read_problem,
    json={"name": "Goderis"},
    headers={"Idempotency-Key": "3f1c2a9e"},
)
POST_WITHOUT_KEY = attrs.evolve(POST_WITH_KEY, headers={})
KP_GET = Call(
    service="KP",
    method="GET",
    path="/personen",
    endpoint="GET /personen",
    step="searching KP",
    read_error=read_fehler,
    params=(("nachname", "Goderis"),),
)
REPLAYABLE = [pytest.param(GET, id="GET"), pytest.param(POST_WITH_KEY, id="POST-with-key")]
ANY_CALL = [*REPLAYABLE, pytest.param(POST_WITHOUT_KEY, id="POST-without-key")]
TRANSIENT = [429, 500, 502, 503, 504]
NOT_SENT: list[type[httpx.TransportError]] = [
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
]
MAYBE_SENT: list[type[httpx.TransportError]] = [
    httpx.ReadTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
]


@attrs.define
class Run:
    """What a driven flow did: its instructions, in order, and how it ended."""

    steps: list[Authorize | Send | Sleep]
    clock: FakeClock
    started: float
    response: httpx.Response | None = None
    error: Driver2KPError | None = None

    @property
    def sends(self) -> list[Send]:
        return [step for step in self.steps if isinstance(step, Send)]

    @property
    def sleeps(self) -> list[float]:
        return [step.seconds for step in self.steps if isinstance(step, Sleep)]


def drive(
    call: Call,
    outcomes: Sequence[Outcome],
    *,
    timeouts: Timeouts | None = None,
    retry: RetryPolicy | None = None,
    clock: FakeClock | None = None,
    took: float | Sequence[float] = 0.0,
    overslept: float = 0.0,
    tokens: Sequence[str | Driver2KPError] | None = None,
    silence: Callable[[], float] | None = None,
    answers: Callable[[], int] | None = None,
) -> Run:
    """Run ``call_flow`` to its end: each attempt takes ``took`` seconds of the fake clock.

    With ``tokens``, the flow authorizes, and each `Authorize` gets the next one.
    ``silence`` is what the gate would say of how long the service has not answered;
    ``answers``, how many answers it has given any call.
    """
    clock = clock or FakeClock(1000.0)
    timeouts = timeouts or Timeouts()
    durations = [took] * len(outcomes) if isinstance(took, float | int) else list(took)
    run = Run([], clock, clock())
    flow = call_flow(
        call,
        deadline=Deadline.after(timeouts.deadline, clock=clock),
        timeouts=timeouts,
        retry=retry or RetryPolicy(),
        authorize=tokens is not None,
        silence=silence,
        answers=answers,
    )
    outcomes_left: Iterator[tuple[Outcome, float]] = iter(zip(outcomes, durations, strict=True))
    given = iter(tokens or ())
    try:
        instruction = next(flow)
        while True:
            run.steps.append(instruction)
            if isinstance(instruction, Sleep):
                clock.advance(instruction.seconds + overslept)
                instruction = flow.send(None)
            elif isinstance(instruction, Authorize):
                instruction = flow.send(next(given))
            else:
                answer = next(outcomes_left, None)
                assert answer is not None, "the flow asked for more attempts than given"
                outcome, duration = answer
                clock.advance(duration)
                instruction = flow.send(outcome)
    except StopIteration as done:
        run.response = done.value
    except Driver2KPError as err:
        run.error = err
    return run


def ok() -> httpx.Response:
    return httpx.Response(200, json={"items": []})


def status(code: int, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(code, json={"type": f"/problems/{code}"}, headers=headers)


def failure(kind: type[httpx.TransportError]) -> httpx.TransportError:
    return kind("simulated")


@pytest.fixture
def no_jitter_shrinks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make backoff's full jitter always pick 0: a jittered wait would then be no wait."""
    monkeypatch.setattr("backoff._jitter.random", SimpleNamespace(uniform=lambda a, b: a))


# --- success and what is retried -----------------------------------------------------


def test_a_success_on_the_first_try_is_returned_after_one_send() -> None:
    answer = ok()
    run = drive(GET, [answer])
    assert run.response is answer
    assert [send.attempt for send in run.sends] == [1]
    assert run.sends[0].timeout == httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=10.0)


@pytest.mark.parametrize("code", TRANSIENT)
@pytest.mark.parametrize("call", REPLAYABLE)
def test_a_replayable_call_is_retried_after_a_transient_status(call: Call, code: int) -> None:
    answer = ok()
    run = drive(call, [status(code), answer])
    assert run.response is answer
    assert [send.attempt for send in run.sends] == [1, 2]


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_a_post_without_idempotency_key_is_not_retried_after_a_5xx(code: int) -> None:
    run = drive(POST_WITHOUT_KEY, [status(code)])
    assert isinstance(run.error, ServerError)
    assert run.error.status == code
    assert len(run.sends) == 1
    assert run.sleeps == []


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_a_kp_get_is_retried_after_a_5xx(code: int) -> None:
    run = drive(KP_GET, [status(code), status(code), ok()])
    assert run.response is not None
    assert len(run.sends) == 3


@pytest.mark.parametrize("kind", NOT_SENT)
@pytest.mark.parametrize("call", ANY_CALL)
def test_a_failure_before_the_request_was_sent_is_retried_for_any_call(
    call: Call, kind: type[httpx.TransportError]
) -> None:
    run = drive(call, [failure(kind), ok()])
    assert run.response is not None
    assert len(run.sends) == 2


@pytest.mark.parametrize("kind", MAYBE_SENT)
@pytest.mark.parametrize("call", REPLAYABLE)
def test_a_failure_after_sending_is_retried_for_a_replayable_call(
    call: Call, kind: type[httpx.TransportError]
) -> None:
    run = drive(call, [failure(kind), ok()])
    assert run.response is not None
    assert len(run.sends) == 2


@pytest.mark.parametrize("kind", MAYBE_SENT)
def test_a_failure_after_sending_is_not_retried_for_a_post_without_idempotency_key(
    kind: type[httpx.TransportError],
) -> None:
    cause = failure(kind)
    run = drive(POST_WITHOUT_KEY, [cause])
    assert isinstance(run.error, TransportError)
    assert run.error.__cause__ is cause
    assert len(run.sends) == 1


def test_a_read_timeout_becomes_a_request_timeout_error_naming_the_endpoint() -> None:
    run = drive(POST_WITHOUT_KEY, [failure(httpx.ReadTimeout)])
    assert isinstance(run.error, RequestTimeoutError)
    assert str(run.error).startswith("Driver2 POST /customers: ")


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 422])
@pytest.mark.parametrize("call", [*REPLAYABLE, pytest.param(KP_GET, id="KP-GET")])
def test_a_client_error_other_than_429_is_never_retried(call: Call, code: int) -> None:
    run = drive(call, [status(code)])
    assert isinstance(run.error, APIError)
    assert run.error.status == code
    assert len(run.sends) == 1
    assert run.sleeps == []


def test_an_error_raised_while_sending_is_raised_as_is_without_retry() -> None:
    refused = AuthenticationError(
        "401 Unauthorized", service="Driver2", endpoint="POST /oauth/token", status=401
    )
    run = drive(GET, [refused])
    assert run.error is refused
    assert len(run.sends) == 1


# --- how long to wait ---------------------------------------------------------------


@pytest.mark.usefixtures("no_jitter_shrinks")
@pytest.mark.parametrize(("code", "seconds"), [(429, "7"), (503, "12"), (429, "0.5")])
def test_retry_after_in_seconds_is_waited_as_given(code: int, seconds: str) -> None:
    run = drive(GET, [status(code, retry_after=seconds), ok()])
    assert run.sleeps == [float(seconds)]
    assert run.response is not None


def answered_by_others(clock: FakeClock, *, after: float | None) -> Callable[[], int]:
    """The gate's count of answers: others are answered from ``after`` s on (``None``: never)."""
    start = clock()
    return lambda: int(after is not None and clock() - start >= after)


@pytest.fixture
def full_jitter_picks_its_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make backoff's full jitter always pick its ceiling: the first wait is ``initial_wait``."""
    monkeypatch.setattr("backoff._jitter.random", SimpleNamespace(uniform=lambda a, b: b))


@pytest.mark.usefixtures("full_jitter_picks_its_ceiling")
@pytest.mark.parametrize(
    ("others_answered_after", "sleeps"), [(0.2, [0.5]), (None, [0.5, 11.5])], ids=["noise", "away"]
)
def test_a_503s_retry_after_is_cut_short_when_the_service_answers_others(
    others_answered_after: float | None, sleeps: list[float]
) -> None:
    clock = FakeClock(1000.0)
    answers = answered_by_others(clock, after=others_answered_after)
    outcomes = [status(503, retry_after="12"), ok()]
    run = drive(GET, outcomes, clock=clock, retry=RetryPolicy(initial_wait=0.5), answers=answers)
    assert run.sleeps == sleeps
    assert run.response is not None


@pytest.mark.usefixtures("full_jitter_picks_its_ceiling")
def test_a_503s_retry_after_waited_in_two_parts_is_told_as_one_countdown() -> None:
    clock = FakeClock(1000.0)
    answers = answered_by_others(clock, after=None)
    outcomes = [status(503, retry_after="12"), ok()]
    run = drive(GET, outcomes, clock=clock, retry=RetryPolicy(initial_wait=0.5), answers=answers)
    told = [step.until_retry for step in run.steps if isinstance(step, Sleep)]
    assert told == [12.0, 11.5]  # what a progress report shows: not "retry in 0.5 s", then 11.5


@pytest.mark.usefixtures("full_jitter_picks_its_ceiling")
@pytest.mark.parametrize(
    ("others_answered_after", "sleeps"),
    [(0.5, [1.0, 0.5]), (None, [1.0, 0.5, 11.5])],
    ids=["during-the-429s-wait", "never"],
)
def test_answers_to_others_while_a_call_waited_before_its_503_make_the_503_noise(
    others_answered_after: float | None, sleeps: list[float]
) -> None:
    # Near the end of a bulk run, few calls are still out: the last of them came while
    # this one waited out its 429, and it is known that the service answers.
    clock = FakeClock(1000.0)
    answers = answered_by_others(clock, after=others_answered_after)
    outcomes = [status(429, retry_after="1"), status(503, retry_after="12"), ok()]
    run = drive(GET, outcomes, clock=clock, retry=RetryPolicy(initial_wait=0.5), answers=answers)
    assert run.sleeps == sleeps
    assert run.response is not None


def test_a_429s_retry_after_is_waited_whatever_the_service_answers_others() -> None:
    clock = FakeClock(1000.0)
    answers = answered_by_others(clock, after=0.0)
    run = drive(GET, [status(429, retry_after="12"), ok()], clock=clock, answers=answers)
    assert run.sleeps == [12.0]


@pytest.mark.usefixtures("no_jitter_shrinks")
def test_retry_after_as_an_http_date_is_waited_as_given(frozen_now: datetime) -> None:
    later = email.utils.format_datetime(frozen_now + timedelta(seconds=42), usegmt=True)
    run = drive(GET, [status(429, retry_after=later), ok()])
    assert run.sleeps == [42.0]


def test_a_retry_after_longer_than_the_time_left_ends_the_call_at_once_and_says_so() -> None:
    timeouts = Timeouts(deadline=30.0)
    run = drive(GET, [status(429, retry_after="20"), ok()], timeouts=timeouts, took=15.0)
    assert isinstance(run.error, DeadlineExceededError)
    assert isinstance(run.error.last_error, RateLimitError)
    assert run.error.last_error.retry_after == 20.0
    assert "asks to retry after 20 s, longer than the 15.0 s left" in str(run.error)
    assert run.sleeps == []


def test_a_503_retry_after_beyond_the_deadline_ends_the_call_without_sleeping() -> None:
    run = drive(GET, [status(503, retry_after="100"), ok()], timeouts=Timeouts(deadline=50.0))
    assert isinstance(run.error, DeadlineExceededError)
    assert isinstance(run.error.last_error, ServerError)
    assert run.error.__cause__ is run.error.last_error
    assert run.sleeps == []


def test_backoff_waits_are_fully_jittered_below_the_exponential_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("backoff._jitter.random", random.Random(20240201))
    policy = RetryPolicy(attempts=9, initial_wait=1.0, max_wait=10.0)
    run = drive(GET, [status(503)] * 9, retry=policy, timeouts=Timeouts(deadline=1000.0))
    ceilings = [min(1.0 * 2**n, 10.0) for n in range(8)]
    assert len(run.sleeps) == 8
    assert all(0 <= wait <= top for wait, top in zip(run.sleeps, ceilings, strict=True))
    assert any(wait < top for wait, top in zip(run.sleeps, ceilings, strict=True))


def test_backoff_ceilings_double_from_initial_wait_up_to_max_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("backoff._jitter.random", SimpleNamespace(uniform=lambda a, b: b))
    policy = RetryPolicy(attempts=7, initial_wait=0.5, max_wait=5.0)
    run = drive(GET, [status(502)] * 7, retry=policy, timeouts=Timeouts(deadline=1000.0))
    assert run.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


@pytest.mark.usefixtures("full_jitter_picks_its_ceiling")
@pytest.mark.parametrize(
    ("answered", "sleeps"),
    [(True, [0.5, 0.5, 0.5, 1.0, 2.0]), (False, [0.5, 1.0, 2.0, 4.0, 5.0])],
    ids=["noise", "failing"],
)
def test_noise_does_not_make_the_waits_grow_for_the_first_noise_retries(
    answered: bool, sleeps: list[float]
) -> None:
    # While others are answered, a 502 is noise: its first NOISE_RETRIES waits start
    # over. A request that keeps failing backs off as usual after them.
    assert NOISE_RETRIES == 2
    others = itertools.count()  # each look finds one more answer given to others
    answers = others.__next__ if answered else lambda: 0
    policy = RetryPolicy(attempts=6, initial_wait=0.5, max_wait=5.0)
    run = drive(GET, [status(502)] * 6, retry=policy, answers=answers)
    assert run.sleeps == sleeps


def test_wait_false_retries_without_any_sleep() -> None:
    answer = ok()
    outcomes: list[Outcome] = [
        status(503),
        status(429, retry_after="30"),
        failure(httpx.ConnectError),
        answer,
    ]
    run = drive(GET, outcomes, retry=RetryPolicy(attempts=5, wait=False))
    assert run.response is answer
    assert run.sleeps == []
    assert len(run.sends) == 4


# --- bounds: the deadline, and an optional cap on attempts ----------------------------


@pytest.mark.usefixtures("no_jitter_shrinks")
def test_without_a_cap_transient_failures_are_retried_until_the_deadline() -> None:
    run = drive(GET, [status(503)] * 100, timeouts=Timeouts(deadline=10.0), took=0.5)
    assert len(run.sends) == 20  # 20 attempts of 0.5 s fill the 10 s
    assert isinstance(run.error, DeadlineExceededError)
    assert (run.error.deadline, run.error.step, run.error.attempts) == (
        10.0,
        "searching Driver2",
        20,
    )
    assert isinstance(run.error.last_error, ServerError)
    assert str(run.error) == (
        "Driver2 GET /customers: the deadline of 10 s ran out while searching Driver2 "
        "(20 attempts; the last failed: Driver2 GET /customers: 503 Service Unavailable (503))"
    )


def test_attempts_are_bounded_and_the_last_error_has_the_httpx_exception_as_cause() -> None:
    causes = [failure(httpx.ConnectError) for _ in range(3)]
    outcomes: list[Outcome] = [*causes, ok()]
    run = drive(GET, outcomes, retry=RetryPolicy(attempts=3), took=[0.0] * 4)
    assert [send.attempt for send in run.sends] == [1, 2, 3]
    assert run.response is None
    assert isinstance(run.error, TransportError)
    assert run.error.__cause__ is causes[2]


def test_attempts_are_bounded_for_statuses_too_and_the_last_status_is_raised() -> None:
    run = drive(GET, [status(500), status(502), status(504)], retry=RetryPolicy(attempts=3))
    assert len(run.sends) == 3
    assert isinstance(run.error, ServerError)
    assert run.error.status == 504


def test_one_attempt_means_no_retry() -> None:
    run = drive(GET, [status(503)], retry=RetryPolicy(attempts=1))
    assert isinstance(run.error, ServerError)
    assert len(run.sends) == 1


def test_each_attempt_gets_its_configured_timeouts_the_deadline_bounds_the_wait() -> None:
    # An attempt runs to its own end (Driver2 works on it whether we wait or not);
    # the shell stops waiting for it at the deadline, which the flow names.
    timeouts = Timeouts(connect=10.0, read=60.0, write=30.0, pool=10.0, deadline=100.0)
    policy = RetryPolicy(attempts=3, initial_wait=0.5, max_wait=0.5)
    run = drive(GET, [status(503)] * 3, timeouts=timeouts, retry=policy, took=[75.0, 20.0, 1.0])
    assert all(send.timeout == timeouts.per_attempt for send in run.sends)


def test_a_timeout_shorter_than_the_deadline_is_retried_as_a_slow_answer() -> None:
    run = drive(GET, [failure(httpx.ReadTimeout), ok()], took=[60.0, 0.0])
    assert run.response is not None
    assert len(run.sends) == 2


def test_a_backoff_longer_than_the_time_left_is_cut_to_half_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("backoff._jitter.random", SimpleNamespace(uniform=lambda a, b: b))
    policy = RetryPolicy(initial_wait=30.0, max_wait=30.0)
    run = drive(
        GET, [status(503), ok()], retry=policy, timeouts=Timeouts(deadline=10.0), took=[8.0, 0.0]
    )
    assert run.sleeps == [pytest.approx(1.0)]  # 30 s asked, 2 s left: 1 s, and one more try
    assert run.response is not None


def test_without_waiting_a_long_backoff_never_ends_the_call_early() -> None:
    policy = RetryPolicy(attempts=3, initial_wait=30.0, wait=False)
    run = drive(GET, [status(503), status(503), ok()], retry=policy, took=9.0)
    assert run.response is not None
    assert run.sleeps == []


def test_past_the_deadline_before_an_attempt_is_a_deadline_error() -> None:
    # The wait fit, but ended late (a suspended laptop): no attempt is started past the deadline.
    run = drive(GET, [status(503)] * 2, timeouts=Timeouts(deadline=30.0), overslept=3600.0)
    assert len(run.sends) == 1
    assert len(run.sleeps) == 1
    assert isinstance(run.error, DeadlineExceededError)
    assert isinstance(run.error, RequestTimeoutError)
    assert str(run.error).startswith("Driver2 GET /customers: the deadline of 30 s ran out")


@pytest.mark.parametrize(("sent", "attempts"), [(False, 0), (True, 1)])
def test_a_wait_the_shell_gave_up_on_is_the_deadline_naming_what_was_awaited(
    sent: bool, attempts: int
) -> None:
    waiting = "for the answer" if sent else "for a free slot at the gate"
    run = drive(GET, [Expired(waiting, sent=sent)], timeouts=Timeouts(deadline=3.0))
    assert isinstance(run.error, DeadlineExceededError)
    assert run.error.attempts == attempts
    assert f"while searching Driver2, waiting {waiting}" in str(run.error)


@given(
    deadline=st.floats(min_value=0.5, max_value=200.0),
    steps=st.lists(
        st.tuples(
            st.sampled_from([200, 429, 500, 502, 503, 504]),
            st.none() | st.integers(min_value=0, max_value=150).map(str),
            st.floats(min_value=0.0, max_value=80.0),
        ),
        min_size=30,
        max_size=30,
    ),
)
def test_no_sleep_ends_and_no_attempt_may_last_past_the_deadline(
    deadline: float, steps: list[tuple[int, str | None, float]]
) -> None:
    policy = RetryPolicy(initial_wait=1.0, max_wait=20.0)
    outcomes = [status(code, retry_after) for code, retry_after, _ in steps]
    durations = [took for _, _, took in steps]
    clock = FakeClock(1000.0)
    end = clock() + deadline
    flow = call_flow(
        GET,
        deadline=Deadline.after(deadline, clock=clock),
        timeouts=Timeouts(deadline=deadline),
        retry=policy,
    )
    answers = iter(zip(outcomes, durations, strict=True))
    result: httpx.Response | None = None
    try:
        instruction = next(flow)
        while True:
            left = end - clock()
            if isinstance(instruction, Sleep):
                assert 0 < instruction.seconds < left
                clock.advance(instruction.seconds)
                instruction = flow.send(None)
            else:
                assert isinstance(instruction, Send)
                assert left > 0
                outcome, took = next(answers)
                if took >= left:  # the shell stops waiting at the deadline
                    clock.advance(left)
                    instruction = flow.send(Expired("for the answer", sent=True))
                else:
                    clock.advance(took)
                    instruction = flow.send(outcome)
    except StopIteration as done:
        result = done.value
    except (DeadlineExceededError, APIError):
        result = None
    assert result is None or result.status_code == 200


# --- authorizing: a bearer token, and one repeat after a 401 --------------------------


def test_an_authorizing_call_asks_for_a_token_first_and_sends_it() -> None:
    run = drive(GET, [ok()], tokens=["t-1"])
    assert run.steps[0] == Authorize(None)
    assert [send.token for send in run.sends] == ["t-1"]


def test_a_401_asks_for_a_new_token_refusing_the_old_one_and_repeats_once() -> None:
    run = drive(GET, [status(401), ok()], tokens=["t-1", "t-2"])
    assert run.response is not None
    assert [s for s in run.steps if isinstance(s, Authorize)] == [Authorize(None), Authorize("t-1")]
    assert [send.token for send in run.sends] == ["t-1", "t-2"]
    assert run.sleeps == []


def test_a_second_401_is_raised_naming_the_variables_to_check() -> None:
    refused = httpx.Response(401, json={"type": "/problems/unauthorized"})
    run = drive(GET, [refused, refused], tokens=["t-1", "t-2"])
    assert isinstance(run.error, AuthenticationError)
    assert "DRIVER2_CLIENT_SECRET" in str(run.error)
    assert len(run.sends) == 2


def test_the_attempts_cap_counts_the_repeat_after_a_401() -> None:
    two = RetryPolicy(attempts=2, wait=False)
    run = drive(GET, [status(401), status(503), ok()], tokens=["t-1", "t-2"], retry=two)
    assert isinstance(run.error, ServerError)
    assert len(run.sends) == 2


def test_the_token_calls_own_error_is_raised_as_it_is() -> None:
    refused = AuthenticationError(
        "401 Unauthorized", service="Driver2", endpoint="POST /oauth/token", status=401
    )
    run = drive(GET, [], tokens=[refused])
    assert run.error is refused
    assert run.sends == []


# --- the drivers: the same decisions, with real sending and sleeping ----------------


class StubSend:
    """Answers each attempt with the next outcome, raising the exceptions."""

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        self.outcomes = list(outcomes)
        self.sends: list[Send] = []

    def __call__(self, send: Send) -> httpx.Response:
        self.sends.append(send)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def asend(self, send: Send) -> httpx.Response:
        return self(send)


def no_token(_: Authorize) -> str:
    raise AssertionError("this call does not authorize")


async def no_async_token(_: Authorize) -> str:
    raise AssertionError("this call does not authorize")


NO_WAIT = RetryPolicy(attempts=5, wait=False)


def _flow(call: Call = GET, retry: RetryPolicy = NO_WAIT) -> Flow:
    return call_flow(call, deadline=Deadline.after(300.0), timeouts=Timeouts(), retry=retry)


def _scenarios() -> list[tuple[list[Outcome], type[Exception] | None]]:
    return [
        ([ok()], None),
        ([failure(httpx.ConnectError), status(503), ok()], None),
        ([failure(httpx.ReadTimeout), failure(httpx.RemoteProtocolError), ok()], None),
        ([status(404)], APIError),
        ([status(400)], BadRequestError),
        ([status(503)] * 5, ServerError),
        ([failure(httpx.ConnectTimeout)] * 5, RequestTimeoutError),
    ]


@pytest.mark.parametrize(("outcomes", "expected"), _scenarios())
def test_run_sync_makes_the_same_decisions_as_the_flow(
    outcomes: list[Outcome], expected: type[Exception] | None
) -> None:
    by_hand = drive(GET, outcomes, retry=NO_WAIT, took=[0.0] * len(outcomes))
    stub = StubSend(outcomes)
    if expected is None:
        assert run_sync(_flow(), send=stub, authorize=no_token) is by_hand.response
    else:
        with pytest.raises(expected) as caught:
            run_sync(_flow(), send=stub, authorize=no_token)
        assert type(caught.value) is type(by_hand.error)
        assert str(caught.value) == str(by_hand.error)
    assert len(stub.sends) == len(by_hand.sends)


@pytest.mark.anyio
@pytest.mark.parametrize(("outcomes", "expected"), _scenarios())
async def test_run_async_makes_the_same_decisions_as_the_flow(
    outcomes: list[Outcome], expected: type[Exception] | None
) -> None:
    by_hand = drive(GET, outcomes, retry=NO_WAIT, took=[0.0] * len(outcomes))
    stub = StubSend(outcomes)
    if expected is None:
        response = await run_async(_flow(), send=stub.asend, authorize=no_async_token)
        assert response is by_hand.response
    else:
        with pytest.raises(expected) as caught:
            await run_async(_flow(), send=stub.asend, authorize=no_async_token)
        assert type(caught.value) is type(by_hand.error)
        assert str(caught.value) == str(by_hand.error)
    assert len(stub.sends) == len(by_hand.sends)


def test_run_sync_keeps_the_httpx_exception_as_cause() -> None:
    cause = failure(httpx.ReadError)
    with pytest.raises(TransportError) as caught:
        run_sync(_flow(POST_WITHOUT_KEY), send=StubSend([cause]), authorize=no_token)
    assert caught.value.__cause__ is cause


def test_run_sync_hands_the_token_it_gets_to_the_flow() -> None:
    stub = StubSend([ok()])
    flow = call_flow(
        GET, deadline=Deadline.after(9.0), timeouts=Timeouts(), retry=NO_WAIT, authorize=True
    )
    run_sync(flow, send=stub, authorize=lambda asked: "t-1" if asked.refused is None else "?")
    assert [send.token for send in stub.sends] == ["t-1"]


def test_run_sync_sleeps_what_the_flow_says(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("driver2_kp._http.time.sleep", slept.append)
    answer = ok()
    stub = StubSend([status(429, retry_after="4"), answer])
    assert run_sync(_flow(retry=RetryPolicy()), send=stub, authorize=no_token) is answer
    assert slept == [4.0]


@pytest.mark.anyio
async def test_run_async_sleeps_what_the_flow_says(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def record(seconds: float) -> None:
        slept.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("driver2_kp._http.asyncio.sleep", record)
    answer = ok()
    stub = StubSend([status(503, retry_after="9"), answer])
    flow = _flow(retry=RetryPolicy())
    assert await run_async(flow, send=stub.asend, authorize=no_async_token) is answer
    assert slept == [9.0]


def test_run_sync_lets_a_bug_surface_untranslated() -> None:
    with pytest.raises(ZeroDivisionError):
        run_sync(_flow(), send=StubSend([ZeroDivisionError()]), authorize=no_token)


# --- logging ------------------------------------------------------------------------


def _flow_logs(caplog: pytest.LogCaptureFixture, run: Callable[[], object]) -> list[str]:
    caplog.set_level(logging.DEBUG, logger="driver2_kp")
    run()
    records = [r for r in caplog.records if r.name == "driver2_kp"]
    assert all(r.levelno == logging.DEBUG for r in records)
    return [r.getMessage() for r in records]


def test_each_attempt_logs_one_debug_line_with_service_endpoint_status_and_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[Outcome] = [status(503), failure(httpx.ConnectError), ok()]
    lines = _flow_logs(caplog, lambda: drive(GET, outcomes, retry=NO_WAIT))
    assert len(lines) == 3
    for line, (code, attempt) in zip(
        lines, [("503", 1), ("ConnectError", 2), ("200", 3)], strict=True
    ):
        assert line.startswith("Driver2 ")
        assert "GET /customers" in line
        assert code in line
        assert f"attempt {attempt}" in line


def test_the_attempt_log_carries_no_query_value(caplog: pytest.LogCaptureFixture) -> None:
    lines = _flow_logs(caplog, lambda: drive(KP_GET, [status(429), ok()], retry=NO_WAIT))
    assert len(lines) == 2
    assert not any("Goderis" in line or "nachname" in line for line in lines)
    lines = _flow_logs(caplog, lambda: drive(GET, [ok()], retry=NO_WAIT))
    assert not any("Goderis" in line or "9000" in line for line in lines)


def test_the_attempt_log_carries_no_body(caplog: pytest.LogCaptureFixture) -> None:
    secretive = httpx.Response(400, json={"detail": "Thiemen Goderis, 9000 Gent"})
    lines = _flow_logs(caplog, lambda: drive(POST_WITH_KEY, [secretive], retry=NO_WAIT))
    assert len(lines) == 1
    assert "Thiemen" not in lines[0]
    assert "3f1c2a9e" not in lines[0]


def test_a_calls_repr_names_the_endpoint_and_never_what_is_sent() -> None:
    call = Call(
        service="Driver2",
        method="POST",
        path="/customers",
        endpoint="POST /customers",
        step="creating a Driver2 customer",
        read_error=lambda _: ErrorBody(),
        params=(("name", "Goderis"),),
        json={"email": "thiemen.goderis@example.be"},
        headers={"Idempotency-Key": "k-1"},
    )
    shown = repr(call)
    assert "POST /customers" in shown
    for sent in ("Goderis", "thiemen", "k-1"):
        assert sent not in shown


# --- down is not slow: the outage patience --------------------------------------------


def test_a_service_that_answers_nothing_ends_the_call_after_the_patience() -> None:
    clock = FakeClock(1000.0)
    refused = [failure(httpx.ConnectError)] * 50
    run = drive(GET, refused, clock=clock, silence=lambda: clock() - 1000.0)
    assert isinstance(run.error, ServiceDownError)
    assert clock() - 1000.0 == pytest.approx(15.0)  # the patience, not the 300 s deadline
    assert sum(run.sleeps) == pytest.approx(15.0)  # no wait past it: the last one is cut
    assert run.error.attempts == len(run.sends)
    assert run.error.silent_for == pytest.approx(15.0)
    assert isinstance(run.error.last_error, TransportError)
    assert "could not connect" in str(run.error)
    assert str(run.error).startswith(
        "Driver2 GET /customers: Driver2 does not answer: nothing but failures for 15.0 s, "
        "longer than the outage patience of 15 s ("
    )


def test_a_service_that_answers_slowly_or_with_errors_is_retried_to_the_deadline() -> None:
    clock = FakeClock(1000.0)
    errors = [status(503)] * 200
    run = drive(GET, errors, clock=clock, took=5.0, silence=lambda: 0.0)  # it answers
    assert isinstance(run.error, DeadlineExceededError)
    assert clock() - 1000.0 == pytest.approx(300.0, abs=5.0)


def test_without_patience_an_outage_is_waited_out_to_the_deadline() -> None:
    clock = FakeClock(1000.0)
    refused = [failure(httpx.ConnectError)] * 200
    timeouts = Timeouts(patience=None)
    run = drive(GET, refused, clock=clock, timeouts=timeouts, silence=lambda: clock() - 1000.0)
    assert isinstance(run.error, DeadlineExceededError)


def test_a_caller_out_of_patience_at_the_gate_is_told_what_it_waited_for() -> None:
    run = drive(GET, [Unanswered(16.0)])
    assert isinstance(run.error, ServiceDownError)
    assert (run.error.attempts, run.error.silent_for) == (0, 16.0)
    assert "waiting for the probes of other calls" in str(run.error)
