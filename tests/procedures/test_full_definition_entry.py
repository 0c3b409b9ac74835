"""Bench entry of what the full IMPReSS definition adds to the subset: series without listed increments (typed as
"increment = value" lines), ontology parameters (term ids), required image parameters (a status code), TIME values,
and the increments a series takes. The form, the edit form, the Excel upload and the service agree."""
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from lxml import etree
from openpyxl import load_workbook

from procedures.dcc.xml import write_experiment_file
from procedures.forms import free_series_lines
from procedures.imports import procedure_columns, procedure_import, procedure_template
from procedures.impress import impress_load
from procedures.models import Experiment, ExperimentDraft, Pipeline, Procedure, ScheduledTest
from procedures.services import EnteredValue, experiment_record, mice_enrol
from tests.dcc.helpers import PROCEDURE_NS, q
from tests.factories import MouseFactory
from tests.procedures.impress_values import form_post, impress_data

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _load(*keys: str) -> dict[str, Procedure]:
    data = impress_data()
    data["procedures"] = [p for p in data["procedures"] if p["key"] in keys]
    impress_load(data)
    return {p.key: p for p in Procedure.objects.filter(key__in=keys)}


def _due_today(tech, procedure: Procedure, specimen: str = "FD-1") -> ScheduledTest:
    mouse = MouseFactory(centre=tech.centre, specimen_id=specimen,
                         date_of_birth=TODAY - dt.timedelta(weeks=procedure.week or 12))
    mice_enrol(mice=[mouse], pipeline=Pipeline.objects.get(key="IMPC_001"), actor=tech, enrolled_on=TODAY)
    return ScheduledTest.objects.get(mouse=mouse, procedure=procedure)


def test_free_series_lines_accept_the_usual_separators_and_say_which_line_is_wrong():
    text = "0 = 1.5\n1\t2,5\n\n2026-03-01 06:00 3.5\n4; 4.0"
    assert free_series_lines(text) == [("0", "1.5"), ("1", "2,5"), ("2026-03-01 06:00", "3.5"), ("4", "4.0")]
    with pytest.raises(ValueError, match=r"line 2 \('12.5'\) needs an increment and a value"):
        free_series_lines("0 = 1\n12.5")


def test_a_free_series_is_typed_as_lines_and_edited_as_lines(client, tech, tmp_path):
    cal = _load("IMPC_CAL_003")["IMPC_CAL_003"]
    test = _due_today(tech, cal)
    url = reverse("procedures:experiment_record", args=[test.pk])
    client.force_login(tech)
    html = client.get(url).content.decode()
    assert '<textarea name="IMPC_CAL_003_001"' in html and "One line per increment" in html
    data = {"date_of_experiment": TODAY.isoformat(), "experimenter": "me", **form_post(cal)}
    data["IMPC_CAL_003_001"] = "2026-03-01T06:00:00 = 60.1\n2026-03-01T07:00:00 = 61.9\n2026-03-01T08:00:00 62"

    refused = client.post(url, {**data, "IMPC_CAL_004_001": "06:00 = 40\nforty"})
    assert refused.status_code == 200
    assert "Carbon dioxide production (IMPC_CAL_004_001): line 2 (&#x27;forty&#x27;) needs an increment" in \
        refused.content.decode()
    assert client.post(url, data).status_code == 302

    experiment = Experiment.objects.get(scheduled_test=test)
    oxygen = experiment.values.filter(parameter__key="IMPC_CAL_003_001").order_by("pk")
    assert [(v.increment, v.value) for v in oxygen] == [
        ("2026-03-01T06:00:00", "60.1"), ("2026-03-01T07:00:00", "61.9"), ("2026-03-01T08:00:00", "62.0")]
    edit = client.get(reverse("procedures:experiment_edit", args=[experiment.pk])).content.decode()
    assert "2026-03-01T07:00:00 = 61.9" in edit
    write_experiment_file(tmp_path / "e.xml", Experiment.objects.filter(pk=experiment.pk))
    series = next(e for e in etree.parse(str(tmp_path / "e.xml")).iter(q(PROCEDURE_NS, "seriesParameter"))
                  if e.get("parameterID") == "IMPC_CAL_003_001")
    assert [(v.get("incrementValue"), v.text) for v in series] == [
        ("2026-03-01T06:00:00", "60.1"), ("2026-03-01T07:00:00", "61.9"), ("2026-03-01T08:00:00", "62.0")]


