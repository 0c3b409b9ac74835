"""The backup and restore drill of docs/operations.md, run on a small data set by CI.

A committed data set (every route's record, with their audit events) is dumped with the machine's `pg_dump -Fc`,
restored with `pg_restore` into a fresh database, and compared: the row count of every table of the application
(audit event tables included) and one audit event, field by field, must survive.
"""
import os
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from colonies.models import Colony
from tests.security.routes import build_line

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                       reason="needs PostgreSQL's pg_dump and pg_restore on PATH (apt-get install postgresql-client)"),
]


def _conninfo(name: str) -> dict:
    s = connection.settings_dict
    return {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "user": s["USER"],
            "password": s["PASSWORD"] or None, "dbname": name}


def _counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def test_dump_and_restore_keep_every_row_and_the_audit_trail(centre, tmp_path):
    line = build_line(centre)
    colony_event_model = apps.get_model("colonies", "ColonyEvent")
    event = colony_event_model.objects.filter(pgh_obj_id=line["colonies"].pk).order_by("pgh_id").values().first()
    assert event is not None, "the colony has no audit event to look for after the restore"
    with connection.cursor() as cursor:
        before = _counts(cursor)
    assert before[Colony._meta.db_table] >= 1 and before[colony_event_model._meta.db_table] >= 1

    source = _conninfo(connection.settings_dict["NAME"])
    env = {**os.environ, "PGPASSWORD": source["password"] or os.environ.get("PGPASSWORD", "")}
    common = ["-h", str(source["host"]), "-p", str(source["port"])] + (["-U", source["user"]] if source["user"] else [])
    dump = tmp_path / "lims.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), *common, source["dbname"]], env=env, check=True, timeout=300)
    target = f"lims_restore_drill_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", target, *common, str(dump)],
                       env=env, check=True, timeout=300)
        with psycopg.connect(**{**source, "dbname": target}) as restored, restored.cursor() as cursor:
            after = _counts(cursor)
            columns = list(event)
            cursor.execute(f'SELECT {", ".join(columns)} FROM "{colony_event_model._meta.db_table}" '
                           f"WHERE pgh_id = %s", [event["pgh_id"]])
            restored_event = dict(zip(columns, cursor.fetchone()))
    finally:
        with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
    assert after == before
    assert restored_event["pgh_label"] == event["pgh_label"] and restored_event["name"] == event["name"]
    assert restored_event["pgh_context_id"] == event["pgh_context_id"]
    assert {k: restored_event[k] for k in columns} == event
