"""The one exception hierarchy of driver2_kp.

Every error the library raises on purpose derives from ``Driver2KPError``::

    Driver2KPError
    ├── ConfigurationError        settings missing or malformed (also a ValueError)
    │   └── ColumnError           a frame's columns cannot be read as criteria (match_frame)
    ├── CriteriaError             refused before any request: names the field (a ValueError)
    ├── TransportError            no usable answer: connection failed or broke off
    │   ├── RequestTimeoutError   an attempt timed out (connect, read, write, pool)
    │   │   └── DeadlineExceededError   the call's or lookup's deadline ran out
    │   └── ServiceDownError      nothing answers at all, for longer than the outage patience
    ├── APIError                  the service answered with an error status
    │   ├── BadRequestError           400: the request was refused as malformed
    │   ├── AuthenticationError       401, 403: credentials missing, wrong or without rights
    │   ├── NotFoundError             404
    │   ├── ConflictError             409
    │   │   ├── DuplicateCustomerError    a customer with this kpReference exists
    │   │   └── IdempotencyKeyReuseError  the key was used with another body
    │   ├── ValidationError           422, with the field errors
    │   ├── RateLimitError            429, with the delay asked for
    │   └── ServerError               5xx
    ├── ResponseFormatError       the answer does not have the contract's shape
    └── VehicleNotFoundError      Driver2 has no vehicle with the plate or VIN asked for

Every message names the service and the endpoint (``Driver2 GET /customers``) and
never carries a secret or personal data (no query values, no bodies).

Every error pickles to an equal error of the same type, message and attributes,
so that it crosses process pools (`concurrent.futures`, joblib, Dask) intact.
Two errors are equal when their type, message and attributes are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict, Unpack

import attrs

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ColumnError",
    "ConfigurationError",
    "ConflictError",
    "CriteriaError",
    "DeadlineExceededError",
    "Driver2KPError",
    "DuplicateCustomerError",
    "FieldError",
    "IdempotencyKeyReuseError",
    "NotFoundError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseFormatError",
    "ServerError",
    "ServiceDownError",
    "TransportError",
    "ValidationError",
    "VehicleNotFoundError",
]


def _restore(cls: type[Driver2KPError], args: tuple[object, ...]) -> Driver2KPError:
    """Unpickle an error without calling its ``__init__`` (whose keywords pickle cannot pass)."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class Driver2KPError(Exception):
    """Base class of every error raised by driver2_kp."""

    def __reduce__(self) -> tuple[object, ...]:
        # BaseException's reduce calls cls(*args): our errors take keyword-only
        # arguments, so rebuild from the message and restore the attributes.
        return (_restore, (type(self), self.args), self.__dict__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Driver2KPError)
        return self.args == other.args and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), self.args))


class ConfigurationError(Driver2KPError, ValueError):
    """A setting is missing or malformed.

    The message names the setting (or environment variable), never its value.
    """


class ColumnError(ConfigurationError):
    """A frame's columns cannot be read as criteria: `match_frame` refused them.

    None of its columns is a criterion, ``columns=`` maps to no criterion or
    names a column the frame lacks, a column is there twice, or the frame already
    has a column that `match_frame` adds. The message names the column, and what
    to rename it to when one is close. Raised before any request.

    A `ConfigurationError` (and so a `ValueError`) too, which is what these
    problems raised before it existed: code that catches that still catches them.
    """


class CriteriaError(Driver2KPError, ValueError):
    """A search or request argument is refused before anything is sent.

    ``field`` names the argument (``last_name``, ``page``); the message says why,
    without repeating the value.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class _ServiceError(Driver2KPError):
    """An error of one call: knows the service and the endpoint."""

    def __init__(self, message: str, *, service: str, endpoint: str) -> None:
        super().__init__(f"{service} {endpoint}: {message}")
        self.service = service
        """``Driver2`` or ``KP``."""
        self.endpoint = endpoint
        """Method and path template, e.g. ``GET /customers/{customerNumber}``."""


class TransportError(_ServiceError):
    """No usable answer: the connection failed, broke off, or the answer was cut short."""


class RequestTimeoutError(TransportError):
    """An attempt timed out (connect, read, write or pool), or the deadline ran out."""


class DeadlineExceededError(RequestTimeoutError):
    """The deadline of a call or a lookup ran out: it covers tokens, waits and retries.

    ``deadline`` is that deadline in seconds, ``step`` what was running when it
    ran out (``requesting a Driver2 token``, ``searching Driver2``, ...),
    ``attempts`` how many requests of that step were sent, and ``last_error``
    the last failure before, if any (a 503 that was being retried, say).
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        endpoint: str,
        deadline: float,
        step: str,
        attempts: int,
        last_error: Driver2KPError | None = None,
    ) -> None:
        super().__init__(message, service=service, endpoint=endpoint)
        self.deadline = deadline
        """The deadline that ran out, in seconds."""
        self.step = step
        """What was running, e.g. ``searching Driver2``."""
        self.attempts = attempts
        """How many requests of that step were sent."""
        self.last_error = last_error
        """The last failure of those attempts, if one failed before the deadline ran out."""


