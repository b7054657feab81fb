"""The examples of the two contracts (driver2-api.md, kp-api.md), as fresh wire-shaped dicts."""

from __future__ import annotations

from typing import Any

from driver2_kp import Settings

JSONObject = dict[str, Any]

SETTINGS = Settings(
    driver2_base_url="https://driver2.example.be/api/v2",
    driver2_client_id="c",
    driver2_client_secret="s",
    kp_base_url="https://kp.example.de/api/v1",
    kp_api_key="k",
)
"""Settings of made-up services, for tests whose services are fakes (httpx.MockTransport)."""
ENVIRONMENT = {
    "DRIVER2_BASE_URL": "https://driver2.example.be/api/v2/",
    "DRIVER2_CLIENT_ID": "client",
    "DRIVER2_CLIENT_SECRET": "s3cr3t-value",
    "KP_BASE_URL": "https://kp.example.de/api/v1",
    "KP_API_KEY": "k3y-value",
}
"""The variables `Settings.from_env` requires, for made-up services."""


def customer() -> JSONObject:
    """The Customer example of driver2-api.md."""
    return {
        "customerNumber": "74050",
        "legalForm": "natural_person",
        "salutation": "De heer",
        "name": "Goderis",
        "firstName": "Thiemen",
        "address": {
            "street": "Kortrijksesteenweg",
            "houseNumber": "112",
            "box": "B",
            "line2": None,
            "postcode": "9000",
            "city": "Gent",
            "province": "Oost-Vlaanderen",
            "country": "BE",
        },
        "phone": "+3292234455",
        "fax": None,
        "mobile": "+32475123456",
        "email": "thiemen.goderis@example.be",
        "vatLiable": False,
        "vatNumber": None,
        "language": "nl-BE",
        "customerType": "private",
        "disabledPerson": False,
        "drivingLicence": "1234567890",
        "kpReference": None,
        "remarks": None,
        "createdAt": "2019-07-15T09:07:00Z",
        "updatedAt": "2024-02-01T13:45:10Z",
    }


def customer_page(*items: JSONObject) -> JSONObject:
    """A ``GET /customers`` answer holding ``items``."""
    return {
        "items": list(items),
        "page": 1,
        "pageSize": 10,
        "totalItems": len(items),
        "totalPages": 1 if items else 0,
    }


def vehicle(
    owner: JSONObject | None = None,
    driver: JSONObject | None = None,
    lessee: JSONObject | None = None,
) -> JSONObject:
    """The vehicle example of driver2-api.md."""
    return {
        "vin": "WVWZZZ1JZXW000001",
        "plate": "1-ABC-123",
        "make": "Volkswagen",
        "model": "Golf",
        "firstRegistration": "2019-03-01",
        "owner": owner,
        "driver": driver,
        "lessee": lessee,
    }


def person() -> JSONObject:
    """The Person example of kp-api.md."""
    return {
        "kpId": "KP-0012345",
        "kundenart": "privat",
        "anrede": "Herr",
        "nachname": "Goderis",
        "vorname": "Thiemen",
        "firma": None,
        "strasse": "Kortrijksesteenweg",
        "hausnummer": "112 B",
        "adresszusatz": None,
        "plz": "9000",
        "ort": "Gent",
        "land": "BE",
        "telefon": "+3292234455",
        "mobil": "+32475123456",
        "fax": None,
        "email": "thiemen.goderis@example.be",
        "ustIdNr": None,
        "sprache": "nl",
        "geaendertAm": "2024-02-01T13:45:10Z",
    }


def person_page(*items: JSONObject, total: int | None = None) -> JSONObject:
    """A ``GET /personen`` answer holding ``items``."""
    return {
        "treffer": list(items),
        "gesamt": len(items) if total is None else total,
        "limit": 25,
        "offset": 0,
    }
