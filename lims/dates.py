"""The dates a person can ask about: one range for every date typed into a query (a worklist day, a census day, a
report period), so no page does arithmetic on a date it cannot represent.

Python's dates end at 9999-12-31 and start at 0001-01-01; a worklist week that starts on 9999-12-27 ends past
the last representable day, and a report of the 90 days before 0001-01-01 starts before the first. Such dates
mean nothing in a laboratory, so they are refused with a message (400) where they come in, instead of failing
(500) wherever they are used.
"""
import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

#: The earliest and latest day a query may name; years of arithmetic either side stay representable.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


def out_of_range_message() -> str:
    return f"Give a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}."


def check_query_date(value: dt.date | None) -> None:
    """Raise a ValidationError when `value` lies outside [EARLIEST, LATEST] (None passes)."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(out_of_range_message(), code="date_range")


class QueryDateField(forms.DateField):
    """A form's date (ISO, from a query string or a date picker) within [EARLIEST, LATEST]."""

    default_validators = [check_query_date]


def query_date(params, name: str, default: dt.date) -> dt.date:
    """The ISO date `params[name]` (blank: `default`).

    Raises:
        ValidationError: keyed by `name`, when the value is not a YYYY-MM-DD date or is out of range.
    """
    raw = (params or {}).get(name) or ""
    if not raw:
        return default
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [f"{raw[:20]!r} is not a date (YYYY-MM-DD)."]}) from None
    try:
        check_query_date(value)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None
    return value


__all__ = ["EARLIEST", "LATEST", "QueryDateField", "check_query_date", "query_date"]
