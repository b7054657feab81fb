"""The public surface is exactly what __all__ says, and every public name is documented."""

from __future__ import annotations

import inspect

import attrs

import driver2_kp
import driver2_kp.sandbox

FACADE = [  # the facade: the rules of FAQ #1267, each name with an example
    "CustomerLookup",
    "AsyncCustomerLookup",
    "SearchCriteria",
    "SearchResult",
    "Candidate",
    "Selection",
    "Party",
    "PartyDraft",
    "PartyRole",
    "Source",
    "KPSkipReason",
    "Progress",
    "Step",
    "AppliedParties",
    "apply_vehicle_parties",
    "VehicleNotFoundError",
    "BulkItem",
    "BulkProgress",
    "Match",
    "MatchRecord",
]
FACADE_METHODS = [
    "search",
    "search_kp",
    "iter_candidates",
    "select",
    "vehicle_parties",
    "search_many",
    "all_candidates",
    "match",
    "match_many",
    "match_frame",
]

PUBLIC = {
    *FACADE,
    "ProgressCallback",
    "BulkProgressCallback",
    "MATCH_COLUMNS",
    # clients and their configuration
    "Driver2Client",
    "AsyncDriver2Client",
    "KPClient",
    "AsyncKPClient",
    "Settings",
    "Secret",
    "Timeouts",
    "RetryPolicy",
    "Deadline",
    "log_personal_data",
    # models
    "Address",
    "Customer",
    "CustomerPage",
    "CustomerQuery",
    "CustomerType",
    "LegalForm",
    "NewCustomer",
    "NoBestReason",
    "Vehicle",
    "Person",
    "PersonKind",
    "PersonPage",
    "PersonQuery",
    "KPSalutation",
    # errors
    "Driver2KPError",
    "ConfigurationError",
    "ColumnError",
    "CriteriaError",
    "TransportError",
    "RequestTimeoutError",
    "DeadlineExceededError",
    "ResponseFormatError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ConflictError",
    "DuplicateCustomerError",
    "IdempotencyKeyReuseError",
    "ValidationError",
    "RateLimitError",
    "ServerError",
    "ServiceDownError",
    "FieldError",
    "__version__",
}
SANDBOX_PUBLIC = {
    "CLIENT_ID",
    "CLIENT_SECRET",
    "FIXED",
    "KP_API_KEY",
    "KP_API_KEY_WITHOUT_RIGHTS",
    "ConfigFields",
    "Dataset",
    "FaultScript",
    "FixedRecords",
    "LoggedRequest",
    "RuntimeChanges",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "create_app",
    "generate",
    "serve",
}


def test_the_package_exports_exactly_its_public_names() -> None:
    assert set(driver2_kp.__all__) == PUBLIC
    assert all(hasattr(driver2_kp, name) for name in PUBLIC)


def test_the_sandbox_exports_exactly_its_public_names() -> None:
    assert set(driver2_kp.sandbox.__all__) == SANDBOX_PUBLIC
    assert all(hasattr(driver2_kp.sandbox, name) for name in SANDBOX_PUBLIC)


def test_every_public_class_and_function_has_a_docstring() -> None:
    for module in (driver2_kp, driver2_kp.sandbox):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                assert inspect.getdoc(value), f"{module.__name__}.{name} has no docstring"


def test_every_error_derives_from_the_one_root() -> None:
    errors = [
        value
        for value in map(driver2_kp.__dict__.get, driver2_kp.__all__)
        if inspect.isclass(value) and issubclass(value, Exception)
    ]
    assert len(errors) == 20
    assert all(issubclass(error, driver2_kp.Driver2KPError) for error in errors)
    assert issubclass(driver2_kp.ConfigurationError, ValueError)
    assert issubclass(driver2_kp.CriteriaError, ValueError)
    # A ConfigurationError too, as column problems were before it: old `except`s still catch them.
    assert issubclass(driver2_kp.ColumnError, driver2_kp.ConfigurationError)
    assert issubclass(driver2_kp.ColumnError, ValueError)


def test_the_sandbox_keyword_types_name_every_config_field() -> None:
    config = driver2_kp.sandbox.SandboxConfig
    assert set(driver2_kp.sandbox.ConfigFields.__annotations__) == set(attrs.fields_dict(config))
    assert set(driver2_kp.sandbox.RuntimeChanges.__annotations__) == config.RUNTIME_FIELDS


def _has_example(value: object) -> bool:
    doc = inspect.getdoc(value) or ""
    return ">>>" in doc or "::" in doc


def test_every_name_of_the_facade_shows_an_example() -> None:
    missing = [name for name in FACADE if not _has_example(getattr(driver2_kp, name))]
    missing += [
        f"CustomerLookup.{name}"
        for name in FACADE_METHODS
        if not _has_example(getattr(driver2_kp.CustomerLookup, name))
    ]
    assert missing == []
