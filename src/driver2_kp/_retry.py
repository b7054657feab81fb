"""Timeouts and the retry policy: plain values and the pure decisions made with them."""

from __future__ import annotations

import email.utils
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import backoff
import httpx

from ._deadline import check_seconds
from ._errors import ConfigurationError

__all__ = [
    "DEFAULT_RETRY",
    "DRIVER2_TIMEOUTS",
    "KP_TIMEOUTS",
    "RetryPolicy",
    "Timeouts",
    "parse_retry_after",
]


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    check_seconds(attribute.name, value)


def _patience(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    # Attribute[Any]: attrs' plugin types the field by its default, a float.
    if value is not None:
        check_seconds(attribute.name, value)


@attrs.frozen(kw_only=True)
class Timeouts:
    """How long one call may take, in seconds.

    ``connect``, ``read``, ``write`` and ``pool`` bound each attempt (``read`` is
    per chunk received, as in httpx); ``deadline`` bounds the whole call, retries
    and waits included: the caller stops waiting then, whatever the attempt is
    doing. ``patience`` is the *outage patience*: while the service answers,
    slowly or with errors, a call waits and retries up to its deadline; when it
    answers nothing at all (refused connections, or nothing but failures), the
    call ends with `ServiceDownError` once that has lasted ``patience`` seconds
    (counted from the call's start at the earliest). ``None`` waits outages out,
    up to the deadline: for overnight jobs. Defaults suit Driver2, which can
    take 30 s to answer:

    >>> Timeouts()
    Timeouts(connect=10.0, read=60.0, write=30.0, pool=10.0, deadline=300.0, patience=15.0)

    A value that is not a number of seconds above zero raises `ConfigurationError`.
    Change one with ``attrs.evolve(timeouts, read=120.0)``.
    """

    connect: float = attrs.field(default=10.0, validator=_positive)
    read: float = attrs.field(default=60.0, validator=_positive)
    write: float = attrs.field(default=30.0, validator=_positive)
    pool: float = attrs.field(default=10.0, validator=_positive)
    deadline: float = attrs.field(default=300.0, validator=_positive)
    patience: float | None = attrs.field(default=15.0, validator=_patience)

    @property
    def per_attempt(self) -> httpx.Timeout:
        """The httpx timeouts of one attempt."""
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)

    @property
    def longest_attempt(self) -> float:
        """The longest one attempt may run, its caller waiting or not: its phases' timeouts added.

        >>> Timeouts().longest_attempt  # Driver2: 10 + 10 + 30 + 60 s
        110.0
        """
        return self.pool + self.connect + self.write + self.read


DRIVER2_TIMEOUTS: Final = Timeouts()
"""Driver2's defaults: generous, it is slow (60 s read, 5 minutes a call); down: 15 s."""
KP_TIMEOUTS: Final = Timeouts(
    connect=5.0, read=10.0, write=10.0, pool=5.0, deadline=30.0, patience=10.0
)
"""KP's defaults: it answers in well under a second; down: told within 10 s."""


def _attempts(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigurationError(f"attempts must be None or a whole number >= 1, not {value!r}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When and how long to wait before trying a failed call again.

    A transient failure (a timeout, a dropped connection, 429, 5xx) is retried
    for as long as the call's deadline allows, as google-api-core's
    ``Retry(timeout=...)`` does. Waits grow exponentially from ``initial_wait``
    (times 2 per retry, at most ``max_wait``) with full jitter: each wait is
    random between 0 and that value. A ``Retry-After`` from the server is waited
    as given instead; one longer than the time left ends the call at once. A
    failure while the service answers other calls is noise, not an outage
    (R13): a 503's ``Retry-After`` is then cut short to the first backoff
    wait, and a call's first two such failures do not make its waits grow.
    All in seconds. ``attempts``, off by default, caps the tries (the first one
    included) below what the deadline allows.

    >>> RetryPolicy()
    RetryPolicy(attempts=None, initial_wait=0.5, max_wait=30.0, wait=True)

    ``RetryPolicy(wait=False)`` keeps the decisions but does not sleep: for tests.
    Give it an ``attempts`` cap too, or a failing service is retried at once
    until the deadline.
    """

    attempts: int | None = attrs.field(default=None, validator=_attempts)
    """At most this many tries, the first included; ``None``: until the deadline."""
    initial_wait: float = attrs.field(default=0.5, validator=_positive)
    max_wait: float = attrs.field(default=30.0, validator=_positive)
    wait: bool = True
    """Whether to sleep at all; ``False`` retries at once (test suites)."""

    def capped(self, attempts: int) -> bool:
        """Whether ``attempts`` tries (the first included) are all ``attempts`` allows."""
        return self.attempts is not None and attempts >= self.attempts

    def backoff_waits(self) -> Iterator[float]:
        """The exponential, fully jittered waits between attempts (backoff's generators)."""
        waits = backoff.expo(factor=self.initial_wait, max_value=self.max_wait)
        next(waits)  # backoff's generators are primed before their first value
        for ceiling in waits:
            yield backoff.full_jitter(ceiling)


DEFAULT_RETRY: Final = RetryPolicy()
"""The default policy: retries until the deadline, waits from 0.5 s up to 30 s."""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or ``None``.

    >>> parse_retry_after("3")
    3.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        current = datetime.now(UTC).timestamp() if now is None else now
        seconds = moment.timestamp() - current
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(seconds, 0.0)
