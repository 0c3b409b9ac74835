"""`manage.py dcc_export`: what a data wrangler or cron sees (paths on stdout, non-zero exit on failure).

These tests run the task in-process (`eager_tasks`) whether or not REDIS_URL is set; `test_worker.py` runs the
same command against a real broker and worker.
"""
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
