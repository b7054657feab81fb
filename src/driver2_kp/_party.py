"""PlanManager parties, and the pure mappings from Driver2 customers and KP persons.

The party's attributes follow the PlanManager party form (FAQ #1267); the tables
of the spec (salutations by language, Belgian provinces by postcode) are applied
here and nowhere else.
"""

from __future__ import annotations

import enum
import re
from typing import Final

import attrs

from ._geo import province_for_postcode
from ._models import (
    Address,
    Customer,
    CustomerType,
    KPSalutation,
    LegalForm,
    NewCustomer,
    Person,
    PersonKind,
)
from ._redact import redacted_repr

__all__ = [
    "Party",
    "PartyDraft",
    "PartyRole",
    "Source",
    "new_customer_from_person",
    "party_from_customer",
    "party_from_person",
    "salutation_for",
    "split_house_number",
]


class Source(enum.StrEnum):
    """Where a candidate or party comes from.

    >>> Source("kp") is Source.KP
    True
    """

    DRIVER2 = "driver2"
    KP = "kp"


class PartyRole(enum.StrEnum):
    """The parties of a PlanManager dossier; the first four can be loaded from Driver2.

    >>> PartyRole.DRIVER.loadable, PartyRole.INSURER.loadable
    (True, False)
    """

    OWNER = "owner"
    """Eigenaar."""
    DRIVER = "driver"
    """Bestuurder."""
    INSURED = "insured"
    """Verzekerde / huurder: the insured or lessee."""
    SENT_BY = "sent_by"
    """Gestuurd door."""
    INSURER = "insurer"
    """Verzekeraar: not loadable from Driver2."""
    EXPERT = "expert"
    """Expert: not loadable from Driver2."""
    REPAIRER = "repairer"
    """Hersteller: not loadable from Driver2."""
    BROKER = "broker"
    """Makelaar: not loadable from Driver2."""

    @property
    def loadable(self) -> bool:
        """Whether this party can be loaded from Driver2 (R11)."""
        return self in _LOADABLE


_LOADABLE: Final = frozenset(
    {PartyRole.OWNER, PartyRole.DRIVER, PartyRole.INSURED, PartyRole.SENT_BY}
)


@redacted_repr(
    "source", "driver2_number", "kp_id", "legal_form", "customer_type", "country", "language"
)
@attrs.frozen(kw_only=True)
class Party:
    """A PlanManager party, shaped after the party form.

    ``record`` is the Driver2 customer or KP person it was made from, whole. Its
    ``repr`` hides personal data; read the attributes.

    Example::

        party = lookup.select(candidate).party  # Thiemen Goderis, from Driver2
        assert (party.name, party.first_name) == ("Goderis", "Thiemen")
        assert (party.driver2_number, party.province) == ("74050", "Oost-Vlaanderen")
    """

    source: Source
    name: str
    """Naam: last name, or company name."""
    legal_form: LegalForm
    """Rechtspersoonlijkheid."""
    customer_type: CustomerType
    """Type Klant."""
    country: str
    """Land, ISO 3166-1 alpha-2."""
    language: str
    """Taal, BCP 47 (``nl-BE``)."""
    record: Customer | Person
    driver2_number: str | None = None
    """Externe Referentie: the Driver2 customer number."""
    kp_id: str | None = None
    first_name: str | None = None
    contact_person: str | None = None
    """For a business from KP: its contact person's name."""
    salutation: str | None = None
    """Aanspreking, in the party's language."""
    street: str | None = None
    house_number: str | None = None
    box: str | None = None
    address_line2: str | None = None
    """Adres 2."""
    postcode: str | None = None
    city: str | None = None
    province: str | None = None
    """Provincie."""
    phone: str | None = None
    fax: str | None = None
    mobile: str | None = None
    """GSM."""
    email: str | None = None
    vat_liable: bool = False
    """BTW plichtig."""
    vat_number: str | None = None
    disabled_person: bool = False
    """Andersvalide."""
    driving_licence: str | None = None
    """Rijbewijs."""
    remarks: str | None = None
    """Opmerkingen."""

    def _repr_html_(self) -> str:
        """The party form's fields, for Jupyter; `repr` stays redacted for logs."""
        from ._html import party_html  # noqa: PLC0415 - the HTML sits above the models

        return party_html(self)


@redacted_repr("country")
@attrs.frozen(kw_only=True)
class PartyDraft:
    """What a user typed into the party form, before any Driver2 or KP record is behind it.

    The FAQ: "a name already typed in the party is carried over into the search
    form". Build a draft from the form's fields, then search with what it holds:

    >>> from driver2_kp import SearchCriteria
    >>> draft = PartyDraft(name="Goderis", first_name="Thiemen", postcode="9000")
    >>> SearchCriteria.from_party(draft)  # no personal data in a repr
    SearchCriteria(last_name=<personal>, first_name=<personal>, postcode=<personal>)

    Every field is optional; none is checked until it is searched with.
    """

    name: str | None = None
    """Naam: last name, or company name."""
    first_name: str | None = None
    driver2_number: str | None = None
    """Externe Referentie: a Driver2 customer number, when the user knows it."""
    vat_number: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    """GSM: searched as the phone when no phone is typed."""
    postcode: str | None = None
    country: str | None = None
    """Land, ISO 3166-1 alpha-2."""


