"""`SearchCriteria`: what a PlanManager user typed in the search form, checked and normalised.

Every check happens when the criteria are made, before any request: a bad value
raises `CriteriaError` naming the field (never repeating the value). Valid values
are normalised the way Driver2 and KP expect them: names trimmed, the VAT number
in compact form, the phone number as digits, the country in capitals.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Final

import attrs
import iso3166
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat

from ._errors import CriteriaError
from ._geo import is_valid_postcode
from ._redact import redacted_repr

__all__ = ["SearchCriteria"]

_MAX_LENGTH: Final = {
    "customer_number": 12,
    "vat_number": 20,
    "last_name": 100,
    "first_name": 100,
    "email": 254,
    "phone": 30,
    "postcode": 10,
    "country": 2,
}
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MIN_PHONE_DIGITS: Final = 6


def _text(field: str, value: str | None) -> str | None:
    """Trim, fold inner white space, refuse control characters and absurd lengths."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise CriteriaError(field, f"must be text, not {type(value).__name__}")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise CriteriaError(field, "must not contain control characters")
    text = " ".join(value.split())
    if len(text) > _MAX_LENGTH[field]:
        raise CriteriaError(field, f"must be at most {_MAX_LENGTH[field]} characters")
    return text or None


def _customer_number(value: str) -> str:
    if not value.isdigit():
        raise CriteriaError("customer_number", "a Driver2 customer number is digits only")
    return value


def _vat_number(value: str) -> str:
    number = re.sub(r"[\s./-]", "", value)
    if number[:1].isdigit():
        number = "BE" + number  # a Belgian body shop's customers: no prefix means Belgian
    try:
        return str(vat.validate(number))
    except stdnum_errors.ValidationError as err:
        raise CriteriaError("vat_number", f"is not a valid VAT number ({err})") from None


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise CriteriaError("email", "is not an e-mail address")
    return value


def _phone(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if len(digits.lstrip("0")) < _MIN_PHONE_DIGITS:
        raise CriteriaError("phone", f"needs at least {_MIN_PHONE_DIGITS} digits")
    if re.search(r"[^\d\s+()./-]", value):
        raise CriteriaError("phone", "may hold only digits, spaces and + ( ) . / -")
    return digits


def _country(value: str) -> str:
    code = value.upper()
    if code not in iso3166.countries_by_alpha2:
        raise CriteriaError("country", "is not an ISO 3166-1 alpha-2 country code")
    return code


def _criterion(
    field: str, check: Callable[[str], str] | None = None
) -> Callable[[str | None], str | None]:
    def convert(value: str | None) -> str | None:
        text = _text(field, value)
        return text if text is None or check is None else check(text)

    return convert


_field = functools.partial(attrs.field, default=None)


@redacted_repr()
@attrs.frozen(kw_only=True)
class SearchCriteria:
    """The fields of PlanManager's Driver2 search form; all optional, combined with AND.

    >>> criteria = SearchCriteria(last_name=" Goderis ", vat_number="BE 0403.019.261")
    >>> criteria.last_name, criteria.vat_number
    ('Goderis', 'BE0403019261')
    >>> criteria  # no personal data in a repr
    SearchCriteria(vat_number=<personal>, last_name=<personal>)

    Raises `CriteriaError` (a `ValueError`) naming the field for a value that
    cannot be right: a VAT number with a wrong checksum, an unknown country code,
    a postcode impossible for the country, an e-mail without ``@``, a phone number
    of fewer than 6 digits, control characters, absurd lengths.
    """

    customer_number: str | None = _field(converter=_criterion("customer_number", _customer_number))
    """Driver2's customer number, digits."""
    vat_number: str | None = _field(converter=_criterion("vat_number", _vat_number))
    """A VAT number in any common spelling; kept in compact form (``BE0403019261``)."""
    last_name: str | None = _field(converter=_criterion("last_name"))
    """Last name or company name (a prefix is enough)."""
    first_name: str | None = _field(converter=_criterion("first_name"))
    email: str | None = _field(converter=_criterion("email", _email))
    phone: str | None = _field(converter=_criterion("phone", _phone))
    """Kept as its digits; matched against the end of a phone or mobile number."""
    postcode: str | None = _field(converter=_criterion("postcode"))
    country: str | None = _field(converter=_criterion("country", _country))
    """ISO 3166-1 alpha-2, e.g. ``BE``."""

    def __attrs_post_init__(self) -> None:
        if self.postcode and self.country and not is_valid_postcode(self.country, self.postcode):
            raise CriteriaError("postcode", f"is not a possible postcode in {self.country}")

    def given(self) -> dict[str, str]:
        """The criteria given, by field name, in the form's order."""
        values = ((field.name, getattr(self, field.name)) for field in attrs.fields(SearchCriteria))
        return {name: value for name, value in values if value is not None}

    def is_empty(self) -> bool:
        """Whether no criterion is given."""
        return not self.given()
