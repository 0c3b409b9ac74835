"""Writes for phenotyping: enrolling mice in a pipeline, and recording experiments with their values."""
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from colonies.models import Mouse
from colonies.services import phenotyping_started_for
from lims.audit import audit_context
from lims.exceptions import Conflict
from procedures.models import Experiment, Parameter, ParameterValue, Pipeline, Procedure, ScheduledTest
from procedures.validation import check_status_code, normalise_value

DEFAULT_WINDOW_DAYS = 7


def due_date_for(mouse: Mouse, procedure: Procedure, *, enrolled_on: date) -> date:
    """The first day of the week of age the pipeline gives; unrestricted procedures are due on enrolment."""
    if procedure.week is None:
        return max(enrolled_on, mouse.date_of_birth)
    return mouse.date_of_birth + timedelta(weeks=procedure.week)


@transaction.atomic
def mice_enrol(*, mice, pipeline: Pipeline, actor, enrolled_on: date | None = None,
               window_days: int = DEFAULT_WINDOW_DAYS) -> list[ScheduledTest]:
    """Schedule every mouse-level procedure of `pipeline` for each mouse, in the week of age it is due.

    Idempotent: a test already scheduled for the mouse, procedure and due date is not created again.
    """
    enrolled_on = enrolled_on or date.today()
    procedures = list(pipeline.procedures.filter(level=Procedure.Level.MOUSE))
    rows = []
    for mouse in mice:
        for procedure in procedures:
            due = due_date_for(mouse, procedure, enrolled_on=enrolled_on)
            rows.append(ScheduledTest(
                centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, due_date=due,
                window_start=due, window_end=due + timedelta(days=window_days - 1),
            ))
    with audit_context(user=actor.pk if actor else None, action="procedures.scheduledtest.enrolled"):
        return ScheduledTest.objects.bulk_create(rows, ignore_conflicts=True)


@dataclass
class EnteredValue:
    """One parameter as entered: a value, or a status code where it was not measured."""

    value: str = ""
    status_code: str = ""
    increment: str = ""


def _check_values(procedure: Procedure, entries: dict[str, list[EnteredValue]]) -> list[ParameterValue]:
    """Validate entries against the procedure's parameters; collect every error, keyed by parameter key."""
    parameters = {p.key: p for p in procedure.parameters.all()}
    errors: dict[str, list[str]] = {}
    values: list[ParameterValue] = []
    for key in entries:
        if key not in parameters:
            errors.setdefault(key, []).append(f"{key} is not a parameter of {procedure.key}.")
    for key, parameter in parameters.items():
        given = [e for e in entries.get(key, []) if e.value.strip() or e.status_code.strip()]
        if not given:
            if parameter.required and not parameter.derived:
                errors.setdefault(key, []).append(
                    f"{parameter.name} ({key}) is required: enter a value or a parameter status code."
                )
            continue
        for entry in given:
            try:
                if entry.status_code.strip():
                    values.append(ParameterValue(parameter=parameter, increment=entry.increment,
                                                 status_code=check_status_code(parameter, entry.status_code)))
                else:
                    values.append(ParameterValue(parameter=parameter, increment=entry.increment,
                                                 value=normalise_value(parameter, entry.value)))
            except ValueError as exc:
                errors.setdefault(key, []).append(str(exc))
        if parameter.increments and parameter.type == Parameter.Type.SERIES:
            missing = set(parameter.increments) - {e.increment for e in given}
            if missing:
                errors.setdefault(key, []).append(
                    f"{parameter.name} ({key}): increments {', '.join(sorted(missing))} are missing."
                )
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def experiment_record(*, mouse: Mouse, procedure: Procedure, date_of_experiment: date,
                      values: dict[str, list[EnteredValue]], actor, experimenter: str = "",
                      scheduled_test: ScheduledTest | None = None) -> Experiment:
    """Record one experiment with all its values, or nothing: every bad value is reported at once.

    Raises:
        ValidationError: keyed by parameter key (or field) with a message naming the parameter.
        Conflict: the scheduled test was already recorded (or is no longer scheduled).
    """
    if date_of_experiment > date.today():
        raise ValidationError({"date_of_experiment": ["The date of the experiment cannot be in the future."]})
    if date_of_experiment < mouse.date_of_birth:
        raise ValidationError({"date_of_experiment": ["The experiment cannot be before the mouse was born."]})
    if scheduled_test is not None and (scheduled_test.mouse_id != mouse.pk or scheduled_test.procedure_id != procedure.pk):
        raise ValidationError({"scheduled_test": ["That scheduled test is for another mouse or procedure."]})
    rows = _check_values(procedure, values)
    sequence = Experiment.objects.filter(mouse=mouse, procedure=procedure).count() + 1
    with audit_context(user=actor.pk, action="procedures.experiment.recorded"):
        experiment = Experiment(
            centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, procedure_version=procedure.version,
            scheduled_test=scheduled_test, date_of_experiment=date_of_experiment, sequence_id=str(sequence),
            experimenter=experimenter, recorded_by=actor,
        )
        experiment.full_clean()
        experiment.save()
        for row in rows:
            row.experiment = experiment
        ParameterValue.objects.bulk_create(rows)
        if scheduled_test is not None:
            # Claim the test: of two submits at the same moment (a double tap) only one records the experiment.
            claimed = ScheduledTest.objects.filter(pk=scheduled_test.pk, status=ScheduledTest.Status.SCHEDULED).update(
                status=ScheduledTest.Status.DONE, updated_at=timezone.now())
            if claimed != 1:
                raise Conflict("This test has already been recorded or is no longer scheduled.")
        phenotyping_started_for(mouse=mouse, actor=actor)
    return experiment
