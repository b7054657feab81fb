"""What is searched for: the search form's `SearchCriteria`, and a data engineer's `MatchRecord`.

Every check happens when the criteria are made, before any request: a bad value
raises `CriteriaError` naming the field (never repeating the value). Valid values
are normalised the way Driver2 and KP expect them: names trimmed, the VAT number
in compact form, the phone number as digits, the country in capitals.

A `MatchRecord` is criteria with more to compare: the address, a mobile number
and the legal form. `CustomerLookup.match` ranks candidates on them; no search
ever sends them, as Driver2's search form has no such fields (R1).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import attrs
import iso3166
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat

from ._errors import CriteriaError
from ._geo import POSTCODE_COUNTRIES, is_valid_postcode
from ._models import LegalForm
from ._redact import redacted_repr

if TYPE_CHECKING:
    from ._party import Party, PartyDraft

__all__ = ["MatchRecord", "SearchCriteria"]

_MAX_LENGTH: Final = {
    "customer_number": 12,
    "vat_number": 20,
    "last_name": 100,
    "first_name": 100,
    "email": 254,
    "phone": 30,
    "postcode": 10,
    "country": 2,
    "street": 200,
    "house_number": 20,
    "city": 100,
    "mobile": 30,
    "legal_form": 20,
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


def _legal_form(value: LegalForm | str | None) -> LegalForm | None:
    """A legal form by its value or name, in any case: ``"legal_entity"``, ``"Legal entity"``."""
    if value is None or isinstance(value, LegalForm):
        return value
    text = _text("legal_form", value)
    if text is None:
        return None
    try:
        return LegalForm(text.lower().replace(" ", "_"))
    except ValueError:
        forms = ", ".join(form.value for form in LegalForm)
        raise CriteriaError("legal_form", f"must be one of {forms}") from None


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
    a postcode impossible for the country (with no country, for each of BE, LU,
    NL, FR and DE), an e-mail without ``@``, a phone number of fewer than 6
    digits, control characters, absurd lengths.
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
        # With no country, the postcode must fit one of the countries served, not any.
        places = (self.country,) if self.country else POSTCODE_COUNTRIES
        if self.postcode and not any(is_valid_postcode(place, self.postcode) for place in places):
            if self.country:
                raise CriteriaError("postcode", f"is not a possible postcode in {self.country}")
            raise CriteriaError(
                "postcode",
                f"is not a possible postcode in any of {', '.join(places)}, "
                "and no country is given; give the country of one from elsewhere",
            )

    @classmethod
    def from_party(cls, party: Party | PartyDraft) -> SearchCriteria:
        """The search form filled from a party, or from what was typed into one (FAQ).

        Carries every field the search form takes: ``name`` as the last name, the
        first name, ``driver2_number`` as the customer number, the VAT number, the
        e-mail, the phone (the mobile when no phone is given), the postcode and
        the country. A field the party lacks stays empty. Raises `CriteriaError`
        for a value that cannot be right, as the constructor does.

        >>> from driver2_kp import PartyDraft
        >>> criteria = SearchCriteria.from_party(PartyDraft(name=" Goderis", postcode="9000"))
        >>> criteria.last_name, criteria.postcode
        ('Goderis', '9000')
        """
        return cls(
            customer_number=party.driver2_number,
            vat_number=party.vat_number,
            last_name=party.name,
            first_name=party.first_name,
            email=party.email,
            phone=party.phone or party.mobile,
            postcode=party.postcode,
            country=party.country,
        )

    def given(self) -> dict[str, str]:
        """The criteria given, by field name, in the form's order."""
        values = ((field.name, getattr(self, field.name)) for field in attrs.fields(SearchCriteria))
        return {name: value for name, value in values if value is not None}

    def is_empty(self) -> bool:
        """Whether no criterion is given."""
        return not self.given()


@redacted_repr("legal_form")
@attrs.frozen(kw_only=True)
class MatchRecord(SearchCriteria):
    """A record to match: the criteria, and fields only compared, never searched.

    `CustomerLookup.match` searches Driver2 and KP with the criteria, as
    `SearchCriteria` holds them, and also searches by the mobile number; it
    compares the street, house number, city, mobile number and legal form when
    it ranks what it found. A search
    (`CustomerLookup.search`) takes a `MatchRecord` as the criteria it holds, and
    sends none of the rest: Driver2's search form has no such fields (R1).

    >>> record = MatchRecord(last_name="Goderis", street="Kortrijksestwg", mobile="0475 12 34 56")
    >>> record.given()  # what a search sends
    {'last_name': 'Goderis'}
    >>> record.mobile, MatchRecord(last_name="Peeters Bouw", legal_form="legal_entity").legal_form
    ('0475123456', <LegalForm.LEGAL_ENTITY: 'legal_entity'>)
    """

    street: str | None = _field(converter=_criterion("street"))
    house_number: str | None = _field(converter=_criterion("house_number"))
    """The house number, with its box if any (``"112 B"``)."""
    city: str | None = _field(converter=_criterion("city"))
    mobile: str | None = _field(converter=_criterion("mobile", _phone))
    """A mobile number, kept as its digits; compared with the candidate's phone and mobile."""
    legal_form: LegalForm | None = attrs.field(default=None, converter=_legal_form)
    """A natural person or a legal entity (a company); ``None`` when the record does not say."""
