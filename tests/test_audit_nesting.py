"""Audit context nests and restores (issue 17 point 5): every event keeps the action and reason of the block it was
written in, and an experiment's history includes its values.

Before, a nested `audit_context` merged into the outer context for good and every event of the request or task
pointed at one context row, so all of them read the label of the last nested action: a wean labelled the litter
update and its pups `colonies.cage.created`, `load_demo` rows said "Reminders due on …".
"""
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from pghistory.models import Events

from colonies import services as colony_services
from colonies.models import Cage, Litter, Mouse, Reminder
from colonies.services import Pup
from lims.audit import audit_context, history_for
from procedures import services
from procedures.services import EnteredValue
from tests.factories import (
    BODY_WEIGHT_VALUES,
    ColonyFactory,
    LitterFactory,
    MouseFactory,
    body_weight_procedure,
    pair_mating,
)

pytestmark = pytest.mark.django_db


def last_context(record) -> dict:
    return Events.objects.tracks(record).order_by("-pgh_created_at", "-pgh_id").first().pgh_context


def test_a_nested_block_labels_its_own_events_and_the_outer_label_comes_back(tech):
    a, b, c, d = MouseFactory.create_batch(4, centre=tech.centre)

    with audit_context(user=tech.pk, request_id="req-1"):
        with audit_context(action="outer.verb", reason="the outer reason"):
            Mouse.objects.filter(pk=a.pk).update(ear_mark="1")
            with audit_context(action="inner.verb"):
                Mouse.objects.filter(pk=b.pk).update(ear_mark="2")
            Mouse.objects.filter(pk=c.pk).update(ear_mark="3")
        Mouse.objects.filter(pk=d.pk).update(ear_mark="4")

    contexts = {name: last_context(mouse) for name, mouse in zip("abcd", (a, b, c, d), strict=True)}
    assert {k: (v.get("action"), v.get("reason")) for k, v in contexts.items()} == {
        "a": ("outer.verb", "the outer reason"),
        "b": ("inner.verb", "the outer reason"),  # inherits what it does not set
        "c": ("outer.verb", "the outer reason"),  # restored after the inner block
        "d": (None, None),  # the request's own context again
    }
    assert {v["request_id"] for v in contexts.values()} == {"req-1"}  # still one request
    assert {v["user"] for v in contexts.values()} == {tech.pk}


def test_a_nested_block_that_adds_nothing_shares_the_outer_context(tech):
    a, b = MouseFactory.create_batch(2, centre=tech.centre)
    with audit_context(user=tech.pk, action="x.y"):
        Mouse.objects.filter(pk=a.pk).update(ear_mark="1")
        with audit_context(user=tech.pk, reason=""):
            Mouse.objects.filter(pk=b.pk).update(ear_mark="2")
    first, second = (Events.objects.tracks(m).order_by("-pgh_id").first() for m in (a, b))
    assert first.pgh_context_id == second.pgh_context_id


def test_a_wean_labels_its_pups_and_litter_weaned_and_only_the_new_cage_created(manager):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=ColonyFactory(centre=manager.centre)))

    with audit_context(user=manager.pk, request_id="wean-request"):
        pups = colony_services.litter_wean(actor=manager, litter=litter, weaned_on=litter.born_on + dt.timedelta(21),
                                           pups=[Pup(sex="female", new_cage_id="W-1") for _ in range(3)])

    assert {last_context(pup)["action"] for pup in pups} == {"colonies.litter.weaned"}
    assert last_context(Litter.objects.get(pk=litter.pk))["action"] == "colonies.litter.weaned"
    assert last_context(Cage.objects.get(cage_id="W-1"))["action"] == "colonies.cage.created"
    placements = Events.objects.tracks(list(pups[0].placements.all()))
    assert {e.pgh_context["action"] for e in placements} == {"colonies.litter.weaned"}


def test_load_demo_rows_keep_their_own_reason(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())

    mouse_events = Events.objects.across(Mouse.pgh_event_models["insert"])
    reasons = {(e.pgh_context or {}).get("reason", "") for e in mouse_events}
    assert not any(r.startswith("Reminders due on") for r in reasons), reasons
    assert {(e.pgh_context or {}).get("command") for e in mouse_events} == {"load_demo"}
    reminder_events = Events.objects.across(Reminder.pgh_event_models["insert"])
    assert {e.pgh_context.get("action") for e in reminder_events} == {"colonies.reminder.computed"}


# --- The history of an experiment includes its values ------------------------------------------------------------


@pytest.fixture
def locked_experiment(tech, wrangler):
    """GIVEN a body weight of 26.0 g recorded by the technician and QC-locked by the wrangler."""
    values = {k: [EnteredValue(value=v)] for k, v in {**BODY_WEIGHT_VALUES, "IMPC_BWT_001_001": "26.0"}.items()}
    experiment = services.experiment_record(mouse=MouseFactory(centre=tech.centre), procedure=body_weight_procedure(),
                                            actor=tech, date_of_experiment=dt.date(2026, 2, 2), values=values)
    services.experiment_qc_lock(experiment=experiment, actor=wrangler)
    return experiment


def _edit(experiment, actor):
    with audit_context(user=actor.pk, request_id="edit-request"):
        services.experiment_values_update(experiment=experiment, actor=actor, reason="Scale was not tared.",
                                          values={"IMPC_BWT_001_001": [EnteredValue(value="30.0")]})


def test_a_value_changed_under_qc_lock_is_in_the_experiments_history(locked_experiment, tech):
    _edit(locked_experiment, tech)

    history = history_for(locked_experiment)

    edits = [e for e in history if "IMPC_BWT_001_001" in e["changes"] and e["event"] == "update"]
    assert [(e["part"], e["changes"]["IMPC_BWT_001_001"], e["reason"], e["action"], e["user"]) for e in edits] == [
        ("IMPC_BWT_001_001", ["26.0", "30.0"], "Scale was not tared.", "procedures.experiment.edited_after_qc",
         "tech")]
    bump = [e for e in history if e["part"] == "" and "needs_resubmission" in e["changes"]]
    assert bump and bump[-1]["changes"]["needs_resubmission"] == [False, True]
    recorded = [e for e in history if e["event"] == "insert" and e["part"] == "IMPC_BWT_001_001"]
    assert [e["changes"]["IMPC_BWT_001_001"] for e in recorded] == [[None, "26.0"]]
    assert history[0]["part"] == "" and history[0]["event"] == "insert"  # the experiment first, then its values


def test_the_history_api_and_page_show_the_value_change(locked_experiment, tech, auth_client, client):
    _edit(locked_experiment, tech)

    api = auth_client(tech).get(f"/api/v1/experiments/{locked_experiment.pk}/history/")
    assert api.status_code == 200
    changed = [e for e in api.json() if e["part"] == "IMPC_BWT_001_001" and e["event"] == "update"]
    assert [(e["changes"]["IMPC_BWT_001_001"], e["reason"]) for e in changed] == [
        (["26.0", "30.0"], "Scale was not tared.")]

    client.force_login(tech)
    page = client.get(reverse("procedures:experiment_detail", args=[locked_experiment.pk]), {"tab": "history"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<del>26.0</del> → <ins>30.0</ins>" in html and "Scale was not tared." in html


def test_the_experiment_history_reads_in_a_fixed_number_of_queries(locked_experiment, tech,
                                                                   django_assert_max_num_queries):
    _edit(locked_experiment, tech)
    # the experiment's events, its values (with their parameters), the values' events, the users' names
    with django_assert_max_num_queries(4):
        history_for(locked_experiment)
