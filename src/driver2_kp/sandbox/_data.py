"""The sandbox's data: Driver2 customers, KP persons and vehicles, from a seed.

`generate` is a pure function of its arguments (and of the installed Faker's name
lists): the same seed gives the same records in the same order, byte for byte.
Names come from Faker's Belgian and German name frequencies, so common Belgian
surnames (Peeters, Janssens, Maes, ...) are common here too; everything else is
drawn from one `random.Random(seed)`.

Records are kept in their wire shape (Driver2's camelCase `Customer`, KP's German
`Person`), because serving that shape is the sandbox's whole job.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs
from faker.providers.person.de_DE import Provider as German
from faker.providers.person.fr_BE import Provider as French
from faker.providers.person.nl_BE import Provider as Dutch

from driver2_kp._geo import province_for_postcode

from ._places import FOREIGN_PLACES, PLACES, STREETS, Place
from ._text import fold

__all__ = ["FIXED", "Dataset", "FixedRecords", "generate"]

JSONObject = dict[str, Any]


@attrs.frozen
class FixedRecords:
    """The documented records every sandbox holds, whatever its seed.

    >>> FIXED.goderis_customer_number
    '74050'
    """

    goderis_customer_number: str = "74050"
    """Driver2 customer Thiemen Goderis, 9000 Gent; also in KP."""
    goderis_kp_id: str = "KP-0012345"
    """Thiemen Goderis in KP (the Driver2 customer's ``kpReference``)."""
    ann_peeters_kp_id: str = "KP-0020001"
    """Ann Peeters, a private person in KP only, 2000 Antwerpen."""
    business_kp_id: str = "KP-0020002"
    """Peeters Bouw BV, a KP-only business with a VAT number, contact Ann Peeters, 2000."""
    business_vat_number: str = "BE0403019261"
    """The VAT number (``ustIdNr``) of Peeters Bouw BV, compact form."""
    import_rejected_kp_id: str = "KP-0020003"
    """Marc Dubois, KP only, whose postcode Driver2 rejects on import (75001 in BE)."""
    leasing_customer_number: str = "30001"
    """Flandria Lease NV, a leasing company (fleet), owner of the fixed vehicle."""
    lessee_customer_number: str = "30002"
    """Van Damme Bouw NV, a business, lessee of the fixed vehicle."""
    vehicle_plate: str = "1-ABC-123"
    """The fixed vehicle: owner Flandria Lease, driver Thiemen Goderis, lessee Van Damme."""
    vehicle_vin: str = "WVWZZZ1JZXW000001"
    """The VIN of the fixed vehicle."""


FIXED: Final = FixedRecords()
"""The fixed records, the same in every sandbox whatever its seed."""


@attrs.frozen
class Dataset:
    """Everything a sandbox serves, in wire shape and in the order it was generated."""

    customers: tuple[JSONObject, ...]
    """Driver2 ``Customer`` resources."""
    persons: tuple[JSONObject, ...]
    """KP ``Person`` resources."""
    vehicles: tuple[JSONObject, ...]
    """Driver2 vehicles, with ``ownerNumber``, ``driverNumber``, ``lesseeNumber``
    (customer numbers or ``None``) in place of the embedded customers."""


# --- name pools -------------------------------------------------------------------


@attrs.frozen
class _Pool:
    names: tuple[str, ...]
    cum_weights: tuple[float, ...]

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cum_weights)[0]


def _pool(weighted: dict[str, float] | Sequence[str]) -> _Pool:
    items = list(weighted.items()) if isinstance(weighted, dict) else [(n, 1.0) for n in weighted]
    return _Pool(
        tuple(name for name, _ in items),
        tuple(itertools.accumulate(float(weight) for _, weight in items)),
    )


@attrs.frozen
class _Names:
    last: _Pool
    male: _Pool
    female: _Pool


@functools.cache
def _names(language: str) -> _Names:
    # Faker's locale providers hold real name frequencies as class attributes;
    # reading them directly is deterministic and far faster than calling Faker.
    provider: Any = {"nl": Dutch, "fr": French, "de": German, "en": Dutch}[language]
    return _Names(
        _pool(provider.last_names),
        _pool(provider.first_names_male),
        _pool(provider.first_names_female),
    )


# --- people -----------------------------------------------------------------------

