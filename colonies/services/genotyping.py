"""Writes for genotyping: assays, the zygosity rule table a centre edits, samples, results and voiding them.

Zygosity is never computed in code: a result's call is looked up in the centre's `ZygosityRule` table (Alyx's
design; users asked for it because hard-coded rules were wrong for their assays, alyx#356/#430). A call without a
rule is refused with a message that says where to add one, rather than guessed.

A mouse's genotype at an allele (`MouseAllele`) and its zygosity (`Mouse.zygosity`, the one the DCC receives) follow
the *latest* non-voided result (by test date, then entry order) of the assays reading that allele. Recording and
voiding both recompute it the same way, so a back-dated result never overwrites a newer one, and voiding a wrong
result falls back to the one before it.
"""
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from colonies.models import (
    GenotypeResult,
    GenotypingAssay,
    GenotypingSample,
    Mouse,
    MouseAllele,
    ZygosityRule,
)
from colonies.services.common import audited, centre_of
from colonies.services.reminders import reminders_touch
from lims.exceptions import Conflict
from lims.identifiers import ALLOWED_DESCRIPTION, identifier_problem
from lims.services import apply_fields, reason_check, record_void, save_validated

CALL_MAX_LENGTH = ZygosityRule._meta.get_field("call").max_length


# --- Assays ------------------------------------------------------------------------------------------------------


def clean_calls(calls) -> list[str]:
    """Trim each call and drop blank ones; refuse an empty list, repeats (ignoring case) and over-long calls.

    Raises:
        ValidationError: on `calls`.
    """
    if isinstance(calls, str):
        calls = calls.splitlines()
    if not isinstance(calls, (list, tuple)) or not all(isinstance(c, str) for c in calls):
        raise ValidationError({"calls": ["Give the calls as a list of texts."]})
    cleaned = [" ".join(c.split()) for c in calls]
    cleaned = [c for c in cleaned if c]
    errors = []
    if not cleaned:
        errors.append("An assay needs at least one call (e.g. 'WT band only').")
    seen: set[str] = set()
    for call in cleaned:
        if call.casefold() in seen:
            errors.append(f"The call '{call}' is listed twice; each call appears once.")
        seen.add(call.casefold())
        if len(call) > CALL_MAX_LENGTH:
            errors.append(f"The call '{call[:20]}…' is longer than {CALL_MAX_LENGTH} characters.")
        problem = identifier_problem(call)
        if problem:  # a call becomes a zygosity rule's `call` and a template's list of choices
            errors.append(f"The call {call[:20]!r}: this {problem}. Use {ALLOWED_DESCRIPTION}.")
    if errors:
        raise ValidationError({"calls": errors})
    return cleaned


