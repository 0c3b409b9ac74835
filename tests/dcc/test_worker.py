"""The export through the real path: Redis as broker and result backend, and a Celery worker in its own process.

The worker is started by the `worker` fixture as production starts it (`celery -A lims worker`), with DATABASE_URL
pointing at the *test* database and the test's outbox, so it reads the rows this test commits (hence
`transactional_db`: rows inside an uncommitted test transaction would be invisible to it). It is stopped with
SIGTERM (warm shutdown) before the test database is flushed. Without REDIS_URL these tests skip locally and fail
in CI (`redis_url` fixture).
"""
import os
import random
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from pghistory.models import Events

from procedures.dcc.models import Submission, SubmissionFile
from procedures.dcc.packaging import sha256_of
from procedures.dcc.services import requeue_stale, submission_create
from procedures.dcc.tasks import submission_build as submission_build_task
from tests.dcc.helpers import read_zip, worker_database_url
from tests.workers import WorkerProcess, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TASK_TIMEOUT = 120


@pytest.fixture
def worker(redis_url, transactional_db, outbox, tmp_path):
    """A live worker on the test database; torn down before `transactional_db` flushes the tables."""
    process = WorkerProcess(name="dcc-test", redis_url=redis_url, log_path=tmp_path / "worker.log")
    try:
        process.wait_until_ready()
        yield process
    finally:
        process.stop()


def test_worker_builds_and_delivers_a_submission(worker, centre, wrangler, mutant, baseline, record_weight, tmp_path,
                                                 official_schemas):
    record_weight(mutant)
    record_weight(baseline)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)

    result = submission_build_task.delay(submission_id=submission.pk, actor_id=wrangler.pk)

    assert result.get(timeout=TASK_TIMEOUT) == {"submission_id": submission.pk, "status": "delivered"}, worker.log()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DELIVERED
    assert (submission.specimen_count, submission.experiment_count, submission.progress) == (2, 2, 100)
    assert submission.task_id == result.id
    files = list(submission.files.order_by("increment"))
    assert [f.kind for f in files] == ["specimen", "experiment"]
    for file in files:
        xml_name, content = read_zip(file.path)
        assert xml_name == file.xml_name
        official_schemas[file.kind].validate(content.decode())
    delivered = Events.objects.tracks(submission).filter(pgh_data__status="delivered").get()
    assert delivered.pgh_context["user"] == wrangler.pk  # AuditedTask attributes the worker's writes
    assert delivered.pgh_context["task_id"] == result.id


def test_command_waits_for_the_worker_and_prints_the_zips(worker, centre, mutant, record_weight, tmp_path):
    record_weight(mutant)
    out = StringIO()

    call_command("dcc_export", "--centre", "H", "--out", str(tmp_path), "--timeout", str(TASK_TIMEOUT),
                 stdout=out)

    paths = [Path(line) for line in out.getvalue().splitlines()]
    assert [p.parent for p in paths] == [tmp_path / "add"] * 2, worker.log()
    assert all(p.exists() for p in paths)
    assert Submission.objects.get().status == Submission.Status.DELIVERED


KILLED_EXPORTS = 20


def _status(pk: int) -> str:
    return Submission.objects.values_list("status", flat=True).get(pk=pk)


def test_sigkilled_workers_still_deliver_every_submission_exactly_once(redis_url, transactional_db, centre, wrangler,
                                                                      mutant, baseline, record_weight, tmp_path):
    """Acceptance (issue 6): killing the worker with SIGKILL during each of 20 exports still ends with every
    submission delivered exactly once.

    The worker sleeps between phases (LIMS_DCC_TEST_PHASE_DELAY) so the kill, after a random wait, lands in any
    phase: building, validated, between two deliveries. A new worker is started, the beat job's claim
    (`requeue_stale`) re-enqueues what the dead one left, and the build resumes from the row's status.
    """
    record_weight(mutant)
    record_weight(baseline)
    out = tmp_path / "source"
    rng = random.Random(6)
    log_path = tmp_path / "worker.log"
    env = {"LIMS_DCC_TEST_PHASE_DELAY": "0.25"}
    submissions = []
    interrupted = 0
    worker = WorkerProcess(name="dcc-test", redis_url=redis_url, log_path=log_path, extra_env=env)
    try:
        worker.wait_until_ready()
        for round_ in range(KILLED_EXPORTS):
            submission = submission_create(centre=centre, actor=wrangler, out_dir=out, full=True)
            submissions.append(submission.pk)
            submission_build_task.delay(submission_id=submission.pk, actor_id=wrangler.pk)
            wait_for(lambda pk=submission.pk: _status(pk) != Submission.Status.PENDING, timeout=TASK_TIMEOUT,
                      what=f"round {round_} to start", log=worker.log)
            time.sleep(rng.uniform(0, 1.2))
            worker.kill()
            interrupted += _status(submission.pk) not in Submission.TERMINAL
            # The replacement worker resumes this round's submission, then takes (and dies in) the next round.
            worker = WorkerProcess(name="dcc-test", redis_url=redis_url, log_path=log_path, extra_env=env)
            worker.wait_until_ready()
            for pk in requeue_stale(older_than=0):  # the beat job, without waiting for the time limit
                submission_build_task.delay(submission_id=pk, resume=True)
            wait_for(lambda pk=submission.pk: _status(pk) in Submission.TERMINAL, timeout=TASK_TIMEOUT,
                      what=f"round {round_} to finish", log=worker.log)
    finally:
        worker.stop()

    assert interrupted >= KILLED_EXPORTS // 2, f"only {interrupted} kills landed mid-export"
    statuses = dict(Submission.objects.filter(pk__in=submissions).values_list("pk", "status"))
    assert set(statuses.values()) == {Submission.Status.DELIVERED}, (statuses, Path(log_path).read_text()[-5000:])
    files = list(SubmissionFile.objects.filter(submission__in=submissions))
    per_submission = {}
    for file in files:
        per_submission.setdefault(file.submission_id, []).append((file.folder, file.kind))
        assert file.delivered_at is not None
        assert sha256_of(file.path) == file.sha256
    assert all(sorted(kinds) == [("edit", "experiment"), ("edit", "specimen")]
               for pk, kinds in per_submission.items() if pk != submissions[0])
    assert len(per_submission) == KILLED_EXPORTS
    on_disk = sorted(p.name for folder in ("add", "edit") for p in (out / folder).iterdir())
    assert on_disk == sorted(f.zip_name for f in files)  # every file once, nothing half-written or doubled