_SALUTATIONS: Final = {
    "nl": ("De heer", "Mevrouw"),
    "fr": ("Monsieur", "Madame"),
    "de": ("Herr", "Frau"),
    "en": ("Mr", "Ms"),
}
_SECTORS: Final = {
    "nl": ("Bouw", "Transport", "Garage", "Bakkerij", "Elektro", "Logistiek", "Schrijnwerkerij"),
    "fr": ("Construction", "Transports", "Garage", "Boulangerie", "Électricité", "Services"),
    "de": ("Bau", "Transporte", "Autohaus", "Bäckerei", "Elektro", "Logistik"),
}
_COMPANY_FORMS: Final = {
    "nl": ("BV", "NV", "CommV"),
    "fr": ("SRL", "SA", "SC"),
    "de": ("GmbH", "AG"),
}
_LEASING_COMPANIES: Final = (
    "Brabo Fleet Services NV",
    "Mosane Leasing SA",
    "Lease Partners Belgium NV",
    "AutoLease Benelux NV",
    "Scaldis Car Lease NV",
    "Wallonie Mobilité SA",
)
_REMARKS: Final = {
    "nl": ("Vooraf bellen a.u.b.", "Factuur per e-mail", "Vaste klant", "Sleutel in brievenbus"),
    "fr": ("Prière de téléphoner avant", "Facture par e-mail", "Client fidèle"),
    "de": ("Bitte vorher anrufen", "Rechnung per E-Mail", "Stammkunde"),
}
_EMAIL_DOMAINS: Final = ("example.be", "example.com", "example.net", "example.org")
_NATIONAL_LENGTH: Final = {"32": 8, "31": 9, "33": 9, "49": 10, "352": 6}
_EPOCH: Final = datetime(2005, 1, 1, tzinfo=UTC)
_SPAN: Final = int((datetime(2024, 6, 30, tzinfo=UTC) - _EPOCH).total_seconds())
_LAST_CHANGE: Final = datetime(2026, 10, 31, tzinfo=UTC)


@attrs.frozen
class _Someone:
    """One real-world customer, before it is written as Driver2 or KP data."""

    kind: str  # "private", "business" or "fleet"
    female: bool
    first_name: str | None
    last_name: str | None
    company: str | None
    place: Place
    street: str
    house_number: str
    box: str | None
    line2: str | None
    language: str  # ISO 639-1
    phone: str | None
    mobile: str | None
    fax: str | None
    email: str | None
    vat_number: str | None
    driving_licence: str | None
    disabled: bool
    remarks: str | None
    created: datetime
    updated: datetime


def _be_vat(rng: random.Random) -> str:
    # A Belgian enterprise number: 8 digits starting 0 or 1, then 97 - (those mod 97).
    base = rng.randrange(2_000_000, 19_999_999)
    return f"BE{base:08d}{97 - base % 97:02d}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _phone(rng: random.Random, place: Place) -> str:
    country = next(cc for cc in ("352", "32", "31", "33", "49") if place.phone_zone.startswith(cc))
    zone = place.phone_zone[len(country) :]
    number = "+" + country + zone + _digits(rng, _NATIONAL_LENGTH[country] - len(zone))
    if country == "32" and rng.random() < 0.03:
        # As typed, when Driver2 could not normalise it: national format with spaces.
        national = "0" + number[3:]
        return f"{national[:-6]} {national[-6:-4]} {national[-4:-2]} {national[-2:]}"
    return number


