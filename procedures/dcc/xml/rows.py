"""Rows for the DCC writers straight from PostgreSQL, without the ORM's per-row converters.

A 10,000-mouse export reads 64,000 experiments and 10,000 mice; `QuerySet.iterator()` runs every JSON column of
every row through `JSONField.from_db_value` (a `json.loads` of "[]" nearly always). Here the queryset is compiled
by the ORM as usual and read through the same server-side cursor `iterator()` opens, and the caller decodes the
JSON columns it needs with `json_column` (nothing to decode for an empty list or NULL).
"""
import json
from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def raw_chunks(queryset: QuerySet, size: int) -> Iterator[list[tuple]]:
    """Yield the rows of a `values_list()` queryset `size` at a time, as the database gives them, from the
    server-side cursor `iterator()` would open (no transaction of its own: the caller's, if any, is left alone)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # an empty selection (`pk__in=[]`, `none()`): the ORM would not query either
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            yield chunk


def json_column(stored: str | None):
    """A JSON column's value as the ORM would give it; `[]`, `{}` and NULL need no decoding."""
    if stored is None:
        return None
    if stored == "[]":
        return []
    if stored == "{}":
        return {}
    return json.loads(stored)
