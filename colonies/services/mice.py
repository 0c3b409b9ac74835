"""Writes for mice (colony management proper grows here: cages, matings, litters)."""
from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import Mouse
from colonies.services.common import audited, centre_of, not_in_future
from lims.services import apply_fields, save_validated


def _mouse_check(mouse: Mouse) -> None:
    errors: dict[str, list[str]] = {}
    not_in_future(errors, "date_of_birth", mouse.date_of_birth, "The date of birth")
    if not mouse.is_baseline and mouse.colony_id is None:
        errors["colony"] = ["A mutant mouse belongs to a colony; tick 'baseline' for a control."]
    if mouse.is_baseline and mouse.zygosity != Mouse.Zygosity.WILD_TYPE:
        errors["zygosity"] = ["A baseline control is wild type."]
    if mouse.colony_id and mouse.colony.centre_id != mouse.centre_id:
        errors["colony"] = ["That colony does not belong to your centre."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mouse_create(*, actor, centre=None, **fields) -> Mouse:
    """Register a mouse of a colony (mutant) or a baseline control."""
    mouse = Mouse(centre=centre_of(actor, centre), **fields)
    _mouse_check(mouse)
    with audited(actor, "colonies.mouse.created"):
        return save_validated(mouse)


@transaction.atomic
def mouse_update(*, instance: Mouse, actor, **fields) -> Mouse:
    """Change a mouse; when it dies or is culled its open phenotyping tests close by themselves (IMPC_PSC_001/002)."""
    changed = apply_fields(instance, fields)
    _mouse_check(instance)
    with audited(actor, "colonies.mouse.updated"):
        mouse = save_validated(instance, update_fields=changed)
    if "status" in changed:
        from procedures.services import scheduled_tests_close_for_mouse  # procedures imports colonies

        scheduled_tests_close_for_mouse(mouse=mouse, actor=actor)
    return mouse
