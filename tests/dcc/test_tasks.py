"""The submission_build task in-process: it calls the service, retries transient errors, and fails loudly."""
import pytest

from lims.celery import app as celery_app
from procedures.dcc import services
from procedures.dcc.models import Submission
from procedures.dcc.services import submission_create
from procedures.dcc.tasks import submission_build as submission_build_task

Status = Submission.Status

pytestmark = pytest.mark.usefixtures("eager_tasks")


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
    real_deliver = services.deliver
    calls = []

    def flaky_deliver(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OSError("Stale file handle")
        return real_deliver(**kwargs)

    monkeypatch.setattr(services, "deliver", flaky_deliver)

    submission_build_task.delay(submission_id=submission.pk).get(timeout=60)

    submission.refresh_from_db()
    assert submission.status == Status.DELIVERED
    assert submission.files.count() == 2


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

    def share_down(**kwargs):
        attempts.append(1)
        raise OSError("No route to host")

    monkeypatch.setattr(services, "deliver", share_down)

    with pytest.raises(OSError, match="No route to host"):
        submission_build_task.delay(submission_id=submission.pk).get(timeout=60)

    submission.refresh_from_db()
    assert len(attempts) == 1 + submission_build_task.max_retries
    assert submission.status == Status.FAILED
    assert submission.errors == ["OSError: No route to host"]
    assert not submission.files.exists()
