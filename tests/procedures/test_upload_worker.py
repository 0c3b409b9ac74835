"""A procedure upload survives a real worker's SIGKILL (issue 17 point 4), through Redis and `celery worker`
processes as production runs them (the set-up of tests/dcc/test_worker.py: the worker reads the test database, so
the test commits its rows).

Two deaths, two ways back, each ending with every row recorded exactly once:
- the pool child is killed (the OOM killer's usual victim): the worker's parent requeues the late-acknowledged
  task, the redelivered task (same id) takes its job back instead of skipping it ("status skipped" before);
- the whole worker is killed: the job stays running until the beat job's sweep (`uploads_requeue_stale`) puts it
  back to pending and enqueues it again for a new worker.
Without REDIS_URL these tests skip locally and fail in CI (`redis_url` fixture).
"""
import datetime as dt
import os
import signal

import pytest

from colonies.models import Mouse
from lims.celery import app as celery_app
from procedures import imports
from procedures.models import Experiment, ScheduledTest, UploadJob
from procedures.tasks import upload_process_task
from procedures.tasks import uploads_requeue_stale as uploads_requeue_stale_task
from tests.factories import body_weight_procedure
from tests.procedures.helpers import upload_mice, upload_workbook
from tests.workers import WorkerProcess, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROWS = 3000  # long enough for the kill to land mid-import, after the first progress reports
TASK_TIMEOUT = 240
DUE = dt.date(2026, 2, 2)


def _job(pk: int) -> UploadJob:
    return UploadJob.objects.get(pk=pk)


@pytest.fixture
def upload(tech, tmp_path, settings, redis_url):
    """GIVEN 3,000 mice due for body weight and the upload job of their filled-in template (committed)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.control.purge()  # nothing left over in this Redis database from an earlier run
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, ROWS)
    ScheduledTest.objects.bulk_create([
        ScheduledTest(centre=tech.centre, mouse=m, procedure=procedure, due_date=DUE, window_start=DUE,
                      window_end=DUE + dt.timedelta(days=6)) for m in mice])
    handle = upload_workbook(procedure, tech, [m.specimen_id for m in mice])
    return imports.upload_job_create(file=handle, procedure=procedure, actor=tech)


def _killed_mid_import(job, worker, kill) -> None:
    """Start the job's task, wait until it has reported progress, kill as told, and check that nothing landed."""
    upload_process_task.delay(job.pk, actor_id=job.created_by_id)
    wait_for(lambda: _job(job.pk).rows_done >= 400, timeout=TASK_TIMEOUT, what="the import to report progress",
              log=worker.log)
    kill()
    killed = _job(job.pk)
    assert killed.status == UploadJob.Status.RUNNING, f"the kill came too late: {killed.status}"
    assert not Experiment.objects.exists()  # the dead run's transaction took its rows with it


def _assert_recorded_once(job, tech) -> None:
    done = _job(job.pk)
    assert (done.status, done.attempts, done.created_count, done.rows_done) == (
        UploadJob.Status.COMMITTED, 2, ROWS, ROWS), done.errors
    assert Experiment.objects.count() == ROWS == Experiment.objects.values("mouse").distinct().count()
    assert Experiment.objects.filter(recorded_by=tech).count() == ROWS
    assert not ScheduledTest.objects.filter(status=ScheduledTest.Status.SCHEDULED).exists()
    assert Mouse.objects.count() == ROWS


def test_a_killed_pool_child_is_redelivered_and_the_job_taken_back(upload, redis_url, tech, tmp_path):
    worker = WorkerProcess(redis_url=redis_url, log_path=tmp_path / "worker.log", pool="prefork", name="upload-test")
    try:
        worker.wait_until_ready()

        def kill_child():
            children = worker.children()
            assert children, worker.log()
            for pid in children:
                os.kill(pid, signal.SIGKILL)

        _killed_mid_import(upload, worker, kill_child)
        wait_for(lambda: _job(upload.pk).finished, timeout=TASK_TIMEOUT, what="the redelivered task", log=worker.log)
    finally:
        worker.stop()

    _assert_recorded_once(upload, tech)
    assert "WorkerLostError" in worker.log_path.read_text(errors="replace")


def test_a_killed_worker_is_swept_back_by_the_beat_job(upload, redis_url, tech, tmp_path, settings):
    log_path = tmp_path / "worker.log"
    worker = WorkerProcess(redis_url=redis_url, log_path=log_path, pool="solo", name="upload-test")
    try:
        worker.wait_until_ready()
        _killed_mid_import(upload, worker, worker.kill)

        worker = WorkerProcess(redis_url=redis_url, log_path=log_path, pool="solo", name="upload-test")
        worker.wait_until_ready()
        assert _job(upload.pk).status == UploadJob.Status.RUNNING  # nothing else would ever move it
        settings.LIMS_UPLOAD_STALE_AFTER = 0  # the beat job, without waiting for the time limit
        assert uploads_requeue_stale_task() == [upload.pk]
        wait_for(lambda: _job(upload.pk).finished, timeout=TASK_TIMEOUT, what="the re-queued task", log=worker.log)
    finally:
        worker.stop()

    _assert_recorded_once(upload, tech)
