"""Writes for phenotyping: enrolling mice in a pipeline, and recording experiments with their values."""
import re
from collections import Counter, deque
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from colonies.models import Colony, Mouse
from colonies.services import phenotyping_started_for
from colonies.services.rules import Findings, NeedsConfirmation
from lims.audit import audit_context
from lims.exceptions import Conflict, DomainError, InvalidTransition
from lims.roles import can_write
from lims.services import reason_check
from lims.versioning import version_check
from procedures.exceptions import NotAllowed
from procedures.models import (
    MEDIA_TYPES,
    Experiment,
    ExperimentDraft,
    Housing,
    HousingValue,
    LineExperiment,
    LineParameterValue,
    Parameter,
    ParameterValue,
    Pipeline,
    PipelineSettings,
    Procedure,
    ScheduledTest,
    Source,
)
from procedures.selectors import schedulable_procedures, unrecordable_reason
from procedures.validation import check_procedure_status_code, check_status_code, normalise_value

DEFAULT_WINDOW_DAYS = 7
# The code a test closes with when its mouse leaves the study, as the DCC enumerates them (dcc-format.md §4).
CODE_FOR_MOUSE_STATUS = {Mouse.Status.DEAD: "IMPC_PSC_001", Mouse.Status.CULLED: "IMPC_PSC_002"}


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


@transaction.atomic
def mice_enrol(*, mice, pipeline: Pipeline, actor, enrolled_on: date | None = None,
               window_days: int | None = None) -> list[ScheduledTest]:
    """Schedule every mouse-level procedure of `pipeline` for each mouse, in the week of age it is due.

    Procedures that cannot be recorded (`procedures.selectors.schedulable_procedures`) are left out.

    The window a test stays open is the centre's (`PipelineSettings`) unless `window_days` is given.
    Idempotent: a test already scheduled for the mouse, procedure and due date is not created again.
    """
    enrolled_on = enrolled_on or date.today()
    # Only what can be recorded: not a procedure a DCC import registered, nor one with nothing to type in.
    procedures = list(schedulable_procedures(pipeline))
    windows: dict[int, int] = {}
    rows = []
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
                centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, due_date=due,
                window_start=due, window_end=due + timedelta(days=days - 1),
            ))
    with audit_context(user=actor.pk if actor else None, action="procedures.scheduledtest.enrolled"):
        return ScheduledTest.objects.bulk_create(rows, ignore_conflicts=True)


@dataclass
class EnteredValue:
    """One parameter as entered: a value, or a status code where it was not measured.

    `value` is what was typed (text), or a number where the source holds one (an Excel numeric cell): numbers are
    read by `lims.numbers` either way, never turned into text first.
    """

    value: str | int | float = ""
    status_code: str = ""
    increment: str = ""

    @property
    def has_value(self) -> bool:
        return isinstance(self.value, (int, float)) or bool(str(self.value or "").strip())


def _check_values(procedure: Procedure, entries: dict[str, list[EnteredValue]],
                  parameters: dict[str, Parameter] | None = None, *, kept: frozenset[str] = frozenset()
                  ) -> list[ParameterValue]:
    """Validate entries against the procedure's parameters; collect every error, keyed by parameter key.

    `parameters` (key → Parameter of `procedure`) spares the query when many experiments are checked in a row.
    `kept` names parameters the experiment already has values of: a retired parameter is accepted only there (an
    edit of an experiment recorded before IMPReSS dropped it), never offered to a new record.
    """
    if parameters is None:
        parameters = {p.key: p for p in procedure.parameters.all()}
    reason = unrecordable_reason(procedure, parameters.values())
    if reason:
        raise ValidationError({"procedure": [reason]})
    errors: dict[str, list[str]] = {}
    values: list[ParameterValue] = []
    for key, entered in entries.items():
        if key not in parameters:
            errors.setdefault(key, []).append(f"{key} is not a parameter of {procedure.key}.")
        elif parameters[key].retired and key not in kept and any(
                e.value.strip() or e.status_code.strip() for e in entered):
            errors.setdefault(key, []).append(
                f"{parameters[key].name} ({key}) is no longer part of {procedure.key} in IMPReSS; it is kept for "
                "older records only.")
    for key, parameter in parameters.items():
        given = [e for e in entries.get(key, []) if e.has_value or e.status_code.strip()]
        if not given:
            if parameter.required and not parameter.derived and not parameter.retired:
                errors.setdefault(key, []).append(
                    f"{parameter.name} ({key}) is required: enter a value or a parameter status code."
                )
            continue
        if key in errors:
            continue
        for entry in given:
            try:
                if entry.status_code.strip():
                    values.append(ParameterValue(parameter=parameter, increment=entry.increment,
                                                 status_code=check_status_code(parameter, entry.status_code)))
                elif parameter.type in MEDIA_TYPES:
                    raise ValueError(f"{parameter.name} ({key}) are image files, which the LIMS does not keep: "
                                     "give a parameter status code saying why they are not sent.")
                else:
                    value = entered_value_check(parameter, entry.value)
                    # Out of range is a question for a data wrangler, not a refusal: the value is kept as typed.
                    values.append(ParameterValue(parameter=parameter, increment=entry.increment, value=value,
                                                 out_of_range=parameter.is_out_of_range(value)))
            except ValueError as exc:
                errors.setdefault(key, []).append(str(exc))
        problem = _increments_problem(parameter, given)
        if problem:
            errors.setdefault(key, []).append(problem)
    if errors:
        raise ValidationError(errors)
    return values


