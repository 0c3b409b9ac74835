"""Excel upload per procedure: the template, every bad cell by row and column, all or nothing."""
import datetime as dt
import io
import os

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from procedures.imports import procedure_import, procedure_template
from procedures.models import Experiment, Parameter, ParameterValue, ScheduledTest
from tests.factories import MouseFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test, upload_mice, upload_workbook

pytestmark = pytest.mark.django_db

# 300 rows by default; the 5,000-row acceptance has its own test (test_upload_5000.py). PHENO_UPLOAD_ROWS overrides.
ROWS = int(os.environ.get("PHENO_UPLOAD_ROWS", "300"))


def test_template_has_a_row_per_due_mouse_and_a_column_per_parameter(tech):
    procedure = body_weight_procedure()
    Parameter.objects.filter(key="IMPC_BWT_002_001").update(options=["calm", "nervous"])
    mice = upload_mice(tech.centre, 3)
    for mouse in mice[:2]:
        scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    sheet = procedure_template(procedure=procedure, actor=tech).worksheets[0]
    names, header = [c.value for c in sheet[1]], [c.value for c in sheet[2]]  # names in words, then the keys
    assert header[:4] == ["specimen_id", "date_of_experiment", "experimenter", "IMPC_BWT_001_001"]
    assert names[:4] == ["Mouse ID", "Date of experiment", "Experimenter", "Body weight (g)"]
    assert "IMPC_BWT_001_001_status" in header and "IMPC_BWT_007_001" in header
    assert "(g)" in sheet.cell(row=2, column=4).comment.text
    assert [sheet.cell(row=r, column=1).value for r in (3, 4, 5)] == ["UP00000", "UP00001", None]
    letter = get_column_letter(header.index("IMPC_BWT_002_001") + 1)
    assert any(str(v.sqref).startswith(f"{letter}3") for v in sheet.data_validations.dataValidation)


def test_upload_with_three_bad_rows_reports_exactly_them_and_commits_nothing_then_the_fix_commits_all(tech):
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, ROWS)
    for mouse in mice:
        scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    specimens = [m.specimen_id for m in mice]
    bad = {10: ("IMPC_BWT_001_001", "heavy"), 150: ("IMPC_BWT_003_001", None),
           ROWS - 1: ("date_of_experiment", "yesterday")}

    result = procedure_import(file=upload_workbook(procedure, tech, specimens, bad), procedure=procedure, actor=tech)

    assert result.bad_rows == [12, 152, ROWS + 1]
    assert {(e.row, e.column) for e in result.errors} == {
        (12, "IMPC_BWT_001_001"), (152, "IMPC_BWT_003_001"), (ROWS + 1, "date_of_experiment")}
    assert "must be a number" in next(e.message for e in result.errors if e.row == 12)
    assert result.created == 0 and Experiment.objects.count() == 0
    assert not ScheduledTest.objects.exclude(status=ScheduledTest.Status.SCHEDULED).exists()

    result = procedure_import(file=upload_workbook(procedure, tech, specimens), procedure=procedure, actor=tech)

    assert result.ok, result.errors[:3]
    assert result.created == ROWS == Experiment.objects.count()
    assert not ScheduledTest.objects.filter(status=ScheduledTest.Status.SCHEDULED).exists()


def test_unknown_mouse_is_reported_on_its_row(tech, outsider):
    procedure = body_weight_procedure()
    theirs = upload_mice(outsider.centre, 1)[0]
    result = procedure_import(file=upload_workbook(procedure, tech, [theirs.specimen_id]), procedure=procedure, actor=tech)
    assert [(e.row, e.column) for e in result.errors] == [(2, "specimen_id")]


def test_upload_page_and_template_download(client, tech, eager_tasks, django_capture_on_commit_callbacks):
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 2)
    client.force_login(tech)
    template = client.get(reverse("procedures:procedure_template", args=[procedure.key]))
    assert template.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert workbook.worksheets[0].title == "IMPC_BWT_001"
    url = reverse("procedures:procedure_import", args=[procedure.key])
    assert "IMPC_BWT_001_001" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        bad = client.post(url, {"file": upload_workbook(procedure, tech, [m.specimen_id for m in mice],
                                                  {0: ("IMPC_BWT_001_001", "x")})})
    page = client.get(bad.url)
    assert page.status_code == 200 and "Nothing was imported" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        good = client.post(url, {"file": upload_workbook(procedure, tech, [m.specimen_id for m in mice])})
    assert good.status_code == 302 and Experiment.objects.count() == 2


def test_uploaded_rows_are_copied_in_with_their_audit_context(tech):
    """The upload writes with COPY (`lims.copy`): each experiment and value still has its insert event, carrying
    the upload's audit context (who, which action), and the rows read back as the form would have saved them."""
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 3)
    for mouse in mice:
        scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    result = procedure_import(file=upload_workbook(procedure, tech, [m.specimen_id for m in mice]),
                              procedure=procedure, actor=tech)
    assert result.ok and result.created == 3
    experiments = list(Experiment.objects.order_by("pk"))
    assert [e.sequence_id for e in experiments] == ["1", "1", "1"] and all(e.created_at for e in experiments)
    values = ParameterValue.objects.filter(experiment__in=experiments)
    assert values.count() == 3 * len({v.parameter_id for v in values}) > 3
    for model, count in ((Experiment, 3), (ParameterValue, values.count())):
        events = list(model.pgh_event_model.objects.select_related("pgh_context"))
        assert len(events) == count
        assert {(e.pgh_context.metadata["action"], e.pgh_context.metadata["user"]) for e in events} == {
            ("procedures.experiment.recorded", tech.pk)}
    # A new experiment after the COPY takes the next id (the sequence moved on).
    later = MouseFactory(centre=tech.centre, colony=mice[0].colony, date_of_birth=mice[0].date_of_birth)
    scheduled_test(later, procedure, due=dt.date(2026, 2, 2))
    again = procedure_import(file=upload_workbook(procedure, tech, [later.specimen_id]), procedure=procedure,
                             actor=tech)
    assert again.ok and Experiment.objects.order_by("pk").last().pk > experiments[-1].pk
