"""KP (KundenPortal), the importer's customer database (contract: ``kp-api.md``).

The request builders (``*_request``) are pure: from typed arguments they make an
`Operation`, the call to send and how to read its answer. `KPClient` and
`AsyncKPClient` only send them::

    from driver2_kp import KPClient, PersonKind, PersonQuery, Settings

    with KPClient(Settings.from_env()) as kp:
        page = kp.search_persons(PersonQuery(last_name="Peeters", kind=PersonKind.PRIVATE))
        person = kp.get_person("KP-0012345")

KP knows only four criteria, and always needs a last name: `PersonQuery` cannot
express anything else.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Final, TypeVar

import attrs
import httpx

from ._client import AsyncClient, Endpoint, SyncClient
from ._convert import query_params, read
from ._errors import CriteriaError
from ._http import Call, ErrorBody, Operation, json_body
from ._models import Person, PersonPage, PersonQuery
from ._retry import Timeouts
from ._settings import Settings

__all__ = [
    "AsyncKPClient",
    "KPClient",
    "get_person_request",
    "next_offset",
    "read_fehler",
    "search_persons_request",
]

T = TypeVar("T")

SERVICE: Final = "KP"
DEFAULT_LIMIT: Final = 25
"""KP's page size when none is asked for."""
MAX_LIMIT: Final = 100
"""The most persons KP answers at once."""
_KP_ID: Final = re.compile(r"KP-[0-9]{7}")
_CREDENTIALS: Final = {
    401: "check KP_API_KEY",
    403: "the key in KP_API_KEY has no read rights",
}
"""What to check when KP refuses the key: the variable of `Settings.from_env`."""


def read_fehler(response: httpx.Response) -> ErrorBody:
    """Read KP's ``{"fehler": {"code", "meldung"}}``; anything else reads as empty."""
    hint = _CREDENTIALS.get(response.status_code)
    try:
        body = response.json()
    except ValueError:
        body = None
    fehler = body.get("fehler") if isinstance(body, dict) else None
    if not isinstance(fehler, dict):
        return ErrorBody(hint=hint)
    code, meldung = fehler.get("code"), fehler.get("meldung")
    return ErrorBody(
        hint=hint,
        code=code if isinstance(code, str) else None,
        detail=meldung if isinstance(meldung, str) else None,
    )


def _operation(
    cls: type[T], path: str, endpoint: str, step: str, params: tuple[tuple[str, str], ...] = ()
) -> Operation[T]:
    call = Call(
        service=SERVICE,
        method="GET",
        path=path,
        endpoint=endpoint,
        step=step,
        read_error=read_fehler,
        params=params,
    )

    def read_answer(response: httpx.Response) -> T:
        return read(json_body(response, call), cls, service=SERVICE, endpoint=endpoint)

    return Operation(call, read_answer)


def search_persons_request(
    query: PersonQuery, *, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> Operation[PersonPage]:
    """``GET /personen``: ``limit`` persons (1 to 100) from ``offset`` on, matching ``query``.

    Refuses a last name shorter than 2 characters before any request, as KP would.
    """
    last_name = query.last_name.strip()
    if len(last_name) < 2:
        raise CriteriaError("last_name", "KP needs a last name of at least 2 characters")
    if not 1 <= limit <= MAX_LIMIT:
        raise CriteriaError("limit", f"must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise CriteriaError("offset", "must be 0 or more")
    params = query_params(attrs.evolve(query, last_name=last_name), limit=limit, offset=offset)
    return _operation(PersonPage, "/personen", "GET /personen", "searching KP", params)


def next_offset(page: PersonPage) -> int | None:
    """Where the slice after ``page`` starts, or ``None`` if it was the last."""
    end = page.offset + len(page.items)
    return end if page.items and end < page.total else None


def get_person_request(kp_id: str) -> Operation[Person]:
    """``GET /personen/{kpId}``: one person, or `NotFoundError`."""
    if not _KP_ID.fullmatch(kp_id):
        raise CriteriaError("kp_id", "a KP id is KP- and 7 digits, e.g. KP-0012345")
    return _operation(Person, f"/personen/{kp_id}", "GET /personen/{kpId}", "fetching a KP person")


def _kp_endpoint(settings: Settings) -> Endpoint:
    return Endpoint(
        settings.kp_base_url,
        settings.kp_timeouts,
        settings.kp_max_in_flight,
        headers={"X-API-Key": settings.kp_api_key},
    )


class KPClient(SyncClient):
    """A blocking KP client; a context manager reusing one connection pool.

    Pass ``http_client`` (your own `httpx.Client`; it is not closed here) or
    ``transport``. ``timeouts`` and ``retry`` override those of ``settings``.
    """

    _endpoint = staticmethod(_kp_endpoint)

    def search_persons(
        self,
        query: PersonQuery,
        *,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        timeouts: Timeouts | None = None,
    ) -> PersonPage:
        """``limit`` persons (default 25, at most 100) from ``offset`` on, matching ``query``."""
        return self.perform(
            search_persons_request(query, limit=limit, offset=offset), timeouts=timeouts
        )

    def iter_persons(self, query: PersonQuery) -> Iterator[Person]:
        """Every matching person, lazily, 100 at a time."""
        offset: int | None = 0
        while offset is not None:
            page = self.search_persons(query, limit=MAX_LIMIT, offset=offset)
            yield from page.items
            offset = next_offset(page)

    def get_person(self, kp_id: str, *, timeouts: Timeouts | None = None) -> Person:
        """The person with this KP id; `NotFoundError` if there is none."""
        return self.perform(get_person_request(kp_id), timeouts=timeouts)


class AsyncKPClient(AsyncClient):
    """The asyncio twin of `KPClient`: the same methods, awaited."""

    _endpoint = staticmethod(_kp_endpoint)

    async def search_persons(
        self,
        query: PersonQuery,
        *,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        timeouts: Timeouts | None = None,
    ) -> PersonPage:
        """``limit`` persons (default 25, at most 100) from ``offset`` on, matching ``query``."""
        return await self.perform(
            search_persons_request(query, limit=limit, offset=offset), timeouts=timeouts
        )

    async def iter_persons(self, query: PersonQuery) -> AsyncIterator[Person]:
        """Every matching person, lazily, 100 at a time."""
        offset: int | None = 0
        while offset is not None:
            page = await self.search_persons(query, limit=MAX_LIMIT, offset=offset)
            for person in page.items:
                yield person
            offset = next_offset(page)

    async def get_person(self, kp_id: str, *, timeouts: Timeouts | None = None) -> Person:
        """The person with this KP id; `NotFoundError` if there is none."""
        return await self.perform(get_person_request(kp_id), timeouts=timeouts)