def _increments_problem(parameter: Parameter, given: list[EnteredValue]) -> str:
    """What is wrong with the increments of one parameter's entries, as the DCC checks a series ("" when fine).

    A series takes a value per increment: every increment IMPReSS lists and no other, or (when IMPReSS lists none)
    the increment typed with each value; a status code alone may stand for the whole series. Anything else has one
    value and no increment.
    """
    label = f"{parameter.name} ({parameter.key})"
    increments = [e.increment.strip() for e in given]
    if parameter.type != Parameter.Type.SERIES:
        if len(given) > 1 or any(increments):
            return f"{label} takes one value, not a series."
        return ""
    repeated = sorted({i for i in increments if increments.count(i) > 1})
    if repeated:
        return f"{label}: increment {', '.join(repeated) or '(none)'} is given more than once."
    if parameter.increments:
        listed = [str(i) for i in parameter.increments]
        if "" in increments:
            return f"{label}: give the increment of each value ({', '.join(listed)})."
        unknown = [i for i in increments if i and i not in listed]
        if unknown:
            return f"{label}: {', '.join(unknown)} is not one of its increments ({', '.join(listed)})."
        missing = [i for i in listed if i not in increments]
        if missing:
            return f"{label}: increments {', '.join(missing)} are missing."
        return ""
    whole = [e for e in given if not e.increment.strip()]
    if whole and (len(given) > 1 or not whole[0].status_code.strip()):
        return (f"{label}: give the increment of each value (a status code without an increment stands for the whole "
                "series).")
    return ""


_TERM = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9_.\-]+$")


def entered_value_check(parameter: Parameter, raw: str) -> str:
    """The value as stored and exported, or ValueError naming the parameter: the DCC's rules for its element.

    An ontology parameter takes term ids (the DCC needs each term to start with an ontology prefix); a TIME takes
    hh:mm[:ss]; everything else is `procedures.validation.normalise_value`.
    """
    label = f"{parameter.name} ({parameter.key})"
    if parameter.type == Parameter.Type.ONTOLOGY:
        terms = [t for t in re.split(r"[\s,;]+", (raw or "").strip()) if t]
        if not terms:
            raise ValueError(f"{label}: a value is required.")
        wrong = [t for t in terms if not _TERM.match(t)]
        if wrong:
            raise ValueError(f"{label}: {wrong[0]!r} is not an ontology term; write term ids such as MPATH:458 or "
                             "PATO:0000461, separated by spaces.")
        return " ".join(terms)
    if (parameter.value_type or "").upper() == "TIME" and not parameter.options:
        value = (raw or "").strip()
        try:
            return time.fromisoformat(value).isoformat() if value else normalise_value(parameter, value)
        except ValueError:
            raise ValueError(f"{label}: {raw!r} is not a valid time (hh:mm or hh:mm:ss).") from None
    return normalise_value(parameter, raw)


def _check_date(mouse: Mouse, date_of_experiment: date) -> None:
    if date_of_experiment > date.today():
        raise ValidationError({"date_of_experiment": ["The date of the experiment cannot be in the future."]})
    if mouse.date_of_birth and date_of_experiment < mouse.date_of_birth:  # an embryo has no date of birth
        raise ValidationError({"date_of_experiment": ["The experiment cannot be before the mouse was born."]})


# --- Warnings the technician confirms (the breeding rules' mechanism, `colonies.services.rules`) ------------------


class ValuesNeedConfirmation(NeedsConfirmation):
    """Warnings on entered values not confirmed yet: 400 with `warnings` in the API, "Save anyway" on the forms.

    A `NeedsConfirmation` like the breeding warnings, so every caller that handles those handles these; `keyed`
    keeps the parameter key (or field) of each warning, so an upload names its column and a form its input.
    """

    def __init__(self, keyed: list[tuple[str, str]]):
        self.keyed = list(keyed)
        super().__init__([message for _, message in self.keyed])


def range_warnings(rows: list[ParameterValue]) -> list[tuple[str, str]]:
    """(parameter key, message) for each value outside its parameter's plausible range (`Parameter.min_value`…).

    The value is never changed: an implausible number is usually a slip (a decimal point, a unit), but a mutant may
    truly be extreme, so the person checks it and confirms; it is then kept, flagged `out_of_range`.
    """
    warnings = []
    for row in rows:
        if row.out_of_range:
            parameter = row.parameter
            unit = f" {parameter.unit}" if parameter.unit else ""
            where = f" at {row.increment}" if row.increment else ""
            warnings.append((parameter.key, f"{parameter.name} ({parameter.key}){where} = {row.value}{unit} is "
                                            f"outside the plausible range ({parameter.range_text()}): check it."))
    return warnings


