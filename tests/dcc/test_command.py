"""`manage.py dcc_export`: what a data wrangler or cron sees (paths on stdout, non-zero exit on failure).

These tests run the task in-process (`eager_tasks`) whether or not REDIS_URL is set; `test_worker.py` runs the
same command against a real broker and worker.
"""
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from colonies.models import Mouse
from procedures.dcc.delivery import LocalBackend
from procedures.dcc.management.commands.dcc_export import Command
from procedures.dcc.models import Submission
from tests.dcc.helpers import CRAWLER_ZIP_RE, read_zip

pytestmark = pytest.mark.usefixtures("eager_tasks")


def run(*args) -> str:
    out = StringIO()
    call_command("dcc_export", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_path_of_each_zip(centre, mutant, baseline, record_weight, tmp_path):
    record_weight(mutant)
    record_weight(baseline)

    output = run("--centre", "H", "--out", str(tmp_path))

    paths = [Path(line) for line in output.splitlines()]
    assert len(paths) == 2
    for path in paths:
        assert path.is_absolute()
        assert path.parent == tmp_path / "add"
        assert path.exists()
        assert CRAWLER_ZIP_RE.fullmatch(path.name)
    assert ".specimen." in read_zip(paths[0])[0]
    assert ".experiment." in read_zip(paths[1])[0]
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.DELIVERED
    assert submission.created_by is None


def test_command_accepts_full_and_a_relative_out_dir(centre, mutant, record_weight, tmp_path, monkeypatch):
    record_weight(mutant)
    monkeypatch.chdir(tmp_path)

    output = run("--centre", "H", "--out", "dcc-out", "--full")

    assert [Path(line).parent for line in output.splitlines()] == [tmp_path / "dcc-out" / "add"] * 2


def test_command_refuses_an_unknown_centre(centre):
    with pytest.raises(CommandError, match="Unknown centre 'Nope'.*H"):
        run("--centre", "Nope", "--out", "/tmp/never")
    assert not Submission.objects.exists()


def test_command_exits_non_zero_with_the_reasons_when_the_export_is_invalid(centre, mutant, record_weight, tmp_path):
    record_weight(mutant)
    Mouse.objects.filter(pk=mutant.pk).update(sex="unknown")

    with pytest.raises(CommandError) as failure:
        run("--centre", "H", "--out", str(tmp_path / "add"))

    assert "failed" in str(failure.value)
    assert "gender" in str(failure.value)
    assert "'unknown'" in str(failure.value)
    assert not (tmp_path / "add").exists()


@pytest.mark.django_db(transaction=True)
def test_command_commits_its_own_work(centre, mutant, record_weight, tmp_path):
    """With real transactions (as in production) the claim, increments and files are all committed."""
    record_weight(mutant)

    output = run("--centre", "H", "--out", str(tmp_path))

    assert len(output.splitlines()) == 2
    assert Submission.objects.get().files.count() == 2


def test_command_exit_status_from_the_shell(centre, mutant, record_weight, tmp_path):
    """call_command raises; manage.py turns CommandError into exit status 1 (checked via run_from_argv)."""
    record_weight(mutant)
    Mouse.objects.filter(pk=mutant.pk).update(sex="unknown")
    with pytest.raises(SystemExit) as exited:
        Command(stdout=StringIO(), stderr=StringIO()).run_from_argv(
            ["manage.py", "dcc_export", "--centre", "H", "--out", str(tmp_path)]
        )
    assert exited.value.code == 1


def test_command_fails_the_submission_on_an_unexpected_error(centre, mutant, record_weight, tmp_path, monkeypatch):
    """In-process a transient error propagates at once; the submission must not be left half-built."""
    record_weight(mutant)

    def share_down(self, *args):
        raise OSError("No route to host")

    monkeypatch.setattr(LocalBackend, "put", share_down)

    with pytest.raises(CommandError, match="No route to host"):
        run("--centre", "H", "--out", str(tmp_path))
    assert Submission.objects.get().status == Submission.Status.FAILED


def test_command_exits_non_zero_when_there_is_nothing_to_send(centre, mutant, record_weight, tmp_path):
    record_weight(mutant)
    run("--centre", "H", "--out", str(tmp_path))

    with pytest.raises(CommandError, match="nothing to send"):
        run("--centre", "H", "--out", str(tmp_path))
    assert len(run("--centre", "H", "--out", str(tmp_path), "--full").splitlines()) == 2  # --full resends
    assert sorted(p.parent.name for p in tmp_path.glob("*/*.zip")) == ["add", "add", "edit", "edit"]


# --- A worker lost mid-export (issue 17, point 9) -------------------------------------------------------------------

def _worker_lost_after_validation(monkeypatch):
    """The build validates and commits its ledger rows, then "loses its worker": the delivery never happens."""
    from procedures.dcc import services

    monkeypatch.setattr(services, "_package_and_deliver", lambda submission, work_dir: submission)


def _exit_status(*args) -> tuple[int, str]:
    """(exit status manage.py gives, what it prints on stderr): a CommandError exits with its `returncode`
    (run_from_argv, which also closes the test's connection, is exercised above)."""
    err = StringIO()
    try:
        call_command("dcc_export", *args, stdout=StringIO(), stderr=err)
    except CommandError as exc:
        return exc.returncode, err.getvalue() + str(exc)
    return 0, err.getvalue()


def test_the_stale_requeue_time_is_the_first_beat_run_after_the_idle_limit(settings):
    import datetime as dt

    from procedures.dcc.selectors import stale_check_every, stale_requeue_at

    settings.LIMS_DCC_STALE_AFTER = 1860  # the default: the task's hard time limit + 60 s
    at = dt.datetime(2026, 3, 1, 10, 0, 30, tzinfo=dt.UTC)
    assert stale_requeue_at(Submission(updated_at=at)) == dt.datetime(2026, 3, 1, 10, 35, tzinfo=dt.UTC)
    on_the_dot = dt.datetime(2026, 3, 1, 10, 4, tzinfo=dt.UTC)  # due 10:35:00 exactly
    assert stale_requeue_at(Submission(updated_at=on_the_dot)) == dt.datetime(2026, 3, 1, 10, 35, tzinfo=dt.UTC)
    assert stale_check_every() == 5


def test_an_export_whose_worker_was_lost_says_what_happens_and_when(centre, mutant, record_weight, tmp_path,
                                                                     monkeypatch):
    from procedures.dcc.selectors import stale_requeue_at

    record_weight(mutant)
    _worker_lost_after_validation(monkeypatch)

    code, message = _exit_status("--centre", "H", "--out", str(tmp_path))

    submission = Submission.objects.get()
    assert submission.status == Submission.Status.VALIDATED
    assert code == 75  # EX_TEMPFAIL: not delivered yet, nothing to do
    assert "not delivered, " not in message and "ended validated" not in message
    assert f"Submission {submission.pk} is validated, not delivered yet" in message
    assert "every 5 minutes" in message and "idle for 31 minutes" in message
    assert f"at about {stale_requeue_at(submission):%H:%M} UTC" in message
    assert "--wait" in message and f"/dcc/submissions/{submission.pk}/" in message


def test_a_second_export_meanwhile_names_the_unfinished_one_instead_of_nothing_to_send(centre, mutant,
                                                                                       record_weight, tmp_path,
                                                                                       monkeypatch):
    record_weight(mutant)
    _worker_lost_after_validation(monkeypatch)
    _exit_status("--centre", "H", "--out", str(tmp_path))
    first = Submission.objects.get()

    code, message = _exit_status("--centre", "H", "--out", str(tmp_path))

    second = Submission.objects.exclude(pk=first.pk).get()
    assert second.status == Submission.Status.NOTHING  # the records are reserved for the first
    assert code == 75
    assert "nothing to send (nothing new or changed" not in message
    assert f"Submission {second.pk}: nothing new to send beyond what an unfinished export holds" in message
    assert f"Submission {first.pk} is validated, not delivered yet" in message


def test_wait_gives_up_with_the_same_explanation_when_nobody_resumes_the_export(centre, mutant, record_weight,
                                                                                tmp_path, monkeypatch):
    from django.utils import timezone

    record_weight(mutant)
    _worker_lost_after_validation(monkeypatch)
    _exit_status("--centre", "H", "--out", str(tmp_path))
    # Idle for two hours: its re-queue was due long ago, and --timeout 0 allows no time after that.
    Submission.objects.update(updated_at=timezone.now() - timezone.timedelta(hours=2))

    code, message = _exit_status("--centre", "H", "--out", str(tmp_path), "--wait", "--timeout", "0")

    assert code == 75
    assert "Waiting for submission" in message and "Gave up waiting" in message
    assert "is validated, not delivered yet" in message


def test_wait_prints_the_zips_once_the_unfinished_export_is_resumed_and_delivered(centre, mutant, record_weight,
                                                                                tmp_path, monkeypatch,
                                                                                transactional_db):
    """The resume (beat's re-queue, then a worker) is played by a thread; the command, waiting, prints its zips."""
    import threading

    from django.db import connection

    from procedures.dcc import services

    record_weight(mutant)
    _worker_lost_after_validation(monkeypatch)
    _exit_status("--centre", "H", "--out", str(tmp_path))
    first = Submission.objects.get()
    monkeypatch.undo()  # the next worker delivers

    def resume():
        try:
            time.sleep(3)
            services.requeue_stale(older_than=0)
            services.submission_build(submission_id=first.pk, resume=True)
        finally:
            connection.close()

    thread = threading.Thread(target=resume)
    thread.start()
    output = run("--centre", "H", "--out", str(tmp_path), "--wait")
    thread.join()

    first.refresh_from_db()
    assert first.status == Submission.Status.DELIVERED
    assert output.splitlines() == [f.path for f in first.files.order_by("increment")]
    assert len(output.splitlines()) == 2 and all(Path(p).exists() for p in output.splitlines())
