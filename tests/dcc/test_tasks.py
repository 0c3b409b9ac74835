"""The submission_build task in-process: it calls the service, retries transient errors, and fails loudly."""
import pytest

from lims.celery import app as celery_app
from procedures.dcc import services
from procedures.dcc.delivery import LocalBackend
from procedures.dcc.models import Submission
from procedures.dcc.services import submission_create
from procedures.dcc.tasks import submission_build as submission_build_task

Status = Submission.Status

pytestmark = pytest.mark.usefixtures("eager_tasks")


_local_put = LocalBackend.put


class FlakyBackend(LocalBackend):
    """A local file source whose first transfer fails with a connection error, like an SFTP server restarting."""

    calls = 0

    def put(self, local, folder, name):
        FlakyBackend.calls += 1
        if FlakyBackend.calls == 1:
            raise ConnectionError("Connection reset by peer")
        return _local_put(self, local, folder, name)


def test_connection_errors_are_retried_with_backoff():
    assert issubclass(ConnectionError, submission_build_task.autoretry_for)
    assert submission_build_task.retry_backoff and submission_build_task.retry_jitter
    assert submission_build_task.acks_late and submission_build_task.reject_on_worker_lost
    assert submission_build_task.time_limit and submission_build_task.soft_time_limit


def test_task_delivers_the_submission(centre, wrangler, mutant, record_weight, tmp_path):
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)

    result = submission_build_task.delay(submission_id=submission.pk, actor_id=wrangler.pk).get(timeout=60)

    submission.refresh_from_db()
    assert result == {"submission_id": submission.pk, "status": "delivered"}
    assert submission.status == Status.DELIVERED
    assert submission.task_id  # the claim records which task built it


def test_task_returns_quietly_for_a_missing_submission(db):
    assert submission_build_task.delay(submission_id=987654).get(timeout=10)["status"] == "missing"


def test_task_retries_a_transient_error_and_resumes(centre, wrangler, mutant, record_weight, tmp_path, monkeypatch):
    """Eager mode only retries when errors do not propagate (a worker always retries); `eager_tasks` restores it."""
    celery_app.conf.task_eager_propagates = False
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    FlakyBackend.calls = 0
    monkeypatch.setattr(LocalBackend, "put", FlakyBackend.put)

    submission_build_task.delay(submission_id=submission.pk).get(timeout=60)

    submission.refresh_from_db()
    assert submission.status == Status.DELIVERED
    assert submission.files.count() == 2
    assert FlakyBackend.calls == 3  # one refused, then the two files, each once
    assert len(list((tmp_path / "add").iterdir())) == 2


def test_task_marks_the_submission_failed_when_it_gives_up(centre, wrangler, tmp_path, monkeypatch):
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)

    def broken(**kwargs):
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(services, "_build_and_validate", lambda *a, **k: broken())

    with pytest.raises(RuntimeError):
        submission_build_task.delay(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert submission.errors == ["RuntimeError: disk controller on fire"]


def test_task_fails_the_submission_when_retries_run_out(centre, wrangler, mutant, record_weight, tmp_path,
                                                         monkeypatch):
    celery_app.conf.task_eager_propagates = False  # as on a worker: retry, then give up
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    attempts = []

    def share_down(self, *args):
        attempts.append(1)
        raise ConnectionError("No route to host")

    monkeypatch.setattr(LocalBackend, "put", share_down)

    with pytest.raises(ConnectionError, match="No route to host"):
        submission_build_task.delay(submission_id=submission.pk).get(timeout=60)

    submission.refresh_from_db()
    assert len(attempts) == 1 + submission_build_task.max_retries
    assert submission.status == Status.FAILED
    assert submission.errors == ["ConnectionError: No route to host"]
    assert not submission.files.filter(delivered_at__isnull=False).exists()
