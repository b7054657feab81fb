"""One attempt: a request sent and its answer read, detached from the caller that waits for it.

A caller waits for an attempt only until its deadline. The attempt itself runs
on, in a thread (sync) or a task (async) of its own, to its own end: an answer,
or at most `Timeouts.longest_attempt` (its phases' timeouts added up, so that a
gateway trickling an answer cannot hold it forever). It keeps its place at the gate until then,
because Driver2 is working on it whether anyone still waits or not; so callers
who give up never let more than the bound reach Driver2.

A request never goes out after its caller's deadline: waiting for a
connection and connecting are cut to the time the caller has left. Once the
request is being written, it runs to its end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Final

import httpx

from ._deadline import Deadline, Expired
from ._gate import Slot, Verdict, verdict_of
from ._logs import sending

__all__ = ["GOING_OUT", "OUTLASTED", "attempt_timeout", "run_async_attempt", "run_attempt"]

GOING_OUT: Final = "for the request to go out"
"""What a caller whose deadline passed before its request was sent was waiting for."""
OUTLASTED: Final = "the answer took longer than an attempt may last"


def attempt_timeout(configured: httpx.Timeout, deadline: Deadline) -> httpx.Timeout:
    """``configured``, with the wait for a connection and the connect cut to the time left.

    `Expired` if none is left: the request must not go out.
    """
    left = deadline.left()
    if left <= 0:
        raise Expired(GOING_OUT)
    return httpx.Timeout(
        connect=left if configured.connect is None else min(configured.connect, left),
        read=configured.read,
        write=configured.write,
        pool=left if configured.pool is None else min(configured.pool, left),
    )


class _Bounded(httpx.SyncByteStream):
    """An answer's body, read only until ``until``: no attempt outlasts its longest."""

    def __init__(self, stream: httpx.SyncByteStream, request: httpx.Request, until: float) -> None:
        self._stream = stream
        self._request = request
        self._until = until

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if time.monotonic() > self._until:
                raise httpx.ReadTimeout(OUTLASTED, request=self._request)
            yield chunk

    def close(self) -> None:
        self._stream.close()


def run_attempt(
    http: httpx.Client,
    request: httpx.Request,
    slot: Slot,
    answer: Future[httpx.Response],
    limit: float,
) -> None:
    """Send ``request`` and read its answer into ``answer``, for at most ``limit`` seconds.

    Runs in a thread of its own; ``slot.verdict`` says what the outcome taught,
    and the caller releases the slot once this returns.
    """
    until = time.monotonic() + limit
    try:
        with sending():
            response = http.send(request, stream=True)
            try:
                stream = response.stream
                assert isinstance(stream, httpx.SyncByteStream)
                response.stream = _Bounded(stream, request, until)
                response.read()
            finally:
                response.close()
    except BaseException as error:  # handed to the caller, who translates it
        slot.verdict = verdict_of(error)
        answer.set_exception(error)
    else:
        slot.verdict = verdict_of(response)
        answer.set_result(response)


async def run_async_attempt(
    http: httpx.AsyncClient, request: httpx.Request, slot: Slot, limit: float
) -> httpx.Response:
    """Send ``request`` and read its answer, for at most ``limit`` seconds, as a task of its own.

    ``slot.verdict`` says what the outcome taught; the slot is released when
    the task ends, by whoever made it.
    """
    try:
        async with asyncio.timeout(limit):
            with sending():
                response = await http.send(request)
    except TimeoutError:
        slot.verdict = Verdict.FAILED
        raise httpx.ReadTimeout(OUTLASTED, request=request) from None
    except BaseException as error:
        slot.verdict = verdict_of(error)
        raise
    slot.verdict = verdict_of(response)
    return response
