"""Insert many model rows with PostgreSQL's COPY (psycopg 3 `cursor.copy`) instead of `bulk_create`.

Why: `bulk_create` prepares every value of every row through the field's `get_db_prep_save` and sends the rows as
SQL arrays; for an upload of 10,000 rows (~90,000 values) that was half of the upload's time (`make bench`,
excel_upload). COPY streams the rows as they are. The audit is unchanged: COPY fires the same statement-level
pghistory triggers as an INSERT, and the caller's `audit_context` reaches them because the ids are drawn by a query
through Django's cursor first, into which pghistory injects the context for the rest of the transaction
(`set_config(…, true)`); pghistory skips statements starting with SELECT, so that query starts with WITH
(`tests/procedures/test_imports.py` checks each copied row's insert event and its context).
"""
from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone
from psycopg.types.json import Jsonb


def _value_of(model_field, obj, now):
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        return now
    value = getattr(obj, model_field.attname)
    if isinstance(model_field, JSONField) and value is not None:
        return Jsonb(value)
    return value


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
            for obj in objs:
                copy.write_row([_value_of(f, obj, now) for f in fields])
    for obj in objs:  # what the instance now holds is what the row holds
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
    return objs
