"""The Driver2 contract (``driver2-api.md``) as a Starlette app.

Handlers check a request the way Driver2 does, ask the store, and answer in
Driver2's shapes: camelCase JSON, RFC 9457 problem details for errors.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from driver2_kp._geo import is_valid_postcode

from ._data import JSONObject
from ._openapi import openapi_endpoint
from ._responses import html_fault
from ._state import CLIENT_ID, CLIENT_SECRET, SandboxState
from ._store import CustomerQuery
from ._text import digits

__all__ = ["driver2_app", "driver2_fault"]

_PROBLEM_BASE: Final = "https://driver2.example.be/problems/"
_TITLES: Final = {
    "bad-request": "Bad request",
    "unauthorized": "Unauthorized",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "duplicate": "Duplicate customer",
    "idempotency-key-reuse": "Idempotency key reused",
    "validation": "Validation failed",
    "rate-limited": "Too many requests",
    "internal": "Internal server error",
    "unavailable": "Service unavailable",
}
_CRITERIA: Final = {
    "customerNumber": "customer_number",
    "vatNumber": "vat_number",
    "name": "name",
    "firstName": "first_name",
    "email": "email",
    "phone": "phone",
    "postcode": "postcode",
    "country": "country",
}
_PAGE_SIZE: Final = 10
_INTEGER: Final = re.compile(r"[0-9]{1,9}")
_COUNTRY: Final = re.compile(r"[A-Z]{2}")
_LANGUAGE: Final = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_KP_ID: Final = re.compile(r"KP-[0-9]{7}")


class ProblemError(Exception):
    """An RFC 9457 problem answer, raised by a handler and rendered by its `response`."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **members: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}
        self.members = members

    def response(self) -> Response:
        """The problem+json response."""
        body = {
            "type": _PROBLEM_BASE + self.kind,
            "title": _TITLES[self.kind],
            "status": self.status,
            "detail": self.detail,
            **self.members,
        }
        return JSONResponse(body, self.status, self.headers, media_type="application/problem+json")