def _export(args: list[str], redis_url: str, out: Path) -> subprocess.Popen:
    """`manage.py dcc_export` as cron runs it: its own process, its exit status, stderr into a file."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lims.settings", "DATABASE_URL": worker_database_url(),
           "DB_CONN_MAX_AGE": "0", "REDIS_URL": redis_url, "LIMS_DCC_OUTBOX": str(settings.LIMS_DCC_OUTBOX),
           "LIMS_DCC_XSD_DIR": str(settings.LIMS_DCC_XSD_DIR)}
    return subprocess.Popen([sys.executable, "manage.py", "dcc_export", "--centre", "H", "--out", str(out), *args],
                            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_export_after_its_pool_process_is_killed_says_when_it_resumes_and_wait_delivers_it(
        redis_url, transactional_db, outbox, centre, mutant, record_weight, tmp_path):
    """Issue 17 point 9, on the real path: SIGKILL of the prefork pool process during the delivery phase.

    The worker's main process requeues the task, the redelivered task leaves the started export alone and returns,
    so the waiting command sees a validated, undelivered export. It says so, with the re-queue time, exit 75; a
    second run meanwhile names it instead of "nothing to send"; a run with --wait prints the zips once beat's check
    (played here by `requeue_stale`) has re-queued it and the worker has delivered it.
    """
    import psutil

    record_weight(mutant)
    out = tmp_path / "source"
    worker = WorkerProcess(name="dcc-test", redis_url=redis_url, log_path=tmp_path / "worker.log", pool="prefork",
                           extra_env={"LIMS_DCC_TEST_PHASE_DELAY": "3"})
    try:
        worker.wait_until_ready()
        first_run = _export(["--timeout", str(TASK_TIMEOUT)], redis_url, out)
        wait_for(lambda: Submission.objects.filter(status=Submission.Status.VALIDATED).exists(),
                  timeout=TASK_TIMEOUT, what="the export to be validated", log=worker.log)
        pool = psutil.Process(worker.process.pid).children()
        assert len(pool) == 1, worker.log()
        pool[0].kill()  # the OOM killer takes the pool process mid-delivery

        stdout, stderr = first_run.communicate(timeout=TASK_TIMEOUT)
        submission = Submission.objects.get()
        assert submission.status == Submission.Status.VALIDATED, worker.log()
        assert first_run.returncode == 75, stderr + worker.log()
        assert stdout == "" and "ended validated" not in stderr
        assert f"Submission {submission.pk} is validated, not delivered yet" in stderr
        assert "re-queues it once it has been idle for 31 minutes, at about" in stderr

        second_run = _export(["--timeout", str(TASK_TIMEOUT)], redis_url, out)
        _, stderr = second_run.communicate(timeout=TASK_TIMEOUT)
        assert second_run.returncode == 75 and "nothing to send (" not in stderr, stderr
        assert f"Submission {submission.pk} is validated, not delivered yet" in stderr

        waiting = _export(["--wait", "--timeout", str(TASK_TIMEOUT)], redis_url, out)
        wait_for(lambda: Submission.objects.filter(status=Submission.Status.NOTHING).count() == 2,
                  timeout=TASK_TIMEOUT, what="the third run's plan", log=worker.log)
        for pk in requeue_stale(older_than=0):  # beat's check, without waiting 31 minutes
            submission_build_task.delay(submission_id=pk, resume=True)
        stdout, stderr = waiting.communicate(timeout=TASK_TIMEOUT)
    finally:
        worker.stop()

    submission.refresh_from_db()
    assert waiting.returncode == 0, stderr + worker.log()
    assert submission.status == Submission.Status.DELIVERED
    paths = [Path(line) for line in stdout.splitlines()]
    assert paths == [Path(f.path) for f in submission.files.order_by("increment")] and len(paths) == 2
    assert all(p.exists() and p.parent == out / "add" for p in paths)
