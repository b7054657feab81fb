"""Connection settings for Driver2 and KP, and the `Secret` that masks credentials."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import attrs
import httpx

from ._budget import check_budget
from ._errors import ConfigurationError
from ._retry import DEFAULT_RETRY, DRIVER2_TIMEOUTS, KP_TIMEOUTS, RetryPolicy, Timeouts

__all__ = ["Secret", "Settings", "environment_of"]

_MASK: Final = "**********"


@attrs.frozen(repr=False)
class Secret:
    """A credential whose ``repr`` and ``str`` never show its value.

    >>> key = Secret("sandbox-key")
    >>> key
    Secret('**********')
    >>> key.reveal()
    'sandbox-key'
    """

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """Return the secret value; call this only where it is sent."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK


def _named(field: attrs.Attribute[Any]) -> str:
    # The variable of Settings.from_env is the field's name in capitals: name both.
    return f"{field.name} ({field.name.upper()})"


def _url(value: str) -> str:
    # One trailing slash or none: paths are appended to the base URL as "/customers".
    return value.strip().rstrip("/") if isinstance(value, str) else value


_EXAMPLE_URLS: Final = {
    "driver2_base_url": "https://driver2.example.be/api/v2",
    "kp_base_url": "https://kp.example.de/api/v1",
}


def _base_url(_: object, field: attrs.Attribute[str], value: str) -> None:
    """A base URL needs ``http(s)://`` and a host, and no credentials, or `ConfigurationError`."""
    try:
        url = httpx.URL(value) if isinstance(value, str) else None
    except httpx.InvalidURL:
        url = None
    if url is not None and url.userinfo:
        # The password stays out of the message, and out of every log and repr after.
        raise ConfigurationError(
            f"{_named(field)} must not hold a user or password "
            f"({url.copy_with(username=None, password=None)}): the credentials have "
            "settings of their own"
        )
    if url is None or url.scheme not in ("http", "https") or not url.host:
        # Base URLs without credentials are not secret: the value helps find the typo.
        raise ConfigurationError(
            f"{_named(field)} needs http:// or https:// and a host, e.g. "
            f"{_EXAMPLE_URLS[field.name]}, not {value!r}"
        )


