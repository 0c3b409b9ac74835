"""The bulk upload keeps what `experiment_record` does per row: tests in due order, sequence per mouse, same
refusals, conflicts named by row, audit context, cohort started."""
import datetime as dt

import pytest

from colonies import services as colony_services
from lims.audit import history_for
from lims.exceptions import Conflict
from procedures.imports import procedure_import
from procedures.models import Experiment, ScheduledTest
from procedures.services import EnteredValue, ExperimentBatch, experiment_record
from tests.factories import BODY_WEIGHT_VALUES, body_weight_procedure
from tests.procedures.helpers import scheduled_test, upload_mice, upload_workbook

pytestmark = pytest.mark.django_db

S = ScheduledTest.Status
VALUES = {k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()}


def test_a_mouse_twice_in_a_file_takes_its_tests_in_due_order_and_counts_its_sequence(tech):
    procedure = body_weight_procedure()
    mouse, other = upload_mice(tech.centre, 2)
    first = scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    second = scheduled_test(mouse, procedure, due=dt.date(2026, 2, 9))
    experiment_record(mouse=mouse, procedure=procedure, actor=tech, date_of_experiment=dt.date(2026, 1, 30),
                      values=VALUES)  # an earlier, unscheduled weighing: sequence 1

    workbook = upload_workbook(procedure, tech, [mouse.specimen_id, other.specimen_id, mouse.specimen_id])
    # Every row is dated 2026-02-02: the mouse's second weighing takes the test due 2026-02-09, before its window.
    warned = procedure_import(file=workbook, procedure=procedure, actor=tech)
    assert warned.created == 0 and not Experiment.objects.filter(scheduled_test__isnull=False).exists()
    assert [(w.row, w.column) for w in warned.warnings] == [(4, "date_of_experiment")]
    workbook.seek(0)
    result = procedure_import(file=workbook, procedure=procedure, actor=tech, confirm=True)

    assert result.ok and result.created == 3
    rows = list(Experiment.objects.filter(mouse=mouse).order_by("pk"))
    assert [(e.sequence_id, e.scheduled_test_id) for e in rows] == [("1", None), ("2", first.pk), ("3", second.pk)]
    assert "before its window opens (2026-02-09 to 2026-02-15)" in rows[2].confirmed_warnings[0]
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == second.status == S.DONE
    assert Experiment.objects.get(mouse=other).scheduled_test_id is None


def test_a_refused_row_takes_no_test(tech):
    procedure = body_weight_procedure()
    (mouse,) = upload_mice(tech.centre, 1)
    test = scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    batch = ExperimentBatch(procedure=procedure, actor=tech, mice=[mouse])
    with pytest.raises(Exception) as refused:
        batch.add(2, mouse=mouse, date_of_experiment=dt.date(2026, 2, 2),
                  values={**VALUES, "IMPC_BWT_001_001": [EnteredValue(value="heavy")]})
    assert "IMPC_BWT_001_001" in refused.value.message_dict
    batch.add(3, mouse=mouse, date_of_experiment=dt.date(2026, 2, 2), values=VALUES)
    assert batch.write() == [] and batch.created == 1
    assert Experiment.objects.get().scheduled_test == test and Experiment.objects.get().sequence_id == "1"


def test_refusals_use_the_forms_words_on_their_columns(tech):
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 3)
    future = dt.date.today() + dt.timedelta(days=2)
    bad = {0: ("experimenter", "x" * 101), 1: ("date_of_experiment", dt.date(2025, 12, 1)),
           2: ("date_of_experiment", future)}

    result = procedure_import(file=upload_workbook(procedure, tech, [m.specimen_id for m in mice], bad),
                              procedure=procedure, actor=tech)

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "experimenter", "Ensure this value has at most 100 characters (it has 101)."),
        (3, "date_of_experiment", "The experiment cannot be before the mouse was born."),
        (4, "date_of_experiment", "The date of the experiment cannot be in the future."),
    ]
    assert Experiment.objects.count() == 0


def test_a_test_recorded_meanwhile_is_a_conflict_on_its_row_and_nothing_is_written(tech):
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 2)
    tests = [scheduled_test(m, procedure, due=dt.date(2026, 2, 2)) for m in mice]
    batch = ExperimentBatch(procedure=procedure, actor=tech, mice=mice)
    for row, mouse in enumerate(mice, start=2):
        batch.add(row, mouse=mouse, date_of_experiment=dt.date(2026, 2, 2), values=VALUES)
    ScheduledTest.objects.filter(pk=tests[1].pk).update(status=S.DONE)  # a technician on the form, meanwhile

    conflicts = batch.write()

    assert [(row, type(exc)) for row, exc in conflicts] == [(3, Conflict)]
    assert "already been recorded" in conflicts[0][1].message
    assert Experiment.objects.count() == 0 and batch.created == 0


def test_bulk_rows_carry_the_audit_context_and_start_the_cohort(tech):
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 2)
    test = scheduled_test(mice[0], procedure, due=dt.date(2026, 2, 2))
    attempt = colony_services.phenotyping_attempt_create(actor=tech, parent_colony=mice[0].colony)

    result = procedure_import(file=upload_workbook(procedure, tech, [m.specimen_id for m in mice]), procedure=procedure,
                              actor=tech)

    assert result.ok
    experiment = Experiment.objects.get(mouse=mice[0])
    event = history_for(experiment)[-1]
    assert (event["event"], event["action"], event["user_id"]) == ("insert", "procedures.experiment.recorded", tech.pk)
    value = experiment.values.get(parameter__key="IMPC_BWT_001_001")
    assert history_for(value)[-1]["action"] == "procedures.experiment.recorded"
    test.refresh_from_db()
    assert history_for(test)[-1]["action"] == "procedures.experiment.recorded"
    attempt.refresh_from_db()
    assert attempt.phenotyping_started
