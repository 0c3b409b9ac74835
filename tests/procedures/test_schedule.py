"""Enrolment, the configurable window, closing tests (not performed, cancelled, missed, death) and the daily job."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from colonies.models import Mouse
from colonies.services import mouse_update
from lims.audit import history_for
from procedures import services, tasks
from procedures.models import Pipeline, PipelineSettings, Procedure, ScheduledTest
from tests.factories import MouseFactory, PipelineFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

S = ScheduledTest.Status
BORN = dt.date(2026, 1, 5)


def test_enrolling_a_mouse_born_on_5_january_follows_the_impress_weeks(client, tech):
    """GIVEN the real IMPC_001 subset WHEN a mouse born on 2026-01-05 is enrolled THEN every mouse-level procedure is
    due in its week of age, line-level ones are not scheduled, and the worklist of that week lists the mouse."""
    call_command("load_impress", "fixtures/impress_impc_001.json", verbosity=0)
    pipeline = Pipeline.objects.get(key="IMPC_001")
    mouse = MouseFactory(centre=tech.centre, specimen_id="ACC-0105", date_of_birth=BORN)

    services.mice_enrol(mice=[mouse], pipeline=pipeline, actor=tech, enrolled_on=dt.date(2026, 2, 2))

    tests = {t.procedure.key: t for t in ScheduledTest.objects.filter(mouse=mouse).select_related("procedure")}
    mouse_level = pipeline.procedures.filter(level=Procedure.Level.MOUSE)
    assert set(tests) == set(mouse_level.values_list("key", flat=True))
    assert "IMPC_FER_001" not in tests and "IMPC_HOU_001" not in tests
    for procedure in mouse_level:
        expected = BORN + dt.timedelta(weeks=procedure.week) if procedure.week is not None else dt.date(2026, 2, 2)
        assert tests[procedure.key].due_date == expected, procedure.key
        assert tests[procedure.key].window_end == expected + dt.timedelta(days=6)
    grip = tests["IMPC_GRS_001"]
    assert grip.due_date == dt.date(2026, 3, 9)  # week 9: a Monday, like the birthday

    client.force_login(tech)
    week = client.get(reverse("procedures:worklist"), {"day": "2026-03-12", "period": "week"}).content.decode()
    assert "Record Grip Strength for ACC-0105" in week and "Record Open Field for ACC-0105" in week
    assert "Record Acoustic" not in week  # week 10 is next week
    before = client.get(reverse("procedures:worklist"), {"day": "2026-03-08", "period": "week"}).content.decode()
    assert "Record Grip Strength for ACC-0105" not in before


def test_enrolment_uses_the_centres_window(tech, other_centre):
    procedure = body_weight_procedure()
    procedure.week = 9
    procedure.save()
    services.pipeline_settings_set(centre=tech.centre, pipeline=procedure.pipeline, window_days=5, actor=tech)
    ours = MouseFactory(centre=tech.centre)
    theirs = MouseFactory(centre=other_centre)

    services.mice_enrol(mice=[ours, theirs], pipeline=procedure.pipeline, actor=tech)

    assert ScheduledTest.objects.get(mouse=ours).window_end == BORN + dt.timedelta(weeks=9, days=4)
    assert ScheduledTest.objects.get(mouse=theirs).window_end == BORN + dt.timedelta(weeks=9, days=6)


def test_enrolment_writes_in_batches_all_of_a_queryset_once_and_audited(tech, monkeypatch):
    """Batches smaller than one mouse's tests: every test is written once, a second enrolment adds none, and each
    insert event carries the enrolment's audit context."""
    from procedures.services import schedule

    monkeypatch.setattr(schedule, "ENROL_BATCH", 2)
    first = body_weight_procedure()
    second = Procedure.objects.create(pipeline=first.pipeline, key="IMPC_XRY_001", name="X-ray", week=14,
                                      level=Procedure.Level.MOUSE)
    second.parameters.create(key="IMPC_XRY_001_001", name="Skull shape", type="simple", value_type="TEXT",
                             required=True)
    mice = MouseFactory.create_batch(5, centre=tech.centre)
    offered = services.mice_enrol(mice=Mouse.objects.filter(pk__in=[m.pk for m in mice]), pipeline=first.pipeline,
                                  actor=tech)
    assert offered == 10
    pairs = list(ScheduledTest.objects.values_list("mouse_id", "procedure_id"))
    assert sorted(pairs) == sorted((m.pk, p.pk) for m in mice for p in (first, second))
    services.mice_enrol(mice=mice, pipeline=first.pipeline, actor=tech)
    assert ScheduledTest.objects.count() == 10
    events = list(ScheduledTest.pgh_event_model.objects.select_related("pgh_context"))
    assert len(events) == 10  # one insert event per test, none from the second enrolment
    assert {(e.pgh_context.metadata["action"], e.pgh_context.metadata["user"]) for e in events} == {
        ("procedures.scheduledtest.enrolled", tech.pk)}


