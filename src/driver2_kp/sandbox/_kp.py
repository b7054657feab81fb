"""The KP contract (``kp-api.md``) as a Starlette app.

KP is strict about its parameters (any unknown one is a 400) and answers errors
as ``{"fehler": {"code": ..., "meldung": ...}}``.
"""

from __future__ import annotations

import re
from typing import Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._openapi import openapi_endpoint
from ._responses import html_fault
from ._state import KP_API_KEY, KP_API_KEY_WITHOUT_RIGHTS, SandboxState
from ._store import PersonQuery

__all__ = ["kp_app", "kp_fault"]

_PARAMETERS: Final = frozenset({"nachname", "vorname", "plz", "kundenart", "limit", "offset"})
_KUNDENARTEN: Final = frozenset({"privat", "gewerblich"})
_INTEGER: Final = re.compile(r"[0-9]{1,9}")
_MAX_LIMIT: Final = 100


class KPError(Exception):
    """A KP error answer; raised by handlers, rendered by its `response`."""

    def __init__(
        self, status: int, code: str, meldung: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(meldung)
        self.status, self.code, self.meldung = status, code, meldung
        self.headers = headers or {}

    def response(self) -> Response:
        """The ``fehler`` JSON response."""
        return JSONResponse(
            {"fehler": {"code": self.code, "meldung": self.meldung}}, self.status, self.headers
        )


def kp_fault(status: int, retry_after: int | None) -> Response:
    """KP's answer to an injected fault: a ``fehler`` body, or a proxy's HTML page."""
    if status in (502, 504):
        return html_fault(status)
    code, meldung = {
        429: ("ZU_VIELE_ANFRAGEN", "Zu viele Anfragen"),
        500: ("INTERNER_FEHLER", "Interner Fehler"),
        503: ("WARTUNG", "Wartungsarbeiten"),
    }[status]
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return KPError(status, code, meldung, headers).response()


def _invalid(meldung: str) -> KPError:
    return KPError(400, "PARAMETER_UNGUELTIG", meldung)


def _integer(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not _INTEGER.fullmatch(value) or not low <= int(value) <= high:
        raise _invalid(f"Parameter '{name}' muss eine ganze Zahl von {low} bis {high} sein")
    return int(value)


def kp_app(state: SandboxState) -> Starlette:
    """The KP API, to be mounted at ``/kp/api/v1``."""

    def authorize(request: Request) -> None:
        key = request.headers.get("x-api-key")
        if key == KP_API_KEY_WITHOUT_RIGHTS:
            raise KPError(403, "KEINE_BERECHTIGUNG", "Der API-Schlüssel hat keine Leserechte")
        if key != KP_API_KEY:
            raise KPError(401, "NICHT_AUTHENTIFIZIERT", "API-Schlüssel fehlt oder ist falsch")

    async def search_persons(request: Request) -> Response:
        authorize(request)
        pairs = request.query_params.multi_items()
        names = [name for name, _ in pairs]
        for name in names:
            if name not in _PARAMETERS:
                raise _invalid(f"Unbekannter Parameter '{name}'")
            if names.count(name) > 1:
                raise _invalid(f"Parameter '{name}' ist mehrfach angegeben")
        params = dict(pairs)
        nachname = params.get("nachname", "").strip()
        if len(nachname) < 2:
            raise KPError(
                400,
                "NACHNAME_FEHLT",
                "Parameter 'nachname' ist erforderlich (mindestens 2 Zeichen)",
            )
        kundenart = params.get("kundenart") or None
        if kundenart is not None and kundenart not in _KUNDENARTEN:
            raise _invalid("Parameter 'kundenart' muss 'privat' oder 'gewerblich' sein")
        limit = _integer(params.get("limit"), "limit", 25, 1, _MAX_LIMIT)
        offset = _integer(params.get("offset"), "offset", 0, 0, 999_999_999)
        query = PersonQuery(
            nachname=nachname,
            vorname=params.get("vorname", "").strip() or None,
            plz=params.get("plz") or None,
            kundenart=kundenart,
        )
        treffer, gesamt = state.store.search_persons(query, limit=limit, offset=offset)
        return JSONResponse(
            {"treffer": treffer, "gesamt": gesamt, "limit": limit, "offset": offset}
        )

    async def get_person(request: Request) -> Response:
        authorize(request)
        kp_id = request.path_params["kpId"]
        person = state.store.get_person(kp_id)
        if person is None:
            raise KPError(404, "NICHT_GEFUNDEN", f"Person {kp_id} nicht gefunden")
        return JSONResponse(person)

    async def on_fehler(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, KPError)
        return exc.response()

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            headers = dict(exc.headers or {})
            return KPError(
                405, "METHODE_NICHT_ERLAUBT", "Methode nicht erlaubt", headers
            ).response()
        return KPError(404, "NICHT_GEFUNDEN", "Ressource nicht gefunden").response()

    return Starlette(
        routes=[
            Route("/personen", search_persons, methods=["GET"]),
            Route("/personen/{kpId}", get_person, methods=["GET"]),
            Route("/openapi.json", openapi_endpoint("kp"), methods=["GET"]),
        ],
        exception_handlers={KPError: on_fehler, HTTPException: on_http_error},
    )
