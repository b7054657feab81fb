"""The sandbox's SQLite store: the records of a `Dataset`, indexed for the contracts' searches.

Each record is kept whole as JSON (the wire shape) next to the folded keys that
the searches match on, so that a search is one indexed query and the answer is
the stored document itself.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from ._data import Dataset, JSONObject
from ._text import digits, fold

__all__ = ["CustomerQuery", "PersonQuery", "Store"]

_SCHEMA: Final = """
DROP TABLE IF EXISTS customers;
DROP TABLE IF EXISTS persons;
DROP TABLE IF EXISTS vehicles;
CREATE TABLE customers (
    number INTEGER PRIMARY KEY,
    name_key TEXT NOT NULL,
    first_key TEXT,
    vat TEXT,
    email_key TEXT,
    phone_digits TEXT,
    mobile_digits TEXT,
    postcode TEXT,
    country TEXT NOT NULL,
    kp_reference TEXT UNIQUE,
    doc TEXT NOT NULL
);
CREATE INDEX customers_order ON customers (name_key, first_key, number);
CREATE TABLE persons (
    kp_id TEXT PRIMARY KEY,
    nachname_key TEXT,
    vorname_key TEXT,
    firma_key TEXT,
    kundenart TEXT NOT NULL,
    plz TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX persons_order ON persons (nachname_key, vorname_key, kp_id);
CREATE INDEX persons_firma ON persons (firma_key);
CREATE TABLE vehicles (
    vin TEXT PRIMARY KEY,
    plate_key TEXT NOT NULL UNIQUE,
    owner INTEGER,
    driver INTEGER,
    lessee INTEGER,
    doc TEXT NOT NULL
);
"""

# Above every character a key can hold: "key >= p AND key < p || _TOP" is a prefix match
# that can use the index, unlike LIKE (which would also need its wildcards escaped).
_TOP: Final = "\U0010ffff"


@attrs.frozen
class CustomerQuery:
    """The criteria of ``GET /customers``, already checked; ``None`` means not given."""

    customer_number: str | None = None
    vat_number: str | None = None
    name: str | None = None
    first_name: str | None = None
    email: str | None = None
    phone: str | None = None
    postcode: str | None = None
    country: str | None = None


@attrs.frozen
class PersonQuery:
    """The criteria of ``GET /personen``, already checked."""

    nachname: str
    vorname: str | None = None
    plz: str | None = None
    kundenart: str | None = None


_LARGEST_INTEGER: Final = 2**63
"""SQLite's integers end below it."""


def _key(value: str | None) -> str | None:
    return None if value is None else fold(value)


def _number(text: str) -> int | None:
    """A customer number as stored, or ``None`` where none can be (not ASCII digits, too large)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number < _LARGEST_INTEGER else None


def _plate_key(plate: str) -> str:
    return "".join(c for c in plate if c not in "- ").casefold()


def _prefix(column: str) -> str:
    return f"({column} >= ? AND {column} < ?)"


def now_timestamp() -> str:
    """The current UTC time as Driver2 writes it (RFC 3339, seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """SQLite holding the customers, persons and vehicles a sandbox serves.

    One connection, used from the server's event loop thread only.
    """

    def __init__(self, data: Dataset, path: str = ":memory:") -> None:
        # The seeded data is built once in a pristine database; `restore` copies it
        # page by page into the served one, which is far faster than inserting again.
        self._pristine = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db = self._pristine
        try:
            self._load(data)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.restore()
        except BaseException:  # a path that cannot be opened: nothing is left open
            self.close()
            raise

    def close(self) -> None:
        """Close the databases (closing one twice does nothing)."""
        self._db.close()
        self._pristine.close()

    def restore(self) -> None:
        """Bring back the seeded data, undoing every change."""
        self._pristine.backup(self._db)

    def _load(self, data: Dataset) -> None:
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")
        self._insert_customers(data.customers)
        self._db.executemany(
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    p["kpId"],
                    _key(p["nachname"]),
                    _key(p["vorname"]),
                    _key(p["firma"]),
                    p["kundenart"],
                    p["plz"],
                    json.dumps(p, ensure_ascii=False),
                )
                for p in data.persons
            ),
        )
        self._db.executemany(
            "INSERT INTO vehicles VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    v["vin"],
                    _plate_key(v["plate"]),
                    v["ownerNumber"],
                    v["driverNumber"],
                    v["lesseeNumber"],
                    json.dumps(
                        {k: v[k] for k in ("vin", "plate", "make", "model", "firstRegistration")},
                        ensure_ascii=False,
                    ),
                )
                for v in data.vehicles
            ),
        )
        self._db.execute("COMMIT")

    def _insert_customers(self, customers: Iterable[JSONObject]) -> None:
        self._db.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    int(c["customerNumber"]),
                    fold(c["name"]),
                    _key(c["firstName"]),
                    c["vatNumber"],
                    _key(c["email"]),
                    digits(c["phone"] or ""),
                    digits(c["mobile"] or ""),
                    c["address"]["postcode"],
                    c["address"]["country"],
                    c["kpReference"],
                    json.dumps(c, ensure_ascii=False),
                )
                for c in customers
            ),
        )

    # --- Driver2 ------------------------------------------------------------------

    def search_customers(
        self, query: CustomerQuery, *, page: int, page_size: int
    ) -> tuple[list[JSONObject], int]:
        """One page of the customers matching every given criterion, and the total."""
        where: list[str] = []
        args: list[Any] = []
        if query.customer_number is not None:
            where.append("number = ?")
            args.append(_number(query.customer_number))
        for column, value in (
            ("vat", query.vat_number),
            ("postcode", query.postcode),
            ("country", query.country),
            ("email_key", _key(query.email)),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        for column, value in (("name_key", query.name), ("first_key", query.first_name)):
            if value is not None:
                where.append(_prefix(column))
                args += [fold(value), fold(value) + _TOP]
        if query.phone is not None:
            wanted = digits(query.phone).lstrip("0")
            where.append("(phone_digits LIKE '%' || ? OR mobile_digits LIKE '%' || ?)")
            args += [wanted, wanted]
        return self._page(
            "customers",
            where,
            args,
            order="name_key, first_key, number",
            limit=page_size,
            offset=(page - 1) * page_size,
        )

    def get_customer(self, number: str) -> JSONObject | None:
        """The customer with this number, or ``None``."""
        key = _number(number)
        if key is None:
            return None
        row = self._db.execute("SELECT doc FROM customers WHERE number = ?", (key,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def number_for_kp_reference(self, kp_reference: str) -> str | None:
        """The number of the customer imported from this KP id, or ``None``."""
        row = self._db.execute(
            "SELECT number FROM customers WHERE kp_reference = ?", (kp_reference,)
        ).fetchone()
        return None if row is None else str(row[0])

    def create_customer(self, fields: JSONObject) -> JSONObject:
        """Store a new customer from a validated create body; return it with its number."""
        (highest,) = self._db.execute("SELECT max(number) FROM customers").fetchone()
        stamp = now_timestamp()
        address = fields["address"]
        customer: JSONObject = {
            "customerNumber": str((highest or 0) + 1),
            "legalForm": fields["legalForm"],
            "salutation": fields.get("salutation"),
            "name": fields["name"],
            "firstName": fields.get("firstName"),
            "address": {
                k: address.get(k)
                for k in ("street", "houseNumber", "box", "line2", "postcode", "city", "province")
            }
            | {"country": address["country"]},
            "phone": fields.get("phone"),
            "fax": fields.get("fax"),
            "mobile": fields.get("mobile"),
            "email": fields.get("email"),
            "vatLiable": fields.get("vatLiable", False),
            "vatNumber": None,
            "language": fields["language"],
            "customerType": fields["customerType"],
            "disabledPerson": fields.get("disabledPerson", False),
            "drivingLicence": fields.get("drivingLicence"),
            "kpReference": fields.get("kpReference"),
            "remarks": fields.get("remarks"),
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        self._insert_customers([customer])
        return customer

    def find_vehicles(
        self, *, plate: str | None = None, vin: str | None = None
    ) -> list[JSONObject]:
        """Vehicles by plate (dashes, spaces and case ignored) or VIN, people embedded."""
        column, value = (
            ("plate_key", _plate_key(plate)) if plate is not None else ("vin", (vin or "").upper())
        )
        rows = self._db.execute(
            f"SELECT doc, owner, driver, lessee FROM vehicles WHERE {column} = ?", (value,)
        ).fetchall()
        vehicles = []
        for doc, *people in rows:
            vehicle = dict(json.loads(doc))
            for role, number in zip(("owner", "driver", "lessee"), people, strict=True):
                vehicle[role] = None if number is None else self.get_customer(str(number))
            vehicles.append(vehicle)
        return vehicles

    # --- KP -----------------------------------------------------------------------

    def search_persons(
        self, query: PersonQuery, *, limit: int, offset: int
    ) -> tuple[list[JSONObject], int]:
        """The persons matching the query from ``offset`` on (at most ``limit``), and the total."""
        name = fold(query.nachname)
        where = [
            f"({_prefix('nachname_key')} OR (kundenart = 'gewerblich' AND {_prefix('firma_key')}))"
        ]
        args: list[Any] = [name, name + _TOP, name, name + _TOP]
        if query.vorname is not None:
            where.append(_prefix("vorname_key"))
            args += [fold(query.vorname), fold(query.vorname) + _TOP]
        for column, value in (("plz", query.plz), ("kundenart", query.kundenart)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        return self._page(
            "persons",
            where,
            args,
            order="nachname_key, vorname_key, kp_id",
            limit=limit,
            offset=offset,
        )

    def get_person(self, kp_id: str) -> JSONObject | None:
        """The person with this KP id, or ``None``."""
        row = self._db.execute("SELECT doc FROM persons WHERE kp_id = ?", (kp_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # --- shared -------------------------------------------------------------------

    def _page(
        self, table: str, where: list[str], args: list[Any], *, order: str, limit: int, offset: int
    ) -> tuple[list[JSONObject], int]:
        condition = " AND ".join(where) or "1"
        (total,) = self._db.execute(
            f"SELECT count(*) FROM {table} WHERE {condition}", args
        ).fetchone()
        rows = self._db.execute(
            f"SELECT doc FROM {table} WHERE {condition} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        return [dict(json.loads(doc)) for (doc,) in rows], int(total)
