"""Every entry path reads numbers with the one reader: the record form, the batch form, drafts, the API (text and
JSON numbers, single and bulk); the QC plot marks confirmed out-of-range values. "20,9" is 20.9 everywhere."""
import datetime as dt

import pytest
from django.urls import reverse

from lims.reports import qc
from procedures.models import ExperimentDraft, Parameter, ParameterValue
from procedures.services import EnteredValue, experiment_record
from tests.factories import BODY_WEIGHT_VALUES, ColonyFactory, MouseFactory, body_weight_procedure
from tests.procedures.grip import GRIP_METADATA, born_for_today, enrol_due_today, grip_strength_procedure, mouse_post

pytestmark = pytest.mark.django_db

KEY = "IMPC_BWT_001_001"
TODAY = dt.date.today()


@pytest.fixture
def weight_test(tech):
    from procedures.services import mice_enrol

    procedure = body_weight_procedure()
    mouse = MouseFactory(centre=tech.centre, specimen_id="N-001")
    mice_enrol(mice=[mouse], pipeline=procedure.pipeline, actor=tech, enrolled_on=TODAY)
    return mouse.scheduled_tests.get()


def _form(**overrides):
    return {"date_of_experiment": TODAY.isoformat(), "experimenter": "tech", **BODY_WEIGHT_VALUES, **overrides}


@pytest.mark.parametrize(("typed", "stored"), [("20,9", "20.9"), ("20.9", "20.9"), ("21", "21.0")])
def test_the_record_form_stores_a_decimal_comma_as_the_decimal_point(client, tech, weight_test, typed, stored):
    client.force_login(tech)
    response = client.post(reverse("procedures:experiment_record", args=[weight_test.pk]), _form(**{KEY: typed}))
    assert response.status_code == 302
    assert ParameterValue.objects.get(parameter__key=KEY).value == stored


def test_the_record_form_refuses_an_ambiguous_number_beside_its_input(client, tech, weight_test):
    client.force_login(tech)
    response = client.post(reverse("procedures:experiment_record", args=[weight_test.pk]), _form(**{KEY: "1,234"}))
    assert response.status_code == 200
    assert response.context["form"].errors[KEY] == [
        "Body weight must be a number without a thousands separator: '1,234' could mean 1.234 or 1234; "
        "type 1.234 or 1234."]
    assert not ParameterValue.objects.exists()


def test_a_draft_keeps_what_was_typed_and_recording_it_reads_the_comma(client, tech, weight_test):
    client.force_login(tech)
    url = reverse("procedures:experiment_record", args=[weight_test.pk])
    client.post(url, {**_form(**{KEY: "20,9"}), "action": "draft", "confirm_warnings": "on"})
    draft = ExperimentDraft.objects.get(scheduled_test=weight_test)
    assert draft.values[KEY] == "20,9" and "confirm_warnings" not in draft.values
    reopened = client.get(url).content.decode()
    assert 'value="20,9"' in reopened
    assert client.post(url, _form(**{KEY: draft.values[KEY]})).status_code == 302
    assert ParameterValue.objects.get(parameter__key=KEY).value == "20.9"


def test_the_batch_form_stores_a_decimal_comma_as_the_decimal_point(client, tech):
    procedure = grip_strength_procedure()
    colony = ColonyFactory(centre=tech.centre, name="HAR-GRIP")
    mice = [MouseFactory(centre=tech.centre, colony=colony, specimen_id=f"G-00{n}",
                         date_of_birth=born_for_today(procedure)) for n in (1, 2)]
    tests = enrol_due_today(mice, procedure, tech)
    client.force_login(tech)
    data = {"tests": [t.pk for t in tests], "action": "submit", "date_of_experiment": TODAY.isoformat(),
            "experimenter": "tech", **GRIP_METADATA}
    data.update(mouse_post(tests[0], weight="20,9", forelimb=("101,5", "99", "104")))
    data.update(mouse_post(tests[1], weight="21.4"))
    response = client.post(reverse("procedures:batch_record"), data)
    assert response.status_code == 302, response.context and response.context["mice_with_errors"]
    weights = dict(ParameterValue.objects.filter(parameter__key="IMPC_GRS_003_001")
                   .values_list("experiment__mouse__specimen_id", "value"))
    assert weights == {"G-001": "20.9", "G-002": "21.4"}
    forelimb = ParameterValue.objects.get(experiment__mouse__specimen_id="G-001", parameter__key="IMPC_GRS_001_001",
                                          increment="1")
    assert forelimb.value == "101.5"


@pytest.mark.parametrize(("sent", "stored"), [("20,9", "20.9"), (20.9, "20.9"), (21, "21.0"), (1e-07, "1e-07")])
def test_the_api_reads_text_and_json_numbers_with_the_same_reader(auth_client, tech, sent, stored):
    body_weight_procedure()
    mouse = MouseFactory(centre=tech.centre)
    item = {"mouse": mouse.pk, "procedure": "IMPC_BWT_001", "date_of_experiment": "2026-02-02",
            "entered_values": [{"parameter": k, "value": v} for k, v in {**BODY_WEIGHT_VALUES, KEY: sent}.items()]}
    response = auth_client(tech).post("/api/v1/experiments/", item, format="json")
    assert response.status_code == 201, response.json()
    assert ParameterValue.objects.get(parameter__key=KEY).value == stored


def test_an_int_parameter_refuses_a_fraction_in_every_path(auth_client, tech):
    body_weight_procedure()
    Parameter.objects.filter(key=KEY).update(value_type="INT")
    mouse = MouseFactory(centre=tech.centre)
    item = {"mouse": mouse.pk, "procedure": "IMPC_BWT_001", "date_of_experiment": "2026-02-02",
            "entered_values": [{"parameter": k, "value": v} for k, v in {**BODY_WEIGHT_VALUES, KEY: "24,5"}.items()]}
    response = auth_client(tech).post("/api/v1/experiments/", item, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][KEY] == ["Body weight must be a whole number, e.g. 12; you typed '24,5'."]


def test_the_qc_plot_marks_confirmed_out_of_range_values(tech, manager):
    procedure = body_weight_procedure()
    Parameter.objects.filter(key=KEY).update(min_value=5, max_value=80)
    colony = ColonyFactory(centre=tech.centre, name="QC-COL")
    for n, weight in enumerate(["24.5", "25.0", "209"]):
        mouse = MouseFactory(centre=tech.centre, colony=colony, specimen_id=f"Q-{n}", is_baseline=False)
        values = {k: [EnteredValue(v)] for k, v in {**BODY_WEIGHT_VALUES, KEY: weight}.items()}
        experiment_record(mouse=mouse, procedure=procedure, actor=tech, date_of_experiment=dt.date(2026, 2, 2),
                          values=values, confirm=True)
    report = qc.build(manager, {"colony": "QC-COL", "parameter": KEY})
    table = report.table("values")
    marked = {row[1]: (row[-2], row[-1]) for row in table.rows}
    assert marked == {"Q-0": ("", ""), "Q-1": ("", ""), "Q-2": ("confirmed", "yes")}
    assert report.summary["confirmed_out_of_range"] == 1
    svg = str(report.charts[0])
    assert svg.count('class="chart__mark--confirmed"') == 1 and "Out of range, confirmed" in svg
    assert "1 out of range and confirmed at entry" in svg
