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


class UploadProcessTask(AuditedTask):
    """Marks the upload job failed when the task gives up, so its page never polls a dead job for ever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from lims.audit import audit_context
        from procedures.imports import upload_fail

        job_id = kwargs.get("job_id", args[0] if args else None)
        if job_id is not None:
            # on_failure runs outside __call__, so it sets its own audit context.
            with audit_context(task=self.name, task_id=task_id, username=f"task:{self.name}"):
                upload_fail(job_id=job_id, reason=f"{type(exc).__name__}: {exc}")
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(bind=True, base=UploadProcessTask, acks_late=True, reject_on_worker_lost=True)
def upload_process(self, job_id: int, *, actor_id: int | None = None) -> dict:
    """Import one uploaded Excel file of a procedure (`imports.upload_process`).

    Safe to run twice (late acknowledgement, redelivery): the service claims the job with a conditional UPDATE,
    takes it back when this task's own earlier run died (a redelivery keeps the task id), and commits the rows with
    the job's outcome, so a dead run leaves nothing. `actor_id` is read by `AuditedTask` so the experiments are
    attributed to the person who uploaded.
    """
    from procedures.imports import upload_fail
    from procedures.imports import upload_process as service

    try:
        job = service(job_id=job_id, task_id=self.request.id or "")
    except Exception as exc:
        # Also failed here because Celery skips `on_failure` when it runs tasks in-process (no REDIS_URL).
        upload_fail(job_id=job_id, reason=f"{type(exc).__name__}: {exc}")
        raise
    return {"job_id": job_id, "status": job.status if job else "skipped"}


upload_process_task = upload_process


@shared_task
def uploads_requeue_stale() -> list[int]:
    """Beat job (every 5 min): re-enqueue upload jobs whose worker died, or fail them after 3 starts
    (`imports.uploads_requeue_stale`, the DCC submissions' `requeue_stale` for uploads)."""
    from procedures.imports import uploads_requeue_stale as service

    claimed = service()
    for pk, actor_id in claimed:
        upload_process.delay(pk, actor_id=actor_id)
    return [pk for pk, _actor_id in claimed]


__all__ = ["tests_mark_missed", "upload_process", "upload_process_task", "uploads_requeue_stale"]
