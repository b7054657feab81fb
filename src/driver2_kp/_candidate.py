"""`Candidate`: one row of PlanManager's result table, from Driver2 or KP.

The model below everything that ranks, renders or returns candidates: scoring
(`driver2_kp.matching`), the results (`driver2_kp._results`) and their HTML
(`driver2_kp._html`) import it, and it imports none of them.
"""

from __future__ import annotations

import attrs

from ._models import Customer, Person
from ._party import Source
from ._redact import redacted_repr

__all__ = ["Candidate"]


@redacted_repr("source", "driver2_number", "kp_id")
@attrs.frozen(kw_only=True)
class Candidate:
    """One row of PlanManager's result table: a Driver2 customer or a KP person.

    ``record`` is the whole `Customer` or `Person` it came from; hand the
    candidate to `CustomerLookup.select` to turn it into a party.

    Example::

        result = lookup.search(SearchCriteria(last_name="Goderis", postcode="9000"))
        table = [(c.name, c.first_name, c.driver2_number) for c in result.candidates]
        assert table == [("Goderis", "Thiemen", "74050")]
    """

    source: Source
    name: str
    """Last name, or company name."""
    record: Customer | Person
    first_name: str | None = None
    driver2_number: str | None = None
    """The Driver2 customer number, for a Driver2 candidate."""
    kp_id: str | None = None
    postcode: str | None = None
    phone: str | None = None
    """The phone number, or else the mobile one."""
    email: str | None = None
    vat_number: str | None = None

    def _repr_html_(self) -> str:
        """Its row of the FAQ's result table, for Jupyter; `repr` stays redacted for logs."""
        from ._html import candidate_html  # noqa: PLC0415 - the HTML sits above the models

        return candidate_html(self)
