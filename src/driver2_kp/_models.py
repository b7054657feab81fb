"""The resources of Driver2 and KP as typed, immutable values.

Attribute names are the library's (English, snake_case) for both services; the
wire names (Driver2's camelCase, KP's German) are mapped in `driver2_kp._convert`
and nowhere else.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import attrs

from ._redact import redacted_repr

__all__ = [
    "Address",
    "Customer",
    "CustomerPage",
    "CustomerQuery",
    "CustomerType",
    "KPSalutation",
    "LegalForm",
    "NewCustomer",
    "Person",
    "PersonKind",
    "PersonPage",
    "PersonQuery",
    "Vehicle",
    "VehicleList",
]


# --- Driver2 ----------------------------------------------------------------------


class LegalForm(enum.StrEnum):
    """Driver2's ``legalForm``: PlanManager's "Rechtspersoonlijkheid"."""

    NATURAL_PERSON = "natural_person"
    LEGAL_ENTITY = "legal_entity"


class CustomerType(enum.StrEnum):
    """Driver2's ``customerType``: PlanManager's "Type Klant"."""

    PRIVATE = "private"
    BUSINESS = "business"
    FLEET = "fleet"


@redacted_repr("country")
@attrs.frozen(kw_only=True)
class Address:
    """A Driver2 customer's address; every part but the country may be unknown."""

    country: str
    """ISO 3166-1 alpha-2, e.g. ``BE``."""
    street: str | None = None
    house_number: str | None = None
    box: str | None = None
    line2: str | None = None
    """PlanManager's "Adres 2"."""
    postcode: str | None = None
    city: str | None = None
    province: str | None = None


@redacted_repr(
    "customer_number",
    "legal_form",
    "customer_type",
    "kp_reference",
    "language",
    "created_at",
    "updated_at",
)
@attrs.frozen(kw_only=True)
class Customer:
    """A Driver2 customer (``GET /customers/{customerNumber}``)."""

    customer_number: str
    """Driver2's key, digits; PlanManager's "Externe Referentie"."""
    legal_form: LegalForm
    name: str
    """Last name, or company name for a legal entity."""
    address: Address
    language: str
    """BCP 47 tag, e.g. ``nl-BE``."""
    customer_type: CustomerType
    vat_liable: bool
    disabled_person: bool
    created_at: datetime
    updated_at: datetime
    salutation: str | None = None
    first_name: str | None = None
    phone: str | None = None
    fax: str | None = None
    mobile: str | None = None
    email: str | None = None
    vat_number: str | None = None
    """Read-only in Driver2: set only in its own screens, never sent on create."""
    driving_licence: str | None = None
    kp_reference: str | None = None
    """The KP id this customer was imported from, if any."""
    remarks: str | None = None


@redacted_repr("legal_form", "customer_type", "kp_reference", "language")
@attrs.frozen(kw_only=True)
class NewCustomer:
    """A customer to create in Driver2 (the import of a KP person).

    It has no VAT number on purpose: Driver2 refuses one on create, so sending
    it is impossible by construction.
    """

    legal_form: LegalForm
    name: str
    address: Address
    language: str
    customer_type: CustomerType
    salutation: str | None = None
    first_name: str | None = None
    phone: str | None = None
    fax: str | None = None
    mobile: str | None = None
    email: str | None = None
    vat_liable: bool = False
    disabled_person: bool = False
    driving_licence: str | None = None
    kp_reference: str | None = None
    """The KP id the customer comes from; Driver2 refuses a second one with it."""
    remarks: str | None = None


@attrs.frozen(kw_only=True)
class CustomerPage:
    """One page of a Driver2 customer search: at most 10 customers."""

    items: tuple[Customer, ...]
    page: int
    """1-based."""
    page_size: int
    total_items: int
    total_pages: int


@redacted_repr("make", "model", "first_registration")
@attrs.frozen(kw_only=True)
class Vehicle:
    """A Driver2 vehicle with the customers who own, drive and lease it."""

    vin: str
    plate: str
    make: str
    model: str
    first_registration: date
    owner: Customer | None = None
    driver: Customer | None = None
    lessee: Customer | None = None


