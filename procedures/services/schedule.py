"""Enrolment and the schedule: which tests a mouse is due, from which day, and for how long each stays open."""
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet

from colonies.models import Mouse
from lims.audit import audit_context
from procedures.models import Pipeline, PipelineSettings, Procedure, ScheduledTest
from procedures.selectors import schedulable_procedures

DEFAULT_WINDOW_DAYS = 7


def due_date_for(mouse: Mouse, procedure: Procedure, *, enrolled_on: date) -> date:
    """The first day of the week of age the pipeline gives; unrestricted procedures are due on enrolment."""
    if procedure.week is None or mouse.date_of_birth is None:  # an embryo has no date of birth
        return max(enrolled_on, mouse.date_of_birth or enrolled_on)
    return mouse.date_of_birth + timedelta(weeks=procedure.week)


def window_days_for(*, centre_id: int, pipeline: Pipeline) -> int:
    """The centre's window for the pipeline (`PipelineSettings`), else the default week."""
    row = PipelineSettings.objects.filter(centre_id=centre_id, pipeline=pipeline).only("window_days").first()
    return row.window_days if row else DEFAULT_WINDOW_DAYS


@transaction.atomic
def pipeline_settings_set(*, centre, pipeline: Pipeline, window_days: int, actor) -> PipelineSettings:
    """Set how many days a centre's scheduled tests of `pipeline` stay open; applies to mice enrolled from now on.

    Tests already scheduled keep their window: a technician's plan for this week must not shift under them.
    """
    settings, _ = PipelineSettings.objects.get_or_create(centre=centre, pipeline=pipeline,
                                                         defaults={"window_days": window_days})
    settings.window_days = window_days
    settings.full_clean()
    with audit_context(user=actor.pk if actor else None, action="procedures.pipelinesettings.changed"):
        settings.save(update_fields=["window_days", "updated_at"])
    return settings


#: Tests per INSERT when enrolling: big enough that the round trips do not count, small enough that memory stays flat.
ENROL_BATCH = 5_000


@transaction.atomic
def mice_enrol(*, mice, pipeline: Pipeline, actor, enrolled_on: date | None = None,
               window_days: int | None = None) -> int:
    """Schedule every mouse-level procedure of `pipeline` for each mouse, in the week of age it is due; return how
    many tests were offered to the database (those it already had are skipped by it, see below).

    Procedures that cannot be recorded (`procedures.selectors.schedulable_procedures`) are left out.

    The window a test stays open is the centre's (`PipelineSettings`) unless `window_days` is given.
    Idempotent: a test already scheduled for the mouse, procedure and due date is not created again.
    Written ENROL_BATCH tests at a time, from the mice as they come (a queryset is iterated in chunks), so memory
    does not grow with the cohort: 10,000 mice are 180,000 tests, which as one list of model instances took 580 MB.
    """
    enrolled_on = enrolled_on or date.today()
    # Only what can be recorded: not a procedure a DCC import registered, nor one with nothing to type in.
    procedures = list(schedulable_procedures(pipeline))
    windows: dict[int, int] = {}
    if isinstance(mice, QuerySet):
        mice = mice.iterator(chunk_size=ENROL_BATCH)
    written, rows = 0, []
    with audit_context(user=actor.pk if actor else None, action="procedures.scheduledtest.enrolled"):
        for mouse in mice:
            if window_days is not None:
                days = window_days
            else:
                if mouse.centre_id not in windows:
                    windows[mouse.centre_id] = window_days_for(centre_id=mouse.centre_id, pipeline=pipeline)
                days = windows[mouse.centre_id]
            for procedure in procedures:
                due = due_date_for(mouse, procedure, enrolled_on=enrolled_on)
                rows.append(ScheduledTest(
                    centre_id=mouse.centre_id, mouse_id=mouse.pk, procedure_id=procedure.pk, due_date=due,
                    window_start=due, window_end=due + timedelta(days=days - 1),
                ))
            if len(rows) >= ENROL_BATCH:
                written += len(ScheduledTest.objects.bulk_create(rows, ignore_conflicts=True))
                rows = []
        if rows:
            written += len(ScheduledTest.objects.bulk_create(rows, ignore_conflicts=True))
    return written
