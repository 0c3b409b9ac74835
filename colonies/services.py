"""Writes for production and colonies: every create and change goes through one of these functions.

Each service runs in a transaction, validates with `full_clean()` (field errors become 400s), saves, and names the
domain verb in the audit context. Status of an attempt is derived here from its data, never written by a user.
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import Colony, EsCell, MicroInjection, Mouse, Plan, StatusStamp
from lims.audit import audit_context
from lims.services import apply_fields, save_validated


def _centre_of(actor, centre=None):
    if centre is not None:
        return centre
    if actor.centre_id is None:
        raise ValidationError({"centre": ["Your account belongs to no centre; ask a centre admin."]})
    return actor.centre


def _audit(actor, action: str):
    """Name the domain verb of the writes that follow; the user's own reason (if any) stays as given."""
    return audit_context(user=actor.pk if actor else None, action=action)


# --- Plans and ES cells ----------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor, centre=None, **fields) -> Plan:
    """Register a centre's plan to make a line for a gene under a consortium."""
    with _audit(actor, "colonies.plan.created"):
        return save_validated(Plan(centre=_centre_of(actor, centre), **fields))


@transaction.atomic
def plan_update(*, instance: Plan, actor, **fields) -> Plan:
    with _audit(actor, "colonies.plan.updated"):
        return save_validated(instance, update_fields=apply_fields(instance, fields))


@transaction.atomic
def es_cell_create(*, actor, centre=None, **fields) -> EsCell:
    """Record an ES cell clone held by the actor's centre."""
    with _audit(actor, "colonies.escell.created"):
        return save_validated(EsCell(centre=_centre_of(actor, centre), **fields))


@transaction.atomic
def es_cell_update(*, instance: EsCell, actor, **fields) -> EsCell:
    with _audit(actor, "colonies.escell.updated"):
        return save_validated(instance, update_fields=apply_fields(instance, fields))


# --- Micro-injection attempts ----------------------------------------------------------------------------------


def microinjection_holding_statuses(attempt: MicroInjection) -> list[str]:
    """Every status whose condition holds now, in the iMits list order (domain-production.md §2.1)."""
    S = MicroInjection.Status
    holding = [S.IN_PROGRESS]
    if attempt.es_cell_id and (attempt.total_male_chimeras or 0) > 0:
        holding.append(S.CHIMERAS_OBTAINED)
        if (attempt.number_of_het_offspring or 0) > 0 or (attempt.number_of_chimeras_with_glt_from_genotyping or 0) > 0:
            holding.append(S.GENOTYPE_CONFIRMED)
    if not attempt.is_active:
        holding.append(S.ABORTED)
    return holding


def microinjection_derive_status(attempt: MicroInjection) -> str:
    """The iMits rule: the last status whose condition holds; inactive (aborted) overrides everything."""
    return microinjection_holding_statuses(attempt)[-1]


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


# The count hierarchy iMits never enforced (domain-production.md §3): each pair reads "left >= right".
COUNT_RULES = [
    ("total_blasts_injected", "total_transferred"),
    ("total_transferred", "total_pups_born"),
    ("total_transferred", "number_surrogates_receiving"),
    ("total_male_chimeras", "number_of_chimera_matings_attempted"),
    ("number_of_chimera_matings_attempted", "number_of_chimera_matings_successful"),
    ("number_of_live_glt_offspring", "number_of_het_offspring"),
]


def microinjection_count_errors(attempt: MicroInjection) -> dict[str, list[str]]:
    """Check the counts against each other; every message names both fields. Missing counts are not compared."""
    errors: dict[str, list[str]] = {}
    for larger, smaller in COUNT_RULES:
        big, small = getattr(attempt, larger), getattr(attempt, smaller)
        if big is not None and small is not None and small > big:
            errors.setdefault(smaller, []).append(f"{smaller} ({small}) cannot exceed {larger} ({big}).")
    chimeras = attempt.total_chimeras
    if attempt.total_pups_born is not None and chimeras is not None and chimeras > attempt.total_pups_born:
        message = (f"total_male_chimeras + total_female_chimeras ({chimeras}) cannot exceed "
                   f"total_pups_born ({attempt.total_pups_born}).")
        for field in ("total_pups_born", "total_male_chimeras", "total_female_chimeras"):
            errors.setdefault(field, []).append(message)
    return errors


