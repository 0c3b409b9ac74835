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


def _converter(model_field, now):
    """How one column's value becomes COPY's (None: as it is): a timestamp is the batch's `now`, JSON is text."""
    if _stamped(model_field):
        return lambda _value: now
    return _json_text(model_field) if isinstance(model_field, JSONField) else None


def _new_ids(cursor, meta, count: int) -> list[int]:
    """`count` ids from the table's sequence.

    A WITH statement, not a bare SELECT: pghistory injects its context into every statement but SELECTs, and this
    is the statement that carries the caller's `audit_context` to the COPY's triggers. The sequence is looked up
    once (MATERIALIZED), not per id: `pg_get_serial_sequence` per row was three quarters of the query's time.
    """
    cursor.execute("WITH seq AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS name), "
                   "ids AS (SELECT nextval(seq.name) AS id FROM seq, generate_series(1, %s)) SELECT id FROM ids",
                   [meta.db_table, meta.pk.column, count])
    return [pk for (pk,) in cursor.fetchall()]


def copy_rows(model: type[Model], names: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """Insert `rows` (tuples of the attnames `names`, values already validated) with one COPY; return their ids.

    No model instances: an upload of 10,000 rows has ~80,000 rows to write, and building an instance per row
    (Django's `Model.__init__`, the related descriptors) cost more than the COPY itself. The columns not named take
    their field's default, computed once for the batch (timestamps get one `now` for the whole batch, as a single
    INSERT statement's rows share its transaction time); a named timestamp or JSON column is converted the same way.
    Model `save()` and signals do not run, as with `bulk_create`.
    """
    if not rows:
        return []
    meta = model._meta
    now = timezone.now()
    by_name = {f.attname: f for f in meta.concrete_fields}
    converters = [(i, convert) for i, name in enumerate(names) if (convert := _converter(by_name[name], now))]
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in names]
    tail = []
    for model_field in rest:
        convert = _converter(model_field, now)
        default = model_field.get_default()
        tail.append(convert(default) if convert else default)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [meta.pk, *(by_name[n] for n in names), *rest])
    with connection.cursor() as cursor:
        ids = _new_ids(cursor, meta, len(rows))
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                if converters:
                    row = list(row)
                    for i, convert in converters:
                        row[i] = convert(row[i])
                copy.write_row((pk, *row, *tail))
    return ids
