"""Per-field converters of the lean lists (`lims.lean`), decided once per plan instead of per value.

Why: DRF's `to_representation` is the definition of a field's JSON, but for a page of 50 rows it runs ~2,000 times,
and for the common field types its answer for the value type PostgreSQL gives is known in advance: a `str` for a
CharField is itself, a `date` is its ISO text, an aware `datetime` is its ISO text in the current time zone with
`Z` for UTC. `converter(field)` gives (the value type written as it is, a converter for every other value); a
converter falls back to the field's own `to_representation` for any value it does not recognise, so it never
answers differently (`tests/test_lean_lists.py` checks both on the same values).
"""
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

ISO_8601 = "iso-8601"


def _iso(field, default) -> bool:
    output_format = getattr(field, "format", default)
    return isinstance(output_format, str) and output_format.lower() == ISO_8601


class ZoneConverter:
    """An aware datetime's ISO text in the current time zone, as `DateTimeField.to_representation` writes it.

    `bind(zone)` gives the converter for one render: the current zone is looked up once per page, not per value
    (the lookup goes through a context-local and was a tenth of the rendering time)."""

    def __init__(self, field):
        self.slow = field.to_representation

    def bind(self, zone):
        slow = self.slow

        def convert(value):
            if type(value) is datetime and value.tzinfo is not None and value.utcoffset() is not None:
                try:
                    text = value.astimezone(zone).isoformat()
                except OverflowError:
                    return slow(value)
                return text[:-6] + "Z" if text.endswith("+00:00") else text
            return slow(value)

        return convert


def bind(convert):
    """A plan's converter ready for one render (see `ZoneConverter`)."""
    return convert.bind(timezone.get_current_timezone()) if isinstance(convert, ZoneConverter) else convert


def _date_converter(field):
    slow = field.to_representation

    def convert(value):
        return value.isoformat() if type(value) is date else slow(value)

    return convert


def _choice_identity(field) -> bool:
    """Whether every choice is a string that maps to itself (then a string value is written unchanged)."""
    mapping = field.choice_strings_to_values
    return all(isinstance(value, str) and key == value for key, value in mapping.items())


def converter(field) -> tuple[type | None, object]:
    """(the value type written unchanged or None, converter) of a serializer field; see the module docstring."""
    kind = type(field)
    if kind is serializers.CharField:
        return str, field.to_representation
    if kind is serializers.IntegerField:
        return int, field.to_representation
    if kind is serializers.BooleanField:
        return bool, field.to_representation
    if kind is serializers.ChoiceField and _choice_identity(field):
        return str, field.to_representation
    if (kind is serializers.DateTimeField and settings.USE_TZ and not hasattr(field, "timezone")
            and _iso(field, api_settings.DATETIME_FORMAT)):
        return None, ZoneConverter(field)
    if kind is serializers.DateField and _iso(field, api_settings.DATE_FORMAT):
        return None, _date_converter(field)
    return None, field.to_representation
