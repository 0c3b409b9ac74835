"""`/health/`: the state of the database, the broker and the workers, for monitors and load balancers.

It answers 200 whenever the database is up (the LIMS works without Redis, tasks then run in-process) and 503 when
the database is down. A load balancer needs only that; the details (which part is down and why, how many workers
answer) are for people: a logged-in user (session or API token), or anyone while DEBUG is on (a developer's
`make run`). An anonymous caller of a production site learns only {"status": "ok"} or {"status": "down"}.
"""
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request


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


def _may_see_details(request, *, database_up: bool) -> bool:
    if settings.DEBUG:
        return True
    if not database_up:
        return False  # sessions and tokens live in the database: nobody can be recognised
    if request.user.is_authenticated:
        return True
    try:
        return TokenAuthentication().authenticate(Request(request)) is not None
    except AuthenticationFailed:
        return False


def health(request):
    database = _database()
    status = 200 if database == "ok" else 503
    answer = {"status": "ok" if status == 200 else "down"}
    if _may_see_details(request, database_up=status == 200):
        broker, workers = _broker_and_workers()
        answer.update(database=database, broker=broker, workers=workers)
    return JsonResponse(answer, status=status)
