"""Excel uploads read numbers with the one number reader: a numeric cell as its number, a text cell as typed; an
ambiguous cell is refused by row and column; an implausible one is a warning the uploader confirms ("Save anyway")."""
import pytest
from django.urls import reverse

from procedures.imports import procedure_import, upload_process
from procedures.models import Experiment, Parameter, ParameterValue, UploadJob
from tests.factories import body_weight_procedure
from tests.procedures.helpers import upload_mice, upload_workbook

pytestmark = pytest.mark.django_db

KEY = "IMPC_BWT_001_001"


def _stored(specimen):
    return ParameterValue.objects.get(experiment__mouse__specimen_id=specimen, parameter__key=KEY).value


@pytest.mark.parametrize(("cell", "stored"), [
    ("21,4", "21.4"), ("21.4", "21.4"), (" 20,9 ", "20.9"),  # text cells, as typed in the template's text column
    (21.4, "21.4"), (20.9, "20.9"), (21, "21.0"), (1e-07, "1e-07"), (1234.5678, "1234.5678"),
])
def test_a_decimal_comma_or_a_numeric_cell_is_stored_as_the_number_never_ten_times_it(tech, cell, stored):
    procedure = body_weight_procedure()
    (mouse,) = upload_mice(tech.centre, 1)
    result = procedure_import(file=upload_workbook(procedure, tech, [mouse.specimen_id], bad={0: (KEY, cell)}),
                              procedure=procedure, actor=tech)
    assert result.ok, result.errors
    assert _stored(mouse.specimen_id) == stored


@pytest.mark.parametrize(("cell", "message"), [
    ("1,234", "Body weight must be a number without a thousands separator: '1,234' could mean 1.234 or 1234; "
              "type 1.234 or 1234."),
    ("21,4 g", "Body weight must be a number without a unit or note, e.g. 21.4; you typed '21,4 g'."),
    ("1.234,5", "Body weight must be a number with no thousands separator or spaces, e.g. 1234.5; "
                "you typed '1.234,5'."),
    ("2 1", "Body weight must be a number without spaces, e.g. 21.4; you typed '2 1'."),
])
def test_an_ambiguous_cell_is_refused_by_row_and_column_and_nothing_is_recorded(tech, cell, message):
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 3)
    result = procedure_import(file=upload_workbook(procedure, tech, [m.specimen_id for m in mice], bad={1: (KEY, cell)}),
                              procedure=procedure, actor=tech)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, KEY, message)]
    assert result.created == 0 and not Experiment.objects.exists()


def test_a_whole_number_parameter_refuses_a_fraction_in_a_numeric_cell(tech):
    procedure = body_weight_procedure()
    Parameter.objects.filter(key=KEY).update(value_type="INT")
    (mouse,) = upload_mice(tech.centre, 1)
    refused = procedure_import(file=upload_workbook(procedure, tech, [mouse.specimen_id], bad={0: (KEY, 24.5)}),
                               procedure=procedure, actor=tech)
    assert [(e.row, e.column, e.message) for e in refused.errors] == [
        (2, KEY, "Body weight must be a whole number, e.g. 12; the cell holds 24.5.")]
    accepted = procedure_import(file=upload_workbook(procedure, tech, [mouse.specimen_id], bad={0: (KEY, 24.0)}),
                                procedure=procedure, actor=tech)
    assert accepted.ok and _stored(mouse.specimen_id) == "24"


def test_an_implausible_value_is_a_warning_by_row_until_the_upload_is_confirmed(tech):
    procedure = body_weight_procedure()
    Parameter.objects.filter(key=KEY).update(min_value=5, max_value=80)
    mice = upload_mice(tech.centre, 3)
    specimens = [m.specimen_id for m in mice]
    warned = procedure_import(file=upload_workbook(procedure, tech, specimens, bad={2: (KEY, "209")}),
                              procedure=procedure, actor=tech)
    assert not warned.ok and warned.errors == [] and warned.created == 0
    assert [(w.row, w.column, w.message) for w in warned.warnings] == [
        (4, KEY, "Body weight (IMPC_BWT_001_001) = 209.0 g is outside the plausible range (5 to 80 g): check it.")]
    assert not Experiment.objects.exists()
    confirmed = procedure_import(file=upload_workbook(procedure, tech, specimens, bad={2: (KEY, "209")}),
                                 procedure=procedure, actor=tech, confirm=True)
    assert confirmed.ok and confirmed.created == 3
    flagged = ParameterValue.objects.get(experiment__mouse=mice[2], parameter__key=KEY)
    assert (flagged.value, flagged.out_of_range) == ("209.0", True)
    assert flagged.experiment.confirmed_warnings == [warned.warnings[0].message]


def test_the_upload_page_takes_save_anyway_and_the_job_lists_warnings(client, tech, settings):
    procedure = body_weight_procedure()
    Parameter.objects.filter(key=KEY).update(min_value=5, max_value=80)
    (mouse,) = upload_mice(tech.centre, 1)
    client.force_login(tech)
    url = reverse("procedures:procedure_import", args=[procedure.key])
    assert "Save anyway" in client.get(url).content.decode()

    client.post(url, {"file": upload_workbook(procedure, tech, [mouse.specimen_id], bad={0: (KEY, "250")})})
    job = UploadJob.objects.get()
    upload_process(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.confirm, job.errors) == (UploadJob.Status.REJECTED, False, [])
    assert job.warnings == [{"row": 2, "column": KEY, "message": "Body weight (IMPC_BWT_001_001) = 250.0 g is "
                                                                 "outside the plausible range (5 to 80 g): check it."}]
    page = client.get(job.get_absolute_url()).content.decode()
    assert "1 warning to check" in page and "250.0 g is outside the plausible range" in page

    client.post(url, {"file": upload_workbook(procedure, tech, [mouse.specimen_id], bad={0: (KEY, "250")}),
                      "confirm_warnings": "on"})
    again = UploadJob.objects.order_by("-pk").first()
    upload_process(job_id=again.pk)
    again.refresh_from_db()
    assert (again.status, again.confirm, again.created_count) == (UploadJob.Status.COMMITTED, True, 1)


def test_the_template_says_numeric_columns_take_a_decimal_point_or_comma(tech):
    from procedures.imports import procedure_columns

    columns = {c.name: c for c in procedure_columns(body_weight_procedure())}
    assert columns[KEY].kind == "number" and columns[KEY].label == "Body weight"
    assert columns["IMPC_BWT_003_001"].kind == "text"
    assert "decimal point or decimal comma" in columns[KEY].describe()
