"""The acceptance of issue 5 at full size: a 5,000-row Excel upload with three bad rows reports exactly those three
and commits nothing; the corrected file commits all of them. Runs through the job and its Celery task (eager)."""
import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures import imports
from procedures.models import Experiment, ParameterValue, ScheduledTest, UploadJob
from procedures.tasks import upload_process_task
from tests.factories import BODY_WEIGHT_VALUES, body_weight_procedure
from tests.procedures.helpers import upload_mice, upload_workbook

pytestmark = pytest.mark.django_db

ROWS = 5000
DUE = dt.date(2026, 2, 2)
# Excel rows (the header is row 1): a word for a weight, a missing required metadata value, a date that is not one.
BAD = {10: ("IMPC_BWT_001_001", "heavy"), 2500: ("IMPC_BWT_003_001", None),
       ROWS - 1: ("date_of_experiment", "yesterday")}
# The import may not go back to a query per row: it resolves the file up front and writes in bulk every
# PROGRESS_EVERY rows, a few statements each (the per-row path ran about 12 per row, 60,000 for this file).
MAX_QUERIES = 300


@pytest.fixture
def due(tech):
    """GIVEN 5,000 mice of the tech's centre, each with body weight scheduled."""
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, ROWS)
    ScheduledTest.objects.bulk_create([
        ScheduledTest(centre=tech.centre, mouse=mouse, procedure=procedure, due_date=DUE, window_start=DUE,
                      window_end=DUE + dt.timedelta(days=6))
        for mouse in mice
    ])
    return procedure, [m.specimen_id for m in mice]


def _run(tech, procedure, handle):
    job = imports.upload_job_create(file=handle, procedure=procedure, actor=tech)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        upload_process_task.delay(job.pk, actor_id=tech.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    print(f"\n{ROWS} rows, {job.status}: {elapsed:.1f} s, {len(queries)} queries")
    return job, len(queries)


def test_5000_rows_with_three_bad_report_exactly_those_and_commit_nothing_then_the_fix_commits_all(
        tech, due, eager_tasks):
    procedure, specimens = due

    job, queries = _run(tech, procedure, upload_workbook(procedure, tech, specimens, BAD))

    assert job.status == UploadJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (12, "IMPC_BWT_001_001"), (2502, "IMPC_BWT_003_001"), (ROWS + 1, "date_of_experiment")]
    messages = [e["message"] for e in job.errors]
    assert messages[0] == "Body weight must be a number, e.g. 21.4; you typed 'heavy'."
    assert messages[1] == ("Equipment ID (IMPC_BWT_003_001) is required: enter a value or a parameter status "
                           "code.")
    assert messages[2] == "'yesterday' is not a date (YYYY-MM-DD)"
    assert job.rows_total == job.rows_done == ROWS and job.created_count == 0
    assert Experiment.objects.count() == 0 and ParameterValue.objects.count() == 0
    assert not ScheduledTest.objects.exclude(status=ScheduledTest.Status.SCHEDULED).exists()
    assert queries < MAX_QUERIES

    job, queries = _run(tech, procedure, upload_workbook(procedure, tech, specimens))

    assert job.status == UploadJob.Status.COMMITTED and job.errors == []
    assert job.created_count == ROWS == Experiment.objects.filter(recorded_by=tech, procedure=procedure).count()
    assert ParameterValue.objects.count() == ROWS * len(BODY_WEIGHT_VALUES)
    assert not ScheduledTest.objects.filter(status=ScheduledTest.Status.SCHEDULED).exists()
    assert queries < MAX_QUERIES
