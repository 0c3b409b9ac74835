"""Celery tasks of the DCC export: thin wrappers that take ids and call one service (style.md B7)."""
from celery import shared_task
from django.conf import settings

from lims.audit import audit_context
from lims.celery import AuditedTask
from procedures.dcc import services
from procedures.dcc.models import Submission


class SubmissionBuildTask(AuditedTask):
    """Marks the submission failed when the task gives up, so it never stays "building" after a crash."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        submission_id = kwargs.get("submission_id", args[0] if args else None)
        if submission_id is not None:
            # on_failure runs outside __call__, so it sets its own audit context.
            with audit_context(task=self.name, task_id=task_id, username=f"task:{self.name}"):
                services.submission_fail(submission_id=submission_id, reason=f"{type(exc).__name__}: {exc}")
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(
    bind=True,
    base=SubmissionBuildTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),  # ConnectionError (SFTP) is an OSError
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def submission_build(self, submission_id: int, *, actor_id: int | None = None, resume: bool = False) -> dict:
    """Build, validate and deliver one submission (`services.submission_build`).

    Safe to run twice (late acknowledgement, redelivery): the service claims the row with a conditional UPDATE and
    returns quietly when it is not pending. A retry after an OSError (full disk, unmounted share) resumes the
    build instead. `actor_id` is read by `AuditedTask` to attribute the writes to the person who asked.
    """
    if not Submission.objects.filter(pk=submission_id).exists():
        return {"submission_id": submission_id, "status": "missing"}
    try:
        submission = services.submission_build(
            submission_id=submission_id, task_id=self.request.id or "", resume=resume or self.request.retries > 0
        )
    except OSError:
        raise  # transient: retried (autoretry_for); `on_failure` fails the submission when retries run out
    except Exception as exc:
        # Not retried. Failed here as well as in `on_failure`, which Celery skips when it runs tasks in-process
        # with errors propagating (no REDIS_URL).
        services.submission_fail(submission_id=submission_id, reason=f"{type(exc).__name__}: {exc}")
        raise
    return {"submission_id": submission.pk, "status": submission.status}


submission_build_task = submission_build


@shared_task
def requeue_stale() -> list[int]:
    """Beat job (every 5 min): re-enqueue submissions whose worker died mid-build; they resume where they stopped."""
    claimed = services.requeue_stale()
    for pk in claimed:
        submission_build.delay(submission_id=pk, resume=True)
    return claimed


__all__ = ["requeue_stale", "submission_build", "submission_build_task"]
