"""driver2_kp: find a customer in Driver2 or KP and turn it into a PlanManager party.

The public names are re-exported here; everything in a module whose name starts
with an underscore is private. The clients of the two services live in
`driver2_kp.driver2` and `driver2_kp.kp` and are re-exported here too. The local
simulator of both services is `driver2_kp.sandbox` (install the ``sandbox`` extra).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._auth import Driver2Auth
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    CriteriaError,
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
from ._models import (
    Address,
    Customer,
    CustomerPage,
    CustomerQuery,
    CustomerType,
    KPSalutation,
    LegalForm,
    NewCustomer,
    Person,
    PersonKind,
    PersonPage,
    PersonQuery,
    Vehicle,
)
from ._retry import RetryPolicy, Timeouts
from ._settings import Secret, Settings
from .driver2 import AsyncDriver2Client, Driver2Client
from .kp import AsyncKPClient, KPClient

try:
    __version__ = version("driver2-kp")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "APIError",
    "Address",
    "AsyncDriver2Client",
    "AsyncKPClient",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "CriteriaError",
    "Customer",
    "CustomerPage",
    "CustomerQuery",
    "CustomerType",
    "Driver2Auth",
    "Driver2Client",
    "Driver2KPError",
    "DuplicateCustomerError",
    "FieldError",
    "IdempotencyKeyReuseError",
    "KPClient",
    "KPSalutation",
    "LegalForm",
    "NewCustomer",
    "NotFoundError",
    "Person",
    "PersonKind",
    "PersonPage",
    "PersonQuery",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseFormatError",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "Settings",
    "Timeouts",
    "TransportError",
    "ValidationError",
    "Vehicle",
    "__version__",
]