def _someone(rng: random.Random, kind: str, *, foreign_rate: float = 0.03) -> _Someone:
    place = rng.choice(FOREIGN_PLACES) if rng.random() < foreign_rate else rng.choice(PLACES)
    language = place.languages[0] if rng.random() < 0.8 else rng.choice(place.languages)
    if place.country == "BE" and rng.random() < 0.01:
        language = "en"
    names = _names(language)
    female = rng.random() < 0.5
    has_contact = kind == "private" or rng.random() < 0.9
    first = (names.female if female else names.male).pick(rng) if has_contact else None
    last = names.last.pick(rng) if has_contact else None
    company = None
    if kind == "business":
        owner_name = last or names.last.pick(rng)
        sector = rng.choice(_SECTORS.get(language, _SECTORS["nl"]))
        form = rng.choice(_COMPANY_FORMS.get(language, _COMPANY_FORMS["nl"]))
        company = (
            f"{owner_name} {sector} {form}"
            if rng.random() < 0.5
            else f"{sector} {owner_name} {form}"
        )
    elif kind == "fleet":
        company = rng.choice(_LEASING_COMPANIES)
    street_language = language if language in STREETS else place.languages[0]
    created = _EPOCH + timedelta(seconds=rng.randrange(_SPAN))
    updated = min(created + timedelta(seconds=rng.randrange(4 * 365 * 86400)), _LAST_CHANGE)
    email_local = fold(f"{first}.{last}" if company is None else company).replace(" ", "")
    email_local = "".join(c for c in email_local if c.isascii() and (c.isalnum() or c == "."))
    return _Someone(
        kind=kind,
        female=female,
        first_name=first,
        last_name=last,
        company=company,
        place=place,
        street=rng.choice(STREETS[street_language if street_language in STREETS else "nl"]),
        house_number=str(rng.randint(1, 250)),
        box=rng.choice("ABC") if rng.random() < 0.08 else None,
        line2=f"Bus {rng.randint(1, 40)}" if rng.random() < 0.03 else None,
        language=language,
        phone=_phone(rng, place) if rng.random() < 0.8 else None,
        mobile="+3247" + _digits(rng, 7) if place.country == "BE" and rng.random() < 0.7 else None,
        fax=_phone(rng, place) if kind != "private" and rng.random() < 0.3 else None,
        email=f"{email_local}@{rng.choice(_EMAIL_DOMAINS)}" if rng.random() < 0.85 else None,
        vat_number=_be_vat(rng) if kind != "private" and place.country == "BE" else None,
        driving_licence=_digits(rng, 10) if kind == "private" and rng.random() < 0.6 else None,
        disabled=kind == "private" and rng.random() < 0.01,
        remarks=rng.choice(_REMARKS.get(language, _REMARKS["nl"])) if rng.random() < 0.05 else None,
        created=created,
        updated=updated,
    )


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _language_tag(someone: _Someone) -> str:
    return "en" if someone.language == "en" else f"{someone.language}-{someone.place.country}"


def _customer(someone: _Someone, number: str, kp_reference: str | None) -> JSONObject:
    private = someone.kind == "private"
    province = (
        province_for_postcode(someone.place.postcode) if someone.place.country == "BE" else None
    )
    salutation = _SALUTATIONS[someone.language][someone.female] if private else None
    return {
        "customerNumber": number,
        "legalForm": "natural_person" if private else "legal_entity",
        "salutation": salutation,
        "name": someone.last_name if private else someone.company,
        "firstName": someone.first_name if private else None,
        "address": {
            "street": someone.street,
            "houseNumber": someone.house_number,
            "box": someone.box,
            "line2": someone.line2,
            "postcode": someone.place.postcode,
            "city": someone.place.city,
            "province": province.name(someone.language) if province else None,
            "country": someone.place.country,
        },
        "phone": someone.phone,
        "fax": someone.fax,
        "mobile": someone.mobile,
        "email": someone.email,
        "vatLiable": someone.vat_number is not None,
        "vatNumber": someone.vat_number,
        "language": _language_tag(someone),
        "customerType": someone.kind,
        "disabledPerson": someone.disabled,
        "drivingLicence": someone.driving_licence,
        "kpReference": kp_reference,
        "remarks": someone.remarks,
        "createdAt": _timestamp(someone.created),
        "updatedAt": _timestamp(someone.updated),
    }


def _person(someone: _Someone, kp_id: str, *, postcode: str | None = None) -> JSONObject:
    private = someone.kind == "private"
    return {
        "kpId": kp_id,
        "kundenart": "privat" if private else "gewerblich",
        "anrede": ("Frau" if someone.female else "Herr") if private else "Firma",
        "nachname": someone.last_name,
        "vorname": someone.first_name,
        "firma": None if private else someone.company,
        "strasse": someone.street,
        # KP packs the box into the house number: "112 B".
        "hausnummer": " ".join(filter(None, (someone.house_number, someone.box))),
        "adresszusatz": someone.line2,
        "plz": postcode or someone.place.postcode,
        "ort": someone.place.city,
        "land": someone.place.country,
        "telefon": someone.phone,
        "mobil": someone.mobile,
        "fax": someone.fax,
        "email": someone.email,
        "ustIdNr": someone.vat_number,
        "sprache": someone.language,
        "geaendertAm": _timestamp(someone.updated),
    }


# --- the fixed records ------------------------------------------------------------


