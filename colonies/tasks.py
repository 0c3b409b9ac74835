"""Celery tasks of the colonies app: thin wrappers around one service each (style.md B7)."""
from datetime import date

from celery import shared_task

from lims.celery import AuditedTask


@shared_task(base=AuditedTask, acks_late=True, reject_on_worker_lost=True)
def reminders_compute_all(today: str | None = None) -> list[dict]:
    """Compute every centre's reminders and send the e-mail digests (`services.reminders_compute_all`); run daily.

    Idempotent by construction (one row per key, done rows untouched), so a redelivered run creates nothing twice;
    only the digest could go out a second time, which is the lesser harm than none. `today` is an ISO date for a
    re-run of a past day; by default the worker's date.
    """
    from colonies.services import reminders_compute_all as service

    summaries = service(today=date.fromisoformat(today) if today else None)
    return [summary.as_dict() for summary in summaries]


reminders_compute_all_task = reminders_compute_all

__all__ = ["reminders_compute_all", "reminders_compute_all_task"]
