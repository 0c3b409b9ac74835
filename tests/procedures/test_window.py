"""A test recorded before its window opens or after it closes is a warning to confirm, kept in the history (issue 13,
point 8). Inside the window nothing is asked; the date that counts is the date of the experiment, not the day the
values were typed (a late entry of an on-time test is not late)."""
import datetime as dt

import pytest
from django.urls import reverse

from lims.audit import history_for
from procedures.models import Experiment, ParameterValue, ScheduledTest
from procedures.services import EnteredValue, ValuesNeedConfirmation, experiment_record, window_warnings
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

VALUES = {k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()}
TODAY = dt.date.today()


@pytest.fixture
def test_(tech):
    """A body weight test whose window runs from ten days ago to four days ago (a 7-day window)."""
    mouse = MouseFactory(centre=tech.centre, specimen_id="H-0042", date_of_birth=TODAY - dt.timedelta(weeks=12))
    return scheduled_test(mouse, body_weight_procedure(), due=TODAY - dt.timedelta(days=10))


def _record(tech, test, on, **kwargs):
    return experiment_record(mouse=test.mouse, procedure=test.procedure, scheduled_test=test, actor=tech,
                             date_of_experiment=on, values=VALUES, **kwargs)


@pytest.mark.parametrize(("days_before_today", "when"), [
    (11, "before its window opens"), (3, "after its window closed"), (0, "after its window closed")])
def test_a_date_outside_the_window_asks_for_confirmation(tech, test_, days_before_today, when):
    on = TODAY - dt.timedelta(days=days_before_today)
    with pytest.raises(ValuesNeedConfirmation) as asked:
        _record(tech, test_, on)
    window = f"{test_.window_start.isoformat()} to {test_.window_end.isoformat()}"
    assert asked.value.warnings == [f"Body Weight for H-0042 is dated {on.isoformat()}, {when} ({window})."]
    assert asked.value.keyed[0][0] == "date_of_experiment"
    assert not Experiment.objects.exists()
    test_.refresh_from_db()
    assert test_.status == ScheduledTest.Status.SCHEDULED


@pytest.mark.parametrize("days_before_today", [10, 7, 4])  # first day, middle, last day of the window
def test_a_date_inside_the_window_asks_nothing(tech, test_, days_before_today):
    experiment = _record(tech, test_, TODAY - dt.timedelta(days=days_before_today))
    assert experiment.confirmed_warnings == []


def test_confirmed_the_test_is_recorded_and_the_confirmation_kept_in_the_history(tech, test_):
    experiment = _record(tech, test_, TODAY - dt.timedelta(days=2), confirm=True)
    assert len(experiment.confirmed_warnings) == 1 and "after its window closed" in experiment.confirmed_warnings[0]
    event = history_for(experiment)[0]
    assert event["reason"] == f"Confirmed warnings: {experiment.confirmed_warnings[0]}"
    test_.refresh_from_db()
    assert test_.status == ScheduledTest.Status.DONE


def test_an_experiment_without_a_scheduled_test_has_no_window():
    assert window_warnings(None, TODAY) == []


def test_a_window_and_a_range_warning_are_asked_together(tech, test_):
    test_.procedure.parameters.filter(key="IMPC_BWT_001_001").update(min_value=5, max_value=60)
    values = {**VALUES, "IMPC_BWT_001_001": [EnteredValue("209")]}
    with pytest.raises(ValuesNeedConfirmation) as asked:
        experiment_record(mouse=test_.mouse, procedure=test_.procedure, scheduled_test=test_, actor=tech,
                          date_of_experiment=TODAY, values=values)
    assert [key for key, _ in asked.value.keyed] == ["IMPC_BWT_001_001", "date_of_experiment"]


def test_the_record_form_shows_the_warning_and_saves_anyway(client, tech, test_):
    client.force_login(tech)
    url = reverse("procedures:experiment_record", args=[test_.pk])
    data = {"date_of_experiment": TODAY.isoformat(), "experimenter": "tech", **BODY_WEIGHT_VALUES}
    warned = client.post(url, data)
    assert warned.status_code == 200
    content = warned.content.decode()
    assert "Check before saving" in content and "after its window closed" in content
    assert 'name="confirm_warnings"' in content and "Save anyway" in content
    assert 'value="24.5"' in content  # everything typed is kept
    assert not Experiment.objects.exists()
    saved = client.post(url, {**data, "confirm_warnings": "on"})
    assert saved.status_code == 302
    assert "after its window closed" in Experiment.objects.get(scheduled_test=test_).confirmed_warnings[0]


def test_the_api_answers_400_with_the_window_warning_until_confirmed(auth_client, tech, test_):
    item = {"mouse": test_.mouse.pk, "procedure": "IMPC_BWT_001", "scheduled_test": test_.pk,
            "date_of_experiment": TODAY.isoformat(),
            "entered_values": [{"parameter": k, "value": v} for k, v in BODY_WEIGHT_VALUES.items()]}
    client = auth_client(tech)
    warned = client.post("/api/v1/experiments/", item, format="json")
    assert warned.status_code == 400 and "after its window closed" in warned.json()["errors"]["warnings"][0]
    assert client.post("/api/v1/experiments/", {**item, "confirm": True}, format="json").status_code == 201


def test_the_batch_asks_once_for_every_mouse_outside_its_window_and_saves_none(tech):
    from procedures.services import experiments_record_batch

    procedure = body_weight_procedure()
    late = scheduled_test(MouseFactory(centre=tech.centre, specimen_id="H-LATE"), procedure,
                          due=TODAY - dt.timedelta(days=10))
    on_time = scheduled_test(MouseFactory(centre=tech.centre, specimen_id="H-ONTIME"), procedure, due=TODAY)
    metadata = {k: v for k, v in VALUES.items() if k != "IMPC_BWT_001_001"}
    weights = {t.pk: {"IMPC_BWT_001_001": [EnteredValue("24,5")]} for t in (late, on_time)}
    with pytest.raises(ValuesNeedConfirmation) as asked:
        experiments_record_batch(tests=[late, on_time], metadata=metadata, values=weights, date_of_experiment=TODAY,
                                 actor=tech)
    assert len(asked.value.warnings) == 1 and asked.value.warnings[0].startswith("Body Weight for H-LATE is dated")
    assert not Experiment.objects.exists()
    saved = experiments_record_batch(tests=[late, on_time], metadata=metadata, values=weights,
                                     date_of_experiment=TODAY, actor=tech, confirm=True)
    assert [bool(e.confirmed_warnings) for e in saved] == [True, False]
    weights = ParameterValue.objects.filter(experiment__in=saved, parameter__key="IMPC_BWT_001_001")
    assert sorted(weights.values_list("value", flat=True)) == ["24.5", "24.5"]