@attrs.frozen(kw_only=True)
class VehicleList:
    """The answer of ``GET /vehicles``."""

    items: tuple[Vehicle, ...]


def _blank_to_none(value: str | None) -> str | None:
    # A criterion typed as spaces is no criterion: the services treat "" as absent.
    return value.strip() or None if value is not None else None


@redacted_repr()
@attrs.frozen(kw_only=True)
class CustomerQuery:
    """The criteria of a Driver2 search; all given ones must match (AND).

    >>> query = CustomerQuery(name="Goderis", postcode=" ")
    >>> query.name, query.postcode  # blank means not given
    ('Goderis', None)

    At least one criterion is required; Driver2 refuses an empty search.
    """

    customer_number: str | None = attrs.field(default=None, converter=_blank_to_none)
    vat_number: str | None = attrs.field(default=None, converter=_blank_to_none)
    """Compact form, e.g. ``BE0123456749``."""
    name: str | None = attrs.field(default=None, converter=_blank_to_none)
    """Prefix of the last or company name; case and accents ignored."""
    first_name: str | None = attrs.field(default=None, converter=_blank_to_none)
    email: str | None = attrs.field(default=None, converter=_blank_to_none)
    phone: str | None = attrs.field(default=None, converter=_blank_to_none)
    """At least 6 digits; matched against the end of the phone or mobile number."""
    postcode: str | None = attrs.field(default=None, converter=_blank_to_none)
    country: str | None = attrs.field(default=None, converter=_blank_to_none)

    def is_empty(self) -> bool:
        """Whether no criterion is given."""
        return all(getattr(self, field.name) is None for field in attrs.fields(CustomerQuery))


# --- KP ---------------------------------------------------------------------------


class PersonKind(enum.StrEnum):
    """KP's ``kundenart``: a private person or a business."""

    PRIVATE = "privat"
    BUSINESS = "gewerblich"


class KPSalutation(enum.StrEnum):
    """KP's ``anrede``."""

    HERR = "Herr"
    FRAU = "Frau"
    FIRMA = "Firma"


@redacted_repr("kp_id", "kind", "language", "changed_at")
@attrs.frozen(kw_only=True)
class Person:
    """A KP person (``GET /personen/{kpId}``), with English attribute names."""

    kp_id: str
    """KP's key, ``KP-`` and 7 digits."""
    kind: PersonKind
    """``kundenart``."""
    country: str
    """``land``, ISO 3166-1 alpha-2."""
    language: str
    """``sprache``: ``nl``, ``fr``, ``de`` or ``en``."""
    changed_at: datetime
    """``geaendertAm``."""
    salutation: KPSalutation | None = None
    """``anrede``."""
    last_name: str | None = None
    """``nachname``; ``None`` only for a business without a contact person."""
    first_name: str | None = None
    """``vorname``."""
    company: str | None = None
    """``firma``."""
    street: str | None = None
    """``strasse``."""
    house_number: str | None = None
    """``hausnummer``; may hold the box too (``112 B``)."""
    address_line2: str | None = None
    """``adresszusatz``."""
    postcode: str | None = None
    """``plz``."""
    city: str | None = None
    """``ort``."""
    phone: str | None = None
    """``telefon``."""
    mobile: str | None = None
    """``mobil``."""
    fax: str | None = None
    email: str | None = None
    vat_number: str | None = None
    """``ustIdNr``, compact form."""


@attrs.frozen(kw_only=True)
class PersonPage:
    """One slice of a KP search: ``limit`` persons from ``offset`` of ``total``."""

    items: tuple[Person, ...]
    """``treffer``."""
    total: int
    """``gesamt``."""
    limit: int
    offset: int


@redacted_repr("kind")
@attrs.frozen(kw_only=True)
class PersonQuery:
    """The criteria of a KP search. KP knows no others.

    ``last_name`` is required (at least 2 characters); it also matches the company
    name of businesses. ``kind=PersonKind.PRIVATE`` leaves businesses out.
    """

    last_name: str
    """``nachname``."""
    first_name: str | None = attrs.field(default=None, converter=_blank_to_none)
    """``vorname``."""
    postcode: str | None = attrs.field(default=None, converter=_blank_to_none)
    """``plz``."""
    kind: PersonKind | None = None
    """``kundenart``."""
