"""Excel upload as a job: stored, processed by a Celery task (eager here), progress polled, all or nothing."""
from pathlib import Path

import pytest
from django.urls import reverse

from procedures import imports
from procedures.models import Experiment, ScheduledTest, UploadJob
from procedures.tasks import upload_process_task
from tests.factories import body_weight_procedure
from tests.procedures.helpers import upload_workbook

pytestmark = pytest.mark.django_db


def _upload(client, procedure, handle, capture):
    with capture(execute=True):
        response = client.post(reverse("procedures:procedure_import", args=[procedure.key]), {"file": handle})
    assert response.status_code == 302
    job = UploadJob.objects.get()
    assert response.url == reverse("procedures:uploadjob_detail", args=[job.pk])
    return job


def test_bad_rows_reject_the_job_with_exactly_those_errors_and_commit_nothing(
        client, tech, due_mice, eager_tasks, django_capture_on_commit_callbacks):
    procedure, specimens = due_mice
    client.force_login(tech)
    handle = upload_workbook(procedure, tech, specimens, {1: ("IMPC_BWT_001_001", "heavy"),
                                                    3: ("date_of_experiment", "yesterday")})

    job = _upload(client, procedure, handle, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == UploadJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "IMPC_BWT_001_001"), (5, "date_of_experiment")]
    assert all(e["message"] for e in job.errors)
    assert job.rows_total == job.rows_done == 5 and job.created_count == 0
    assert Experiment.objects.count() == 0
    assert not ScheduledTest.objects.exclude(status=ScheduledTest.Status.SCHEDULED).exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Nothing was imported: 2 problems" in page and "IMPC_BWT_001_001" in page
    assert "<progress" not in page and 'http-equiv="refresh"' not in page


def test_good_file_commits_every_row_and_keeps_the_file(
        client, tech, due_mice, eager_tasks, django_capture_on_commit_callbacks, media_root):
    procedure, specimens = due_mice
    client.force_login(tech)

    job = _upload(client, procedure, upload_workbook(procedure, tech, specimens), django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == UploadJob.Status.COMMITTED and job.errors == []
    assert job.created_count == 5 == Experiment.objects.filter(recorded_by=tech).count()
    assert job.rows_done == job.rows_total == 5
    assert job.created_by == tech and job.centre == tech.centre and job.procedure == procedure
    assert job.started_at <= job.finished_at
    assert Path(job.file.path).parent == Path(media_root) / "uploads" and job.file_name == "upload.xlsx"
    assert "Recorded 5 experiments" in client.get(job.get_absolute_url()).content.decode()


def test_progress_is_reported_every_n_rows_while_reading(
        client, tech, due_mice, eager_tasks, django_capture_on_commit_callbacks, monkeypatch):
    procedure, specimens = due_mice
    client.force_login(tech)
    seen = []
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(imports._ProgressWriter, "__call__", lambda self, done: seen.append(done))

    job = _upload(client, procedure, upload_workbook(procedure, tech, specimens), django_capture_on_commit_callbacks)

    assert seen == [2, 4]
    job.refresh_from_db()
    assert job.rows_done == 5


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_through_its_own_connection_and_seen_at_once(tech):
    """GIVEN a running job WHEN progress is written inside an open transaction THEN another reader sees it already."""
    from django.db import transaction

    job = UploadJob.objects.create(centre=tech.centre, created_by=tech, procedure=body_weight_procedure(),
                                   file="uploads/x.xlsx", status=UploadJob.Status.RUNNING, attempts=1)
    writer = imports._ProgressWriter(job.pk, attempt=1)
    try:
        with transaction.atomic():
            writer(200)
            other = imports.connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT rows_done FROM procedures_uploadjob WHERE id = %s", [job.pk])
                    assert cursor.fetchone() == (200,)
            finally:
                other.close()
            transaction.set_rollback(True)
    finally:
        writer.close()
    job.refresh_from_db()
    assert job.rows_done == 200


def test_a_redelivered_task_does_nothing(tech, due_mice, eager_tasks):
    procedure, specimens = due_mice
    job = imports.upload_job_create(file=upload_workbook(procedure, tech, specimens), procedure=procedure, actor=tech)

    assert upload_process_task.delay(job.pk, actor_id=tech.pk).get() == {"job_id": job.pk, "status": "committed"}
    assert upload_process_task.delay(job.pk, actor_id=tech.pk).get() == {"job_id": job.pk, "status": "skipped"}
    assert Experiment.objects.count() == 5


def test_a_crash_fails_the_job(tech, due_mice, eager_tasks, monkeypatch):
    procedure, specimens = due_mice
    job = imports.upload_job_create(file=upload_workbook(procedure, tech, specimens), procedure=procedure, actor=tech)
    monkeypatch.setattr(imports, "procedure_import", lambda **kwargs: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        upload_process_task.delay(job.pk, actor_id=tech.pk)

    job.refresh_from_db()
    assert job.status == UploadJob.Status.FAILED and job.finished_at
    assert "ZeroDivisionError" in job.errors[0]["message"]


def test_pending_job_page_shows_a_progress_bar_and_polls_status_json(client, tech, due_mice):
    procedure, specimens = due_mice
    job = imports.upload_job_create(file=upload_workbook(procedure, tech, specimens), procedure=procedure, actor=tech)
    client.force_login(tech)

    page = client.get(job.get_absolute_url()).content.decode()
    status = client.get(reverse("procedures:uploadjob_status", args=[job.pk]))

    assert "<progress" in page and 'http-equiv="refresh"' in page and "status.json" in page
    assert status.status_code == 200 and status["Content-Type"] == "application/json"
    assert status.json() == {"id": job.pk, "status": "pending", "finished": False, "rows_total": None,
                             "rows_done": 0, "created": 0, "error_count": 0, "warning_count": 0}


def test_another_centres_job_is_404(client, tech, outsider, due_mice):
    procedure, specimens = due_mice
    job = imports.upload_job_create(file=upload_workbook(procedure, tech, specimens), procedure=procedure, actor=tech)
    client.force_login(outsider)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("procedures:uploadjob_status", args=[job.pk])).status_code == 404