def _assay_check(assay: GenotypingAssay, *, original_calls: list[str] | None = None) -> None:
    assay.name = " ".join((assay.name or "").split())
    assay.allele = (assay.allele or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        assay.calls = clean_calls(assay.calls)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not assay.allele:
        errors["allele"] = ["Name the allele the assay reads (e.g. Pax6<tm1b(EUCOMM)Wtsi>)."]
    if not assay.name:
        errors["name"] = ["Give the assay a name."]
    elif GenotypingAssay.objects.filter(centre_id=assay.centre_id, name__iexact=assay.name).exclude(
            pk=assay.pk).exists():
        errors["name"] = [f"Your centre already has an assay named '{assay.name}'."]
    if assay.pk and original_calls is not None and "calls" not in errors:
        removed = set(original_calls) - set(assay.calls)
        ruled = sorted(assay.rules.filter(call__in=removed).values_list("call", flat=True))
        if ruled:
            errors["calls"] = [f"The call '{c}' has a zygosity rule; remove the rule first." for c in ruled]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assay_create(*, actor, centre=None, **fields) -> GenotypingAssay:
    """Add a genotyping assay with the calls it can give; its zygosity rules are added next (`zygosity_rule_create`)."""
    assay = GenotypingAssay(centre=centre_of(actor, centre), **fields)
    _assay_check(assay)
    with audited(actor, "colonies.genotypingassay.created"):
        return save_validated(assay)


@transaction.atomic
def assay_update(*, instance: GenotypingAssay, actor, **fields) -> GenotypingAssay:
    """Change an assay. A call that has a rule cannot be dropped (the rule would point at nothing).

    Results keep the call they were given; renaming a call only affects results recorded afterwards.
    """
    original_calls = list(GenotypingAssay.objects.select_for_update().get(pk=instance.pk).calls)
    changed = apply_fields(instance, fields)
    _assay_check(instance, original_calls=original_calls)
    with audited(actor, "colonies.genotypingassay.updated"):
        return save_validated(instance, update_fields=changed + ["name", "allele", "calls"] if changed else [])


# --- Zygosity rule table -----------------------------------------------------------------------------------------


def _rule_check(rule: ZygosityRule) -> None:
    errors: dict[str, list[str]] = {}
    assay = rule.assay
    if assay.centre_id != rule.centre_id:
        errors["assay"] = ["That assay does not belong to your centre."]
    elif assay.is_voided:
        errors["assay"] = [f"Assay '{assay}' is voided."]
    rule.call = " ".join((rule.call or "").split())
    if "assay" not in errors:
        if rule.call not in assay.calls:
            errors["call"] = [f"'{rule.call}' is not a call of assay '{assay}'; allowed: {', '.join(assay.calls)}."]
        elif ZygosityRule.objects.filter(assay=assay, call=rule.call).exclude(pk=rule.pk).exists():
            errors["call"] = [f"Assay '{assay}' already has a rule for call '{rule.call}'; change that one."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def zygosity_rule_create(*, actor, assay: GenotypingAssay, call: str, zygosity: str, centre=None) -> ZygosityRule:
    """Add a row to the centre's rule table: `assay` giving `call` means `zygosity` (one rule per call)."""
    rule = ZygosityRule(centre=centre_of(actor, centre), assay=assay, call=call, zygosity=zygosity)
    _rule_check(rule)
    with audited(actor, "colonies.zygosityrule.created"):
        return save_validated(rule)


@transaction.atomic
def zygosity_rule_update(*, instance: ZygosityRule, actor, **fields) -> ZygosityRule:
    """Change a rule; results already recorded keep their zygosity, the next ones follow the new rule."""
    fields.pop("assay", None)  # a rule belongs to its assay for good; add a rule to the other assay instead
    changed = apply_fields(instance, fields)
    _rule_check(instance)
    with audited(actor, "colonies.zygosityrule.updated"):
        return save_validated(instance, update_fields=changed + ["call"] if changed else [])


@transaction.atomic
def zygosity_rule_delete(*, instance: ZygosityRule, actor, reason: str = "") -> None:
    """Remove a row of the rule table. A rule is configuration, not a result: the audit trail keeps its last state
    (pghistory's delete event, named and with the reason), and results derived from it keep their zygosity."""
    with audited(actor, "colonies.zygosityrule.deleted", reason):
        instance.delete()


# --- Samples -----------------------------------------------------------------------------------------------------


def _same_centre(errors: dict, field: str, record, centre_id: int, noun: str) -> None:
    if record is not None and record.centre_id != centre_id:
        errors[field] = [f"That {noun} does not belong to your centre."]


def _date_checks(errors: dict, field: str, value: dt.date | None, mouse: Mouse, label: str) -> None:
    if value is None:
        return
    if value > timezone.localdate():
        errors.setdefault(field, []).append(f"{label} ({value}) cannot be in the future.")
    if mouse is not None and mouse.date_of_birth and value < mouse.date_of_birth:
        errors.setdefault(field, []).append(
            f"{label} ({value}) cannot be before mouse {mouse} was born ({mouse.date_of_birth}).")


def _next_sample_id(mouse: Mouse) -> str:
    """The mouse's specimen ID with a running number (M000123-S1, -S2 …): unique in the centre because the
    specimen ID is, and readable on a tube."""
    taken = set(GenotypingSample.objects.filter(centre_id=mouse.centre_id, sample_id__startswith=f"{mouse}-S")
                .values_list("sample_id", flat=True))
    number = 1
    while f"{mouse}-S{number}" in taken:
        number += 1
    return f"{mouse}-S{number}"


@transaction.atomic
def sample_create(*, actor, mouse: Mouse, collected_on: dt.date, sample_id: str = "",
                  sample_type: str = GenotypingSample.SampleType.EAR, centre=None) -> GenotypingSample:
    """Register a tissue sample of a mouse; a blank `sample_id` is given one (`<specimen ID>-S<n>`)."""
    centre = centre_of(actor, centre)
    errors: dict[str, list[str]] = {}
    _same_centre(errors, "mouse", mouse, centre.pk, "mouse")
    if mouse.is_voided:
        errors["mouse"] = [f"Mouse {mouse} is voided."]
    if collected_on is None:
        errors["collected_on"] = ["Give the day the sample was collected."]
    _date_checks(errors, "collected_on", collected_on, mouse, "The collection date")
    sample_id = (sample_id or "").strip()
    if sample_id and GenotypingSample.objects.filter(centre=centre, sample_id=sample_id).exists():
        errors["sample_id"] = [f"Sample ID '{sample_id}' is already used in your centre."]
    if errors:
        raise ValidationError(errors)
    sample = GenotypingSample(centre=centre, mouse=mouse, sample_id=sample_id or _next_sample_id(mouse),
                              sample_type=sample_type or GenotypingSample.SampleType.EAR, collected_on=collected_on)
    with audited(actor, "colonies.genotypingsample.created"):
        return save_validated(sample)


def _sample_for(*, actor, centre, mouse, sample, sample_id, sample_type, collected_on) -> GenotypingSample:
    """The sample a result is read from: the one given, one of this mouse's with that ID, or a new one.

    A plate often runs several assays on one sample, so a sample ID already registered for the same mouse is reused
    (a second import row for another assay finds the first row's sample).
    """
    if sample is not None:
        errors: dict[str, list[str]] = {}
        _same_centre(errors, "sample", sample, centre.pk, "sample")
        if not errors and sample.mouse_id != mouse.pk:
            errors["sample"] = [f"Sample {sample} was taken from mouse {sample.mouse}, not {mouse}."]
        if not errors and sample.is_voided:
            errors["sample"] = [f"Sample {sample} is voided."]
        if errors:
            raise ValidationError(errors)
        return sample
    sample_id = (sample_id or "").strip()
    if sample_id:
        existing = (GenotypingSample.objects.filter(centre=centre, sample_id=sample_id)
                    .select_related("mouse").first())
        if existing is not None:
            if existing.mouse_id != mouse.pk:
                raise ValidationError({"sample_id": [
                    f"Sample ID '{sample_id}' belongs to mouse {existing.mouse}, not {mouse}."]})
            if collected_on is not None and collected_on != existing.collected_on:
                raise ValidationError({"collected_on": [
                    f"Sample '{sample_id}' was registered as collected on {existing.collected_on}, not {collected_on}."
                ]})
            return existing
    if collected_on is None:
        raise ValidationError({"collected_on": ["Give the day the sample was collected (or choose an existing "
                                                "sample)."]})
    return sample_create(actor=actor, centre=centre, mouse=mouse, sample_id=sample_id, sample_type=sample_type,
                         collected_on=collected_on)


# --- Results -----------------------------------------------------------------------------------------------------


def derive_zygosity(assay: GenotypingAssay, call: str) -> str:
    """The zygosity the centre's rule table gives `call` of `assay`.

    Raises:
        ValidationError: on `call`, when the call is not the assay's or the table has no row for it.
    """
    if call not in assay.calls:
        raise ValidationError({"call": [
            f"'{call}' is not a call of assay '{assay}'; allowed calls: {', '.join(assay.calls)}."]})
    zygosity = ZygosityRule.objects.filter(assay=assay, call=call).values_list("zygosity", flat=True).first()
    if zygosity is None:
        raise ValidationError({"call": [
            f"No zygosity rule for call '{call}' of assay '{assay}'; add one to the assay's rule table."]})
    return zygosity


def _latest(results: QuerySet) -> GenotypeResult | None:
    return results.filter(voided_at__isnull=True).order_by("-tested_on", "-pk").first()


def _refresh_genotype(*, mouse: Mouse, allele: str) -> None:
    """Point the mouse's genotype at `allele`, and its zygosity, at the latest remaining result.

    With no result left (the only one was voided) the genotype goes back to unknown: the `MouseAllele` row keeps
    existing (rows are never deleted) with a blank zygosity and no source, and a mutant's zygosity is blanked too,
    so the DCC export waits for a new genotype instead of sending a voided one.

    Raises:
        ValidationError: on `mouse`, when a baseline (wild-type control) would become anything but wild type.
    """
    results = GenotypeResult.objects.filter(mouse=mouse).select_related("assay")
    latest = _latest(results.filter(assay__allele=allele))
    if latest is not None:
        row = MouseAllele.objects.select_for_update().filter(mouse=mouse, allele=allele).first()
        if row is None:
            save_validated(MouseAllele(mouse=mouse, allele=allele, zygosity=latest.zygosity, source=latest))
        elif (row.zygosity, row.source_id) != (latest.zygosity, latest.pk):
            row.zygosity, row.source = latest.zygosity, latest
            save_validated(row, update_fields=["zygosity", "source"])
    else:
        MouseAllele.objects.filter(mouse=mouse, allele=allele, source__isnull=False).update(zygosity="", source=None)
    deciding = _latest(results.filter(assay__sets_mouse_zygosity=True))
    if deciding is None:
        voided_only = GenotypeResult.objects.filter(mouse=mouse, assay__sets_mouse_zygosity=True).exists()
        if voided_only and not mouse.is_baseline and mouse.zygosity:
            mouse.zygosity = ""
            save_validated(mouse, update_fields=["zygosity"])
        return
    if deciding.zygosity == mouse.zygosity:
        return
    if mouse.is_baseline and deciding.zygosity != Mouse.Zygosity.WILD_TYPE:
        raise ValidationError({"mouse": [
            f"Mouse {mouse} is a baseline (wild-type) control, but call '{deciding.call}' of assay "
            f"'{deciding.assay}' means {deciding.zygosity}; check the sample and the mouse."]})
    mouse.zygosity = deciding.zygosity
    save_validated(mouse, update_fields=["zygosity"])


@transaction.atomic
def result_record(*, actor, mouse: Mouse, assay: GenotypingAssay, call: str, tested_on: dt.date,
                  sample: GenotypingSample | None = None, sample_id: str = "", sample_type: str = "",
                  collected_on: dt.date | None = None, batch: str = "", centre=None) -> GenotypeResult:
    """Record what an assay called for a mouse's sample; derive its zygosity from the centre's rule table; update
    the mouse's genotype at the assay's allele (and the mouse's zygosity when the assay sets it).

    The sample is `sample`, or found or created from `sample_id`/`sample_type`/`collected_on`.

    Raises:
        ValidationError: keyed by field (mouse, assay, sample, sample_id, call, tested_on, collected_on).
    """
    centre = centre_of(actor, centre)
    errors: dict[str, list[str]] = {}
    _same_centre(errors, "mouse", mouse, centre.pk, "mouse")
    _same_centre(errors, "assay", assay, centre.pk, "assay")
    if "mouse" not in errors and mouse.is_voided:
        errors["mouse"] = [f"Mouse {mouse} is voided."]
    if "assay" not in errors and assay.is_voided:
        errors["assay"] = [f"Assay '{assay}' is voided."]
    call = " ".join((call or "").split())
    if "assay" not in errors:
        try:
            zygosity = derive_zygosity(assay, call)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if tested_on is None:
        errors["tested_on"] = ["Give the day the assay was run."]
    _date_checks(errors, "tested_on", tested_on, mouse if "mouse" not in errors else None, "The test date")
    if "mouse" in errors:
        raise ValidationError(errors)
    try:
        sample = _sample_for(actor=actor, centre=centre, mouse=mouse, sample=sample, sample_id=sample_id,
                             sample_type=sample_type, collected_on=collected_on)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        raise ValidationError(errors) from None
    if tested_on is not None and tested_on < sample.collected_on:
        errors.setdefault("tested_on", []).append(
            f"The test date ({tested_on}) cannot be before sample {sample} was collected ({sample.collected_on}).")
    if errors:
        raise ValidationError(errors)
    result = GenotypeResult(centre=centre, sample=sample, mouse=mouse, assay=assay, call=call, zygosity=zygosity,
                            tested_on=tested_on, batch=(batch or "").strip())
    with audited(actor, "colonies.genotyperesult.recorded"):
        save_validated(result)
        _refresh_genotype(mouse=mouse, allele=assay.allele)
        reminders_touch(centre=centre, mice=[mouse])  # its "genotype" job is done
    return result


@transaction.atomic
def result_void(*, instance: GenotypeResult, actor, reason: str) -> GenotypeResult:
    """Void a wrong result with a reason; the mouse's genotype falls back to its latest remaining result.

    Raises:
        Conflict: already voided.
        ValidationError: a reason shorter than voiding asks (`lims.services.MIN_REASON_LENGTH`).
    """
    if instance.is_voided:
        raise Conflict("This result is already voided.")
    reason = reason_check(reason, ask="Say why the result is voided")
    record_void(record=instance, reason=reason, actor=actor)
    mouse = Mouse.objects.select_for_update().get(pk=instance.mouse_id)
    with audited(actor, "colonies.genotyperesult.voided", reason):
        _refresh_genotype(mouse=mouse, allele=instance.assay.allele)
        reminders_touch(centre=mouse.centre_id, mice=[mouse])  # back on the list when no result is left
    return instance


__all__ = [
    "assay_create", "assay_update", "clean_calls", "derive_zygosity", "result_record", "result_void",
    "sample_create", "zygosity_rule_create", "zygosity_rule_delete", "zygosity_rule_update",
]
