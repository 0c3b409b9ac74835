"""Upload jobs whose worker died (issue 17 point 4): taken back by their redelivered task, re-queued by the beat job
as DCC submissions are, failed with a clear message after UploadJob.MAX_ATTEMPTS starts, and never recorded twice.

Before, a SIGKILL of the pool child during a procedure upload left the job "running": the redelivered task
skipped it ("status skipped"), nothing re-queued it and its page polled for ever. These tests drive the claim and
the sweep against the database; tests/procedures/test_upload_worker.py kills real workers.
"""
import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from lims.celery import app as celery_app
from procedures import imports
from procedures.models import Experiment, ScheduledTest, UploadJob
from procedures.tasks import upload_process_task
from procedures.tasks import uploads_requeue_stale as uploads_requeue_stale_task
from tests.factories import body_weight_procedure
from tests.procedures.helpers import upload_workbook

pytestmark = pytest.mark.django_db

GAVE_UP = ("The upload was started 3 times and each time its worker stopped before finishing (the file may be too "
           "large for the worker's memory); nothing was recorded. Split the file and upload the parts.")


@pytest.fixture
def job(tech, due_mice):  # noqa: F811 - the fixture imported above
    procedure, specimens = due_mice
    return imports.upload_job_create(file=upload_workbook(procedure, tech, specimens), procedure=procedure, actor=tech)


def _as_if_killed(job, *, task_id="task-1", attempts=1, minutes_ago=60):
    """The row a worker leaves when it dies mid-import: running, claimed by `task_id`, untouched since."""
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    UploadJob.objects.filter(pk=job.pk).update(status=UploadJob.Status.RUNNING, task_id=task_id, attempts=attempts,
                                               started_at=then, updated_at=then, rows_done=200)


def _status(job) -> tuple[str, int]:
    job.refresh_from_db()
    return job.status, job.attempts


# --- The redelivered task ----------------------------------------------------------------------------------------


def test_the_redelivered_task_takes_back_the_job_its_dead_run_left_running(job, tech, eager_tasks):
    _as_if_killed(job, task_id="task-1")

    result = upload_process_task.apply(args=[job.pk], kwargs={"actor_id": tech.pk}, task_id="task-1").get()

    assert result == {"job_id": job.pk, "status": "committed"}  # was "skipped", and the job stayed running
    assert _status(job) == (UploadJob.Status.COMMITTED, 2)
    assert job.rows_done == job.rows_total == 5 and job.created_count == 5
    assert Experiment.objects.count() == 5


def test_a_running_job_of_another_task_is_left_to_it(job, tech, eager_tasks):
    _as_if_killed(job, task_id="task-1", minutes_ago=0)

    result = upload_process_task.apply(args=[job.pk], kwargs={"actor_id": tech.pk}, task_id="task-2").get()

    assert result == {"job_id": job.pk, "status": "skipped"}
    assert _status(job) == (UploadJob.Status.RUNNING, 1) and not Experiment.objects.exists()


def test_the_redelivered_task_fails_the_job_after_three_starts(job, tech, eager_tasks):
    _as_if_killed(job, task_id="task-1", attempts=UploadJob.MAX_ATTEMPTS)

    result = upload_process_task.apply(args=[job.pk], kwargs={"actor_id": tech.pk}, task_id="task-1").get()

    assert result == {"job_id": job.pk, "status": "failed"}
    assert _status(job) == (UploadJob.Status.FAILED, 3) and job.finished_at
    assert job.errors == [{"row": None, "column": "", "message": GAVE_UP}]
    assert not Experiment.objects.exists()


def test_a_run_that_lost_its_job_to_a_newer_attempt_records_nothing(job, tech, monkeypatch):
    """GIVEN a run whose job was taken by a newer attempt while it imported (the sweep re-queued it and another
    worker claimed it) WHEN the old run finishes THEN its rows roll back with it: the rows and the job's outcome
    commit together, for the attempt that owns the job only."""
    real_import = imports.procedure_import

    def import_then_lose_the_job(**kwargs):
        result = real_import(**kwargs)
        UploadJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)  # the newer attempt's claim
        return result

    monkeypatch.setattr(imports, "procedure_import", import_then_lose_the_job)

    imports.upload_process(job_id=job.pk, task_id="old-run")

    assert not Experiment.objects.exists()
    assert not ScheduledTest.objects.exclude(status=ScheduledTest.Status.SCHEDULED).exists()
    assert _status(job) == (UploadJob.Status.RUNNING, 1)  # as the newer attempt will find it: its outcome to write