def _in_flight(_: object, field: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{_named(field)} must be a whole number >= 1, not {value!r}")


def _to_secret(value: str | Secret) -> Secret:
    return value if isinstance(value, Secret) else Secret(value)


HEADER_SAFE: Final = re.compile(r"[\x21-\x7e]+")
"""Visible ASCII: what an HTTP header value can carry without a space or a line break."""


def _secret(_: object, field: attrs.Attribute[Secret], value: Secret) -> None:
    if not isinstance(value, Secret) or not isinstance(value.reveal(), str) or not value.reveal():
        raise ConfigurationError(f"{_named(field)} must be non-empty text")


def _header_secret(instance: object, field: attrs.Attribute[Secret], value: Secret) -> None:
    _secret(instance, field, value)
    if not HEADER_SAFE.fullmatch(value.reveal()):
        # Never the value: only what is wrong with it.
        raise ConfigurationError(
            f"{_named(field)} holds a character an HTTP header cannot carry (a space, a line "
            "break or a non-ASCII letter); a secret read from a file often ends in a line break"
        )


@attrs.frozen
class Settings:
    """Where Driver2 and KP are and how to authenticate to them.

    Example, against the sandbox's fixed credentials::

        settings = Settings(
            driver2_base_url="http://127.0.0.1:8765/driver2/api/v2",
            driver2_client_id="sandbox-client",
            driver2_client_secret="sandbox-secret",
            kp_base_url="http://127.0.0.1:8765/kp/api/v1",
            kp_api_key="sandbox-key",
        )

    Secrets are held as `Secret`, so printing settings shows no credential.
    """

    driver2_base_url: str = attrs.field(converter=_url, validator=_base_url)
    """Driver2's API base URL, e.g. ``https://driver2.example.be/api/v2``."""
    driver2_client_id: str
    """The OAuth 2.0 client id for Driver2."""
    driver2_client_secret: Secret = attrs.field(converter=_to_secret, validator=_secret)
    """The OAuth 2.0 client secret for Driver2."""
    kp_base_url: str = attrs.field(converter=_url, validator=_base_url)
    """KP's API base URL, e.g. ``https://kp.example.de/api/v1``."""
    kp_api_key: Secret = attrs.field(converter=_to_secret, validator=_header_secret)
    """The KP API key, sent as ``X-API-Key``."""
    driver2_timeouts: Timeouts = DRIVER2_TIMEOUTS
    """Per-attempt timeouts, the deadline and the outage patience of a Driver2 call.

    60 s read, 300 s a call, told within 15 s when Driver2 answers nothing.
    """
    kp_timeouts: Timeouts = KP_TIMEOUTS
    """Per-attempt timeouts, the deadline and the outage patience of a KP call (10 s read, 30 s)."""
    retry: RetryPolicy = DEFAULT_RETRY
    """When to retry a failed call, and how long to wait first (until the deadline)."""
    driver2_max_in_flight: int = attrs.field(default=32, validator=_in_flight)
    """The most Driver2 requests a client has in flight at once; its gate adapts below it."""
    kp_max_in_flight: int = attrs.field(default=32, validator=_in_flight)
    """The most KP requests a client has in flight at once; its gate adapts below it."""
    driver2_budget: str | None = attrs.field(default=None, converter=check_budget)
    """A Driver2 budget shared cluster-wide: ``"dask:<name>"`` (Dask distributed's
    ``Semaphore``, 20 leases; the ``dask`` extra) or ``"dask:<name>:<leases>"``;
    ``None``: each client's gate learns its share alone (``DRIVER2_BUDGET``)."""

    ENV_VARS: ClassVar[tuple[str, ...]] = (
        "DRIVER2_BASE_URL",
        "DRIVER2_CLIENT_ID",
        "DRIVER2_CLIENT_SECRET",
        "KP_BASE_URL",
        "KP_API_KEY",
    )
    """The environment variables `from_env` requires."""
    TIMEOUT_VARS: ClassVar[dict[str, tuple[str, str]]] = {
        "DRIVER2_READ_TIMEOUT": ("driver2_timeouts", "read"),
        "DRIVER2_DEADLINE": ("driver2_timeouts", "deadline"),
        "KP_READ_TIMEOUT": ("kp_timeouts", "read"),
        "KP_DEADLINE": ("kp_timeouts", "deadline"),
        "DRIVER2_OUTAGE_PATIENCE": ("driver2_timeouts", "patience"),
        "KP_OUTAGE_PATIENCE": ("kp_timeouts", "patience"),
    }
    """Optional environment variables `from_env` reads: seconds, for (settings, timeout)."""
    LIMIT_VARS: ClassVar[dict[str, str]] = {
        "DRIVER2_MAX_IN_FLIGHT": "driver2_max_in_flight",
        "KP_MAX_IN_FLIGHT": "kp_max_in_flight",
    }
    """Optional environment variables `from_env` reads: whole numbers, for a setting."""
    TEXT_VARS: ClassVar[dict[str, str]] = {"DRIVER2_BUDGET": "driver2_budget"}
    """Optional environment variables `from_env` reads as they are, for a setting."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from the environment (or from ``environ``).

        Requires `ENV_VARS`; reads the optional `TIMEOUT_VARS` (seconds),
        `LIMIT_VARS` (whole numbers) and `TEXT_VARS`. Raises `ConfigurationError` naming every
        missing or malformed variable::

            settings = Settings.from_env()
        """
        env = os.environ if environ is None else environ
        missing = [name for name in cls.ENV_VARS if not env.get(name)]
        if missing:
            raise ConfigurationError("missing environment variable(s): " + ", ".join(missing))
        timeouts = {"driver2_timeouts": DRIVER2_TIMEOUTS, "kp_timeouts": KP_TIMEOUTS}
        for variable, (setting, part) in cls.TIMEOUT_VARS.items():
            if env.get(variable):
                try:
                    seconds = {part: float(env[variable])}
                    timeouts[setting] = attrs.evolve(timeouts[setting], **seconds)
                except ValueError:
                    message = f"{variable} must be a number of seconds greater than 0"
                    raise ConfigurationError(message) from None
        limits: dict[str, Any] = {}
        for variable, setting in cls.LIMIT_VARS.items():
            if env.get(variable):
                try:
                    limits[setting] = int(env[variable])
                except ValueError:
                    message = f"{variable} must be a whole number >= 1"
                    raise ConfigurationError(message) from None
        for variable, setting in cls.TEXT_VARS.items():
            if env.get(variable):
                try:
                    limits[setting] = check_budget(env[variable])
                except ConfigurationError as error:
                    raise ConfigurationError(f"{variable}: {error}") from None
        settings = cls(
            driver2_base_url=env["DRIVER2_BASE_URL"],
            driver2_client_id=env["DRIVER2_CLIENT_ID"],
            driver2_client_secret=env["DRIVER2_CLIENT_SECRET"],
            kp_base_url=env["KP_BASE_URL"],
            kp_api_key=env["KP_API_KEY"],
            driver2_timeouts=timeouts["driver2_timeouts"],
            kp_timeouts=timeouts["kp_timeouts"],
        )
        return attrs.evolve(settings, **limits)


def environment_of(settings: Settings) -> dict[str, str]:
    """The required variables that `Settings.from_env` reads back as ``settings``.

    Each is the name of its field in capitals. The secrets are revealed: for a
    shell or a test pointing at the sandbox, never for a log.

    >>> settings = Settings.from_env({
    ...     "DRIVER2_BASE_URL": "http://127.0.0.1:8765/driver2/api/v2",
    ...     "DRIVER2_CLIENT_ID": "sandbox-client",
    ...     "DRIVER2_CLIENT_SECRET": "sandbox-secret",
    ...     "KP_BASE_URL": "http://127.0.0.1:8765/kp/api/v1",
    ...     "KP_API_KEY": "sandbox-key",
    ... })
    >>> Settings.from_env(environment_of(settings)) == settings
    True
    """
    values = {name: getattr(settings, name.lower()) for name in Settings.ENV_VARS}
    return {name: v.reveal() if isinstance(v, Secret) else v for name, v in values.items()}
