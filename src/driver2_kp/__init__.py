"""driver2_kp: find a customer in Driver2 or KP and turn it into a PlanManager party.

The public names are re-exported here; everything in a module whose name starts
with an underscore is private. The clients of the two services live in
`driver2_kp.driver2` and `driver2_kp.kp`, the `CustomerLookup` facade in
`driver2_kp.lookup`; all are re-exported here. The local
simulator of both services is `driver2_kp.sandbox` (install the ``sandbox`` extra).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._bulk import BulkItem
from ._criteria import MatchRecord, SearchCriteria
from ._deadline import Deadline
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ColumnError,
    ConfigurationError,
    ConflictError,
    CriteriaError,
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
    VehicleNotFoundError,
)
from ._logs import log_personal_data
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
from ._party import Party, PartyDraft, PartyRole, Source
from ._progress import BulkProgress, BulkProgressCallback
from ._retry import RetryPolicy, Timeouts
from ._settings import Secret, Settings
from .driver2 import AsyncDriver2Client, Driver2Client
from .kp import AsyncKPClient, KPClient
from .lookup import (
    AppliedParties,
    AsyncCustomerLookup,
    Candidate,
    CustomerLookup,
    KPSkipReason,
    Progress,
    ProgressCallback,
    SearchResult,
    Selection,
    Step,
    apply_vehicle_parties,
)
from .matching import Match, NoBestReason
from .matching._frames import OUTPUT_COLUMNS as MATCH_COLUMNS

try:
    __version__ = version("driver2-kp")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
"""The installed version of driver2-kp ("0.0.0" from a source tree not installed)."""

__all__ = [
    "MATCH_COLUMNS",
    "APIError",
    "Address",
    "AppliedParties",
    "AsyncCustomerLookup",
    "AsyncDriver2Client",
    "AsyncKPClient",
    "AuthenticationError",
    "BadRequestError",
    "BulkItem",
    "BulkProgress",
    "BulkProgressCallback",
    "Candidate",
    "ColumnError",
    "ConfigurationError",
    "ConflictError",
    "CriteriaError",
    "Customer",
    "CustomerLookup",
    "CustomerPage",
    "CustomerQuery",
    "CustomerType",
    "Deadline",
    "DeadlineExceededError",
    "Driver2Client",
    "Driver2KPError",
    "DuplicateCustomerError",
    "FieldError",
    "IdempotencyKeyReuseError",
    "KPClient",
    "KPSalutation",
    "KPSkipReason",
    "LegalForm",
    "Match",
    "MatchRecord",
    "NewCustomer",
    "NoBestReason",
    "NotFoundError",
    "Party",
    "PartyDraft",
    "PartyRole",
    "Person",
    "PersonKind",
    "PersonPage",
    "PersonQuery",
    "Progress",
    "ProgressCallback",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseFormatError",
    "RetryPolicy",
    "SearchCriteria",
    "SearchResult",
    "Secret",
    "Selection",
    "ServerError",
    "ServiceDownError",
    "Settings",
    "Source",
    "Step",
    "Timeouts",
    "TransportError",
    "ValidationError",
    "Vehicle",
    "VehicleNotFoundError",
    "__version__",
    "apply_vehicle_parties",
    "log_personal_data",
]
