"""Phenotyping pages added for the schedule and QC: lock button, edit form with reason, week worklist."""
import datetime as dt

import pytest
from django.urls import reverse

from procedures import services
from procedures.services import EnteredValue
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment(tech):
    return services.experiment_record(
        mouse=MouseFactory(centre=tech.centre, specimen_id="QC-1"), procedure=body_weight_procedure(), actor=tech,
        date_of_experiment=dt.date(2026, 2, 2),
        values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()},
    )


def _edit_post(**overrides):
    return {**BODY_WEIGHT_VALUES, "reason": "", **overrides}


def test_qc_lock_button_only_for_wranglers(client, experiment, tech, wrangler):
    lock_url = reverse("procedures:experiment_qc_lock", args=[experiment.pk])
    client.force_login(tech)
    assert lock_url not in client.get(experiment.get_absolute_url()).content.decode()
    client.force_login(wrangler)
    assert lock_url in client.get(experiment.get_absolute_url()).content.decode()
    response = client.post(lock_url, follow=True)
    experiment.refresh_from_db()
    assert experiment.is_qc_locked
    assert lock_url not in response.content.decode()


def test_technician_posting_a_lock_is_told_no(client, experiment, tech):
    client.force_login(tech)
    response = client.post(reverse("procedures:experiment_qc_lock", args=[experiment.pk]), follow=True)
    assert "Only a data wrangler" in response.content.decode()
    experiment.refresh_from_db()
    assert not experiment.is_qc_locked


def test_edit_form_shows_recorded_values(client, experiment, tech):
    client.force_login(tech)
    content = client.get(reverse("procedures:experiment_edit", args=[experiment.pk])).content.decode()
    assert 'value="24.5"' in content and 'value="SCALE-01"' in content


def test_locked_edit_asks_for_a_reason_then_marks_resubmission(client, experiment, tech, wrangler):
    services.experiment_qc_lock(experiment=experiment, actor=wrangler)
    client.force_login(tech)
    url = reverse("procedures:experiment_edit", args=[experiment.pk])
    refused = client.post(url, _edit_post(IMPC_BWT_001_001="25.1"))
    assert refused.status_code == 200
    assert experiment.values.get(parameter__key="IMPC_BWT_001_001").value == "24.5"
    saved = client.post(url, _edit_post(IMPC_BWT_001_001="25.1", reason="Typo on the scale sheet."))
    assert saved.status_code == 302
    experiment.refresh_from_db()
    assert experiment.needs_resubmission
    assert experiment.values.get(parameter__key="IMPC_BWT_001_001").value == "25.1"


def test_edit_shows_a_refused_value_beside_its_input(client, experiment, tech):
    client.force_login(tech)
    response = client.post(reverse("procedures:experiment_edit", args=[experiment.pk]),
                           _edit_post(IMPC_BWT_001_001="heavy"))
    assert "must be a number" in response.content.decode()


def test_readonly_user_cannot_edit(client, experiment, readonly):
    client.force_login(readonly)
    assert client.get(reverse("procedures:experiment_edit", args=[experiment.pk])).status_code == 403


def _worklist(client, **params):
    return client.get(reverse("procedures:worklist"), params).content.decode()


def test_week_worklist_lists_the_whole_week_and_filters_by_procedure(client, tech):
    from procedures.models import Procedure
    from tests.factories import ProcedureFactory
    from tests.procedures.helpers import scheduled_test

    weight = body_weight_procedure()
    grip = ProcedureFactory(key="IMPC_GRS_001", name="Grip Strength", week=9, level=Procedure.Level.MOUSE)
    scheduled_test(MouseFactory(centre=tech.centre, specimen_id="WK-MON"), grip, due=dt.date(2026, 3, 9))
    scheduled_test(MouseFactory(centre=tech.centre, specimen_id="WK-SUN"), weight, due=dt.date(2026, 3, 15))
    scheduled_test(MouseFactory(centre=tech.centre, specimen_id="WK-NEXT"), grip, due=dt.date(2026, 3, 16))
    client.force_login(tech)

    day = _worklist(client, day="2026-03-11")
    assert "WK-MON" in day and "WK-SUN" not in day
    week = _worklist(client, day="2026-03-11", period="week")
    assert "WK-MON" in week and "WK-SUN" in week and "WK-NEXT" not in week
    assert "9 March" in week and "15 March 2026" in week
    grip_only = _worklist(client, day="2026-03-11", period="week", procedure="IMPC_GRS_001")
    assert "WK-MON" in grip_only and "WK-SUN" not in grip_only


def test_worklist_pins_its_queries(client, tech, django_assert_max_num_queries):
    from tests.procedures.helpers import scheduled_test

    procedure = body_weight_procedure()
    for n in range(6):
        scheduled_test(MouseFactory(centre=tech.centre), procedure, due=dt.date(2026, 3, 9))
    client.force_login(tech)
    with django_assert_max_num_queries(10):
        _worklist(client, day="2026-03-11", period="week")


def test_technician_marks_a_test_not_performed_from_its_page(client, tech):
    from procedures.models import ScheduledTest
    from tests.procedures.helpers import scheduled_test

    test = scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure())
    client.force_login(tech)
    close_url = reverse("procedures:scheduledtest_close", args=[test.pk])
    assert close_url in client.get(test.get_absolute_url()).content.decode()
    refused = client.post(close_url, {"outcome": "not_performed", "status_code": "", "reason": "Sick."})
    assert refused.status_code == 200 and "IMPC_PSC" in refused.content.decode()
    done = client.post(close_url, {"outcome": "not_performed", "status_code": "IMPC_PSC_003", "reason": "Sick."})
    assert done.status_code == 302
    test.refresh_from_db()
    assert (test.status, test.status_code) == (ScheduledTest.Status.NOT_PERFORMED, "IMPC_PSC_003")
    assert close_url not in client.get(test.get_absolute_url()).content.decode()


def test_cancel_from_the_page_needs_no_code(client, tech):
    from procedures.models import ScheduledTest
    from tests.procedures.helpers import scheduled_test

    test = scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure())
    client.force_login(tech)
    response = client.post(reverse("procedures:scheduledtest_close", args=[test.pk]),
                           {"outcome": "cancel", "reason": "Enrolled in the wrong pipeline."})
    assert response.status_code == 302
    test.refresh_from_db()
    assert test.status == ScheduledTest.Status.CANCELLED


def test_worklist_offers_the_excel_sheet_of_each_procedure(client, tech):
    from tests.procedures.helpers import scheduled_test

    procedure = body_weight_procedure()
    scheduled_test(MouseFactory(centre=tech.centre), procedure, due=dt.date(2026, 3, 9))
    client.force_login(tech)
    content = _worklist(client, day="2026-03-11", period="week")
    assert reverse("procedures:procedure_template", args=[procedure.key]) + "?day=2026-03-15" in content
    assert reverse("procedures:procedure_import", args=[procedure.key]) in content
