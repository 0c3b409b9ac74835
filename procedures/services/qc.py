"""The QC lock a data wrangler puts on an experiment, and takes off again, one at a time or on ticked experiments.

A lock says "these values are validated": later edits need a reason and send the experiment again. Unlocking (to
re-check an experiment locked by mistake, or before a batch correction) always needs a reason. Locking or unlocking
several experiments is one call that answers for each: one already locked (or already unlocked) is a 409 for that
experiment only, exactly what the single action answers, and the others are still done.
"""
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lims.audit import audit_context
from lims.exceptions import Conflict, DomainError
from lims.roles import can_write
from lims.services import reason_check
from procedures.exceptions import NotAllowed
from procedures.models import Experiment

LOCK, UNLOCK = "lock", "unlock"


def _may_qc(actor, verb: str) -> None:
    if not can_write(actor, "qc"):
        raise NotAllowed(f"Only a data wrangler may QC-{verb} an experiment.")


@transaction.atomic
def experiment_qc_lock(*, experiment: Experiment, actor, reason: str = "") -> Experiment:
    """Lock a validated experiment: a data wrangler vouches for it, so later edits must say why.

    Raises:
        NotAllowed: the actor is not a data wrangler (or centre admin).
        Conflict: the experiment is a draft, voided or already locked.
    """
    _may_qc(actor, "lock")
    if experiment.voided_at is not None:
        raise Conflict("A voided experiment cannot be QC-locked.")
    if experiment.status != Experiment.Status.SUBMITTED:
        raise Conflict("A draft cannot be QC-locked; submit it first.")
    return _claim(experiment, actor=actor, lock=True, reason=reason,
                  refused="This experiment is already QC-locked.")


@transaction.atomic
def experiment_qc_unlock(*, experiment: Experiment, actor, reason: str) -> Experiment:
    """Take the QC lock off, with the reason kept in the experiment's history.

    Raises:
        NotAllowed: the actor is not a data wrangler (or centre admin).
        ValidationError: the reason is shorter than MIN_REASON_LENGTH.
        Conflict: the experiment is voided or not locked.
    """
    _may_qc(actor, "unlock")
    reason = reason_check(reason, ask="Say why the QC lock is taken off")
    if experiment.voided_at is not None:
        raise Conflict("A voided experiment cannot be QC-unlocked.")
    return _claim(experiment, actor=actor, lock=False, reason=reason, refused="This experiment is not QC-locked.")


def _claim(experiment: Experiment, *, actor, lock: bool, reason: str, refused: str) -> Experiment:
    """Lock or unlock in one conditional UPDATE (two wranglers at once: one wins, the other gets `refused`, 409)."""
    now = timezone.now()
    action = "procedures.experiment.qc_locked" if lock else "procedures.experiment.qc_unlocked"
    with audit_context(user=actor.pk, action=action, reason=reason):
        changed = Experiment.objects.filter(pk=experiment.pk, qc_locked_at__isnull=lock).update(
            qc_locked_at=now if lock else None, qc_locked_by=actor if lock else None, updated_at=now)
    if changed != 1:
        raise Conflict(refused)
    experiment.refresh_from_db()
    return experiment


@dataclass(frozen=True)
class QcResult:
    """What became of one ticked experiment: `status` as the single action would answer (200, 409, 404)."""

    experiment_id: int
    status: int
    message: str
    experiment: Experiment | None = None

    @property
    def done(self) -> bool:
        return self.status == 200


def experiments_qc_set(*, experiments, ids: list[int], action: str, reason: str, actor) -> list[QcResult]:
    """Lock or unlock the experiments `ids` of `experiments` (the actor's scoped queryset), each with `reason`.

    Each experiment is locked or unlocked on its own (a savepoint each), so one already locked does not undo the
    others; an id that is not in `experiments` (another centre's, voided, unknown) is a 404 for that id. The reason
    is asked for both actions here: ticking many at once is a decision worth a sentence in every history.

    Raises:
        NotAllowed: the actor is not a data wrangler (nothing is done).
        ValidationError: the reason is too short, the action unknown or no experiment ticked (nothing is done).
    """
    if action not in (LOCK, UNLOCK):
        raise ValidationError({"action": [f"Choose {LOCK} or {UNLOCK}."]})
    _may_qc(actor, action)
    reason = reason_check(reason, ask=f"Say why these experiments are QC-{action}ed")
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError({"experiments": ["Tick at least one experiment."]})
    found = {e.pk: e for e in experiments.filter(pk__in=ids, voided_at__isnull=True)}
    results = []
    for pk in ids:
        experiment = found.get(pk)
        if experiment is None:
            results.append(QcResult(pk, 404, f"Experiment {pk} was not found."))
            continue
        try:
            with transaction.atomic():
                if action == LOCK:
                    experiment_qc_lock(experiment=experiment, actor=actor, reason=reason)
                else:
                    experiment_qc_unlock(experiment=experiment, actor=actor, reason=reason)
        except DomainError as exc:
            results.append(QcResult(pk, exc.status, f"{experiment}: {exc.message}", experiment))
        else:
            results.append(QcResult(pk, 200, f"{experiment} is QC-{action}ed.", experiment))
    return results


__all__ = ["LOCK", "UNLOCK", "QcResult", "experiment_qc_lock", "experiment_qc_unlock", "experiments_qc_set"]
