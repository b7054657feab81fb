"""The one cattrs converter: every wire name of Driver2 and KP is mapped here, once.

Driver2's names are the camelCase of the attribute names (``customer_number`` ↔
``customerNumber``); KP's are German and listed in `KP_WIRE_NAMES`. Reading is
strict about JSON types (cattrs would otherwise turn ``"false"`` into ``True``
and ``1.9`` into ``1``), lenient about unknown fields (both contracts add fields
without notice). Anything that does not fit raises `ResponseFormatError` naming
the field and the endpoint.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._errors import ResponseFormatError
from ._models import (
    Address,
    Customer,
    CustomerPage,
    CustomerQuery,
    CustomerType,
    KPSalutation,
    LegalForm,
    NewCustomer,
    Person,
    PersonKind,
    PersonPage,
    PersonQuery,
    Vehicle,
    VehicleList,
)

__all__ = ["KP_WIRE_NAMES", "PAGING_NAMES", "query_params", "read", "write"]

T = TypeVar("T")

KP_WIRE_NAMES: Final = {
    Person: {
        "kp_id": "kpId",
        "kind": "kundenart",
        "salutation": "anrede",
        "last_name": "nachname",
        "first_name": "vorname",
        "company": "firma",
        "street": "strasse",
        "house_number": "hausnummer",
        "address_line2": "adresszusatz",
        "postcode": "plz",
        "city": "ort",
        "country": "land",
        "phone": "telefon",
        "mobile": "mobil",
        "fax": "fax",
        "email": "email",
        "vat_number": "ustIdNr",
        "language": "sprache",
        "changed_at": "geaendertAm",
    },
    PersonPage: {"items": "treffer", "total": "gesamt", "limit": "limit", "offset": "offset"},
    PersonQuery: {
        "last_name": "nachname",
        "first_name": "vorname",
        "postcode": "plz",
        "kind": "kundenart",
    },
}
"""KP's German wire name of every attribute of its resources."""

PAGING_NAMES: Final = {
    "page": "page",
    "page_size": "pageSize",
    "limit": "limit",
    "offset": "offset",
}
"""The wire names of the paging parameters of both searches; they say nothing of a person."""

_DRIVER2_CLASSES: Final = (
    Address,
    Customer,
    NewCustomer,
    CustomerPage,
    CustomerQuery,
    Vehicle,
    VehicleList,
)