def window_warnings(test: ScheduledTest | None, date_of_experiment: date) -> list[tuple[str, str]]:
    """A warning when the experiment's date is outside its scheduled test's window (before it opens, after it closes).

    The DCC takes the data, but the age at test is then not the one the pipeline gives, which the statistics assume;
    the technician confirms that the date is right (a late entry of an on-time test has its real date, in the window).
    """
    if test is None:
        return []
    window = f"{test.window_start.isoformat()} to {test.window_end.isoformat()}"
    what = f"{test.procedure.name} for {test.mouse.specimen_id}"
    if date_of_experiment < test.window_start:
        return [("date_of_experiment", f"{what} is dated {date_of_experiment.isoformat()}, before its window opens "
                                       f"({window}).")]
    if date_of_experiment > test.window_end:
        return [("date_of_experiment", f"{what} is dated {date_of_experiment.isoformat()}, after its window closed "
                                       f"({window}).")]
    return []


def warnings_confirm(warnings: list[tuple[str, str]], *, confirm: bool) -> str:
    """Raise `ValuesNeedConfirmation` for unconfirmed warnings; return the audit note for confirmed ones ("" if none).

    The note ("Confirmed warnings: …") is the breeding rules' (`Findings.check`), written as the audit reason.
    """
    if not warnings:
        return ""
    if not confirm:
        raise ValuesNeedConfirmation(warnings)
    findings = Findings()
    for _, message in warnings:
        findings.warn(message)
    return findings.check(confirm=True)