def driver2_fault(status: int, retry_after: int | None) -> Response:
    """Driver2's answer to an injected fault: problem JSON, or a proxy's HTML page."""
    if status in (502, 504):
        return html_fault(status)
    kind = {429: "rate-limited", 500: "internal", 503: "unavailable"}[status]
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return ProblemError(status, kind, "injected by the sandbox", headers=headers).response()


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def _integer(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise ProblemError(400, "bad-request", f"{name} must be a positive whole number")
    return int(raw)


def _field_errors(body: JSONObject) -> list[dict[str, str]]:
    """What Driver2 finds wrong in a create body: one error a field."""
    errors: list[dict[str, str]] = []

    def error(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    if "vatNumber" in body:
        error("vatNumber", "must not be sent: the VAT number is set in Driver2 only")
    for read_only in ("customerNumber", "createdAt", "updatedAt"):
        if read_only in body:
            error(read_only, "is read-only")
    if body.get("legalForm") not in ("natural_person", "legal_entity"):
        error("legalForm", "must be natural_person or legal_entity")
    if body.get("customerType") not in ("private", "business", "fleet"):
        error("customerType", "must be private, business or fleet")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        error("name", "is required")
    elif len(name) > 200:
        error("name", "must be at most 200 characters")
    language = body.get("language")
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        error("language", "must be a BCP 47 language tag such as nl-BE")
    for field in (
        "salutation",
        "firstName",
        "phone",
        "fax",
        "mobile",
        "email",
        "drivingLicence",
        "kpReference",
        "remarks",
    ):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            error(field, "must be a string or null")
    for field in ("vatLiable", "disabledPerson"):
        if field in body and not isinstance(body[field], bool):
            error(field, "must be true or false")
    if body.get("legalForm") == "legal_entity" and body.get("firstName") is not None:
        error("firstName", "must be null for a legal entity")
    email = body.get("email")
    if isinstance(email, str) and not _EMAIL.fullmatch(email):
        error("email", "is not an e-mail address")
    kp_reference = body.get("kpReference")
    if isinstance(kp_reference, str) and not _KP_ID.fullmatch(kp_reference):
        error("kpReference", "must be a KP id such as KP-0012345")
    address = body.get("address")
    if not isinstance(address, dict):
        error("address", "is required")
        return errors
    country = address.get("country")
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        error("address.country", "must be an ISO 3166-1 alpha-2 code")
    for field in ("street", "houseNumber", "box", "line2", "postcode", "city", "province"):
        value = address.get(field)
        if value is not None and not isinstance(value, str):
            error(f"address.{field}", "must be a string or null")
    postcode = address.get("postcode")
    if (
        isinstance(postcode, str)
        and isinstance(country, str)
        and not is_valid_postcode(country, postcode)
    ):
        error("address.postcode", f"is not a valid postcode for {country}")
    return errors


def _canonical(body: object) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _Driver2:
    """The handlers of the Driver2 contract, over one sandbox's state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def authorize(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("a bearer token is required")
        if not self.state.token_is_valid(token.strip()):
            raise _unauthorized("the token is wrong or has expired")

    async def token(self, request: Request) -> Response:
        # A form body, read with the standard library: no multipart parser needed.
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
        fields = {name: form.get(name) for name in ("grant_type", "client_id", "client_secret")}
        if not all(fields.values()):
            return JSONResponse({"error": "invalid_request"}, 400)
        if fields["grant_type"] != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        if (fields["client_id"], fields["client_secret"]) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, 401)
        body = {
            "access_token": self.state.issue_token(),
            "token_type": "Bearer",
            "expires_in": self.state.config.token_ttl,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def search_customers(self, request: Request) -> Response:
        self.authorize(request)
        given = {
            attribute: value
            for wire, attribute in _CRITERIA.items()
            if (value := request.query_params.get(wire))
        }
        if not given:
            raise ProblemError(400, "bad-request", "at least one search criterion is required")
        phone = given.get("phone")
        if phone is not None and len(digits(phone).lstrip("0")) < 6:
            raise ProblemError(400, "bad-request", "phone must have at least 6 digits")
        page = _integer(request, "page", 1)
        page_size = _integer(request, "pageSize", _PAGE_SIZE)
        if page < 1:
            raise ProblemError(400, "bad-request", "page must be at least 1")
        if not 1 <= page_size <= _PAGE_SIZE:
            raise ProblemError(400, "bad-request", f"pageSize must be between 1 and {_PAGE_SIZE}")
        items, total = self.state.store.search_customers(
            CustomerQuery(**given), page=page, page_size=page_size
        )
        pages = math.ceil(total / page_size)
        if total and page > pages:
            raise ProblemError(400, "bad-request", f"page {page} is beyond the last page, {pages}")
        body = {
            "items": items,
            "page": page,
            "pageSize": page_size,
            "totalItems": total,
            "totalPages": pages,
        }
        return JSONResponse(body)

    async def get_customer(self, request: Request) -> Response:
        self.authorize(request)
        number = request.path_params["customerNumber"]
        customer = self.state.store.get_customer(number)
        if customer is None:
            raise ProblemError(404, "not-found", f"no customer {number}")
        return JSONResponse(customer)

    async def create_customer(self, request: Request) -> Response:
        self.authorize(request)
        key = request.headers.get("idempotency-key")
        if not key or len(key) > 255:
            raise ProblemError(
                400, "bad-request", "an Idempotency-Key header of 1 to 255 characters is required"
            )
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise ProblemError(400, "bad-request", "the body is not JSON") from None
        if not isinstance(body, dict):
            raise ProblemError(400, "bad-request", "the body must be a JSON object")
        body_key = _canonical(body)
        earlier = self.state.recorded(key)
        if earlier is not None:
            if earlier.body_key != body_key:
                raise ProblemError(
                    409, "idempotency-key-reuse", "this Idempotency-Key was used with another body"
                )
            media_type = "application/json" if earlier.status == 201 else "application/problem+json"
            headers = earlier.headers | {"Idempotent-Replayed": "true"}
            return JSONResponse(earlier.body, earlier.status, headers, media_type=media_type)
        response = self._create(body)
        location = {k: v for k, v in response.headers.items() if k == "location"}
        self.state.record(
            key, body_key, response.status_code, json.loads(bytes(response.body)), location
        )
        return response

    def _create(self, body: JSONObject) -> Response:
        errors = _field_errors(body)
        if errors:
            detail = f"{len(errors)} field{'s are' if len(errors) > 1 else ' is'} invalid"
            return ProblemError(422, "validation", detail, errors=errors).response()
        kp_reference = body.get("kpReference")
        existing = self.state.store.number_for_kp_reference(kp_reference) if kp_reference else None
        if existing is not None:
            detail = f"a customer with kpReference {kp_reference} exists"
            return ProblemError(
                409, "duplicate", detail, existingCustomerNumber=existing
            ).response()
        customer = self.state.store.create_customer(body)
        return JSONResponse(customer, 201, {"Location": f"/customers/{customer['customerNumber']}"})

    async def find_vehicles(self, request: Request) -> Response:
        self.authorize(request)
        plate, vin = request.query_params.get("plate"), request.query_params.get("vin")
        if bool(plate) == bool(vin):
            raise ProblemError(400, "bad-request", "give exactly one of plate and vin")
        items = self.state.store.find_vehicles(plate=plate or None, vin=vin or None)
        return JSONResponse({"items": items})


async def _on_problem(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return exc.response()


async def _on_http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        headers = dict(exc.headers or {})
        return ProblemError(405, "method-not-allowed", exc.detail, headers=headers).response()
    return ProblemError(404, "not-found", "no such resource").response()


def driver2_app(state: SandboxState) -> Starlette:
    """The Driver2 API, to be mounted at ``/driver2/api/v2``."""
    api = _Driver2(state)
    return Starlette(
        routes=[
            Route("/oauth/token", api.token, methods=["POST"]),
            Route("/customers", api.search_customers, methods=["GET"]),
            Route("/customers", api.create_customer, methods=["POST"]),
            Route("/customers/{customerNumber}", api.get_customer, methods=["GET"]),
            Route("/vehicles", api.find_vehicles, methods=["GET"]),
            Route("/openapi.json", openapi_endpoint("driver2"), methods=["GET"]),
        ],
        exception_handlers={ProblemError: _on_problem, HTTPException: _on_http_error},
    )