def party_from_customer(customer: Customer) -> Party:
    """The party for a Driver2 customer: every form field from its Driver2 field."""
    address = customer.address
    return Party(
        source=Source.DRIVER2,
        record=customer,
        driver2_number=customer.customer_number,
        kp_id=customer.kp_reference,
        name=customer.name,
        first_name=customer.first_name,
        legal_form=customer.legal_form,
        customer_type=customer.customer_type,
        salutation=customer.salutation,
        street=address.street,
        house_number=address.house_number,
        box=address.box,
        address_line2=address.line2,
        postcode=address.postcode,
        city=address.city,
        province=address.province,
        country=address.country,
        phone=customer.phone,
        fax=customer.fax,
        mobile=customer.mobile,
        email=customer.email,
        vat_liable=customer.vat_liable,
        vat_number=customer.vat_number,
        language=customer.language,
        disabled_person=customer.disabled_person,
        driving_licence=customer.driving_licence,
        remarks=customer.remarks,
    )


_SALUTATIONS: Final = {
    KPSalutation.HERR: {"nl": "De heer", "fr": "Monsieur", "de": "Herr", "en": "Mr"},
    KPSalutation.FRAU: {"nl": "Mevrouw", "fr": "Madame", "de": "Frau", "en": "Ms"},
}
# A separator word only counts when a box follows it: "12 Box" keeps "Box" as the box.
_BOX: Final = re.compile(
    r"(?P<number>\d+)(?:\s*(?:(?:bus|bte\.?|boîte|box|/)\s*)?(?P<box>[A-Za-z0-9]{1,4}))?",
    re.IGNORECASE,
)


def salutation_for(anrede: KPSalutation | None, language: str) -> str | None:
    """The salutation in ``language`` (``nl``, ``fr``, ``de``, ``en``) for KP's ``anrede``.

    >>> salutation_for(KPSalutation.FRAU, "fr")
    'Madame'
    """
    if anrede is None:
        return None
    return _SALUTATIONS.get(anrede, {}).get(language.split("-", maxsplit=1)[0].lower())


def split_house_number(value: str | None) -> tuple[str | None, str | None]:
    """KP packs the box into the house number; split ``"112 B"`` into ``("112", "B")``.

    A value that is not a number and a box stays whole as the house number.
    """
    if value is None:
        return None, None
    match = _BOX.fullmatch(value.strip())
    if match is None:
        return value, None
    return match["number"], match["box"]


def party_from_person(person: Person) -> Party:
    """The party for a KP person, following the spec's KP column."""
    private = person.kind is PersonKind.PRIVATE
    house_number, box = split_house_number(person.house_number)
    language = f"{person.language}-{person.country}"
    province = province_for_postcode(person.postcode or "") if person.country == "BE" else None
    contact = " ".join(filter(None, (person.first_name, person.last_name))) or None
    return Party(
        source=Source.KP,
        record=person,
        kp_id=person.kp_id,
        name=(person.last_name if private else person.company or person.last_name) or "",
        first_name=person.first_name if private else None,
        contact_person=None if private else contact,
        legal_form=LegalForm.NATURAL_PERSON if private else LegalForm.LEGAL_ENTITY,
        customer_type=CustomerType.PRIVATE if private else CustomerType.BUSINESS,
        salutation=salutation_for(person.salutation, person.language),
        street=person.street,
        house_number=house_number,
        box=box,
        address_line2=person.address_line2,
        postcode=person.postcode,
        city=person.city,
        province=province.name(person.language) if province else None,
        country=person.country,
        phone=person.phone,
        fax=person.fax,
        mobile=person.mobile,
        email=person.email,
        vat_liable=person.vat_number is not None,
        vat_number=person.vat_number,
        language=language,
    )


def new_customer_from_person(person: Person) -> NewCustomer:
    """The Driver2 customer to create for a KP person (R8), without its VAT number (R10)."""
    party = party_from_person(person)
    return NewCustomer(
        legal_form=party.legal_form,
        name=party.name,
        first_name=party.first_name,
        salutation=party.salutation,
        address=Address(
            country=party.country,
            street=party.street,
            house_number=party.house_number,
            box=party.box,
            line2=party.address_line2,
            postcode=party.postcode,
            city=party.city,
            province=party.province,
        ),
        phone=party.phone,
        fax=party.fax,
        mobile=party.mobile,
        email=party.email,
        vat_liable=party.vat_liable,
        language=party.language,
        customer_type=party.customer_type,
        kp_reference=person.kp_id,
        remarks=f"Contact: {party.contact_person}" if party.contact_person else None,
    )