def test_pipeline_settings_refuse_a_zero_day_window(tech):
    with pytest.raises(ValidationError):
        services.pipeline_settings_set(centre=tech.centre, pipeline=PipelineFactory(), window_days=0, actor=tech)
    assert not PipelineSettings.objects.exists()


def test_not_performed_needs_an_impc_psc_code_and_a_reason(tech):
    test = scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure())
    with pytest.raises(ValidationError) as error:
        services.scheduled_test_mark_not_performed(test=test, code="IMPC_PARAMSC_001", reason=" ", actor=tech)
    assert set(error.value.message_dict) == {"status_code", "status_reason"}
    test.refresh_from_db()
    assert test.status == S.SCHEDULED


def test_not_performed_keeps_code_and_reason_and_names_the_event(tech):
    test = scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure())
    services.scheduled_test_mark_not_performed(test=test, code="IMPC_PSC_015:flooded room", reason="Room flooded.",
                                               actor=tech)
    assert (test.status, test.status_code, test.status_reason) == (S.NOT_PERFORMED, "IMPC_PSC_015:flooded room",
                                                                  "Room flooded.")
    event = history_for(test)[-1]
    assert (event["action"], event["reason"], event["user_id"]) == (
        "procedures.scheduledtest.not_performed", "Room flooded.", tech.pk)
    assert event["changes"]["status"] == [S.SCHEDULED, S.NOT_PERFORMED]


def test_cancel_needs_a_reason(tech):
    test = scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure())
    with pytest.raises(ValidationError):
        services.scheduled_test_cancel(test=test, reason="", actor=tech)


def test_marking_missed_by_hand_waits_for_the_window_to_close(tech):
    test = scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure(), due=dt.date.today())
    with pytest.raises(ValidationError):
        services.scheduled_test_mark_missed(test=test, actor=tech)


def test_daily_job_marks_missed_only_closed_scheduled_windows(tech):
    mouse = MouseFactory(centre=tech.centre)
    procedure = body_weight_procedure()
    closed = scheduled_test(mouse, procedure, due=dt.date(2026, 3, 1))  # window ends 2026-03-07
    last_day = scheduled_test(mouse, procedure, due=dt.date(2026, 3, 2))  # window ends 2026-03-08
    done = scheduled_test(mouse, procedure, due=dt.date(2026, 2, 1), status=S.DONE)

    assert services.tests_mark_missed(today=dt.date(2026, 3, 8)) == 1
    assert services.tests_mark_missed(today=dt.date(2026, 3, 8)) == 0  # idempotent

    statuses = dict(ScheduledTest.objects.values_list("pk", "status"))
    assert statuses == {closed.pk: S.MISSED, last_day.pk: S.SCHEDULED, done.pk: S.DONE}
    assert history_for(closed)[-1]["action"] == "procedures.scheduledtest.missed"


def test_daily_task_calls_the_service_with_the_given_day(tech):
    test = scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure(), due=dt.date(2026, 3, 1))
    assert tasks.tests_mark_missed.delay("2026-03-20").get(timeout=30) == 1
    test.refresh_from_db()
    assert test.status == S.MISSED


@pytest.mark.parametrize(("status", "code"), [(Mouse.Status.DEAD, "IMPC_PSC_001"),
                                              (Mouse.Status.CULLED, "IMPC_PSC_002")])
def test_death_or_cull_closes_open_tests_with_the_dcc_code(tech, status, code):
    mouse = MouseFactory(centre=tech.centre)
    procedure = body_weight_procedure()
    open_test = scheduled_test(mouse, procedure, due=dt.date(2026, 3, 2))
    missed = scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2), status=S.MISSED)
    done = scheduled_test(mouse, procedure, due=dt.date(2026, 1, 26), status=S.DONE)
    other = scheduled_test(MouseFactory(centre=tech.centre), procedure)

    mouse_update(instance=mouse, actor=tech, status=status, status_date=dt.date(2026, 2, 20),
                 status_reason="Found in cage")

    rows = {t.pk: (t.status, t.status_code) for t in ScheduledTest.objects.all()}
    assert rows[open_test.pk] == rows[missed.pk] == (S.NOT_PERFORMED, code)
    assert rows[done.pk] == (S.DONE, "")
    assert rows[other.pk] == (S.SCHEDULED, "")
    open_test.refresh_from_db()
    assert "2026-02-20" in open_test.status_reason and "Found in cage" in open_test.status_reason


def test_other_mouse_changes_leave_its_tests_alone(tech):
    mouse = MouseFactory(centre=tech.centre)
    test = scheduled_test(mouse, body_weight_procedure())
    mouse_update(instance=mouse, actor=tech, status=Mouse.Status.EXPORTED, litter_code="L-NEW")
    test.refresh_from_db()
    assert test.status == S.SCHEDULED
