"""Many lookups at once, the sync way (a thread each) or the async way (a task each).

A scenario is written once: `together` runs the same lookup method on many
argument lists with one `CustomerLookup` shared by threads, or one
`AsyncCustomerLookup` shared by tasks, and gives each call's result (or the
`Driver2KPError` it raised) with the seconds it took, measured from its own start.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import attrs

from driver2_kp import (
    AsyncCustomerLookup,
    CustomerLookup,
    Driver2KPError,
    SearchCriteria,
    Settings,
)

Kind = Literal["sync", "async"]
KINDS: tuple[Kind, ...] = ("sync", "async")
HANG_GUARD = 120.0
"""Seconds after which a stuck scenario fails instead of hanging; never reached when it works."""


class Args:
    """The arguments of one call, keywords included: ``Args("74050", timeouts=...)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs


def _args(item: tuple[Any, ...] | Args) -> Args:
    return item if isinstance(item, Args) else Args(*item)


def _method(lookup: object, path: str) -> Callable[..., Any]:
    """``lookup.search``, or ``lookup.driver2.get_customer`` for a dotted ``path``."""
    target: Any = lookup
    for name in path.split("."):
        target = getattr(target, name)
    return target  # type: ignore[no-any-return]


@attrs.frozen
class Timed:
    """One call's outcome: its result or its error, and how long it took."""

    value: Any
    seconds: float

    @property
    def failed(self) -> bool:
        """Whether the call raised."""
        return isinstance(self.value, Driver2KPError)


@attrs.frozen
class Run:
    """What `together` did: each call's outcome, in order, and the seconds of the whole run."""

    calls: list[Timed]
    seconds: float

    @property
    def values(self) -> list[Any]:
        """Each call's result or error, in the order of the arguments."""
        return [call.value for call in self.calls]

    @property
    def errors(self) -> list[Driver2KPError]:
        """The errors raised, in order."""
        return [call.value for call in self.calls if call.failed]


@attrs.frozen
class _Scenario:
    settings: Settings
    method: str
    arguments: Sequence[tuple[Any, ...] | Args]
    warm_up: SearchCriteria | None
    before: Callable[[], object] | None
    options: dict[str, Any]


def together(
    kind: Kind,
    settings: Settings,
    method: str,
    arguments: Sequence[tuple[Any, ...] | Args],
    *,
    warm_up: SearchCriteria | None = None,
    before: Callable[[], object] | None = None,
    **options: Any,
) -> Run:
    """Call ``lookup.<method>(*args)`` for every ``args`` of ``arguments``, all at once.

    ``method`` may be dotted (``driver2.get_customer``: the lookup's client).
    ``warm_up`` is searched first, alone (the lookup then holds a token);
    ``before`` runs after it, just before the calls start (to start an outage,
    or expire the tokens). ``options`` go to the lookup (``deadline=...``).
    """
    scenario = _Scenario(settings, method, arguments, warm_up, before, options)
    if kind == "sync":
        return _threads(scenario)
    return asyncio.run(_tasks(scenario))


def _threads(scenario: _Scenario) -> Run:
    with CustomerLookup.from_settings(scenario.settings, **scenario.options) as lookup:
        if scenario.warm_up is not None:
            lookup.search(scenario.warm_up)
        if scenario.before is not None:
            scenario.before()
        start = threading.Barrier(len(scenario.arguments), timeout=HANG_GUARD)
        call = _method(lookup, scenario.method)

        def timed(item: tuple[Any, ...] | Args) -> Timed:
            args = _args(item)
            start.wait()
            began = time.monotonic()
            try:
                value = call(*args.args, **args.kwargs)
            except Driver2KPError as error:
                value = error
            return Timed(value, time.monotonic() - began)

        began = time.monotonic()
        with ThreadPoolExecutor(len(scenario.arguments)) as pool:
            futures = [pool.submit(timed, args) for args in scenario.arguments]
            calls = [future.result(timeout=HANG_GUARD) for future in futures]
        return Run(calls, time.monotonic() - began)


async def _tasks(scenario: _Scenario) -> Run:
    async with AsyncCustomerLookup.from_settings(scenario.settings, **scenario.options) as lookup:
        if scenario.warm_up is not None:
            await lookup.search(scenario.warm_up)
        if scenario.before is not None:
            scenario.before()
        call = _method(lookup, scenario.method)

        async def timed(item: tuple[Any, ...] | Args) -> Timed:
            args = _args(item)
            began = time.monotonic()
            try:
                value = await call(*args.args, **args.kwargs)
            except Driver2KPError as error:
                value = error
            return Timed(value, time.monotonic() - began)

        began = time.monotonic()
        async with asyncio.timeout(HANG_GUARD):
            calls = await asyncio.gather(*(timed(args) for args in scenario.arguments))
        return Run(list(calls), time.monotonic() - began)