def _fixed_someone(**fields: Any) -> _Someone:
    defaults: dict[str, Any] = {
        "female": False,
        "box": None,
        "line2": None,
        "fax": None,
        "vat_number": None,
        "driving_licence": None,
        "disabled": False,
        "remarks": None,
        "mobile": None,
        "created": datetime(2019, 7, 15, 9, 7, tzinfo=UTC),
        "updated": datetime(2024, 2, 1, 13, 45, 10, tzinfo=UTC),
    }
    return _Someone(**(defaults | fields))


def _place(postcode: str) -> Place:
    return next(p for p in PLACES if p.postcode == postcode)


_GODERIS: Final = _fixed_someone(
    kind="private",
    first_name="Thiemen",
    last_name="Goderis",
    company=None,
    place=_place("9000"),
    street="Kortrijksesteenweg",
    house_number="112",
    box="B",
    language="nl",
    phone="+3292234455",
    mobile="+32475123456",
    email="thiemen.goderis@example.be",
    driving_licence="1234567890",
)
_LEASING: Final = _fixed_someone(
    kind="fleet",
    first_name=None,
    last_name=None,
    company="Flandria Lease NV",
    place=_place("1000"),
    street="Kunstlaan",
    house_number="56",
    language="nl",
    phone="+3225550100",
    email="fleet@flandria-lease.example.be",
    vat_number="BE0456201886",
)
_LESSEE: Final = _fixed_someone(
    kind="business",
    first_name="Koen",
    last_name="Van Damme",
    company="Van Damme Bouw NV",
    place=_place("9000"),
    street="Brusselsesteenweg",
    house_number="300",
    language="nl",
    phone="+3292400100",
    email="info@vandammebouw.example.be",
    vat_number="BE0811472504",
)
_ANN_PEETERS: Final = _fixed_someone(
    kind="private",
    female=True,
    first_name="Ann",
    last_name="Peeters",
    company=None,
    place=_place("2000"),
    street="Meir",
    house_number="12",
    language="nl",
    phone="+3232310000",
    mobile="+32478000111",
    email="ann.peeters@example.be",
)
_PEETERS_BOUW: Final = _fixed_someone(
    kind="business",
    female=True,
    first_name="Ann",
    last_name="Peeters",
    company="Peeters Bouw BV",
    place=_place("2000"),
    street="Italiëlei",
    house_number="100",
    language="nl",
    phone="+3232260000",
    email="info@peetersbouw.example.be",
    vat_number=FIXED.business_vat_number,
)
_DUBOIS: Final = _fixed_someone(
    kind="private",
    first_name="Marc",
    last_name="Dubois",
    company=None,
    place=_place("1000"),
    street="Rue Haute",
    house_number="5",
    language="fr",
    phone="+3225120000",
    email="marc.dubois@example.be",
)


# --- generation -------------------------------------------------------------------


def _unique(rng: random.Random, make: Any, taken: set[str]) -> str:
    while True:
        value: str = make(rng)
        if value not in taken:
            taken.add(value)
            return value


_MAKES: Final = (
    ("WVW", "Volkswagen", ("Golf", "Polo", "Passat", "Tiguan", "ID.3")),
    ("WAU", "Audi", ("A3", "A4", "A6", "Q3", "Q5")),
    ("WBA", "BMW", ("118i", "320d", "520d", "X1", "X3")),
    ("VF1", "Renault", ("Clio", "Mégane", "Captur", "Kangoo")),
    ("VF3", "Peugeot", ("208", "308", "2008", "3008", "Partner")),
    ("TMB", "Škoda", ("Fabia", "Octavia", "Superb", "Kodiaq")),
    ("YV1", "Volvo", ("V60", "XC40", "XC60", "V90")),
    ("WF0", "Ford", ("Fiesta", "Focus", "Kuga", "Transit")),
    ("JTD", "Toyota", ("Yaris", "Corolla", "C-HR", "RAV4")),
    ("WDD", "Mercedes-Benz", ("A 180", "C 200", "E 220 d", "GLA 200")),
)
_VIN_CHARS: Final = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q in a VIN