class ServiceDownError(TransportError):
    """The service answers nothing at all: refused connections, or nothing but failures.

    Raised once that has lasted the call's outage patience (``Timeouts.patience``,
    ``DRIVER2_OUTAGE_PATIENCE``), long before its deadline: slow is not down.
    ``silent_for`` is how long the service has not answered, in seconds;
    ``patience`` the patience that ran out; ``attempts`` how many requests this
    call sent; ``last_error`` the last failure seen, which names the cause (``could not
    connect to host:port``), if this call saw one.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        endpoint: str,
        silent_for: float,
        patience: float,
        attempts: int,
        last_error: Driver2KPError | None = None,
    ) -> None:
        super().__init__(message, service=service, endpoint=endpoint)
        self.silent_for = silent_for
        """How long the service has not answered, in seconds."""
        self.patience = patience
        """The outage patience that ran out, in seconds."""
        self.attempts = attempts
        """How many requests this call sent."""
        self.last_error = last_error
        """The last failure this call saw, if any: it names the cause."""


class ResponseFormatError(_ServiceError):
    """The service answered, but not in the contract's shape (a missing field, a wrong type)."""


class VehicleNotFoundError(_ServiceError):
    """Driver2 has no vehicle with the plate or VIN asked for.

    Example::

        try:
            parties = lookup.vehicle_parties(plate=plate)
        except VehicleNotFoundError:
            parties = {}  # fill the parties in by hand
    """


@attrs.frozen
class FieldError:
    """One invalid field of a request, as the service named it (``address.postcode``)."""

    field: str
    message: str


class APIErrorFields(TypedDict):
    """The keywords every `APIError` takes."""

    service: str
    endpoint: str
    status: int
    code: NotRequired[str | None]
    detail: NotRequired[str | None]


class APIError(_ServiceError):
    """The service answered with an error status.

    ``status`` is the HTTP status, ``code`` the service's own error code (the end
    of Driver2's problem ``type``, e.g. ``validation``; KP's ``fehler.code``, e.g.
    ``NACHNAME_FEHLT``), and ``detail`` the service's explanation, when it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        endpoint: str,
        status: int,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, service=service, endpoint=endpoint)
        self.status = status
        self.code = code
        self.detail = detail


class BadRequestError(APIError):
    """400: the service refused the request as malformed (KP: ``NACHNAME_FEHLT``, ...)."""


class AuthenticationError(APIError):
    """401 or 403: the credentials are missing, wrong, expired or without rights."""


class NotFoundError(APIError):
    """404: no such customer, person or resource."""


class ConflictError(APIError):
    """409: the request conflicts with what the service holds."""


class DuplicateCustomerError(ConflictError):
    """409: a Driver2 customer with this ``kpReference`` exists already.

    ``existing_customer_number`` is that customer's number: fetch it instead.
    """

    def __init__(
        self,
        message: str,
        *,
        existing_customer_number: str | None,
        **fields: Unpack[APIErrorFields],
    ) -> None:
        super().__init__(message, **fields)
        self.existing_customer_number = existing_customer_number


class IdempotencyKeyReuseError(ConflictError):
    """409: the ``Idempotency-Key`` was used before with another body."""


class ValidationError(APIError):
    """422: the service found fields invalid; ``errors`` lists them."""

    def __init__(
        self, message: str, *, errors: Sequence[FieldError] = (), **fields: Unpack[APIErrorFields]
    ) -> None:
        super().__init__(message, **fields)
        self.errors = tuple(errors)


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the delay asked for, in seconds, if given."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, **fields: Unpack[APIErrorFields]
    ) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the service or a gateway in front of it failed."""
