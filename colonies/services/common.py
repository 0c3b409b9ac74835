"""Helpers shared by the production and colony services: the actor's centre, audit naming, status stamps."""
from datetime import date

from django.core.exceptions import ValidationError

from colonies.models import StatusStamp
from lims.audit import audit_context
from lims.exceptions import Conflict


def centre_of(actor, centre=None):
    """The centre a new record belongs to: the one given (commands, demo) or the actor's own."""
    if centre is not None:
        return centre
    if actor is None or actor.centre_id is None:
        raise ValidationError({"centre": ["Your account belongs to no centre; ask a centre admin."]})
    return actor.centre


def audited(actor, action: str, reason: str = ""):
    """Name the domain verb of the writes that follow; the user's own reason (if any) stays as given."""
    return audit_context(user=actor.pk if actor else None, action=action, reason=reason)


def stamps_sync(*, record, holding: list[str], today: date | None = None, first_date: date | None = None) -> None:
    """Keep one stamp per status that holds (dated the day it was first reached) and drop the others.

    `record` is any model with a `stamps` reverse relation from StatusStamp. `first_date` dates the first status
    of the list (iMits forces "in progress" to the injection date).
    """
    link = record.stamps.field.name
    today = today or date.today()
    stamps = StatusStamp.objects.filter(**{link: record})
    stamps.exclude(status__in=holding).delete()
    existing = set(stamps.values_list("status", flat=True))
    StatusStamp.objects.bulk_create([
        StatusStamp(**{link: record}, status=status, reached_on=first_date if (i == 0 and first_date) else today)
        for i, status in enumerate(holding) if status not in existing
    ])


def status_follow(record, holding: list[str], changed: list[str] | None) -> None:
    """Set a production record's status to the last status that holds (its status is derived, never typed), and
    add "status" to the fields an update saves when it moved (`changed` is None on create: every field is saved)."""
    if changed is not None and holding[-1] != record.status:
        changed.append("status")
    record.status = holding[-1]


def not_in_future(errors: dict, field: str, value: date | None, label: str) -> None:
    if value is not None and value > date.today():
        errors.setdefault(field, []).append(f"{label} cannot be in the future.")


def normalise_name(value: str) -> str:
    """Trim and collapse white space, as iMits does before comparing names."""
    return " ".join((value or "").split())


def mark_aborted(instance, *, reason: str) -> str:
    """Check an abort request and set is_active = false with the reason; return the cleaned reason.

    Every production machine aborts the same way: a reason is required and an aborted record stays aborted.

    Raises:
        Conflict: already aborted.
        ValidationError: no usable reason.
    """
    noun = instance._meta.verbose_name
    if not instance.is_active:
        raise Conflict(f"This {noun} is already aborted.")
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [f"Say why the {noun} is aborted."]})
    instance.is_active, instance.aborted_reason = False, reason
    return reason