def test_a_series_takes_its_listed_increments_and_a_free_one_an_increment_per_value(tech):
    procedures = _load("IMPC_IPG_001", "IMPC_CAL_003")
    mouse = MouseFactory(centre=tech.centre, date_of_birth=TODAY - dt.timedelta(weeks=14))
    glucose = [EnteredValue(value="8", increment=i) for i in ("0", "15", "30", "60", "90")]
    with pytest.raises(ValidationError) as refused:
        experiment_record(mouse=mouse, procedure=procedures["IMPC_IPG_001"], date_of_experiment=TODAY, actor=tech,
                          values={"IMPC_IPG_002_001": glucose})
    assert "90 is not one of its increments (0, 15, 30, 60, 120)" in \
        refused.value.message_dict["IMPC_IPG_002_001"][0]
    with pytest.raises(ValidationError) as free:
        experiment_record(mouse=mouse, procedure=procedures["IMPC_CAL_003"], date_of_experiment=TODAY, actor=tech,
                          values={"IMPC_CAL_003_001": [EnteredValue(value="60")],
                                  "IMPC_CAL_001_001": [EnteredValue(value="1", increment="1"),
                                                       EnteredValue(value="2", increment="1")]})
    messages = free.value.message_dict
    assert "give the increment of each value" in messages["IMPC_CAL_003_001"][0]
    assert "takes one value, not a series" in messages["IMPC_CAL_001_001"][0]


def test_ontology_values_are_term_ids_and_are_sent_as_terms(client, tech, tmp_path):
    pat = _load("IMPC_PAT_002")["IMPC_PAT_002"]
    test = _due_today(tech, pat)
    url = reverse("procedures:experiment_record", args=[test.pk])
    client.force_login(tech)
    data = {"date_of_experiment": TODAY.isoformat(), "experimenter": "me", **form_post(pat)}
    refused = client.post(url, {**data, "IMPC_PAT_001_002": "normal"})
    assert ("Brain (IMPC_PAT_001_002): &#x27;normal&#x27; is not an ontology term; write term ids such as MPATH:458"
            in refused.content.decode())
    assert client.post(url, {**data, "IMPC_PAT_001_002": "MPATH:458, PATO:0000461"}).status_code == 302

    experiment = Experiment.objects.get(scheduled_test=test)
    assert experiment.values.get(parameter__key="IMPC_PAT_001_002").value == "MPATH:458 PATO:0000461"
    write_experiment_file(tmp_path / "e.xml", Experiment.objects.filter(pk=experiment.pk))
    brain = next(e for e in etree.parse(str(tmp_path / "e.xml")).iter(q(PROCEDURE_NS, "ontologyParameter"))
                 if e.get("parameterID") == "IMPC_PAT_001_002")
    assert [t.text for t in brain.iter(q(PROCEDURE_NS, "term"))] == ["MPATH:458", "PATO:0000461"]


def test_required_images_take_a_status_code_which_is_sent_in_their_place(client, tech, tmp_path):
    xry = _load("IMPC_XRY_001")["IMPC_XRY_001"]
    test = _due_today(tech, xry)
    url = reverse("procedures:experiment_record", args=[test.pk])
    client.force_login(tech)
    html = client.get(url).content.decode()
    assert 'name="IMPC_XRY_034_001__status"' in html and 'name="IMPC_XRY_034_001"' not in html
    assert "Image files are not kept in the LIMS" in html
    data = {"date_of_experiment": TODAY.isoformat(), "experimenter": "me", **form_post(xry)}
    missing = client.post(url, {**data, "IMPC_XRY_034_001__status": ""}).content.decode()
    assert "XRay Images Whole Body Dorso Ventral (IMPC_XRY_034_001) is required" in missing
    assert client.post(url, data).status_code == 302

    experiment = Experiment.objects.get(scheduled_test=test)
    write_experiment_file(tmp_path / "e.xml", Experiment.objects.filter(pk=experiment.pk))
    images = {e.get("parameterID"): e.findtext(q(PROCEDURE_NS, "parameterStatus"))
              for e in etree.parse(str(tmp_path / "e.xml")).iter(q(PROCEDURE_NS, "seriesMediaParameter"))}
    assert images == {"IMPC_XRY_034_001": "IMPC_PARAMSC_011", "IMPC_XRY_048_001": "IMPC_PARAMSC_011"}


