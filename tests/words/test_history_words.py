"""History in the lab's words (issue 14 point 3): field labels, statuses by name, related records by name, and an
experiment's value old → new with its unit and the reason, on the History tab and in the API's `change_list`."""
import datetime as dt

import pytest
from django.urls import reverse

from colonies.models import MicroInjection
from lims.audit import audit_context
from lims.history import history_rows
from procedures import services
from procedures.services import EnteredValue
from tests.factories import BODY_WEIGHT_VALUES, MicroInjectionFactory, MouseFactory, PlanFactory, body_weight_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(manager):
    """GIVEN an attempt in progress moved to chimeras obtained and to another plan, with a reason."""
    attempt = MicroInjectionFactory(centre=manager.centre, status=MicroInjection.Status.IN_PROGRESS,
                                    total_male_chimeras=None, number_of_het_offspring=None)
    other_plan = PlanFactory(centre=manager.centre)
    with audit_context(user=manager.pk, reason="chimeras counted at weaning"):
        MicroInjection.objects.filter(pk=attempt.pk).update(
            status=MicroInjection.Status.CHIMERAS_OBTAINED, plan=other_plan, total_male_chimeras=3)
    attempt.refresh_from_db()
    return attempt


def _changes(rows, label):
    return [(c["old"], c["new"]) for row in rows for c in row["change_list"] if c["label"] == label]


def test_a_status_change_reads_in_words_and_a_related_record_by_its_name(attempt):
    rows = history_rows(attempt)
    update = rows[-1]
    assert update["event_words"] == "Changed" and update["reason"] == "chimeras counted at weaning"
    assert _changes([update], "Status") == [("Micro-injection in progress", "Chimeras obtained")]
    old_plan = rows[0]["change_list"]
    assert ("Plan",) == tuple(c["label"] for c in old_plan if c["field"] in ("plan", "plan_id"))
    (old, new), = _changes([update], "Plan")
    assert new == str(attempt.plan) and old != new and not str(old).isdigit()
    labels = {c["label"] for row in rows for c in row["change_list"]}
    assert not any(label.endswith("_id") or "_" in label for label in labels), labels
    assert "Centre" in labels and "centre_id" not in labels


def test_the_history_tab_shows_no_codes(attempt, manager, client):
    client.force_login(manager)
    page = client.get(reverse("colonies:microinjection_detail", args=[attempt.pk]), {"tab": "history"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<del>Micro-injection in progress</del> → <ins>Chimeras obtained</ins>" in html
    assert "<dt>Plan</dt>" in html and "plan_id" not in html and "centre_id" not in html
    assert "mip" not in html.replace("mip-", "") and "<dt>status</dt>" not in html


@pytest.fixture
def edited_experiment(tech, wrangler):
    """GIVEN a body weight of 250 g recorded, QC-locked, then corrected to 25 g with a reason."""
    values = {k: [EnteredValue(value=v)] for k, v in {**BODY_WEIGHT_VALUES, "IMPC_BWT_001_001": "250"}.items()}
    experiment = services.experiment_record(mouse=MouseFactory(centre=tech.centre), procedure=body_weight_procedure(),
                                            actor=tech, date_of_experiment=dt.date(2026, 2, 2), values=values,
                                            confirm=True)
    services.experiment_qc_lock(experiment=experiment, actor=wrangler)
    with audit_context(user=tech.pk):
        services.experiment_values_update(experiment=experiment, actor=tech, reason="Typed one zero too many.",
                                          values={"IMPC_BWT_001_001": [EnteredValue(value="25")]}, confirm=True)
    return experiment


def test_an_experiments_history_shows_the_value_by_name_with_unit_and_reason(edited_experiment, tech, client):
    rows = history_rows(edited_experiment)
    edits = [(c["label"], c["old"], c["new"], c["unit"], row["reason"]) for row in rows if row["event"] == "update"
             for c in row["change_list"] if c["label"] == "Body weight"]
    assert edits == [("Body weight", "250.0", "25.0", "g", "Typed one zero too many.")]

    client.force_login(tech)
    page = client.get(reverse("procedures:experiment_detail", args=[edited_experiment.pk]), {"tab": "history"})
    html = page.content.decode()
    assert "<dt>Body weight</dt><dd><del>250.0</del> → <ins>25.0</ins> <span class=\"history__unit\">g</span>" in html
    assert "Typed one zero too many." in html
    assert "<dt>Needs resubmission</dt><dd><del>No</del> → <ins>Yes</ins>" in html


def test_the_history_api_gives_the_changes_in_words_beside_the_stored_ones(edited_experiment, attempt, tech, manager,
                                                                         auth_client):
    events = auth_client(tech).get(f"/api/v1/experiments/{edited_experiment.pk}/history/").json()
    edit = [e for e in events if e["part"] == "IMPC_BWT_001_001" and e["event"] == "update"][0]
    assert edit["changes"]["IMPC_BWT_001_001"] == ["250.0", "25.0"]  # the stored values stay for machines
    assert edit["part_label"] == "Body weight"
    assert [(c["label"], c["old"], c["new"], c["unit"]) for c in edit["change_list"]] == [
        ("Body weight", "250.0", "25.0", "g")]

    events = auth_client(manager).get(f"/api/v1/microinjections/{attempt.pk}/history/").json()
    status = [c for c in events[-1]["change_list"] if c["field"] == "status"]
    assert status == [{"field": "status", "label": "Status", "old": "Micro-injection in progress",
                       "new": "Chimeras obtained", "unit": ""}]


def test_the_history_tab_reads_related_names_in_a_fixed_number_of_queries(attempt, django_assert_max_num_queries):
    # events, users, then one query per related model mentioned (plan, centre, es cell, consortium …), not per row
    with django_assert_max_num_queries(10):
        history_rows(attempt)
