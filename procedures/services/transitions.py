"""The status machine of a scheduled test (style.md B3): not performed, cancelled, missed, and closed with its mouse."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from colonies.models import Mouse
from lims.audit import audit_context
from lims.exceptions import InvalidTransition
from procedures.models import ScheduledTest
from procedures.validation import check_procedure_status_code

# The code a test closes with when its mouse leaves the study, as the DCC enumerates them (dcc-format.md §4).
CODE_FOR_MOUSE_STATUS = {Mouse.Status.DEAD: "IMPC_PSC_001", Mouse.Status.CULLED: "IMPC_PSC_002"}


def _transition(test: ScheduledTest, *, to: str, actor, action: str, reason: str = "", **fields) -> ScheduledTest:
    """Move one test to `to` if the table allows it, claiming the row so that two writers cannot both succeed.

    Raises:
        InvalidTransition: `to` is not reachable from the test's status, or another writer changed it first.
    """
    from_ = test.status
    if to not in ScheduledTest.TRANSITIONS.get(from_, set()):
        from_label, to_label = ScheduledTest.Status(from_).label.lower(), ScheduledTest.Status(to).label.lower()
        raise InvalidTransition(f"A {from_label} test cannot become {to_label}.")
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