def test_a_batch_of_a_large_procedure_and_its_draft_are_taken_whole(client, tech):
    """Combined SHIRPA for eight mice is 1,300 inputs on one page, and Histopathology's draft 760 fields: neither is
    refused for its size."""
    procedures = _load("IMPC_CSD_003", "IMPC_HIS_003")
    csd = procedures["IMPC_CSD_003"]
    tests = [_due_today(tech, csd, f"CSD-{n}") for n in range(8)]
    metadata = {p.key for p in csd.parameters.filter(type="metadata")}
    full = form_post(csd)
    data = {"date_of_experiment": TODAY.isoformat(), "experimenter": "me", "tests": [t.pk for t in tests]}
    data.update({k: v for k, v in full.items() if k.split("__")[0] in metadata})
    for test in tests:
        data.update({f"t{test.pk}-{k}": v for k, v in full.items() if k.split("__")[0] not in metadata})
    assert len(data) > 1000
    client.force_login(tech)
    response = client.post(reverse("procedures:batch_record"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Experiment.objects.filter(procedure=csd).count() == 8

    histology = _due_today(tech, procedures["IMPC_HIS_003"], "HIS-1")
    url = reverse("procedures:experiment_record", args=[histology.pk])
    draft = client.post(url, {"action": "draft", **form_post(procedures["IMPC_HIS_003"])})
    assert draft.status_code == 302
    assert len(ExperimentDraft.objects.get(scheduled_test=histology).values) > 750


def test_a_time_is_hours_and_minutes(tech):
    abr = _load("IMPC_ABR_001")["IMPC_ABR_001"]
    mouse = MouseFactory(centre=tech.centre, date_of_birth=TODAY - dt.timedelta(weeks=14))
    with pytest.raises(ValidationError) as refused:
        experiment_record(mouse=mouse, procedure=abr, date_of_experiment=TODAY, actor=tech,
                          values={"IMPC_ABR_048_001": [EnteredValue(value="half past nine")]})
    assert "'half past nine' is not a valid time (hh:mm or hh:mm:ss)" in \
        refused.value.message_dict["IMPC_ABR_048_001"][0]


def test_the_excel_template_and_upload_take_free_series_and_image_status(tech):
    cal = _load("IMPC_CAL_003", "IMPC_XRY_001")["IMPC_CAL_003"]
    columns = {c.name: c for c in procedure_columns(cal)}
    assert "IMPC_CAL_003_001" in columns and "One line per increment" in columns["IMPC_CAL_003_001"].help
    xry_columns = {c.name for c in procedure_columns(Procedure.objects.get(key="IMPC_XRY_001"))}
    assert "IMPC_XRY_034_001_status" in xry_columns and "IMPC_XRY_034_001" not in xry_columns

    test = _due_today(tech, cal, "XL-1")
    workbook = procedure_template(procedure=cal, actor=tech, due_by=TODAY)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[2]]  # row 1 names the columns in words, row 2 holds the keys
    post = form_post(cal)
    values = {"date_of_experiment": TODAY, "experimenter": "me", **post,
              "IMPC_CAL_003_001": "06:00 = 60.1\n07:00 = 61.9"}
    for column, name in enumerate(header, start=1):
        if name in values:
            sheet.cell(row=3, column=column, value=values[name])

    def upload(book):
        handle = io.BytesIO()
        book.save(handle)
        handle.seek(0)
        return procedure_import(file=handle, procedure=cal, actor=tech)

    sheet.cell(row=3, column=header.index("IMPC_CAL_004_001") + 1, value="06:00 = 40\nforty")
    refused = upload(workbook)
    assert refused.created == 0
    assert [(e.row, e.column) for e in refused.errors] == [(3, "IMPC_CAL_004_001")]
    assert "line 2 ('forty') needs an increment and a value" in refused.errors[0].message

    sheet.cell(row=3, column=header.index("IMPC_CAL_004_001") + 1, value=values["IMPC_CAL_004_001"])
    result = upload(load_workbook(_saved(workbook)))
    assert (result.created, result.errors) == (1, [])
    experiment = Experiment.objects.get(scheduled_test=test)
    assert sorted(experiment.values.filter(parameter__key="IMPC_CAL_003_001").values_list("increment", "value")) == [
        ("06:00", "60.1"), ("07:00", "61.9")]


def _saved(workbook) -> io.BytesIO:
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    return handle
