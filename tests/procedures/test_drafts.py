"""Drafts: what was typed is kept unvalidated, reloaded on the form, shown on the worklist and gone once submitted."""
import datetime as dt

import pytest
from django.urls import reverse

from lims.audit import history_for
from lims.scoping import scope_for_user
from procedures.drafts import experiment_draft_save
from procedures.models import Experiment, ExperimentDraft
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure
from tests.procedures.grip import GRIP_METADATA, born_for_today, enrol_due_today, grip_strength_procedure, mouse_post
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

BATCH = reverse("procedures:batch_record")


@pytest.fixture
def weight_test(tech):
    mouse = MouseFactory(centre=tech.centre, specimen_id="DR-1", date_of_birth=dt.date.today() - dt.timedelta(days=60))
    return scheduled_test(mouse, body_weight_procedure(), due=dt.date.today())


@pytest.fixture
def grip_tests(tech):
    procedure = grip_strength_procedure()
    mice = [MouseFactory(centre=tech.centre, specimen_id=f"GD-{n}", date_of_birth=born_for_today(procedure))
            for n in (1, 2, 3)]
    return enrol_due_today(mice, procedure, tech)


def _record_url(test):
    return reverse("procedures:experiment_record", args=[test.pk])


def test_single_form_draft_keeps_invalid_values_and_reloads_them(client, tech, weight_test):
    client.force_login(tech)
    response = client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "24,5g",
                                                      "IMPC_BWT_003_001": "SCALE-9", "date_of_experiment": "soon"})
    assert response.status_code == 302
    draft = ExperimentDraft.objects.get(scheduled_test=weight_test)
    assert draft.values["IMPC_BWT_001_001"] == "24,5g" and draft.values["date_of_experiment"] == "soon"
    assert draft.saved_by == tech and draft.centre_id == tech.centre_id
    assert not Experiment.objects.exists()
    assert history_for(draft)[-1]["action"] == "procedures.experimentdraft.saved"

    content = client.get(_record_url(weight_test)).content.decode()
    assert 'value="24,5g"' in content and 'value="SCALE-9"' in content
    assert "Draft saved by" in content


def test_saving_again_replaces_the_draft(client, tech, weight_test):
    client.force_login(tech)
    client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "24"})
    client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "25"})
    assert ExperimentDraft.objects.get(scheduled_test=weight_test).values["IMPC_BWT_001_001"] == "25"


def test_submitting_for_real_deletes_the_draft(client, tech, weight_test):
    client.force_login(tech)
    client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "24"})
    response = client.post(_record_url(weight_test), {**BODY_WEIGHT_VALUES, "date_of_experiment":
                                                      dt.date.today().isoformat(), "experimenter": "T"})
    assert response.status_code == 302
    assert Experiment.objects.filter(scheduled_test=weight_test).exists()
    assert not ExperimentDraft.objects.exists()


def test_a_refused_submit_keeps_the_draft(client, tech, weight_test):
    client.force_login(tech)
    client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "24"})
    client.post(_record_url(weight_test), {"IMPC_BWT_001_001": "heavy", "date_of_experiment":
                                           dt.date.today().isoformat()})
    assert ExperimentDraft.objects.filter(scheduled_test=weight_test).exists()


def test_worklist_shows_a_draft_badge(client, tech, weight_test):
    client.force_login(tech)
    assert ">draft</span>" not in client.get(reverse("procedures:worklist")).content.decode()
    experiment_draft_save(test=weight_test, values={"IMPC_BWT_001_001": "2"}, actor=tech)
    assert ">draft</span>" in client.get(reverse("procedures:worklist")).content.decode()


def test_batch_draft_saves_each_mouse_with_the_metadata_and_reloads(client, tech, grip_tests):
    client.force_login(tech)
    data = {"tests": [t.pk for t in grip_tests], "action": "draft", "date_of_experiment": dt.date.today().isoformat(),
            "IMPC_GRS_005_001": "GRID-07"}
    data.update(mouse_post(grip_tests[0], forelimb=("101", "oops", "")))
    assert client.post(BATCH, data).status_code == 302
    drafts = {d.scheduled_test_id: d for d in ExperimentDraft.objects.all()}
    assert set(drafts) == {t.pk for t in grip_tests}
    assert all(d.values["IMPC_GRS_005_001"] == "GRID-07" for d in drafts.values())
    assert drafts[grip_tests[0].pk].values["IMPC_GRS_001_001__1"] == "oops"
    assert not Experiment.objects.exists()

    query = "?" + "&".join(f"tests={t.pk}" for t in grip_tests)
    content = client.get(BATCH + query).content.decode()
    assert f'name="t{grip_tests[0].pk}-IMPC_GRS_001_001__1" value="oops"' in content
    assert 'name="IMPC_GRS_005_001" value="GRID-07"' in content
    # The single form of one of these tests finds its part of the batch draft too.
    single = client.get(_record_url(grip_tests[0])).content.decode()
    assert 'value="oops"' in single and 'value="GRID-07"' in single


def test_batch_submit_deletes_the_drafts(client, tech, grip_tests):
    for test in grip_tests:
        experiment_draft_save(test=test, values={"IMPC_GRS_005_001": "OLD"}, actor=tech)
    client.force_login(tech)
    data = {"tests": [t.pk for t in grip_tests], "action": "submit", "experimenter": "T",
            "date_of_experiment": dt.date.today().isoformat(), **GRIP_METADATA}
    for test in grip_tests:
        data.update(mouse_post(test))
    assert client.post(BATCH, data).status_code == 302
    assert Experiment.objects.count() == 3
    assert not ExperimentDraft.objects.exists()


def test_drafts_are_scoped_to_the_centre(client, tech, outsider, weight_test):
    experiment_draft_save(test=weight_test, values={"IMPC_BWT_001_001": "2"}, actor=tech)
    assert scope_for_user(ExperimentDraft.objects.all(), outsider).count() == 0
    assert scope_for_user(ExperimentDraft.objects.all(), tech).count() == 1
    client.force_login(outsider)
    assert client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "9"}).status_code == 404
    assert ExperimentDraft.objects.get().values["IMPC_BWT_001_001"] == "2"


def test_read_only_user_cannot_save_a_draft(client, readonly, weight_test, grip_tests):
    client.force_login(readonly)
    assert client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "9"}).status_code == 403
    assert client.post(BATCH, {"tests": [t.pk for t in grip_tests], "action": "draft"}).status_code == 403
    assert not ExperimentDraft.objects.exists()


def test_no_draft_for_a_closed_test(client, tech, weight_test):
    from procedures.services import scheduled_test_cancel

    scheduled_test_cancel(test=weight_test, reason="enrolled by mistake", actor=tech)
    client.force_login(tech)
    response = client.post(_record_url(weight_test), {"action": "draft", "IMPC_BWT_001_001": "9"}, follow=True)
    assert "no longer scheduled" in response.content.decode()
    assert not ExperimentDraft.objects.exists()
