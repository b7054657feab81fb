"""One Driver2 budget for a whole cluster: leases of a Dask distributed `Semaphore`.

Driver2 takes 20 requests at once for one client id, whatever the number of
processes and machines that use it. Each client's gate learns its share from
Driver2's 429s, but processes that start together overshoot in their first
round. With ``Settings.driver2_budget = "dask:<name>"`` (``DRIVER2_BUDGET``),
every Driver2 request of every process holds one lease of the distributed
`Semaphore` named ``<name>``, kept by the Dask scheduler, for as long as it
is in flight: no more than the contract's 20 (or ``"dask:<name>:<leases>"``)
are, cluster-wide. The client's own gate still adapts below that.

Know its limits before you rely on it:

- each lease is a round trip to the scheduler, before and after the request;
- a lease the scheduler does not hear of for ``distributed.scheduler.locks.
  lease-timeout`` (30 s) is taken back (distributed issue #4057): the
  semaphore refreshes its leases in the background, which a worker whose
  event loop is blocked cannot do;
- every semaphore is a load on the scheduler (#8999): use one name per
  client id, not one per task;
- a request its caller gave up on gives its lease back then, while Driver2
  may still be working on it (the client's own gate keeps it as a ghost).

Settings name the budget with a string, so that they stay plain values that
pickle to a worker; the semaphore is made with the client, in the worker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Final, Protocol

import attrs

from ._deadline import Deadline, Expired
from ._errors import ConfigurationError

__all__ = ["DASK", "Budget", "DaskBudget", "Unbounded", "budget_of", "check_budget"]

DASK: Final = "dask:"
_WAITING: Final = "for a lease of the cluster's Driver2 budget"


class Budget(Protocol):
    """Where a request's place in a budget shared beyond this client is taken and given back."""

    def acquire(self, deadline: Deadline) -> None:
        """Take one place, within ``deadline`` (`Expired` past it)."""

    def release(self) -> None:
        """Give one place back."""

    def close(self) -> None:
        """The client is closed: stop whatever runs in the background for it."""


class _Loop(Protocol):
    def add_callback(self, callback: Callable[[], object]) -> None: ...


class _Semaphore(Protocol):
    """What is used of `distributed.Semaphore` (untyped)."""

    @property
    def loop(self) -> _Loop | None: ...

    def acquire(self, timeout: float | None = None) -> bool: ...

    def release(self) -> bool: ...


class Unbounded:
    """No budget beyond the client's own gate: the default."""

    def acquire(self, deadline: Deadline) -> None:
        """Nothing to take."""

    def release(self) -> None:
        """Nothing to give back."""

    def close(self) -> None:
        """Nothing runs."""


@attrs.frozen
class _Spec:
    name: str
    leases: int


def _parse(spec: str, default_leases: int) -> _Spec:
    if not spec.startswith(DASK):
        raise ConfigurationError(
            f"driver2_budget must be 'dask:<name>' or 'dask:<name>:<leases>', not {spec!r}"
        )
    name, _, leases = spec.removeprefix(DASK).partition(":")
    if not name:
        raise ConfigurationError("driver2_budget 'dask:<name>' needs a name after 'dask:'")
    if not leases:
        return _Spec(name, default_leases)
    if not leases.isdigit() or int(leases) < 1:
        raise ConfigurationError(
            f"driver2_budget's leases must be a whole number >= 1, not {leases!r}"
        )
    return _Spec(name, int(leases))


def check_budget(spec: str | None) -> str | None:
    """``spec`` if it names a budget this library can share (`ConfigurationError` if not).

    >>> check_budget("dask:driver2")
    'dask:driver2'
    """
    if spec is not None:
        _parse(spec, 1)
    return spec


def _in_dask(distributed: ModuleType) -> bool:
    """Whether this thread runs a Dask task, or a `distributed.Client` is the default."""
    for where in (distributed.get_worker, distributed.get_client):
        try:
            where()
        except ValueError:
            continue
        return True
    return False


class DaskBudget:
    """Leases of a Dask distributed `Semaphore`: see the module docstring.

    Made where the client is made: in a Dask task, it binds to that worker (or
    to the default `distributed.Client`), so that the lookup's own threads can
    use it. Nothing is sent before the first request.
    """

    def __init__(self, name: str, leases: int) -> None:
        self.name = name
        """The semaphore's name: every process that gives it shares its leases."""
        self.leases = leases
        """How many requests may be in flight, cluster-wide."""
        try:
            distributed = importlib.import_module("distributed")
        except ModuleNotFoundError as missing:
            raise ConfigurationError(
                "driver2_budget 'dask:...' needs Dask distributed: pip install 'driver2-kp[dask]'"
            ) from missing
        if not _in_dask(distributed):  # the semaphore binds to them, in this thread
            raise ConfigurationError(
                "driver2_budget 'dask:...' needs a Dask worker or client: make the lookup "
                "inside a Dask task, or after distributed.Client(...)"
            )
        self._semaphore: _Semaphore = distributed.Semaphore(max_leases=leases, name=name)

    def acquire(self, deadline: Deadline) -> None:
        """Take one lease, waiting at most until ``deadline``."""
        left = deadline.left()
        if left <= 0 or not self._semaphore.acquire(timeout=left):
            raise Expired(_WAITING)

    def release(self) -> None:
        """Give one lease back."""
        self._semaphore.release()

    def close(self) -> None:
        """Stop refreshing this process's leases (the semaphore stays, for the others)."""
        refresh = getattr(self._semaphore, "refresh_callback", None)
        loop = self._semaphore.loop
        if refresh is not None and loop is not None:
            loop.add_callback(refresh.stop)

    def __repr__(self) -> str:
        return f"DaskBudget(name={self.name!r}, leases={self.leases})"


def budget_of(spec: str | None, default_leases: int) -> Budget:
    """The budget ``spec`` names (``None``: the gate alone); ``default_leases`` unless it says."""
    if spec is None:
        return Unbounded()
    parsed = _parse(spec, default_leases)
    return DaskBudget(parsed.name, parsed.leases)
