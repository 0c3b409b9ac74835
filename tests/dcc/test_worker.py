"""The export through the real path: Redis as broker and result backend, and a Celery worker in its own process.

The worker is started by the `worker` fixture as production starts it (`celery -A lims worker`), with DATABASE_URL
pointing at the *test* database and the test's outbox, so it reads the rows this test commits (hence
`transactional_db`: rows inside an uncommitted test transaction would be invisible to it). It is stopped with
SIGTERM (warm shutdown) before the test database is flushed. Without REDIS_URL these tests skip locally and fail
in CI (`redis_url` fixture).
"""
import os
import socket
import subprocess
import sys
import time
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from pghistory.models import Events

from lims.celery import app as celery_app
from procedures.dcc.models import Submission
from procedures.dcc.services import submission_create
from procedures.dcc.tasks import submission_build as submission_build_task
from tests.dcc.helpers import read_zip

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

READY_TIMEOUT = 60
TASK_TIMEOUT = 120


def _test_database_url() -> str:
    """DATABASE_URL for the test database; a socket directory (embedded server) is percent-encoded as the host."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(str(db.get("HOST") or ""), safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


class WorkerProcess:
    """A `celery worker` subprocess with its log, started and stopped by the `worker` fixture."""

    def __init__(self, *, redis_url: str, log_path: Path):
        self.hostname = f"dcc-test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lims.settings",
            "DATABASE_URL": _test_database_url(),
            "DB_CONN_MAX_AGE": "0",  # hold no connection between tasks, so the test database can be dropped
            "REDIS_URL": redis_url,
            "LIMS_DCC_OUTBOX": str(settings.LIMS_DCC_OUTBOX),
            "LIMS_DCC_XSD_DIR": str(settings.LIMS_DCC_XSD_DIR),
        }
        command = [
            str(Path(sys.executable).parent / "celery"), "-A", "lims", "worker",
            "--pool=solo", "--concurrency=1", "-Q", "celery", "--loglevel=INFO", "-n", self.hostname,
            "--without-mingle", "--without-gossip",
        ]
        self._log = open(log_path, "wb")  # noqa: SIM115 - the worker writes to it until stop() closes it
        self.process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self) -> None:
        """Return once the worker answers a ping, so no task waits on a worker that is still importing Django."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if celery_app.control.ping(destination=[self.hostname], timeout=1.0):
                return
        pytest.fail(f"The Celery worker did not answer within {READY_TIMEOUT}s:\n{self.log()}")

    def stop(self) -> None:
        self.process.terminate()  # warm shutdown: a running task finishes first
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def worker(redis_url, transactional_db, outbox, tmp_path):
    """A live worker on the test database; torn down before `transactional_db` flushes the tables."""
    process = WorkerProcess(redis_url=redis_url, log_path=tmp_path / "worker.log")
    try:
        process.wait_until_ready()
        yield process
    finally:
        process.stop()


def test_worker_builds_and_delivers_a_submission(worker, centre, wrangler, mutant, baseline, record_weight, tmp_path,
                                                 official_schemas):
    record_weight(mutant)
    record_weight(baseline)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path / "add")

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

    call_command("dcc_export", "--centre", "H", "--out", str(tmp_path / "add"), "--timeout", str(TASK_TIMEOUT),
                 stdout=out)

    paths = [Path(line) for line in out.getvalue().splitlines()]
    assert [p.parent for p in paths] == [tmp_path / "add"] * 2, worker.log()
    assert all(p.exists() for p in paths)
    assert Submission.objects.get().status == Submission.Status.DELIVERED