@pytest.mark.django_db(transaction=True)
def test_progress_is_the_heartbeat_of_the_attempt_that_writes_it(tech):
    """Progress goes through its own connection (committed at once), so the job must be committed too."""
    job = UploadJob.objects.create(centre=tech.centre, created_by=tech, procedure=body_weight_procedure(),
                                   file="uploads/x.xlsx")
    _as_if_killed(job, task_id="task-1", attempts=2)
    before = UploadJob.objects.get(pk=job.pk).updated_at

    for attempt in (1, 2):  # an older attempt's progress is ignored; the current one's is kept
        writer = imports._ProgressWriter(job.pk, attempt=attempt)
        writer(400 * attempt)
        writer.close()

    job.refresh_from_db()
    assert job.rows_done == 800 and job.updated_at > before


# --- The beat job: the DCC submissions' stale-job mechanism for uploads ------------------------------------------


def test_the_sweep_requeues_a_dead_running_job_once(job, tech):
    _as_if_killed(job, task_id="task-1", attempts=1, minutes_ago=60)

    assert imports.uploads_requeue_stale(older_than=30 * 60) == [(job.pk, tech.pk)]
    job.refresh_from_db()
    assert (job.status, job.task_id, job.attempts) == (UploadJob.Status.PENDING, "", 1)
    assert imports.uploads_requeue_stale(older_than=30 * 60) == []  # the claim bumped updated_at: once a period


def test_the_sweep_leaves_live_and_finished_jobs_alone(job, tech, due_mice):  # noqa: F811
    procedure, specimens = due_mice
    _as_if_killed(job, minutes_ago=1)  # reported a minute ago: alive
    done = imports.upload_job_create(file=upload_workbook(procedure, tech, specimens), procedure=procedure, actor=tech)
    old = timezone.now() - dt.timedelta(hours=5)
    UploadJob.objects.filter(pk=done.pk).update(status=UploadJob.Status.COMMITTED, updated_at=old)

    assert imports.uploads_requeue_stale(older_than=30 * 60) == []
    assert _status(job) == (UploadJob.Status.RUNNING, 1) and _status(done)[0] == UploadJob.Status.COMMITTED


def test_the_sweep_re_enqueues_a_lost_pending_job(job, tech):
    UploadJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))

    assert imports.uploads_requeue_stale(older_than=30 * 60) == [(job.pk, tech.pk)]
    assert _status(job) == (UploadJob.Status.PENDING, 0)


def test_the_sweep_fails_a_job_whose_worker_died_three_times(job):
    _as_if_killed(job, attempts=UploadJob.MAX_ATTEMPTS)

    assert imports.uploads_requeue_stale(older_than=30 * 60) == []

    assert _status(job) == (UploadJob.Status.FAILED, 3)
    assert job.errors == [{"row": None, "column": "", "message": GAVE_UP}] and job.finished_at


def test_the_beat_task_requeues_and_the_job_finishes(job, tech, eager_tasks, settings):
    settings.LIMS_UPLOAD_STALE_AFTER = 0
    _as_if_killed(job, task_id="dead-task", attempts=1)

    assert uploads_requeue_stale_task.delay().get() == [job.pk]

    assert _status(job) == (UploadJob.Status.COMMITTED, 2)
    assert Experiment.objects.count() == 5 and Experiment.objects.filter(recorded_by=tech).count() == 5


def test_beat_runs_the_sweep_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["procedures-uploads-requeue-stale"]
    assert entry["task"] == "procedures.tasks.uploads_requeue_stale" in celery_app.tasks
    assert entry["schedule"] == crontab(minute="*/5")
    assert settings.LIMS_UPLOAD_STALE_AFTER == settings.CELERY_TASK_TIME_LIMIT + 60
