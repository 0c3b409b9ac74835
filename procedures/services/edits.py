"""After recording: corrections of an experiment's values (the QC lock is `procedures.services.qc`)."""
from django.core.exceptions import ValidationError
from django.db import transaction

from lims.audit import audit_context
from lims.exceptions import Conflict
from lims.services import reason_check
from lims.versioning import version_check
from procedures.models import Experiment
from procedures.services.values import EnteredValue, entered_values_check, range_warnings, warnings_confirm


def _entries_of(experiment: Experiment) -> dict[str, list[EnteredValue]]:
    """The experiment's recorded values as entries, so an edit is checked whole, like a new record."""
    entries: dict[str, list[EnteredValue]] = {}
    for row in experiment.values.select_related("parameter"):
        entries.setdefault(row.parameter.key, []).append(
            EnteredValue(value=row.value, status_code=row.status_code, increment=row.increment)
        )
    return entries


def _values_write(experiment: Experiment, changes: dict, existing: dict) -> None:
    """Save the changed values in place (a new parameter or increment is added): the audit trail keeps old → new."""
    for key, row in changes.items():
        old = existing.get(key)
        if old is None:
            row.experiment = experiment
            row.save()
            continue
        old.value, old.status_code, old.out_of_range = row.value, row.status_code, row.out_of_range
        fields = ["value", "status_code", "out_of_range", "updated_at"]
        if not old.kind and old.unit is not None:
            # Typed under an earlier IMPReSS unit; the new value is typed against today's (the form's label).
            old.unit = None
            fields.append("unit")
        old.save(update_fields=fields)


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
            for r in entered_values_check(experiment.procedure, merged, kept=frozenset(recorded))}
    existing = {(r.parameter.key, r.increment): r for r in experiment.values.select_related("parameter")}
    removed = sorted({key for key, inc in set(existing) - set(rows)})
    if removed:
        raise ValidationError({key: ["A recorded value cannot be removed; give a parameter status code instead."]
                               for key in removed})
    changes = {key: row for key, row in rows.items() if key not in existing
               or (existing[key].value, existing[key].status_code) != (row.value, row.status_code)}
    warnings = range_warnings(list(changes.values()))
    note = warnings_confirm(warnings, confirm=confirm)
    action = "procedures.experiment.edited_after_qc" if experiment.is_qc_locked else "procedures.experiment.edited"
    with audit_context(user=actor.pk, action=action, reason=" ".join(part for part in (reason, note) if part)):
        _values_write(experiment, changes, existing)
        changed = bool(changes)
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