def _microinjection_check(attempt: MicroInjection) -> None:
    errors = microinjection_count_errors(attempt)
    if attempt.es_cell_id and attempt.plan_id and attempt.es_cell.gene_id != attempt.plan.gene_id:
        errors["es_cell"] = [f"The ES cell's gene ({attempt.es_cell.gene}) is not the plan's gene ({attempt.plan.gene})."]
    if attempt.mi_date and attempt.mi_date > date.today():
        errors["mi_date"] = ["The micro-injection date cannot be in the future."]
    if attempt.external_ref:
        attempt.external_ref = " ".join(attempt.external_ref.split())
        clash = MicroInjection.objects.filter(external_ref__iexact=attempt.external_ref).exclude(pk=attempt.pk)
        if clash.exists():
            errors["external_ref"] = [f"A micro-injection attempt named {attempt.external_ref!r} already exists."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def microinjection_create(*, actor, centre=None, **fields) -> MicroInjection:
    """Record a micro-injection attempt; its status follows from the counts."""
    attempt = MicroInjection(centre=_centre_of(actor, centre), **fields)
    _microinjection_check(attempt)
    holding = microinjection_holding_statuses(attempt)
    attempt.status = holding[-1]
    with _audit(actor, "colonies.microinjection.created"):
        save_validated(attempt)
        stamps_sync(record=attempt, holding=holding, first_date=attempt.mi_date)
    return attempt


@transaction.atomic
def microinjection_update(*, instance: MicroInjection, actor, **fields) -> MicroInjection:
    """Change the recorded counts or dates; the status is derived again."""
    changed = apply_fields(instance, fields)
    _microinjection_check(instance)
    holding = microinjection_holding_statuses(instance)
    if holding[-1] != instance.status:
        instance.status = holding[-1]
        changed.append("status")
    with _audit(actor, f"colonies.microinjection.{'status_changed' if 'status' in changed else 'updated'}"):
        save_validated(instance, update_fields=changed)
        stamps_sync(record=instance, holding=holding, first_date=instance.mi_date)
    return instance


# --- Colonies and mice -----------------------------------------------------------------------------------------


def _colony_check(colony: Colony) -> None:
    colony.name = " ".join((colony.name or "").split())
    if colony.name and Colony.objects.filter(name__iexact=colony.name).exclude(pk=colony.pk).exists():
        raise ValidationError({"name": [f"A colony named {colony.name!r} already exists (names ignore case and spaces)."]})
    attempt = colony.microinjection
    if attempt is not None and attempt.status != MicroInjection.Status.GENOTYPE_CONFIRMED:
        raise ValidationError(
            {"microinjection": ["A colony is made from a genotype-confirmed micro-injection attempt."]}
        )


@transaction.atomic
def colony_create(*, actor, centre=None, **fields) -> Colony:
    """Create a colony, normally from a genotype-confirmed attempt (whose gene it takes)."""
    colony = Colony(centre=_centre_of(actor, centre), **fields)
    if colony.microinjection_id and not colony.gene_id:
        colony.gene = colony.microinjection.plan.gene
    _colony_check(colony)
    with _audit(actor, "colonies.colony.created"):
        return save_validated(colony)


@transaction.atomic
def colony_update(*, instance: Colony, actor, **fields) -> Colony:
    changed = apply_fields(instance, fields)
    _colony_check(instance)
    with _audit(actor, "colonies.colony.updated"):
        return save_validated(instance, update_fields=changed + ["name"])


def _mouse_check(mouse: Mouse) -> None:
    errors: dict[str, list[str]] = {}
    if mouse.date_of_birth and mouse.date_of_birth > date.today():
        errors["date_of_birth"] = ["The date of birth cannot be in the future."]
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
    mouse = Mouse(centre=_centre_of(actor, centre), **fields)
    _mouse_check(mouse)
    with _audit(actor, "colonies.mouse.created"):
        return save_validated(mouse)


@transaction.atomic
def mouse_update(*, instance: Mouse, actor, **fields) -> Mouse:
    changed = apply_fields(instance, fields)
    _mouse_check(instance)
    with _audit(actor, "colonies.mouse.updated"):
        return save_validated(instance, update_fields=changed)
