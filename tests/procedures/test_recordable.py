"""A procedure with nothing to type in (no IMPReSS parameters, or only derived and image ones) is not scheduled and
cannot be recorded; a test scheduled for it before says why, on the worklist and on its record page."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures.models import Experiment, Parameter, Pipeline, ScheduledTest
from procedures.services import EnteredValue, experiment_record, mice_enrol
from tests.factories import MouseFactory, PipelineFactory, ProcedureFactory
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
REASON = "cannot be recorded yet: this LIMS has no IMPReSS parameters for it"


@pytest.fixture
def pipeline(db) -> Pipeline:
    pipeline = PipelineFactory()
    weight = ProcedureFactory(pipeline=pipeline, key="IMPC_BWT_001", name="Body Weight")
    Parameter.objects.create(procedure=weight, key="IMPC_BWT_001_001", name="Body weight", type="simple",
                             value_type="FLOAT", unit="g", required=True)
    ProcedureFactory(pipeline=pipeline, key="IMPC_OFD_001", name="Open Field", week=9)  # no parameters
    derived_only = ProcedureFactory(pipeline=pipeline, key="IMPC_HWT_001", name="Heart Weight", week=16)
    Parameter.objects.create(procedure=derived_only, key="IMPC_HWT_012_001", name="Heart weight normalised",
                             type="simple", value_type="FLOAT", derived=True)
    Parameter.objects.create(procedure=derived_only, key="IMPC_HWT_007_001", name="Heart images",
                             type="seriesMedia", value_type="IMAGE")
    imported = ProcedureFactory(pipeline=pipeline, key="IMPC_EYE_003", name="IMPC_EYE_003", source="import")
    Parameter.objects.create(procedure=imported, key="IMPC_EYE_003_001", name="IMPC_EYE_003_001", type="simple",
                             source="import")
    return pipeline


def test_enrolment_schedules_only_procedures_that_can_be_recorded(pipeline, tech):
    mouse = MouseFactory(centre=tech.centre, date_of_birth=TODAY - dt.timedelta(weeks=6))
    mice_enrol(mice=[mouse], pipeline=pipeline, actor=tech, enrolled_on=TODAY)
    assert set(ScheduledTest.objects.filter(mouse=mouse).values_list("procedure__key", flat=True)) == {
        "IMPC_BWT_001"}


def test_a_test_scheduled_before_says_why_on_the_worklist_and_offers_no_record_button(client, pipeline, tech):
    mouse = MouseFactory(centre=tech.centre, specimen_id="OLD-1", date_of_birth=TODAY - dt.timedelta(weeks=10))
    test = scheduled_test(mouse, pipeline.procedures.get(key="IMPC_OFD_001"), due=TODAY)
    weight = scheduled_test(mouse, pipeline.procedures.get(key="IMPC_BWT_001"), due=TODAY)
    client.force_login(tech)
    html = client.get(reverse("procedures:worklist")).content.decode()
    assert f"Open Field (IMPC_OFD_001) {REASON}" in html
    assert "Record Open Field for OLD-1" not in html
    assert reverse("procedures:experiment_record", args=[test.pk]) not in html
    assert "Record Body Weight for OLD-1" in html
    assert reverse("procedures:experiment_record", args=[weight.pk]) in html


def test_its_record_page_says_why_and_saves_nothing(client, pipeline, tech):
    mouse = MouseFactory(centre=tech.centre, date_of_birth=TODAY - dt.timedelta(weeks=20))
    client.force_login(tech)
    for key in ("IMPC_OFD_001", "IMPC_HWT_001"):
        test = scheduled_test(mouse, pipeline.procedures.get(key=key), due=TODAY)
        url = reverse("procedures:experiment_record", args=[test.pk])
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 200 and REASON in html and "<form" not in html.split('id="unrecordable"')[1]
        assert "Not performed or cancel" in html
        posted = client.post(url, {"date_of_experiment": TODAY.isoformat(), "experimenter": "me"})
        assert posted.status_code == 200 and REASON in posted.content.decode()
        test.refresh_from_db()
        assert test.status == ScheduledTest.Status.SCHEDULED
    assert not Experiment.objects.exists()


def test_the_service_and_the_api_refuse_it_with_the_same_words(auth_client, pipeline, tech):
    mouse = MouseFactory(centre=tech.centre, date_of_birth=TODAY - dt.timedelta(weeks=20))
    with pytest.raises(ValidationError) as refused:
        experiment_record(mouse=mouse, procedure=pipeline.procedures.get(key="IMPC_OFD_001"),
                          date_of_experiment=TODAY, values={}, actor=tech)
    assert REASON in refused.value.message_dict["procedure"][0]
    with pytest.raises(ValidationError) as imported:
        experiment_record(mouse=mouse, procedure=pipeline.procedures.get(key="IMPC_EYE_003"),
                          date_of_experiment=TODAY, actor=tech,
                          values={"IMPC_EYE_003_001": [EnteredValue(value="normal")]})
    assert "is not an IMPReSS procedure" in imported.value.message_dict["procedure"][0]
    response = auth_client(tech).post("/api/v1/experiments/", {
        "mouse": mouse.pk, "procedure": "IMPC_HWT_001", "date_of_experiment": TODAY.isoformat(),
        "entered_values": []}, format="json")
    assert response.status_code == 400
    assert REASON in str(response.json())
    assert not Experiment.objects.exists()


def test_a_batch_of_it_is_refused_with_the_reason(client, pipeline, tech):
    mouse = MouseFactory(centre=tech.centre, date_of_birth=TODAY - dt.timedelta(weeks=10))
    test = scheduled_test(mouse, pipeline.procedures.get(key="IMPC_OFD_001"), due=TODAY)
    client.force_login(tech)
    response = client.get(reverse("procedures:batch_record"), {"tests": [test.pk]}, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].startswith(reverse("procedures:worklist"))
    assert REASON in " ".join(str(m) for m in response.context["messages"])
