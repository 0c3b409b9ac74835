"""QC lock and unlock on ticked experiments (issue 14 point 5): one service call with one reason, an answer per
experiment, 409 for those already locked or unlocked as the single action answers; API and the list page."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lims.audit import history_for
from lims.services import MIN_REASON_LENGTH
from procedures import services
from procedures.exceptions import NotAllowed
from procedures.models import Experiment
from procedures.services import EnteredValue
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure

pytestmark = pytest.mark.django_db
REASON = "Validated against the balance log."


def _experiment(user):
    return services.experiment_record(
        mouse=MouseFactory(centre=user.centre), procedure=body_weight_procedure(), actor=user,
        date_of_experiment=dt.date(2026, 2, 2),
        values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()})


@pytest.fixture
def three(tech, wrangler):
    """GIVEN three submitted experiments, the second already QC-locked."""
    experiments = [_experiment(tech) for _ in range(3)]
    services.experiment_qc_lock(experiment=experiments[1], actor=wrangler)
    return experiments


def _scoped(user):
    from lims.scoping import scope_for_user
    return scope_for_user(Experiment.objects.all(), user)


def test_locking_ticked_experiments_answers_for_each(three, wrangler):
    results = services.experiments_qc_set(experiments=_scoped(wrangler), ids=[e.pk for e in three], action="lock",
                                          reason=REASON, actor=wrangler)
    assert [r.status for r in results] == [200, 409, 200]
    assert "already QC-locked" in results[1].message
    assert all(Experiment.objects.get(pk=e.pk).is_qc_locked for e in three)
    locked = history_for(three[0])[-1]
    assert (locked["action"], locked["reason"]) == ("procedures.experiment.qc_locked", REASON)


def test_unlocking_ticked_experiments_needs_a_reason_and_answers_409_for_unlocked(three, wrangler):
    with pytest.raises(ValidationError) as refused:
        services.experiments_qc_set(experiments=_scoped(wrangler), ids=[three[1].pk], action="unlock",
                                    reason="short", actor=wrangler)
    assert f"at least {MIN_REASON_LENGTH} characters" in str(refused.value)
    assert Experiment.objects.get(pk=three[1].pk).is_qc_locked  # nothing done
    results = services.experiments_qc_set(experiments=_scoped(wrangler), ids=[three[0].pk, three[1].pk],
                                          action="unlock", reason=REASON, actor=wrangler)
    assert [r.status for r in results] == [409, 200]
    assert "not QC-locked" in results[0].message
    assert not Experiment.objects.get(pk=three[1].pk).is_qc_locked
    assert history_for(three[1])[-1]["reason"] == REASON


def test_only_a_data_wrangler_may_lock_or_unlock_and_another_centres_is_not_found(three, tech, wrangler, outsider):
    with pytest.raises(NotAllowed):
        services.experiments_qc_set(experiments=_scoped(tech), ids=[three[0].pk], action="lock", reason=REASON,
                                    actor=tech)
    theirs = _experiment(outsider)
    results = services.experiments_qc_set(experiments=_scoped(wrangler), ids=[theirs.pk, three[2].pk],
                                          action="lock", reason=REASON, actor=wrangler)
    assert [r.status for r in results] == [404, 200]
    assert not Experiment.objects.get(pk=theirs.pk).is_qc_locked


def test_the_single_unlock_needs_a_reason_and_is_409_when_not_locked(three, wrangler):
    with pytest.raises(ValidationError):
        services.experiment_qc_unlock(experiment=three[1], actor=wrangler, reason="")
    services.experiment_qc_unlock(experiment=three[1], actor=wrangler, reason=REASON)
    from lims.exceptions import Conflict
    with pytest.raises(Conflict):
        services.experiment_qc_unlock(experiment=three[1], actor=wrangler, reason=REASON)


def test_api_bulk_and_single_unlock(three, wrangler, tech, auth_client):
    client = auth_client(wrangler)
    answer = client.post("/api/v1/experiments/qc/", {"action": "lock", "experiments": [e.pk for e in three],
                                                     "reason": REASON}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["done"] == 2 and [r["status"] for r in body["results"]] == [200, 409, 200]
    again = client.post("/api/v1/experiments/qc/", {"action": "lock", "experiments": [three[0].pk],
                                                    "reason": REASON}, format="json")
    assert again.status_code == 409 and again.json()["results"][0]["status"] == 409
    short = client.post("/api/v1/experiments/qc/", {"action": "unlock", "experiments": [three[0].pk],
                                                    "reason": "no"}, format="json")
    assert short.status_code == 400
    refused = auth_client(tech).post("/api/v1/experiments/qc/", {"action": "lock", "experiments": [three[0].pk],
                                                                 "reason": REASON}, format="json")
    assert refused.status_code == 403

    url = f"/api/v1/experiments/{three[0].pk}/qc-unlock/"
    assert client.post(url, {}, format="json").status_code == 400
    unlocked = client.post(url, {"reason": REASON}, format="json")
    assert unlocked.status_code == 200 and unlocked.json()["qc_locked_at"] is None
    assert client.post(url, {"reason": REASON}, format="json").status_code == 409


def test_the_list_page_locks_ticked_experiments_with_a_message_each(three, wrangler, tech, client):
    client.force_login(tech)
    page = client.get(reverse("procedures:experiment_list")).content.decode()
    assert 'name="experiments"' not in page and "QC lock ticked" not in page  # a technician does not QC

    client.force_login(wrangler)
    list_url = reverse("procedures:experiment_list")
    page = client.get(list_url).content.decode()
    assert 'name="experiments"' in page and "QC lock ticked" in page and "QC unlock ticked" in page
    response = client.post(reverse("procedures:experiment_qc"), {
        "experiments": [three[0].pk, three[1].pk], "action": "lock", "reason": REASON, "next": f"{list_url}?page=1"},
        follow=True)
    assert response.redirect_chain[-1][0] == f"{list_url}?page=1"
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [f"{three[0]} is QC-locked.", f"{three[1]}: This experiment is already QC-locked."]
    assert Experiment.objects.get(pk=three[0].pk).is_qc_locked

    response = client.post(reverse("procedures:experiment_qc"), {
        "experiments": [three[0].pk], "action": "unlock", "reason": "x"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"Say why these experiments are QC-unlocked (at least {MIN_REASON_LENGTH} characters)."]
    assert Experiment.objects.get(pk=three[0].pk).is_qc_locked


def test_the_experiment_page_offers_unlock_with_a_reason(three, wrangler, client):
    client.force_login(wrangler)
    detail = client.get(reverse("procedures:experiment_detail", args=[three[1].pk])).content.decode()
    unlock_url = reverse("procedures:experiment_qc_unlock", args=[three[1].pk])
    assert unlock_url in detail
    assert "required" in client.get(unlock_url).content.decode()
    client.post(unlock_url, {"reason": REASON})
    assert not Experiment.objects.get(pk=three[1].pk).is_qc_locked
