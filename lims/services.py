"""Writes shared by every app: voiding a record, and the generic create/update that services build on."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lims.audit import audit_context
from lims.exceptions import Conflict
from lims.integrity import name_constraint_errors, unique_violation_error


#: The shortest reason a person may give for changing what is on record: voiding it, editing a QC-locked
#: experiment, correcting an identity the DCC already has. Ten characters say why; "x" does not.
MIN_REASON_LENGTH = 10


def reason_check(reason: str, *, ask: str, field: str = "reason") -> str:
    """Return `reason` trimmed, or refuse it when shorter than MIN_REASON_LENGTH; `ask` says what to explain.

    Raises:
        ValidationError: on `field`, e.g. "Say why the record is voided (at least 10 characters)."
    """
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({field: [f"{ask} (at least {MIN_REASON_LENGTH} characters)."]})
    return reason


@transaction.atomic
def record_void(*, record, reason: str, actor) -> None:
    """Void a scientific record with a reason instead of deleting it.

    Raises:
        ValidationError: the reason is shorter than MIN_REASON_LENGTH.
        Conflict: the record is already voided.
    """
    reason = reason_check(reason, ask="Say why the record is voided")
    model = type(record)
    action = f"{model._meta.app_label}.{model._meta.model_name}.voided"
    with audit_context(action=action, reason=reason, user=actor.pk):
        updated = model.objects.filter(pk=record.pk, voided_at__isnull=True).update(
            voided_at=timezone.now(), void_reason=reason, updated_at=timezone.now()
        )
    if updated != 1:
        raise Conflict("This record is already voided.")
    record.refresh_from_db()


def apply_fields(instance, fields: dict) -> list[str]:
    """Copy validated fields onto `instance`; return the names that changed (for save(update_fields=…))."""
    changed = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def save_validated(instance, *, update_fields: list[str] | None = None):
    """full_clean() then save(); Django ValidationError surfaces as field errors (400) in API and forms.

    A unique value taken by a concurrent save between the check and the insert (the database refuses it) raises
    the same field error as the check would have (`lims.integrity`). No savepoint is needed: the error leaves the
    service's atomic block, which rolls back; callers that go on after an error run each service in a savepoint.
    """
    try:
        instance.full_clean()
    except ValidationError as error:
        raise name_constraint_errors(instance, error) from None
    if update_fields is not None:
        if not update_fields:
            return instance
        update_fields = list(update_fields) + ["updated_at"] if hasattr(instance, "updated_at") else update_fields
    try:
        instance.save(update_fields=update_fields)
    except IntegrityError as error:
        mapped = unique_violation_error(error)
        if mapped is None:
            raise
        raise mapped from error
    return instance
