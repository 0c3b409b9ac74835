"""`/health/`: the state of the database, the broker and the workers, for monitors and load balancers.

It answers 200 whenever the database is up (the LIMS works without Redis, tasks then run in-process) and 503 when
the database is down.
"""
from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported in the answer
        return f"down: {exc.__class__.__name__}"


def _broker_and_workers() -> tuple[str, str]:
    if not settings.REDIS_URL:
        return "not configured (tasks run in-process)", "in-process"
    from lims.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"down: {exc.__class__.__name__}", "unknown"
    replies = app.control.inspect(timeout=1.0).ping() or {}
    return "ok", f"{len(replies)} worker(s) answering" if replies else "none answering"


def health(request):
    database = _database()
    broker, workers = _broker_and_workers()
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "down", "database": database,
                         "broker": broker, "workers": workers}, status=status)
