"""Writes for a centre's colony thresholds (`ColonySettings`) and its per-strain overrides (`StrainSetting`).

The rules in `colonies.services.rules` read these; a centre admin or colony manager changes them on Colony →
Settings. Checks keep the thresholds coherent (a wean window whose "usual" part lies inside the allowed part) and
the ID pattern usable (it must number the mice).
"""
import re
import string

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import ColonySettings, Mouse, StrainSetting
from colonies.services.common import audited
from lims.identifiers import identifier_problem
from lims.services import apply_fields, save_validated

PATTERN_TOKENS = {"centre", "colony", "year", "yy", "seq"}


#: The widest zero-padded number {seq:0N} may ask for: the counter holds 10 digits at most, and a wider number only
#: pads (the probe saved {seq:999999999}; one mouse then took 1.6 s and a 100 MB string before failing).
MAX_SEQ_WIDTH = 9
_SEQ_SPEC = re.compile(r"0?([1-9])")


def _pattern_tokens(pattern: str, known: set[str]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(name, spec, conversion) of each token of `pattern`, and what is wrong with it: unparsable, or a token
    outside `known` (the mouse ID pattern's tokens, or the colony name pattern's)."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(pattern)
                  if name is not None]
    except ValueError as exc:
        return [], [f"The pattern is not valid: {exc}."]
    unknown = sorted({name for name, _, _ in fields} - known)
    if unknown:
        return fields, [f"Unknown token(s) {', '.join('{' + u + '}' for u in unknown)}; use "
                        f"{', '.join('{' + t + '}' for t in sorted(known))}."]
    return fields, []


def _pattern_errors(pattern: str, *, centre_code: str = "H") -> list[str]:
    """What keeps `pattern` from numbering mice with IDs the LIMS and the DCC accept, in words."""
    fields, errors = _pattern_tokens(pattern, PATTERN_TOKENS)
    if errors and not fields:
        return errors
    if "seq" not in {name for name, _, _ in fields}:
        errors.append("The pattern must contain {seq} (the running number), e.g. {centre}-{yy}-{seq:05}.")
    for name, spec, conversion in fields:
        if conversion or (spec and name != "seq"):
            errors.append(f"Only {{seq}} takes a width, as {{seq:05}}; write {{{name}}} without "
                          f"'{('!' + conversion) if conversion else ':' + spec}'.")
        elif name == "seq" and spec and not _SEQ_SPEC.fullmatch(spec):
            errors.append(f"{{seq:{spec}}}: give the number's width as 1 to {MAX_SEQ_WIDTH} digits, e.g. {{seq:05}}.")
    if errors:
        return errors
    longest = _SEQ_RE.sub("9" * MAX_SEQ_WIDTH, pattern).format(centre=centre_code, colony="BL", year="2026", yy="26")
    problem = identifier_problem(longest)
    if problem:
        errors.append(f"The IDs it gives (e.g. {longest!r}) are not valid mouse IDs: this {problem}.")
    limit = Mouse._meta.get_field("specimen_id").max_length
    if len(longest) > limit:
        errors.append(f"The IDs it gives (e.g. {longest[:30]!r}…) are longer than {limit} characters.")
    return errors


_SEQ_RE = re.compile(r"\{seq(?::[^}]*)?\}")

COLONY_NAME_TOKENS = {"centre", "gene", "attempt", "es_cell", "n"}


def colony_name_pattern_errors(pattern: str) -> list[str]:
    """What keeps `pattern` from naming colonies, in words ([] when it is usable; `colonies.production.prefill`)."""
    fields, errors = _pattern_tokens(pattern, COLONY_NAME_TOKENS)
    if errors:
        return errors
    if any(spec or conversion for _, spec, conversion in fields):
        return ["Write each token without a width or conversion, e.g. {centre}-{gene}-{n}."]
    return []


def _check(settings: ColonySettings) -> None:
    errors: dict[str, list[str]] = {}
    pattern = _pattern_errors(settings.mouse_id_pattern, centre_code=settings.centre.code)
    if pattern:
        errors["mouse_id_pattern"] = pattern
    colony_pattern = colony_name_pattern_errors(settings.colony_name_pattern)
    if colony_pattern:
        errors["colony_name_pattern"] = colony_pattern
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
