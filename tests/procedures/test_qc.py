"""QC lock by a data wrangler, edits of recorded values, and the resubmission flag."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lims.audit import history_for
from lims.exceptions import Conflict
from procedures import services
from procedures.exceptions import NotAllowed
from procedures.models import Experiment
from procedures.services import EnteredValue
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment(tech):
    return services.experiment_record(
        mouse=MouseFactory(centre=tech.centre), procedure=body_weight_procedure(), actor=tech,
        date_of_experiment=dt.date(2026, 2, 2),
        values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()},
    )


def _weight(experiment) -> str:
    return experiment.values.get(parameter__key="IMPC_BWT_001_001").value


def test_wrangler_locks_a_submitted_experiment(experiment, wrangler):
    services.experiment_qc_lock(experiment=experiment, actor=wrangler)
    assert experiment.is_qc_locked and experiment.qc_locked_by == wrangler
    assert history_for(experiment)[-1]["action"] == "procedures.experiment.qc_locked"
    with pytest.raises(Conflict):
        services.experiment_qc_lock(experiment=experiment, actor=wrangler)


def test_technician_may_not_lock(experiment, tech):
    with pytest.raises(NotAllowed):
        services.experiment_qc_lock(experiment=experiment, actor=tech)
    experiment.refresh_from_db()
    assert not experiment.is_qc_locked


def test_voided_or_draft_experiments_are_not_locked(experiment, wrangler):
    Experiment.objects.filter(pk=experiment.pk).update(status=Experiment.Status.DRAFT)
    experiment.refresh_from_db()
    with pytest.raises(Conflict):
        services.experiment_qc_lock(experiment=experiment, actor=wrangler)


def test_unlocked_edit_needs_no_reason_and_no_resubmission(experiment, tech):
    services.experiment_values_update(experiment=experiment, actor=tech,
                                      values={"IMPC_BWT_001_001": [EnteredValue(value="25.1")]})
    assert _weight(experiment) == "25.1"
    assert not experiment.needs_resubmission


def test_locked_edit_without_reason_is_refused(experiment, wrangler, tech):
    services.experiment_qc_lock(experiment=experiment, actor=wrangler)
    with pytest.raises(ValidationError) as error:
        services.experiment_values_update(experiment=experiment, actor=tech,
                                          values={"IMPC_BWT_001_001": [EnteredValue(value="25.1")]})
    assert "reason" in error.value.message_dict
    assert _weight(experiment) == "24.5"


def test_locked_edit_with_reason_is_audited_and_marks_resubmission(experiment, wrangler, tech):
    services.experiment_qc_lock(experiment=experiment, actor=wrangler)
    services.experiment_values_update(experiment=experiment, actor=tech, reason="Scale was tared wrongly.",
                                      values={"IMPC_BWT_001_001": [EnteredValue(value="25.1")]})
    experiment.refresh_from_db()
    assert experiment.needs_resubmission
    value = experiment.values.get(parameter__key="IMPC_BWT_001_001")
    event = history_for(value)[-1]
    assert event["changes"]["value"] == ["24.5", "25.1"]
    assert (event["reason"], event["action"]) == ("Scale was tared wrongly.", "procedures.experiment.edited_after_qc")


def test_edit_refuses_a_bad_value_naming_the_parameter(experiment, tech):
    with pytest.raises(ValidationError) as error:
        services.experiment_values_update(experiment=experiment, actor=tech,
                                          values={"IMPC_BWT_001_001": [EnteredValue(value="heavy")]})
    assert "IMPC_BWT_001_001" in error.value.message_dict
    assert _weight(experiment) == "24.5"


def test_edit_may_not_remove_a_value(experiment, tech):
    with pytest.raises(ValidationError) as error:
        services.experiment_values_update(experiment=experiment, actor=tech, values={"IMPC_BWT_001_001": []})
    assert "IMPC_BWT_001_001" in error.value.message_dict


def test_edit_adds_an_optional_value(experiment, tech):
    services.experiment_values_update(experiment=experiment, actor=tech,
                                      values={"IMPC_BWT_002_001": [EnteredValue(value="Calm")]})
    assert experiment.values.get(parameter__key="IMPC_BWT_002_001").value == "Calm"


def test_api_lock_then_edit_with_reason(auth_client, experiment, wrangler, tech):
    url = f"/api/v1/experiments/{experiment.pk}/"
    assert auth_client(tech).post(f"{url}qc-lock/", {}, format="json").status_code == 403
    locked = auth_client(wrangler).post(f"{url}qc-lock/", {}, format="json")
    assert locked.status_code == 200 and locked.json()["qc_locked_at"]
    edit = {"entered_values": [{"parameter": "IMPC_BWT_001_001", "value": "25.1"}]}
    refused = auth_client(tech).post(f"{url}edit/", edit, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    for short in ("x", "Typo."):  # the probe's "x": a QC-locked edit asks as long a reason as voiding (10)
        too_short = auth_client(tech).post(f"{url}edit/", {**edit, "reason": short}, format="json")
        assert too_short.status_code == 400
        assert too_short.json()["errors"]["reason"] == [
            "This experiment is QC-locked: say why it is changed (at least 10 characters)."]
    experiment.refresh_from_db()
    assert experiment.needs_resubmission is False
    done = auth_client(tech).post(f"{url}edit/", {**edit, "reason": "Typo in the weight."}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["needs_resubmission"] is True
    assert {v["parameter"]: v["value"] for v in done.json()["values"]}["IMPC_BWT_001_001"] == "25.1"
