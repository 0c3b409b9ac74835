"""Batch entry: one procedure recorded for several mice of the worklist, metadata once, all or nothing."""
import datetime as dt

import pytest
from django.urls import reverse

from procedures.models import Experiment, ParameterValue, ScheduledTest
from procedures.services import BatchRefused, EnteredValue, experiments_record_batch
from tests.factories import MouseFactory
from tests.procedures.grip import (
    GRIP_METADATA,
    GRIP_REQUIRED_METADATA,
    born_for_today,
    enrol_due_today,
    grip_strength_procedure,
    mouse_post,
)

pytestmark = pytest.mark.django_db

URL = reverse("procedures:batch_record")


def _due_tests(centre, actor, count=3, prefix="G"):
    procedure = grip_strength_procedure()
    mice = [MouseFactory(centre=centre, specimen_id=f"{prefix}-{n:03d}", date_of_birth=born_for_today(procedure))
            for n in range(1, count + 1)]
    return enrol_due_today(mice, procedure, actor)


@pytest.fixture
def tests3(tech):
    return _due_tests(tech.centre, tech)


def _post(tests, *, metadata=None, action="submit", **per_test):
    data = {"tests": [t.pk for t in tests], "action": action, "date_of_experiment": dt.date.today().isoformat(),
            "experimenter": "Tess Tech", **(GRIP_METADATA if metadata is None else metadata)}
    for test in tests:
        data.update(mouse_post(test, **per_test.get(test.mouse.specimen_id, {})))
    return data


def _query(tests):
    return "?" + "&".join(f"tests={t.pk}" for t in tests)


def test_page_shows_metadata_once_and_a_block_per_mouse(client, tech, tests3):
    client.force_login(tech)
    content = client.get(URL + _query(tests3)).content.decode()
    assert content.count('name="IMPC_GRS_005_001"') == 1  # equipment ID once, for every mouse
    for test in tests3:
        assert f"Mouse {test.mouse.specimen_id}" in content
        for n in range(3):  # the series as increments 1, 2, 3, numeric keyboard
            assert f'name="t{test.pk}-IMPC_GRS_001_001__{n}"' in content
        assert f'name="t{test.pk}-IMPC_GRS_001_001__status"' in content  # a status code instead of a value
        assert f'name="t{test.pk}-IMPC_GRS_005_001"' not in content
        assert f'name="t{test.pk}-IMPC_GRS_008_001"' not in content  # derived: computed, not typed
    assert 'inputmode="decimal"' in content and "(g)" in content
    assert content.count("autofocus") == 1


def test_submit_records_one_experiment_per_mouse_with_the_shared_metadata(client, tech, tests3):
    client.force_login(tech)
    response = client.post(URL, _post(tests3))
    assert response.status_code == 302, response.content.decode()[:3000]
    experiments = Experiment.objects.filter(scheduled_test__in=tests3)
    assert experiments.count() == 3
    for experiment in experiments:
        metadata = dict(experiment.values.filter(parameter__key__in=GRIP_METADATA).values_list("parameter__key",
                                                                                                  "value"))
        assert metadata == GRIP_METADATA
        series = dict(experiment.values.filter(parameter__key="IMPC_GRS_001_001").values_list("increment", "value"))
        assert series == {"1": "101.5", "2": "99.0", "3": "104.0"}
        assert experiment.experimenter == "Tess Tech" and experiment.recorded_by == tech
    assert {t.status for t in ScheduledTest.objects.filter(pk__in=[t.pk for t in tests3])} == {"done"}


def test_one_bad_mouse_saves_nothing_and_names_the_mouse_and_parameter(client, tech, tests3):
    client.force_login(tech)
    bad = tests3[1]
    response = client.post(URL, _post(tests3, **{bad.mouse.specimen_id: {"forelimb": ("101", "lots", "99")}}))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was saved" in content
    assert f"Mouse {bad.mouse.specimen_id}: 1 problem" in content
    assert "Forelimb grip strength measurement must be a number, e.g. 21.4; you typed &#x27;lots&#x27;." in content
    assert not Experiment.objects.exists()
    assert not ParameterValue.objects.exists()
    assert set(ScheduledTest.objects.values_list("status", flat=True)) == {"scheduled"}
    # What was typed is kept for every mouse.
    assert f'name="t{tests3[0].pk}-IMPC_GRS_003_001" value="24.1"' in content


def test_missing_metadata_is_reported_once_at_the_top(client, tech, tests3):
    client.force_login(tech)
    metadata = {**GRIP_METADATA, "IMPC_GRS_005_001": ""}
    content = client.post(URL, _post(tests3, metadata=metadata)).content.decode()
    message = "Equipment ID (IMPC_GRS_005_001) is required: enter a value or a parameter status code."
    assert content.count(message) == 1
    assert "For every mouse: 1 problem" in content
    assert "Mouse G-001" in content and "Mouse G-001: " not in content  # no mouse is blamed for it
    assert not Experiment.objects.exists()


def test_service_reports_shared_and_per_mouse_errors_separately(tech, tests3):
    entries = {t.pk: {"IMPC_GRS_003_001": [EnteredValue(value="24")]} for t in tests3}
    with pytest.raises(BatchRefused) as refused:
        experiments_record_batch(tests=tests3, metadata={}, values=entries, date_of_experiment=dt.date.today(),
                                 actor=tech)
    assert set(refused.value.shared) == GRIP_REQUIRED_METADATA
    assert all(len(texts) == 1 for texts in refused.value.shared.values())
    assert set(refused.value.per_test) == {t.pk for t in tests3}
    assert "IMPC_GRS_001_001" in refused.value.per_test[tests3[0].pk]
    assert not Experiment.objects.exists()


