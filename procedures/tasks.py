"""Celery tasks of phenotyping: thin wrappers around one service each (style.md B7)."""
from datetime import date

from celery import shared_task

from lims.celery import AuditedTask


@shared_task(base=AuditedTask, acks_late=True, reject_on_worker_lost=True)
def tests_mark_missed(today: str | None = None) -> int:
    """Mark missed the scheduled tests whose window has closed (`services.tests_mark_missed`); run daily by beat.

    Idempotent by construction (a conditional UPDATE on status), so a redelivered run changes nothing.
    `today` is an ISO date for a re-run of a past day; by default the worker's date.
    """
    from procedures import services

    return services.tests_mark_missed(today=date.fromisoformat(today) if today else None)
