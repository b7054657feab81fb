"""What a running sandbox knows: its configuration, data, tokens, keys, log and faults.

One `SandboxState` per server; the ASGI apps read and change it from the server's
event loop only.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import random
import secrets
import time
from typing import Any, ClassVar, Final, Literal, TypedDict

import attrs

from ._data import Dataset, JSONObject, generate
from ._store import Store

__all__ = [
    "ConfigFields",
    "FaultScript",
    "RuntimeChanges",
    "SandboxConfig",
    "SandboxState",
    "Service",
]

Service = Literal["driver2", "kp"]
FaultKind = Literal["status", "drop", "commit-then-drop", "delay", "trickle"]

CLIENT_ID: Final = "sandbox-client"
"""The sandbox's fixed, fake Driver2 client id."""
CLIENT_SECRET: Final = "sandbox-secret"
"""The sandbox's fixed, fake Driver2 client secret."""
KP_API_KEY: Final = "sandbox-key"
"""The sandbox's fixed, fake KP API key."""
KP_API_KEY_WITHOUT_RIGHTS: Final = "sandbox-key-no-rights"
"""A KP key that authenticates but may read nothing: KP answers 403."""

_IDEMPOTENCY_WINDOW: Final = 24 * 3600.0
QUIET_WAIT: Final = 15.0
"""Seconds a reset waits at most for the requests still in flight to leave."""
_TRANSIENT: Final = (503, 502, 504, 429, 0)  # 0: drop the connection
_FAULT_KINDS: Final = ("status", "drop", "commit-then-drop", "delay", "trickle")


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, not {value!r}")


def _fraction(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be between 0 and 1, not {value!r}")


def _positive(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be >= 1, not {value!r}")


class RuntimeChanges(TypedDict, total=False):
    """The `SandboxConfig` fields that may change while a sandbox runs, as keywords."""

    driver2_latency: float
    kp_latency: float
    jitter: float
    fault_rate: float
    max_concurrency: int
    token_ttl: int


class ConfigFields(RuntimeChanges, total=False):
    """Every `SandboxConfig` field, as keywords (``Sandbox(seed=7, driver2_latency=0)``)."""

    seed: int
    customers: int
    persons: int
    db: str


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """How a sandbox behaves; the defaults are those of ``driver2-kp sandbox``.

    Durations are in seconds. ``seed``, ``customers``, ``persons`` and ``db`` fix the
    data at start; the others (`RUNTIME_FIELDS`) can change while it runs.
    """

    seed: int = 42
    """Seed of the data and of the random latency jitter and faults."""
    customers: int = attrs.field(default=5000, validator=_positive)
    """Number of Driver2 customers."""
    persons: int = attrs.field(default=20000, validator=_positive)
    """Number of KP persons."""
    db: str = ":memory:"
    """SQLite database path, or ``:memory:``. A file is overwritten."""
    driver2_latency: float = attrs.field(default=1.5, validator=_non_negative)
    """Latency of each Driver2 request, in seconds."""
    kp_latency: float = attrs.field(default=0.1, validator=_non_negative)
    """Latency of each KP request, in seconds."""
    jitter: float = attrs.field(default=0.2, validator=_fraction)
    """Latency varies by up to this fraction, up or down."""
    fault_rate: float = attrs.field(default=0.0, validator=_fraction)
    """Probability that a request gets a transient fault (503, 502, 504, 429, dropped)."""
    max_concurrency: int = attrs.field(default=20, validator=_positive)
    """Driver2 requests in flight above this get 429 with ``Retry-After``."""
    token_ttl: int = attrs.field(default=3600, validator=_positive)
    """``expires_in`` of issued Driver2 tokens, in seconds."""

    RUNTIME_FIELDS: ClassVar[frozenset[str]] = frozenset(RuntimeChanges.__annotations__)

    def to_json(self) -> JSONObject:
        """The configuration as JSON (the body of ``GET /_sandbox/config``)."""
        return attrs.asdict(self)

    def changed(self, changes: JSONObject) -> SandboxConfig:
        """A copy with runtime ``changes`` applied (``-`` or ``_`` in names alike).

        Raises `ValueError` for an unknown or start-only field or a bad value.
        """
        normalised = {name.replace("-", "_"): value for name, value in changes.items()}
        unknown = sorted(set(normalised) - self.RUNTIME_FIELDS)
        if unknown:
            raise ValueError(f"cannot change at run time: {', '.join(unknown)}")
        for name, value in normalised.items():
            expected = int if name in {"max_concurrency", "token_ttl"} else (int, float)
            if isinstance(value, bool) or not isinstance(value, expected):
                raise ValueError(f"{name} must be a number")
        return attrs.evolve(self, **normalised)


@attrs.frozen(kw_only=True)
class FaultScript:
    """A scripted fault: the next ``times`` requests matching service, method and path.

    ``path`` is relative to the service's base URL and may use ``*`` wildcards
    (``/customers/*``). Kinds:

    - ``status``: answer ``status`` (429, 500, 502, 503 or 504) at once, with
      ``Retry-After: retry_after`` when given;
    - ``drop``: drop the connection without handling the request;
    - ``commit-then-drop``: handle the request (a create is committed), then drop
      the connection before the answer is complete;
    - ``delay``: wait ``seconds`` more, then answer normally;
    - ``trickle``: answer normally, but send the body 16 bytes at a time,
      ``seconds`` apart, as a congested gateway does.
    """

    service: Service
    method: str = "*"
    path: str = "*"
    fault: FaultKind = "status"
    status: int = 503
    retry_after: int | None = None
    seconds: float = 0.0
    times: int = attrs.field(default=1, validator=_positive)

    _FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"service", "method", "path", "fault", "status", "retry_after", "seconds", "times"}
    )

    @classmethod
    def from_json(cls, body: object) -> FaultScript:
        """Read one fault script; raises `ValueError` naming what is wrong."""
        if not isinstance(body, dict):
            raise ValueError("a fault script must be a JSON object")
        unknown = sorted(set(body) - cls._FIELDS)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        if body.get("service") not in ("driver2", "kp"):
            raise ValueError("service must be 'driver2' or 'kp'")
        if body.get("fault", "status") not in _FAULT_KINDS:
            raise ValueError(
                "fault must be 'status', 'drop', 'commit-then-drop', 'delay' or 'trickle'"
            )
        if body.get("status", 503) not in (429, 500, 502, 503, 504):
            raise ValueError("status must be 429, 500, 502, 503 or 504")
        try:
            script = cls(**body)
        except TypeError as err:
            raise ValueError(f"invalid fault script: {err}") from err
        return attrs.evolve(script, method=script.method.upper())

    def matches(self, service: Service, method: str, path: str) -> bool:
        """Whether this script applies to that request."""
        return (
            self.service == service
            and self.method in ("*", method)
            and fnmatch.fnmatchcase(path, self.path)
        )

    def to_json(self) -> JSONObject:
        """The script as JSON."""
        return attrs.asdict(self)


