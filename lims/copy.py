"""Insert many model rows with PostgreSQL's COPY (psycopg 3 `cursor.copy`) instead of `bulk_create`.

Why: `bulk_create` prepares every value of every row through the field's `get_db_prep_save` and sends the rows as
SQL arrays; for an upload of 10,000 rows (~90,000 values) that was half of the upload's time (`make bench`,
excel_upload). COPY streams the rows as they are. The audit is unchanged: COPY fires the same statement-level
pghistory triggers as an INSERT, and the caller's `audit_context` reaches them because the ids are drawn by a query
through Django's cursor first, into which pghistory injects the context for the rest of the transaction
(`set_config(…, true)`); pghistory skips statements starting with SELECT, so that query starts with WITH
(`tests/procedures/test_imports.py` checks each copied row's insert event and its context).
"""
import json

from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone


def _stamped(model_field) -> bool:
    return bool(getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False))


def _json_text(model_field):
    """A JSON column's value as COPY text: `[]` and `{}` (most rows) without serialising each one."""
    encoder = model_field.encoder

    def text(value):
        if value is None:
            return None
        if value == [] or value == {}:
            return "[]" if isinstance(value, list) else "{}"
        return json.dumps(value, cls=encoder)

    return text


def _row_maker(fields, now):
    """A function instance → its COPY row, the per-field decisions taken once per batch, not once per value."""
    plan = [((lambda _value: now) if _stamped(f) else _json_text(f) if isinstance(f, JSONField) else None, f.attname)
            for f in fields]

    def row(obj):
        values = obj.__dict__
        return [convert(values.get(name)) if convert else values[name] for convert, name in plan]

    return row


def copy_insert(model: type[Model], objs: list[Model]) -> list[Model]:
    """Insert `objs` (unsaved instances of `model`, fields already validated) with one COPY; set their ids.

    Timestamps (`auto_now`, `auto_now_add`) get one `now` for the whole batch, as a single INSERT statement's rows
    share its transaction time. Model `save()` and signals do not run, as with `bulk_create`.
    """
    if not objs:
        return objs
    meta = model._meta
    fields = meta.concrete_fields
    now = timezone.now()
    with connection.cursor() as cursor:
        # A WITH statement, not a bare SELECT: pghistory injects its context into every statement but SELECTs.
        cursor.execute("WITH ids AS (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id "
                       "FROM generate_series(1, %s)) SELECT id FROM ids",
                       [meta.db_table, meta.pk.column, len(objs)])
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            row = _row_maker(fields, now)
            for obj in objs:
                copy.write_row(row(obj))
    stamped = [f.attname for f in fields if _stamped(f)]
    for obj in objs:  # what the instance now holds is what the row holds
        for name in stamped:
            obj.__dict__[name] = now
    return objs
