"""Writes for individual mice: registering one (ID from the centre's pattern), changing it, correcting the identity
the DCC already has, and what a death does."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.hooks import mouse_status_changed
from colonies.models import Cage, Mouse
from colonies.services.common import audited, centre_of, not_in_future
from colonies.services.dcc_lock import (
    MOUSE_CORRECTABLE,
    MOUSE_KEY,
    mouse_lock_check,
    wait_no_build_if_identity_changes,
)
from colonies.services.reminders import reminders_touch
from colonies.services.rules import Findings
from lims.services import apply_fields, reason_check, save_validated
from lims.versioning import version_bump, version_check

#: Fields that say what the DCC file called the mouse's colony or strain; a change of colony, strain or baseline
#: flag on the bench makes them stale, so `mouse_update` clears them unless they are given too.
_DCC_IDENTITY_FIELDS = ("dcc_colony_id", "dcc_strain_id")
#: The fields of a mouse its reminders depend on (alive, of a colony, its age, its litter's responsible person); a
#: change of ear mark or notes leaves the to-do list alone and costs no refresh.
_REMINDER_FIELDS = {"status", "date_of_birth", "colony", "litter"}


def _mouse_check(mouse: Mouse, *, imported: bool = False) -> list[str]:
    """Refuse what a mouse cannot be; return the warnings an import keeps instead of refusing.

    With `imported` (a DCC specimen file moving a centre's history in), a baseline recorded with a zygosity other
    than wild type is kept as the file says and reported as a warning; typed at the bench it is refused.
    """
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    if mouse.kind == Mouse.Kind.EMBRYO:
        if mouse.date_of_birth is not None:
            errors["date_of_birth"] = ["An embryo has a stage, not a date of birth."]
        if not mouse.stage or not mouse.stage_unit:
            errors["stage"] = ["An embryo needs its stage and stage unit."]
    else:
        if mouse.date_of_birth is None:
            errors["date_of_birth"] = ["A mouse needs its date of birth."]
        if mouse.stage or mouse.stage_unit:
            errors["stage"] = ["Only an embryo has a stage; a mouse has a date of birth."]
    not_in_future(errors, "date_of_birth", mouse.date_of_birth, "The date of birth")
    if mouse.specimen_status_date and not mouse.specimen_status_code:
        errors["specimen_status_date"] = ["A specimen status date goes with a specimen status code."]
    if not mouse.is_baseline and mouse.colony_id is None:
        errors["colony"] = ["A mutant mouse belongs to a colony; tick 'baseline' for a control."]
    if mouse.is_baseline and mouse.zygosity not in ("", Mouse.Zygosity.WILD_TYPE):
        if imported:
            warnings.append(f"baseline recorded {mouse.zygosity}, kept as given (a baseline control is wild type; "
                            "the export pre-flight reports it).")
        else:
            errors["zygosity"] = ["A baseline control is wild type."]
    if mouse.colony_id and mouse.colony.centre_id != mouse.centre_id:
        errors["colony"] = ["That colony does not belong to your centre."]
    if mouse.litter_id and mouse.litter.centre_id != mouse.centre_id:
        errors["litter"] = ["That litter does not belong to your centre."]
    if (mouse.status != Mouse.Status.ALIVE and mouse.status_date and mouse.date_of_birth
            and mouse.status_date < mouse.date_of_birth):
        errors["status_date"] = [f"The {mouse.get_status_display().lower()} date cannot be before the birth date."]
    if errors:
        raise ValidationError(errors)
    return warnings


@transaction.atomic
def mouse_create(*, actor, centre=None, cage: Cage | None = None, placed_on: date | None = None,
                 specimen_id: str = "", **fields) -> Mouse:
    """Register a mouse of a colony (mutant) or a baseline control, optionally straight into a cage.

    A blank `specimen_id` takes the next ID of the centre's pattern (`ColonySettings.mouse_id_pattern`).
    """
    from colonies.services.housing import breeding_cage_findings, cages_lock, capacity_findings, next_mouse_id, place

    centre = centre_of(actor, centre)
    specimen_id = (specimen_id or "").strip() or next_mouse_id(centre, colony=fields.get("colony"))
    mouse = Mouse(centre=centre, specimen_id=specimen_id, **fields)
    if mouse.litter_id:
        mouse.litter_code = mouse.litter_code or mouse.litter.code
    _mouse_check(mouse)
    if cage is not None:
        placed_on = placed_on or max(mouse.date_of_birth or cage.opened_on, cage.opened_on)
        findings = Findings()
        if cage.centre_id != centre.pk:
            findings.error("cage", "That cage does not belong to your centre.")
        else:
            cages_lock([cage])
            capacity_findings(findings, {cage: [mouse]})
            breeding_cage_findings(findings, {cage: [mouse]}, placed_on)
        findings.check(confirm=True)
    with audited(actor, "colonies.mouse.created"):
        mouse = save_validated(mouse)
        if cage is not None:
            place([mouse], cage, placed_on, "registered")
        reminders_touch(centre=centre, mice=[mouse])
    return mouse


@transaction.atomic
def mouse_import(*, actor, centre, specimen_id: str, **fields) -> tuple[Mouse, list[str]]:
    """Register a mouse (or embryo) read from a DCC specimen file, as the file says; return it and the warnings.

    The import path of `mouse_create`: the same checks, except that legacy facts the bench refuses today (a baseline
    recorded homozygous) are kept and returned as warnings, because the file is the historical record. Nothing is
    placed in a cage and no ID is generated: the specimenID is the file's.
    """
    mouse = Mouse(centre=centre, specimen_id=(specimen_id or "").strip(), **fields)
    warnings = _mouse_check(mouse, imported=True)
    with audited(actor, "colonies.mouse.imported"):
        mouse = save_validated(mouse)
    return mouse, warnings


@transaction.atomic
def mouse_update(*, instance: Mouse, actor, version: int | None = None, **fields) -> Mouse:
    """Change a mouse.

    When it leaves the colony (dead, culled, exported, used) it leaves its cage and matings that day and its open
    phenotyping tests close by themselves (IMPC_PSC_001/002). Giving it a litter checks the pedigree for loops.

    Raises:
        Conflict: the mouse was sent to the DCC and its specimen ID would change, or its sex, birth, colony or
            strain would change outside `mouse_correct` (`colonies.services.dcc_lock`); or `version` is stale.
    """
    return _mouse_change(instance=instance, actor=actor, version=version, fields=fields,
                         action="colonies.mouse.updated", correcting=False)


@transaction.atomic
def mouse_correct(*, instance: Mouse, actor, reason: str, version: int | None = None, **fields) -> Mouse:
    """Correct the identity of a mouse the DCC already has (sex, date of birth or stage, kind, colony, strain,
    baseline flag), with a reason.

    What the DCC format can carry: the specimen keeps its specimenID, so the next export sends it to `edit/` with
    the corrected attributes (the ledger sees its content change); the reason is kept in the mouse's history with
    the action `colonies.mouse.corrected`. Every check of an edit applies. The specimen ID itself is never corrected
    once sent (see `colonies.services.dcc_lock`).

    Raises:
        ValidationError: the reason is shorter than `lims.services.MIN_REASON_LENGTH`, a field is not an identity
            field, or the corrected mouse breaks a rule.
        Conflict: `specimen_id` of a sent mouse, or `version` is stale.
    """
    reason = reason_check(reason, ask="Say why the mouse's identity is corrected")
    others = sorted(set(fields) - set(MOUSE_CORRECTABLE) - {MOUSE_KEY})
    if others:
        raise ValidationError({name: ["A correction changes identity fields only; change this one by editing the "
                                      "mouse."] for name in others})
    return _mouse_change(instance=instance, actor=actor, version=version, fields=fields,
                         action="colonies.mouse.corrected", correcting=True, reason=reason)


def _mouse_change(*, instance: Mouse, actor, version: int | None, fields: dict, action: str, correcting: bool,
                  reason: str = "") -> Mouse:
    from colonies.services.breeding import pedigree_loop_findings
    from colonies.services.housing import close_life

    was_alive = instance.is_alive
    wait_no_build_if_identity_changes(instance, fields, (MOUSE_KEY, *MOUSE_CORRECTABLE))
    version_check(instance, version)  # 409 when the client edited a stale version
    changed = apply_fields(instance, fields)
    if correcting and not changed:
        raise ValidationError({"non_field_errors": ["Nothing to correct: every value given is the one on record."]})
    mouse_lock_check(instance, changed, correcting=correcting)
    if {"colony", "strain", "is_baseline"} & set(changed):
        for name in _DCC_IDENTITY_FIELDS:
            if name not in fields and getattr(instance, name):
                setattr(instance, name, "")
                changed.append(name)
    if "status" in changed and instance.status != Mouse.Status.ALIVE and instance.status_date is None:
        instance.status_date = date.today()
        changed.append("status_date")
    _mouse_check(instance)
    if "litter" in changed and instance.litter_id:
        findings = Findings()
        pedigree_loop_findings(findings, instance, instance.litter)
        findings.check(confirm=True)
        if "litter_code" not in fields:  # the DCC litterId follows the litter
            instance.litter_code = instance.litter.code
            changed.append("litter_code")
    with audited(actor, action, reason):
        mouse = save_validated(instance, update_fields=version_bump(instance, changed))
        if was_alive and not mouse.is_alive:
            close_life([mouse], mouse.status_date)
        if _REMINDER_FIELDS & set(changed):  # a dead mouse's jobs go, a new birth date moves them
            reminders_touch(centre=mouse.centre_id, mice=[mouse])
    if "status" in changed:
        mouse_status_changed(mouse=mouse, actor=actor)  # phenotyping closes the tests of a dead or culled mouse
    return mouse