@attrs.frozen
class Recorded:
    """An answered create, kept for replay under its ``Idempotency-Key``."""

    body_key: str
    status: int
    body: JSONObject
    headers: dict[str, str]
    at: float


class SandboxState:
    """Everything a running sandbox holds; `reset` restores the seeded state."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.dataset: Dataset = generate(config.seed, config.customers, config.persons)
        self.store = Store(self.dataset, config.db)
        self.in_flight: dict[Service, int] = {"driver2": 0, "kp": 0}
        """Requests in flight that count towards ``max_concurrency`` (not the token's)."""
        self.open: dict[Service, int] = {"driver2": 0, "kp": 0}
        """Every request in flight, per service, the token's included."""
        self._quiet = asyncio.Event()
        self._quiet.set()
        self.reset()

    def close(self) -> None:
        """Close the database; the state serves nothing after."""
        self.store.close()

    # --- requests in flight -------------------------------------------------------

    def arrive(self, service: Service, *, counted: bool) -> int:
        """Count a request in; return how many of ``service``'s are now in flight."""
        if counted:
            self.in_flight[service] += 1
        self.open[service] += 1
        self._quiet.clear()
        return self.open[service]

    def leave(self, service: Service, *, counted: bool) -> None:
        """Count a request out."""
        if counted:
            self.in_flight[service] -= 1
        self.open[service] -= 1
        if not any(self.open.values()):
            self._quiet.set()

    async def quiet(self) -> None:
        """Wait until no request is in flight, at most `QUIET_WAIT` seconds.

        A test's requests that their callers gave up on are still being served
        (Driver2 finishes what it was sent): the next test must not meet them.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(QUIET_WAIT):
                await self._quiet.wait()

    def reset(self) -> None:
        """Restore the seeded data; clear tokens, idempotency keys, the log and faults."""
        self.store.restore()
        self.rng = random.Random(self.config.seed)
        self.tokens: dict[str, float] = {}
        self.idempotency: dict[str, Recorded] = {}
        self.log: list[JSONObject] = []
        self.faults: list[FaultScript] = []

    # --- tokens -------------------------------------------------------------------

    def issue_token(self) -> str:
        """A new Driver2 access token, valid for ``token_ttl`` seconds."""
        token = "sbx." + secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.config.token_ttl
        return token

    def token_is_valid(self, token: str) -> bool:
        """Whether ``token`` was issued here and has not expired."""
        return self.tokens.get(token, 0.0) > time.monotonic()

    def expire_tokens(self) -> None:
        """Expire every token issued so far."""
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    # --- idempotency --------------------------------------------------------------

    def recorded(self, key: str) -> Recorded | None:
        """The answer recorded under ``key`` within the last 24 hours, if any."""
        record = self.idempotency.get(key)
        if record is None or time.monotonic() - record.at > _IDEMPOTENCY_WINDOW:
            return None
        return record

    def record(
        self, key: str, body_key: str, status: int, body: JSONObject, headers: dict[str, str]
    ) -> None:
        """Keep an answer for replay under ``key``."""
        self.idempotency[key] = Recorded(body_key, status, body, headers, time.monotonic())

    # --- latency and faults -------------------------------------------------------

    def latency(self, service: Service) -> float:
        """The latency for one request: the service's, varied by up to ± jitter."""
        base = self.config.driver2_latency if service == "driver2" else self.config.kp_latency
        return max(base * (1 + self.config.jitter * self.rng.uniform(-1, 1)), 0.0)

    def next_fault(self, service: Service, method: str, path: str) -> FaultScript | None:
        """The fault for this request: a scripted one first, else one at ``fault_rate``."""
        for index, script in enumerate(self.faults):
            if script.matches(service, method, path):
                if script.times == 1:
                    del self.faults[index]
                else:
                    self.faults[index] = attrs.evolve(script, times=script.times - 1)
                return script
        if self.config.fault_rate and self.rng.random() < self.config.fault_rate:
            status = self.rng.choice(_TRANSIENT)
            if status == 0:
                return FaultScript(service=service, fault="drop")
            retry_after = 1 if status in (429, 503) else None
            return FaultScript(service=service, status=status, retry_after=retry_after)
        return None