def _vehicles(
    rng: random.Random, count: int, customers: Sequence[JSONObject]
) -> Iterator[JSONObject]:
    private = [c["customerNumber"] for c in customers if c["customerType"] == "private"]
    business = [c["customerNumber"] for c in customers if c["customerType"] == "business"]
    fleet = [c["customerNumber"] for c in customers if c["customerType"] == "fleet"]
    plates: set[str] = {FIXED.vehicle_plate}
    vins: set[str] = {FIXED.vehicle_vin}
    for _ in range(count):
        wmi, make, models = rng.choice(_MAKES)
        year = rng.randint(2012, 2025)
        leased = bool(fleet and business) and rng.random() < 0.3
        owner = rng.choice(fleet) if leased else rng.choice(private)
        driver = rng.choice(private) if leased or rng.random() < 0.2 else owner
        yield {
            "vin": _unique(
                rng, lambda r, wmi=wmi: wmi + "ZZZ" + "".join(r.choices(_VIN_CHARS, k=11)), vins
            ),
            "plate": _unique(
                rng,
                lambda r: (
                    f"{r.randint(1, 2)}-{''.join(r.choices('ABCDEFGHJKLMNPRSTUVWXYZ', k=3))}"
                    f"-{r.randint(100, 999)}"
                ),
                plates,
            ),
            "make": make,
            "model": rng.choice(models),
            "firstRegistration": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "ownerNumber": owner,
            "driverNumber": None if rng.random() < 0.1 else driver,
            "lesseeNumber": rng.choice(business) if leased else None,
        }


def generate(seed: int = 42, customers: int = 5000, persons: int = 20000) -> Dataset:
    """Generate the sandbox's data set: ``customers`` Driver2 customers, ``persons`` KP persons.

    About 40 % of the Driver2 customers came from KP (``kpReference`` set, the
    same person in both); the other persons are KP-only, about 1 % of them with a
    postcode Driver2 rejects on import. There is one vehicle per five customers.
    The fixed records of `FIXED` are always included (and counted).
    """
    if customers < 3 or persons < 4:
        raise ValueError(
            "the sandbox needs at least 3 customers and 4 persons for its fixed records"
        )
    rng = random.Random(seed)
    numbers: set[str] = {
        FIXED.goderis_customer_number,
        FIXED.leasing_customer_number,
        FIXED.lessee_customer_number,
    }
    kp_ids: set[str] = {
        FIXED.goderis_kp_id,
        FIXED.ann_peeters_kp_id,
        FIXED.business_kp_id,
        FIXED.import_rejected_kp_id,
    }

    customer_docs = [
        _customer(_GODERIS, FIXED.goderis_customer_number, FIXED.goderis_kp_id),
        _customer(_LEASING, FIXED.leasing_customer_number, None),
        _customer(_LESSEE, FIXED.lessee_customer_number, None),
    ]
    person_docs = [
        _person(_GODERIS, FIXED.goderis_kp_id),
        _person(_ANN_PEETERS, FIXED.ann_peeters_kp_id),
        _person(_PEETERS_BOUW, FIXED.business_kp_id),
        _person(_DUBOIS, FIXED.import_rejected_kp_id, postcode="75001"),
    ]
    new_number = functools.partial(
        _unique, make=lambda r: str(r.randint(10000, 99999)), taken=numbers
    )
    new_kp_id = functools.partial(
        _unique, make=lambda r: f"KP-{r.randint(0, 9_999_999):07d}", taken=kp_ids
    )

    for _ in range(customers - len(customer_docs)):
        roll = rng.random()
        kind = "fleet" if roll < 0.01 else "business" if roll < 0.16 else "private"
        someone = _someone(rng, kind)
        twin = len(person_docs) < persons and rng.random() < 0.4
        kp_id = new_kp_id(rng) if twin else None
        customer_docs.append(_customer(someone, new_number(rng), kp_id))
        if kp_id is not None:
            person_docs.append(_person(someone, kp_id))

    while len(person_docs) < persons:
        someone = _someone(rng, "business" if rng.random() < 0.2 else "private")
        rejected = someone.place.country == "BE" and rng.random() < 0.01
        # A Belgian address with a French postcode: Driver2 refuses it on import (R9).
        postcode = str(rng.randint(10000, 99999)) if rejected else None
        person_docs.append(_person(someone, new_kp_id(rng), postcode=postcode))

    fixed_vehicle = {
        "vin": FIXED.vehicle_vin,
        "plate": FIXED.vehicle_plate,
        "make": "Volkswagen",
        "model": "Golf",
        "firstRegistration": "2019-03-01",
        "ownerNumber": FIXED.leasing_customer_number,
        "driverNumber": FIXED.goderis_customer_number,
        "lesseeNumber": FIXED.lessee_customer_number,
    }
    vehicle_docs = [fixed_vehicle, *_vehicles(rng, max(customers // 5 - 1, 0), customer_docs)]
    return Dataset(tuple(customer_docs), tuple(person_docs), tuple(vehicle_docs))