def camel_case(name: str) -> str:
    """Driver2's wire name of an attribute: ``total_items`` → ``totalItems``."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _strict(kind: type[Any]) -> Any:
    # JSON has no ints that are bools nor strings that are numbers: take each as it is.
    # The exact type, not isinstance: JSON makes no subclasses, and bool is one of int.
    accepted = (int, float) if kind is float else (kind,)

    def structure(value: object, _: object) -> Any:
        if type(value) not in accepted:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return structure


# Messages say what was expected, never the value received: it may be personal data.


_RFC3339: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _timestamp(value: object, _: object) -> datetime:
    # fromisoformat alone would also take a bare date, or a time without offset.
    if type(value) is not str or not _RFC3339.fullmatch(value):
        raise ValueError("expected an RFC 3339 date-time with its offset")
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError("expected an RFC 3339 date-time with its offset") from None


def _date(value: object, _: object) -> date:
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError("expected an ISO 8601 date") from None


def _choice(kind: type[enum.StrEnum]) -> Any:
    # A dict of the values: kind(value) goes through EnumType.__call__, six times slower.
    members: dict[object, enum.StrEnum] = {member.value: member for member in kind}
    expected = f"expected one of {', '.join(member.value for member in kind)}"

    def structure(value: object, _: object) -> enum.StrEnum:
        try:
            return members[value]
        except (KeyError, TypeError):  # TypeError: a list or an object is no dict key
            raise ValueError(expected) from None

    return structure


def _strict_list(converter: cattrs.Converter, kind: Any) -> None:
    structure_items = converter.get_structure_hook(kind)

    def structure(value: object, cls: Any) -> Any:
        if not isinstance(value, list):
            raise TypeError(f"expected an array, got {type(value).__name__}")
        return structure_items(value, cls)

    converter.register_structure_hook_func(lambda cls: cls == kind, structure)


def _optional_str(value: object, _: object) -> str | None:
    # Most fields are text or null: checked here at once, not through cattrs's
    # dispatch of the union then of str (a third of the time of reading a page).
    if value is None or type(value) is str:
        return value
    raise TypeError(f"expected str, got {type(value).__name__}")


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False)
    for kind in (str, int, float, bool):
        converter.register_structure_hook(kind, _strict(kind))
    converter.register_structure_hook(str | None, _optional_str)
    # By class: a StrEnum is a str, and would otherwise take the str hook unchecked.
    for choice in (LegalForm, CustomerType, PersonKind, KPSalutation):
        converter.register_structure_hook(choice, _choice(choice))
    converter.register_structure_hook(datetime, _timestamp)
    converter.register_structure_hook(date, _date)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_unstructure_hook(date, date.isoformat)
    # cattrs would take any iterable for a tuple: "" or {} would read as no items.
    for item in (Customer, Vehicle, Person):
        _strict_list(converter, tuple[item, ...])  # type: ignore[valid-type]
    names: dict[type[Any], dict[str, str]] = {
        cls: {f.name: camel_case(f.name) for f in attrs.fields(cls)} for cls in _DRIVER2_CLASSES
    }
    names |= KP_WIRE_NAMES
    _WIRE_NAMES.update(names)
    for cls, wire in names.items():
        renames: dict[str, Any] = {a: override(rename=name) for a, name in wire.items()}
        converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, **renames))
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, **renames)
        )
    return converter


_WIRE_NAMES: Final[dict[type[Any], dict[str, str]]] = {}
_CONVERTER: Final = _make_converter()


def _problems(err: BaseException, path: str) -> list[str]:
    # Like cattrs.transform_error, but the path names the wire fields (vatLiable, plz).
    if isinstance(err, cattrs.ClassValidationError):
        noted, others = err.group_exceptions()
        problems = [f"{path}: {other}" for other in others]
        for inner, note in noted:
            name = _WIRE_NAMES.get(err.cl, {}).get(note.name, note.name)
            problems += _problems(inner, f"{path}.{name}")
        return problems
    if isinstance(err, cattrs.IterableValidationError):
        noted_items, others = err.group_exceptions()
        problems = [f"{path}: {other}" for other in others]
        for inner, item in noted_items:
            problems += _problems(inner, f"{path}[{item.index}]")
        return problems
    if isinstance(err, KeyError):
        return [f"{path} is missing"]
    return [f"{path}: {err}"]


def read(data: object, cls: type[T], *, service: str, endpoint: str) -> T:
    """Structure a response body into ``cls``, or raise `ResponseFormatError`."""
    if not isinstance(data, dict):
        raise ResponseFormatError(
            f"expected a JSON object, got {type(data).__name__}", service=service, endpoint=endpoint
        )
    try:
        return _CONVERTER.structure(data, cls)
    except cattrs.BaseValidationError as err:
        problems = "; ".join(_problems(err, "body"))
        raise ResponseFormatError(
            f"the answer is not a valid {cls.__name__}: {problems}",
            service=service,
            endpoint=endpoint,
        ) from err
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise ResponseFormatError(
            f"the answer is not a valid {cls.__name__}: {err}", service=service, endpoint=endpoint
        ) from err


def write(value: object) -> Any:
    """Unstructure a model into its wire JSON."""
    return _CONVERTER.unstructure(value)


def query_params(query: CustomerQuery | PersonQuery, **paging: int) -> tuple[tuple[str, str], ...]:
    """The query parameters of a search: the criteria given, then the paging, by wire names.

    >>> query_params(PersonQuery(last_name="Peeters", kind=PersonKind.PRIVATE), limit=10)
    (('nachname', 'Peeters'), ('kundenart', 'privat'), ('limit', '10'))
    """
    wire: dict[str, object] = _CONVERTER.unstructure(query)
    criteria = tuple((name, str(value)) for name, value in wire.items() if value is not None)
    return criteria + tuple((PAGING_NAMES[name], str(value)) for name, value in paging.items())