def test_a_status_code_replaces_a_value(client, tech, tests3):
    client.force_login(tech)
    target = tests3[0]
    data = _post(tests3)
    for n in range(3):
        data[f"t{target.pk}-IMPC_GRS_002_001__{n}"] = ""
    data[f"t{target.pk}-IMPC_GRS_002_001__status"] = "IMPC_PARAMSC_013"
    assert client.post(URL, data).status_code == 302
    rows = ParameterValue.objects.filter(experiment__scheduled_test=target, parameter__key="IMPC_GRS_002_001")
    assert sorted(rows.values_list("increment", "value", "status_code")) == [
        ("1", "", "IMPC_PARAMSC_013"), ("2", "", "IMPC_PARAMSC_013"), ("3", "", "IMPC_PARAMSC_013")]


def test_out_of_range_asks_save_anyway_then_is_flagged_not_changed(client, tech, tests3):
    procedure = tests3[0].procedure
    procedure.parameters.filter(key="IMPC_GRS_003_001").update(min_value=10, max_value=60)
    client.force_login(tech)
    heavy = tests3[2]
    data = _post(tests3, **{heavy.mouse.specimen_id: {"weight": "612"}})
    warned = client.post(URL, data)
    assert warned.status_code == 200 and not Experiment.objects.exists()
    content = warned.content.decode()
    assert (f"Mouse {heavy.mouse.specimen_id}: Body weight (IMPC_GRS_003_001) = 612.0 g is outside the plausible "
            "range (10 to 60 g): check it.") in content
    assert 'name="confirm_warnings"' in content and 'value="612"' in content  # what was typed stays typed
    assert client.post(URL, {**data, "confirm_warnings": "on"}).status_code == 302
    value = ParameterValue.objects.get(experiment__scheduled_test=heavy, parameter__key="IMPC_GRS_003_001")
    assert (value.value, value.out_of_range) == ("612.0", True)
    other = ParameterValue.objects.get(experiment__scheduled_test=tests3[0], parameter__key="IMPC_GRS_003_001")
    assert other.out_of_range is False


def test_other_centres_tests_are_not_found(client, outsider, tests3):
    client.force_login(outsider)
    assert client.get(URL + _query(tests3)).status_code == 404
    assert client.post(URL, _post(tests3)).status_code == 404
    assert not Experiment.objects.exists()


def test_read_only_user_is_refused(client, readonly, tests3):
    client.force_login(readonly)
    assert client.get(URL + _query(tests3)).status_code == 403
    assert client.post(URL, _post(tests3)).status_code == 403
    assert not Experiment.objects.exists()


def test_tests_of_two_procedures_or_already_done_go_back_to_the_worklist(client, tech, tests3):
    client.force_login(tech)
    ScheduledTest.objects.filter(pk=tests3[0].pk).update(status=ScheduledTest.Status.DONE)
    response = client.get(URL + _query(tests3), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("procedures:worklist"))
    assert "Already closed" in response.content.decode()


def test_worklist_offers_ticking_and_record_for_all_due(client, tech, tests3):
    client.force_login(tech)
    content = client.get(reverse("procedures:worklist")).content.decode()
    for test in tests3:
        assert f'name="tests" value="{test.pk}"' in content
    assert "Record for all due" in content
    assert URL + "?" + "".join(f"tests={t.pk}&amp;" for t in tests3) in content


@pytest.mark.parametrize("count", [3, 10])
def test_batch_page_queries_do_not_grow_with_the_mice(client, tech, count, django_assert_max_num_queries):
    tests = _due_tests(tech.centre, tech, count=count)
    client.force_login(tech)
    client.get(reverse("procedures:worklist"))  # warm the session
    with django_assert_max_num_queries(9):
        response = client.get(URL + _query(tests))
    assert response.status_code == 200
    assert response.content.decode().count("Mouse G-") == count


def test_a_shared_error_caused_by_some_mice_names_them(tech, tests3):
    """A date before one mouse's birth is a problem of the shared date, but only for that mouse: it is named."""
    young = tests3[2].mouse
    young.date_of_birth = dt.date.today()
    young.save(update_fields=["date_of_birth"])
    entries = {t.pk: {} for t in tests3}
    with pytest.raises(BatchRefused) as refused:
        experiments_record_batch(tests=tests3, metadata={}, values=entries, actor=tech,
                                 date_of_experiment=dt.date.today() - dt.timedelta(days=1))
    assert refused.value.shared["date_of_experiment"] == [
        f"The experiment cannot be before the mouse was born. (mice: {young.specimen_id})"]
    assert not Experiment.objects.exists()


def test_tests_of_two_procedures_are_refused(client, tech, tests3):
    from tests.factories import body_weight_procedure
    from tests.procedures.helpers import scheduled_test

    other = scheduled_test(tests3[0].mouse, body_weight_procedure(), due=dt.date.today())
    client.force_login(tech)
    response = client.get(URL + _query([*tests3, other]), follow=True)
    assert "a batch records one procedure" in response.content.decode()
    with pytest.raises(Exception, match="one procedure"):
        experiments_record_batch(tests=[*tests3, other], metadata={}, values={}, actor=tech,
                                 date_of_experiment=dt.date.today())
