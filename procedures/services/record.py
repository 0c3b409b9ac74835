"""Recording experiments of mice: one (the form, the API), many all or none (the API's bulk), or a file's worth in a
few queries (`ExperimentBatch`, for uploads)."""
from collections import Counter, deque
from datetime import date
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from colonies.models import Mouse
from colonies.services import phenotyping_started_for, phenotyping_started_for_cohorts
from lims.audit import audit_context
from lims.copy import copy_rows
from lims.exceptions import Conflict, DomainError
from procedures.models import Experiment, ExperimentDraft, ParameterValue, Procedure, ScheduledTest
from procedures.services.values import (
    CheckedValue,
    EnteredValue,
    ValuesNeedConfirmation,
    entered_values_check,
    entered_values_checked,
    experiment_date_check,
    range_warnings,
    warnings_confirm,
    window_warnings,
)


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
    experiment_date_check(mouse, date_of_experiment)
    if scheduled_test is not None and (scheduled_test.mouse_id != mouse.pk
                                       or scheduled_test.procedure_id != procedure.pk):
        raise ValidationError({"scheduled_test": ["That scheduled test is for another mouse or procedure."]})
    rows = entered_values_check(procedure, values)
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
    ones with COPY from tuples (`lims.copy.copy_rows`; the audit triggers see every row). What it does per
    experiment is what `experiment_record` does: the mouse's earliest scheduled test of the procedure becomes done,
    `sequence_id` counts the mouse's experiments of the procedure, the cohort moves to Phenotyping Started.

    All or nothing is the caller's: run it inside one transaction and roll back when any experiment was refused.

        batch = ExperimentBatch(procedure=procedure, actor=actor, mice=mice)
        batch.add(key, mouse=…, date_of_experiment=…, values=…)   # raises ValidationError, nothing queued
        conflicts = batch.write()                                  # [(key, Conflict)]; nothing written if any
    """

    # Checked by the batch itself (they come from its own queries), so `clean_fields` need not fetch each one.
    RESOLVED = ("centre", "mouse", "procedure", "scheduled_test", "recorded_by", "qc_locked_by")
    # The fields a row gives; every other field is the same on each experiment of the batch and checked once.
    PER_ROW = ("date_of_experiment", "experimenter")
    # What a queued experiment's row holds (`lims.copy.copy_rows`); the other columns take their defaults.
    EXPERIMENT_COLUMNS = ("centre_id", "mouse_id", "procedure_id", "procedure_version", "scheduled_test_id",
                          "date_of_experiment", "sequence_id", "experimenter", "recorded_by_id", "confirmed_warnings")
    # What a row reads of its scheduled test: its key and its window (`window_warnings`); mouse and procedure are set.
    TEST_FIELDS = ("pk", "mouse_id", "procedure_id", "due_date", "window_start", "window_end")
    VALUE_COLUMNS = ("experiment_id", "parameter_id", "increment", "value", "status_code", "out_of_range")

    def __init__(self, *, procedure: Procedure, actor, mice):
        self.procedure, self.actor = procedure, actor
        self.parameters = {p.key: p for p in procedure.parameters.all()}
        mouse_ids = [m.pk for m in mice]
        self._tests: dict[int, deque] = {}
        for test in (ScheduledTest.objects.filter(mouse_id__in=mouse_ids, procedure=procedure,
                                                  status=ScheduledTest.Status.SCHEDULED)
                     .only(*self.TEST_FIELDS).order_by("mouse_id", "due_date")):
            self._tests.setdefault(test.mouse_id, deque()).append(test)
        self._sequence = Counter(dict(
            Experiment.objects.filter(mouse_id__in=mouse_ids, procedure=procedure).order_by()
            .values("mouse_id").annotate(n=Count("pk")).values_list("mouse_id", "n")))
        self._pending: list[_Queued] = []
        self._cohorts_started: set[tuple[int, int]] = set()
        self.created = 0
        # One Experiment checks every row with the model's own field rules (`clean_fields`, `clean`): the fields
        # that do not change from row to row are checked here once, a row's own fields on each `add`.
        self._model = Experiment(procedure=procedure, procedure_version=procedure.version, recorded_by=actor)
        names = [f.name for f in Experiment._meta.concrete_fields]
        self._constant_fields = [n for n in names if n not in self.PER_ROW]
        self._constant_error = None
        try:
            self._model.clean_fields(exclude=[*self.RESOLVED, *self.PER_ROW])
        except ValidationError as exc:
            self._constant_error = exc  # raised by every row, as each row's own check would have raised it

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
        experiment_date_check(mouse, date_of_experiment)
        rows = entered_values_checked(self.procedure, values, self.parameters)
        checked = self._fields_check(mouse, date_of_experiment, experimenter)
        tests = self._tests.get(mouse.pk)
        test = tests.popleft() if tests else None
        if test is not None:
            test.mouse, test.procedure = mouse, self.procedure
        self._sequence[mouse.pk] += 1
        warnings = range_warnings(rows) + window_warnings(test, date_of_experiment)
        confirmed = [message for _, message in warnings] if warnings_confirm(warnings, confirm=confirm) else []
        self._pending.append(_Queued(key, mouse, test, (
            mouse.centre_id, mouse.pk, self.procedure.pk, self.procedure.version, test.pk if test else None,
            checked.date_of_experiment, str(self._sequence[mouse.pk]), checked.experimenter, self.actor.pk,
            confirmed), rows))

    def _fields_check(self, mouse: Mouse, date_of_experiment: date, experimenter: str) -> Experiment:
        """The row's experiment through the model's `clean_fields` and `clean`, as `experiment_record`'s
        `full_clean` checks it; returns the checked instance (its fields as they will be stored)."""
        if self._constant_error is not None:
            raise self._constant_error
        experiment = self._model
        experiment.centre_id, experiment.mouse = mouse.centre_id, mouse
        experiment.date_of_experiment, experiment.experimenter = date_of_experiment, experimenter
        experiment.clean_fields(exclude=self._constant_fields)
        experiment.clean()
        return experiment

    def discard(self) -> None:
        """Drop what is queued (the file is refused anyway: writing it would only be rolled back)."""
        self._pending = []

    def take(self) -> list["_Queued"]:
        """Hand over what is queued, to `write` later: an upload checks its next rows while these are written."""
        pending, self._pending = self._pending, []
        return pending

    def write(self, pending: list["_Queued"] | None = None) -> list[tuple[object, DomainError]]:
        """Write the queued experiments (or those `take` handed over), their values and their tests' new status;
        return per-key conflicts.

        The queued tests are locked first: one recorded meanwhile (a technician on the form, a second upload) is
        reported against its key with the form's words, and then nothing of this call is written.
        """
        if pending is None:
            pending = self.take()
        if not pending:
            return []
        test_ids = [q.test.pk for q in pending if q.test is not None]
        if test_ids:
            still_open = set(ScheduledTest.objects.select_for_update().filter(
                pk__in=test_ids, status=ScheduledTest.Status.SCHEDULED).values_list("pk", flat=True))
            conflicts = [(q.key, Conflict("This test has already been recorded or is no longer scheduled."))
                         for q in pending if q.test is not None and q.test.pk not in still_open]
            if conflicts:
                return conflicts
        confirmed = sum(1 for q in pending if q.experiment[-1])
        note = (f"Confirmed warnings on {confirmed} experiment{'s' if confirmed != 1 else ''} (each keeps its own in "
                "confirmed_warnings).") if confirmed else ""
        with audit_context(user=self.actor.pk, action="procedures.experiment.recorded", reason=note):
            # COPY from tuples, not model instances: the rows are checked already, and building ~90,000 instances
            # was most of an upload's time; the triggers audit each row with this context all the same.
            ids = copy_rows(Experiment, self.EXPERIMENT_COLUMNS, [q.experiment for q in pending])
            copy_rows(ParameterValue, self.VALUE_COLUMNS, [
                (pk, row.parameter.pk, row.increment, row.value, row.status_code, row.out_of_range)
                for pk, q in zip(ids, pending, strict=True) for row in q.rows])
            if test_ids:
                ScheduledTest.objects.filter(pk__in=test_ids, status=ScheduledTest.Status.SCHEDULED).update(
                    status=ScheduledTest.Status.DONE, updated_at=timezone.now())
        # Once per colony, not per row, and outside the block above: a nested context would rename its action.
        cohorts = {(q.mouse.colony_id, q.mouse.centre_id) for q in pending if q.mouse.colony_id is not None}
        if cohorts - self._cohorts_started:
            phenotyping_started_for_cohorts(cohorts=cohorts - self._cohorts_started, actor=self.actor)
            self._cohorts_started |= cohorts
        self.created += len(ids)
        return []


class _Queued(NamedTuple):
    """An experiment checked by `ExperimentBatch.add`: its row for COPY (`EXPERIMENT_COLUMNS`) and its values."""

    key: object
    mouse: Mouse
    test: ScheduledTest | None
    experiment: tuple
    rows: list[CheckedValue]


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