@transaction.atomic
def experiment_record(*, mouse: Mouse, procedure: Procedure, date_of_experiment: date,
                      values: dict[str, list[EnteredValue]], actor, experimenter: str = "",
                      scheduled_test: ScheduledTest | None = None, confirm: bool = False) -> Experiment:
    """Record one experiment with all its values, or nothing: every bad value is reported at once.

    Values outside their plausible range and a date outside the scheduled test's window are warnings: nothing is
    saved until the person confirms (`confirm=True`, "Save anyway"); the confirmed warnings are kept on the
    experiment (`confirmed_warnings`) and in the audit reason.

    Raises:
        ValidationError: keyed by parameter key (or field) with a message naming the parameter.
        ValuesNeedConfirmation: warnings not confirmed (a ValidationError keyed `warnings` and `confirm`).
        Conflict: the scheduled test was already recorded (or is no longer scheduled).
    """
    _check_date(mouse, date_of_experiment)
    if scheduled_test is not None and (scheduled_test.mouse_id != mouse.pk or scheduled_test.procedure_id != procedure.pk):
        raise ValidationError({"scheduled_test": ["That scheduled test is for another mouse or procedure."]})
    rows = _check_values(procedure, values)
    warnings = range_warnings(rows) + window_warnings(scheduled_test, date_of_experiment)
    note = warnings_confirm(warnings, confirm=confirm)
    sequence = Experiment.objects.filter(mouse=mouse, procedure=procedure).count() + 1
    with audit_context(user=actor.pk, action="procedures.experiment.recorded", reason=note):
        experiment = Experiment(
            centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, procedure_version=procedure.version,
            scheduled_test=scheduled_test, date_of_experiment=date_of_experiment, sequence_id=str(sequence),
            experimenter=experimenter, recorded_by=actor, confirmed_warnings=[m for _, m in warnings],
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
            # Submitted for real: the draft (`procedures.drafts`) has served its purpose.
            ExperimentDraft.objects.filter(scheduled_test=scheduled_test).delete()
        phenotyping_started_for(mouse=mouse, actor=actor)
    return experiment


class ExperimentBatch:
    """Record many experiments of one procedure (an uploaded file) with the rules of `experiment_record`, in a few
    queries instead of a dozen per experiment.

    `experiment_record` costs one round trip per check (foreign keys validated by `full_clean`, the sequence count,
    the scheduled test, the parameters, the cohort) and per write; for 5,000 rows that is minutes. The batch reads
    all of it for the whole file up front (parameters, each mouse's open scheduled tests in due order, each mouse's
    experiment count), checks each experiment in memory with the same functions and words, and writes the accepted
    ones with `bulk_create` (the audit triggers see every row). What it does per experiment is what
    `experiment_record` does: the mouse's earliest scheduled test of the procedure becomes done, `sequence_id`
    counts the mouse's experiments of the procedure, the cohort moves to Phenotyping Started.

    All or nothing is the caller's: run it inside one transaction and roll back when any experiment was refused.

        batch = ExperimentBatch(procedure=procedure, actor=actor, mice=mice)
        batch.add(key, mouse=…, date_of_experiment=…, values=…)   # raises ValidationError, nothing queued
        conflicts = batch.write()                                  # [(key, Conflict)]; nothing written if any
    """

    # Checked by the batch itself (they come from its own queries), so `clean_fields` need not fetch each one.
    RESOLVED = ("centre", "mouse", "procedure", "scheduled_test", "recorded_by", "qc_locked_by")

    def __init__(self, *, procedure: Procedure, actor, mice):
        self.procedure, self.actor = procedure, actor
        self.parameters = {p.key: p for p in procedure.parameters.all()}
        mouse_ids = [m.pk for m in mice]
        self._tests: dict[int, deque] = {}
        for test in (ScheduledTest.objects.filter(mouse_id__in=mouse_ids, procedure=procedure,
                                                  status=ScheduledTest.Status.SCHEDULED)
                     .order_by("mouse_id", "due_date")):
            self._tests.setdefault(test.mouse_id, deque()).append(test)
        self._sequence = Counter(dict(
            Experiment.objects.filter(mouse_id__in=mouse_ids, procedure=procedure).order_by()
            .values("mouse_id").annotate(n=Count("pk")).values_list("mouse_id", "n")))
        self._pending: list[tuple[object, Experiment, list[ParameterValue]]] = []
        self._cohorts_started: set[tuple[int, int]] = set()
        self.created = 0

    def add(self, key, *, mouse: Mouse, date_of_experiment: date, values: dict[str, list[EnteredValue]],
            experimenter: str = "", confirm: bool = False) -> None:
        """Check one experiment and queue it under `key` (the row number); refused ones take no test or sequence.

        An experiment with warnings (a value out of range, a date outside its test's window) takes its test and
        sequence, as it will once confirmed, so the rows after it are checked as they will be then; unconfirmed,
        it is not queued.

        Raises:
            ValidationError: as `experiment_record` raises it, keyed by parameter key or field.
            ValuesNeedConfirmation: its warnings, when not `confirm`.
        """
        _check_date(mouse, date_of_experiment)
        rows = _check_values(self.procedure, values, self.parameters)
        experiment = Experiment(
            centre_id=mouse.centre_id, mouse=mouse, procedure=self.procedure,
            procedure_version=self.procedure.version, date_of_experiment=date_of_experiment,
            experimenter=experimenter, recorded_by=self.actor,
        )
        experiment.clean_fields(exclude=self.RESOLVED)
        experiment.clean()
        tests = self._tests.get(mouse.pk)
        experiment.scheduled_test = tests.popleft() if tests else None
        if experiment.scheduled_test is not None:
            experiment.scheduled_test.mouse, experiment.scheduled_test.procedure = mouse, self.procedure
        self._sequence[mouse.pk] += 1
        experiment.sequence_id = str(self._sequence[mouse.pk])
        warnings = range_warnings(rows) + window_warnings(experiment.scheduled_test, date_of_experiment)
        if warnings_confirm(warnings, confirm=confirm):
            experiment.confirmed_warnings = [message for _, message in warnings]
        self._pending.append((key, experiment, rows))

    def discard(self) -> None:
        """Drop what is queued (the file is refused anyway: writing it would only be rolled back)."""
        self._pending = []

    def write(self) -> list[tuple[object, DomainError]]:
        """Write the queued experiments, their values and their tests' new status; return per-key conflicts.

        The queued tests are locked first: one recorded meanwhile (a technician on the form, a second upload) is
        reported against its key with the form's words, and then nothing of this call is written.
        """
        pending, self._pending = self._pending, []
        if not pending:
            return []
        test_ids = [e.scheduled_test_id for _, e, _ in pending if e.scheduled_test_id]
        if test_ids:
            still_open = set(ScheduledTest.objects.select_for_update().filter(
                pk__in=test_ids, status=ScheduledTest.Status.SCHEDULED).values_list("pk", flat=True))
            conflicts = [(key, Conflict("This test has already been recorded or is no longer scheduled."))
                         for key, e, _ in pending if e.scheduled_test_id and e.scheduled_test_id not in still_open]
            if conflicts:
                return conflicts
        confirmed = sum(1 for _, e, _ in pending if e.confirmed_warnings)
        note = (f"Confirmed warnings on {confirmed} experiment{'s' if confirmed != 1 else ''} (each keeps its own in "
                "confirmed_warnings).") if confirmed else ""
        with audit_context(user=self.actor.pk, action="procedures.experiment.recorded", reason=note):
            experiments = Experiment.objects.bulk_create([e for _, e, _ in pending], batch_size=1000)
            values = []
            for experiment, (_, _, rows) in zip(experiments, pending, strict=True):
                for row in rows:
                    row.experiment = experiment
                    values.append(row)
            ParameterValue.objects.bulk_create(values, batch_size=2000)
            if test_ids:
                ScheduledTest.objects.filter(pk__in=test_ids, status=ScheduledTest.Status.SCHEDULED).update(
                    status=ScheduledTest.Status.DONE, updated_at=timezone.now())
        # Once per colony, not per row, and outside the block above: a nested context would rename its action.
        for experiment in experiments:
            mouse = experiment.mouse
            cohort = (mouse.colony_id, mouse.centre_id)
            if mouse.colony_id is not None and cohort not in self._cohorts_started:
                self._cohorts_started.add(cohort)
                phenotyping_started_for(mouse=mouse, actor=self.actor)
        self.created += len(experiments)
        return []


# --- The status machine of a scheduled test (style.md B3) ------------------------------------------------------------


def _transition(test: ScheduledTest, *, to: str, actor, action: str, reason: str = "", **fields) -> ScheduledTest:
    """Move one test to `to` if the table allows it, claiming the row so that two writers cannot both succeed.

    Raises:
        InvalidTransition: `to` is not reachable from the test's status, or another writer changed it first.
    """
    from_ = test.status
    if to not in ScheduledTest.TRANSITIONS.get(from_, set()):
        raise InvalidTransition(
            f"A {ScheduledTest.Status(from_).label.lower()} test cannot become {ScheduledTest.Status(to).label.lower()}."
        )
    now = timezone.now()
    with audit_context(user=actor.pk if actor else None, action=action, reason=reason):
        claimed = ScheduledTest.objects.filter(pk=test.pk, status=from_).update(
            status=to, status_changed_at=now, updated_at=now, **fields
        )
    if claimed != 1:
        raise InvalidTransition("This test was changed by someone else meanwhile; reload it and try again.")
    test.refresh_from_db()
    return test


@transaction.atomic
def scheduled_test_mark_not_performed(*, test: ScheduledTest, code: str, reason: str, actor) -> ScheduledTest:
    """Close a test that will not be done, with the IMPC_PSC code the DCC receives in its place and a reason.

    The code, not the absence of data, tells the DCC (and the statistics) why the mouse has no result.

    Raises:
        ValidationError: the code is not an IMPC_PSC code or the reason is empty.
        InvalidTransition: the test is already done, not performed or cancelled.
    """
    errors = {}
    try:
        code = check_procedure_status_code(code)
    except ValueError as exc:
        errors["status_code"] = [str(exc)]
    if not (reason or "").strip():
        errors["status_reason"] = ["Say why the test was not performed."]
    if errors:
        raise ValidationError(errors)
    return _transition(test, to=ScheduledTest.Status.NOT_PERFORMED, actor=actor, reason=reason.strip(),
                       action="procedures.scheduledtest.not_performed", status_code=code,
                       status_reason=reason.strip()[:500])


@transaction.atomic
def scheduled_test_cancel(*, test: ScheduledTest, reason: str, actor) -> ScheduledTest:
    """Withdraw a test that should never have been scheduled (wrong pipeline, mouse enrolled by mistake).

    Unlike "not performed", a cancelled test is not reported to the DCC at all.

    Raises:
        ValidationError: the reason is empty.
        InvalidTransition: the test is already closed.
    """
    if not (reason or "").strip():
        raise ValidationError({"status_reason": ["Say why the test is cancelled."]})
    return _transition(test, to=ScheduledTest.Status.CANCELLED, actor=actor, reason=reason.strip(),
                       action="procedures.scheduledtest.cancelled", status_reason=reason.strip()[:500])


@transaction.atomic
def scheduled_test_mark_missed(*, test: ScheduledTest, actor) -> ScheduledTest:
    """Mark one test missed by hand (its window has closed without a result).

    Raises:
        ValidationError: the window is still open.
        InvalidTransition: the test is not scheduled.
    """
    if test.window_end >= date.today():
        raise ValidationError({"status": ["The window of this test is still open."]})
    return _transition(test, to=ScheduledTest.Status.MISSED, actor=actor, action="procedures.scheduledtest.missed")


@transaction.atomic
def tests_mark_missed(*, today: date | None = None) -> int:
    """Mark missed every scheduled test whose window closed before `today`; return how many.

    One conditional UPDATE: it is idempotent, sees no test twice, and a test recorded at the same moment keeps
    its "done" (the status guard loses the race cleanly). Run daily by beat (`procedures.tasks.tests_mark_missed`).
    """
    today = today or date.today()
    with audit_context(action="procedures.scheduledtest.missed", reason="The window closed without a result."):
        now = timezone.now()
        return ScheduledTest.objects.filter(status=ScheduledTest.Status.SCHEDULED, window_end__lt=today).update(
            status=ScheduledTest.Status.MISSED, status_changed_at=now, updated_at=now
        )


@transaction.atomic
def scheduled_tests_close_for_mouse(*, mouse: Mouse, actor) -> int:
    """Close every open test of a mouse that died or was culled, with IMPC_PSC_001 / 002; return how many.

    Called by `colonies.services.mouse_update` when the status changes, so no technician has to remember it and
    no worklist shows a dead mouse. Does nothing for other statuses.
    """
    code = CODE_FOR_MOUSE_STATUS.get(mouse.status)
    if code is None:
        return 0
    label = "died" if mouse.status == Mouse.Status.DEAD else "was culled"
    reason = f"The mouse {label}" + (f" on {mouse.status_date.isoformat()}" if mouse.status_date else "")
    reason += f": {mouse.status_reason}" if mouse.status_reason else "."
    action = "procedures.scheduledtest.not_performed"
    with audit_context(user=actor.pk if actor else None, action=action, reason=reason):
        now = timezone.now()
        return ScheduledTest.objects.filter(mouse=mouse, status__in=ScheduledTest.OPEN).update(
            status=ScheduledTest.Status.NOT_PERFORMED, status_code=code, status_reason=reason[:500],
            status_changed_at=now, updated_at=now,
        )


# --- QC lock and edits of recorded experiments -------------------------------------------------------------------


@transaction.atomic
def experiment_qc_lock(*, experiment: Experiment, actor) -> Experiment:
    """Lock a validated experiment: a data wrangler vouches for it, so later edits must say why.

    Raises:
        NotAllowed: the actor is not a data wrangler (or centre admin).
        Conflict: the experiment is a draft, voided or already locked.
    """
    if not can_write(actor, "qc"):
        raise NotAllowed("Only a data wrangler may QC-lock an experiment.")
    if experiment.voided_at is not None:
        raise Conflict("A voided experiment cannot be QC-locked.")
    if experiment.status != Experiment.Status.SUBMITTED:
        raise Conflict("A draft cannot be QC-locked; submit it first.")
    now = timezone.now()
    with audit_context(user=actor.pk, action="procedures.experiment.qc_locked"):
        claimed = Experiment.objects.filter(pk=experiment.pk, qc_locked_at__isnull=True).update(
            qc_locked_at=now, qc_locked_by=actor, updated_at=now
        )
    if claimed != 1:
        raise Conflict("This experiment is already QC-locked.")
    experiment.refresh_from_db()
    return experiment


def _entries_of(experiment: Experiment) -> dict[str, list[EnteredValue]]:
    entries: dict[str, list[EnteredValue]] = {}
    for row in experiment.values.select_related("parameter"):
        entries.setdefault(row.parameter.key, []).append(
            EnteredValue(value=row.value, status_code=row.status_code, increment=row.increment)
        )
    return entries


@transaction.atomic
def experiment_values_update(*, experiment: Experiment, values: dict[str, list[EnteredValue]], actor,
                             reason: str = "", version: int | None = None, confirm: bool = False) -> Experiment:
    """Correct values of a recorded experiment; parameters not given keep their values.

    The whole experiment is validated again as one, like a new record. Values are changed in place (never deleted):
    the audit trail keeps old → new. Once QC-locked, an edit needs a reason and marks the experiment for
    resubmission to the DCC, which already has the locked version. A changed value outside its plausible range is
    a warning to confirm, as when recording; the confirmation joins the experiment's `confirmed_warnings`.

    Raises:
        ValidationError: a value is refused (keyed by parameter), a value would be removed, or a locked experiment
            is edited without a reason.
        ValuesNeedConfirmation: a changed value is out of range and `confirm` is not set.
        Conflict: the experiment is voided, or `version` (the one the client edited) is stale.
    """
    if experiment.voided_at is not None:
        raise Conflict("A voided experiment cannot be edited.")
    version_check(experiment, version)
    reason = (reason or "").strip()
    if experiment.is_qc_locked:  # as long a reason as voiding asks: the DCC already has the locked values
        reason = reason_check(reason, ask="This experiment is QC-locked: say why it is changed")
    recorded = _entries_of(experiment)
    merged = {**recorded, **values}
    rows = {(r.parameter.key, r.increment): r
            for r in _check_values(experiment.procedure, merged, kept=frozenset(recorded))}
    existing = {(r.parameter.key, r.increment): r for r in experiment.values.select_related("parameter")}
    removed = sorted({key for key, inc in set(existing) - set(rows)})
    if removed:
        raise ValidationError({key: ["A recorded value cannot be removed; give a parameter status code instead."]
                               for key in removed})
    changes = [row for key, row in rows.items() if key not in existing
               or (existing[key].value, existing[key].status_code) != (row.value, row.status_code)]
    warnings = range_warnings(changes)
    note = warnings_confirm(warnings, confirm=confirm)
    action = "procedures.experiment.edited_after_qc" if experiment.is_qc_locked else "procedures.experiment.edited"
    with audit_context(user=actor.pk, action=action, reason=" ".join(part for part in (reason, note) if part)):
        changed = False
        for key, row in rows.items():
            old = existing.get(key)
            if old is None:
                row.experiment = experiment
                row.save()
                changed = True
            elif (old.value, old.status_code) != (row.value, row.status_code):
                old.value, old.status_code, old.out_of_range = row.value, row.status_code, row.out_of_range
                fields = ["value", "status_code", "out_of_range", "updated_at"]
                if not old.kind and old.unit is not None:
                    # Typed under an earlier IMPReSS unit; the new value is typed against today's (the form's label).
                    old.unit = None
                    fields.append("unit")
                old.save(update_fields=fields)
                changed = True
        bump = ["version"] if changed else []
        if warnings:
            experiment.confirmed_warnings = [*experiment.confirmed_warnings, *(m for _, m in warnings)]
            bump.append("confirmed_warnings")
        if changed and experiment.is_qc_locked and not experiment.needs_resubmission:
            experiment.needs_resubmission = True
            bump.append("needs_resubmission")
        if bump:
            experiment.version += 1
            experiment.save(update_fields=[*bump, "updated_at"])
    return experiment


BULK_LIMIT = 1000


@transaction.atomic
def experiments_record_bulk(*, items: list[dict], actor, confirm: bool = False) -> list[Experiment]:
    """Record many experiments (an instrument's export, a day's sheet) all or none.

    Every item is checked, each in its own savepoint so that one refusal does not hide the others; any refusal rolls
    back the lot, because a half-loaded batch is harder to fix than a rejected one. Each item takes the arguments
    of `experiment_record` (without `actor`); `confirm` confirms the warnings of every item (an item may also carry
    its own `confirm`). Errors come first: warnings are only asked about once no item is refused.

    Raises:
        ValidationError: keyed `experiments[<index>].<parameter key or field>`, for every bad item.
        ValuesNeedConfirmation: the unconfirmed warnings of every item, each prefixed `experiments[<index>]`.
    """
    if len(items) > BULK_LIMIT:
        raise ValidationError({"experiments": [f"At most {BULK_LIMIT} experiments per request; split the batch."]})
    errors: dict[str, list[str]] = {}
    warnings: list[tuple[str, str]] = []
    experiments: list[Experiment] = []
    for index, item in enumerate(items):
        item = {**item, "confirm": bool(item.get("confirm")) or confirm}
        try:
            with transaction.atomic():
                experiments.append(experiment_record(actor=actor, **item))
        except ValuesNeedConfirmation as exc:
            warnings.extend((f"experiments[{index}].{key}", f"experiments[{index}]: {message}")
                            for key, message in exc.keyed)
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            for key, texts in messages.items():
                errors[f"experiments[{index}].{key}"] = texts
        except DomainError as exc:
            errors[f"experiments[{index}].{exc.field or 'non_field_errors'}"] = [exc.message]
    if errors:
        raise ValidationError(errors)
    if warnings:
        raise ValuesNeedConfirmation(warnings)
    return experiments


# --- Line-level procedures ---------------------------------------------------------------------------------------


@transaction.atomic
def line_experiment_record(*, colony: Colony, procedure: Procedure, date_of_experiment: date,
                           values: dict[str, list[EnteredValue]], actor, experimenter: str = "",
                           status_code: str = "", confirm: bool = False) -> LineExperiment:
    """Record a line-level procedure (fertility, viability) of a colony with its values, or nothing.

    With a procedure status code (IMPC_PSC_*) the procedure was not performed and no values are checked, as the
    DCC does for a `<line>` with a statusCode. A value outside its plausible range is a warning to confirm, as for
    a mouse's experiment; the confirmation is the audit reason.

    Raises:
        ValidationError: keyed by parameter key or field, naming what is wrong.
    """
    errors: dict[str, list[str]] = {}
    if procedure.level != Procedure.Level.LINE:
        errors["procedure"] = [f"{procedure.key} is not a line-level procedure; record it per mouse."]
    if colony.centre_id != getattr(actor, "centre_id", colony.centre_id) and not actor.is_superuser:
        errors["colony"] = ["That colony does not belong to your centre."]
    if date_of_experiment > date.today():
        errors["date_of_experiment"] = ["The date of the experiment cannot be in the future."]
    if status_code.strip():
        try:
            status_code = check_procedure_status_code(status_code)
        except ValueError as exc:
            errors["status_code"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    rows = [] if status_code else _check_values(procedure, values)
    note = warnings_confirm(range_warnings(rows), confirm=confirm)
    with audit_context(user=actor.pk, action="procedures.lineexperiment.recorded", reason=note):
        experiment = LineExperiment(
            centre_id=colony.centre_id, colony=colony, procedure=procedure, procedure_version=procedure.version,
            date_of_experiment=date_of_experiment, experimenter=experimenter, status_code=status_code,
            recorded_by=actor,
        )
        experiment.full_clean()
        experiment.save()
        LineParameterValue.objects.bulk_create([
            LineParameterValue(line_experiment=experiment, parameter=r.parameter, increment=r.increment,
                               value=r.value, status_code=r.status_code)
            for r in rows
        ])
    return experiment


# --- The DCC import path: historical data kept as the file says it -----------------------------------------------
#
# A centre moving its history in brings what its old LIMS accepted: legacy ESLIM status codes, a required parameter
# never sent, a value IMPReSS now types otherwise. Refusing those would lose the history; guessing would falsify
# it. These functions store what they are given, verbatim and audited under their own action, and leave the
# judgement to the caller (the importer reports warnings) and to the export pre-flight. They are never used for
# bench entry, whose rules above stay strict.


@transaction.atomic
def pipeline_register_imported(*, key: str, actor) -> Pipeline:
    """Register a pipeline a DCC file names but the IMPReSS reference lacks (a legacy EUMODIC one), as imported."""
    with audit_context(user=actor.pk if actor else None, action="procedures.pipeline.registered_by_import"):
        pipeline, _ = Pipeline.objects.get_or_create(key=key[:30], defaults={"name": key, "source": Source.IMPORT})
    return pipeline


@transaction.atomic
def procedure_register_imported(*, pipeline: Pipeline, key: str, level: str, actor) -> Procedure:
    """Register a procedure a DCC file names but the IMPReSS reference lacks, flagged `source=import`.

    It gives imported values a home; it is never scheduled (see `mice_enrol`). A later IMPReSS load of the same key
    takes it over (`procedures.impress.impress_load` sets the source back to IMPReSS).
    """
    with audit_context(user=actor.pk if actor else None, action="procedures.procedure.registered_by_import"):
        procedure, _ = Procedure.objects.get_or_create(
            pipeline=pipeline, key=key,
            defaults={"name": key, "level": level, "source": Source.IMPORT, "is_mandatory": False},
        )
    return procedure


@transaction.atomic
def parameter_register_imported(*, procedure: Procedure, key: str, type: str, unit: str = "", actor) -> Parameter:
    """Register a parameter a DCC file sends but the IMPReSS reference lacks, of the type of the element it came in."""
    last = procedure.parameters.order_by("-order").values_list("order", flat=True).first() or 0
    with audit_context(user=actor.pk if actor else None, action="procedures.parameter.registered_by_import"):
        parameter, _ = Parameter.objects.get_or_create(
            procedure=procedure, key=key,
            defaults={"name": key, "type": type, "unit": unit[:100], "source": Source.IMPORT,
                      "order": min(last + 1, 32767)},
        )
    return parameter


@transaction.atomic
def experiment_import(*, mouse: Mouse, procedure: Procedure, date_of_experiment: date, rows: list[ParameterValue],
                      actor, sequence_id: str = "", dcc_experiment_id: str = "", source_project: str = "",
                      source_pipeline: str = "", dcc_status_codes: list | None = None,
                      dcc_date_timezone: str = "") -> Experiment:
    """Store an experiment read from a DCC file with its values as given (unsaved `ParameterValue` rows).

    Unlike `experiment_record`, nothing is refused for being incomplete or outside today's code lists: the caller
    has reported that as warnings. What stays refused is what no record may be: a date in the future or before
    the mouse was born. No scheduled test is claimed: the history was not scheduled by this LIMS.

    Raises:
        ValidationError: the date is impossible for the mouse.
    """
    _check_date(mouse, date_of_experiment)
    for row in rows:
        if row.value and not row.status_code:
            row.out_of_range = row.parameter.is_out_of_range(row.value)
    with audit_context(user=actor.pk, action="procedures.experiment.imported"):
        experiment = Experiment(
            centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, procedure_version=procedure.version,
            date_of_experiment=date_of_experiment, sequence_id=sequence_id[:40], recorded_by=actor,
            dcc_experiment_id=dcc_experiment_id[:255], source_project=source_project[:100],
            source_pipeline=source_pipeline[:30],
            dcc_status_codes=dcc_status_codes or [], dcc_date_timezone=dcc_date_timezone,
        )
        experiment.full_clean()
        experiment.save()
        for row in rows:
            row.experiment = experiment
        ParameterValue.objects.bulk_create(rows)
    return experiment


@transaction.atomic
def line_experiment_import(*, colony: Colony, procedure: Procedure, date_of_experiment: date,
                           rows: list[LineParameterValue], actor, sequence_id: str = "", source_project: str = "",
                           source_pipeline: str = "",
                           dcc_status_codes: list | None = None) -> LineExperiment:
    """Store a `<line>` read from a DCC file with its values and status codes as given (see `experiment_import`).

    Raises:
        ValidationError: the colony is not of the actor's centre (an import writes only where its account could).
    """
    if colony.centre_id != getattr(actor, "centre_id", colony.centre_id) and not actor.is_superuser:
        raise ValidationError({"colony": ["That colony does not belong to your centre."]})
    codes = dcc_status_codes or []
    with audit_context(user=actor.pk, action="procedures.lineexperiment.imported"):
        experiment = LineExperiment(
            centre_id=colony.centre_id, colony=colony, procedure=procedure, procedure_version=procedure.version,
            date_of_experiment=date_of_experiment, status_code=(codes[0][0] if codes else "")[:120],
            recorded_by=actor, sequence_id=sequence_id[:40], source_project=source_project[:100],
            source_pipeline=source_pipeline[:30],
            dcc_status_codes=codes,
        )
        experiment.full_clean()
        experiment.save()
        for row in rows:
            row.line_experiment = experiment
        LineParameterValue.objects.bulk_create(rows)
    return experiment


@transaction.atomic
def housing_import(*, centre, procedure: Procedure, from_lims: bool, last_updated: date | None,
                   rows: list[HousingValue], actor, source_project: str = "",
                   source_pipeline: str = "") -> Housing:
    """Store a centre's `<housing>` block read from a DCC file, with its values as given.

    Raises:
        ValidationError: the centre is not the actor's.
    """
    if centre.pk != getattr(actor, "centre_id", centre.pk) and not actor.is_superuser:
        raise ValidationError({"centre": ["That is not your centre."]})
    with audit_context(user=actor.pk, action="procedures.housing.imported"):
        housing = Housing(centre=centre, procedure=procedure, from_lims=from_lims, last_updated=last_updated,
                          source_project=source_project[:100], source_pipeline=source_pipeline[:30],
                          recorded_by=actor)
        housing.full_clean()
        housing.save()
        for row in rows:
            row.housing = housing
        HousingValue.objects.bulk_create(rows)
    return housing
