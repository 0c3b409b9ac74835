"""Writes for a centre's colony thresholds (`ColonySettings`) and its per-strain overrides (`StrainSetting`).

The rules in `colonies.services.rules` read these; a centre admin or colony manager changes them on Colony →
Settings. Checks keep the thresholds coherent (a wean window whose "usual" part lies inside the allowed part) and
the ID pattern usable (it must number the mice).
"""
import string

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import ColonySettings, StrainSetting
from colonies.services.common import audited
from lims.services import apply_fields, save_validated

PATTERN_TOKENS = {"centre", "colony", "year", "yy", "seq"}


def _pattern_errors(pattern: str) -> list[str]:
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return [f"The pattern is not valid: {exc}."]
    unknown = sorted({name for name, _ in fields} - PATTERN_TOKENS)
    errors = []
    if unknown:
        errors.append(f"Unknown token(s) {', '.join('{' + u + '}' for u in unknown)}; use "
                      f"{', '.join('{' + t + '}' for t in sorted(PATTERN_TOKENS))}.")
    if "seq" not in {name for name, _ in fields}:
        errors.append("The pattern must contain {seq} (the running number), e.g. {centre}-{yy}-{seq:05}.")
    return errors


def _check(settings: ColonySettings) -> None:
    errors: dict[str, list[str]] = {}
    pattern = _pattern_errors(settings.mouse_id_pattern)
    if pattern:
        errors["mouse_id_pattern"] = pattern
    order = [("wean_min_days", settings.wean_min_days), ("wean_usual_min_days", settings.wean_usual_min_days),
             ("wean_target_days", settings.wean_target_days), ("wean_usual_max_days", settings.wean_usual_max_days),
             ("wean_max_days", settings.wean_max_days)]
    for (low_name, low), (high_name, high) in zip(order, order[1:]):
        if low > high:
            errors.setdefault(high_name, []).append(
                f"{high_name.replace('_', ' ').capitalize()} ({high}) cannot be below "
                f"{low_name.replace('_', ' ')} ({low}): earliest ≤ usual earliest ≤ target ≤ usual latest ≤ latest.")
    if settings.max_females_per_mating < 1:
        errors["max_females_per_mating"] = ["A mating needs at least one female."]
    if settings.default_cage_capacity < 1:
        errors["default_cage_capacity"] = ["A cage holds at least one mouse."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def colony_settings_update(*, actor, centre, **fields) -> ColonySettings:
    """Change the centre's thresholds (the row is created with the defaults the first time)."""
    settings, _ = ColonySettings.objects.select_for_update().get_or_create(centre=centre)
    changed = apply_fields(settings, fields)
    _check(settings)
    with audited(actor, "colonies.colony_settings.updated"):
        return save_validated(settings, update_fields=changed)


@transaction.atomic
def strain_setting_set(*, actor, centre, strain, breeding_age_days=None, wean_target_days=None) -> StrainSetting:
    """Set (or clear, with both values empty) a strain's overrides for the centre."""
    row, _ = StrainSetting.objects.select_for_update().get_or_create(centre=centre, strain=strain)
    changed = apply_fields(row, {"breeding_age_days": breeding_age_days, "wean_target_days": wean_target_days})
    with audited(actor, "colonies.strain_setting.updated"):
        return save_validated(row, update_fields=changed)
