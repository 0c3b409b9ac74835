"""Writes for production: plans, ES cells, micro-injection attempts (ES cell and CRISPR).

Each service runs in a transaction, validates with `full_clean()` (field errors become 400s), saves, and names the
domain verb in the audit context. An attempt's status is derived here from its data, never written by a user
(iMits, domain-production.md §2.1), and a stamp keeps the date each status was first reached.
"""
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import Colony, CrisprGuide, EsCell, MicroInjection, Nuclease, Plan
from colonies.services.common import (
    audited,
    centre_of,
    mark_aborted,
    normalise_name,
    not_in_future,
    stamps_sync,
    status_follow,
)
from lims.exceptions import Conflict
from lims.models import Strain
from lims.services import apply_fields, save_validated

# --- Plans -------------------------------------------------------------------------------------------------------


def plan_warnings(plan: Plan) -> list[str]:
    """What iMits warns about before a plan is saved: the same gene is planned or injected elsewhere."""
    warnings = []
    others = Plan.objects.filter(gene_id=plan.gene_id, is_active=True, voided_at__isnull=True).exclude(pk=plan.pk)
    for other in others.select_related("consortium", "centre")[:5]:
        warnings.append(f"{other.gene} already has a plan by {other.consortium} at {other.centre}.")
    attempts = MicroInjection.objects.filter(plan__gene_id=plan.gene_id, is_active=True,
                                             voided_at__isnull=True).exclude(plan_id=plan.pk)
    for attempt in attempts.select_related("centre")[:5]:
        warnings.append(f"{plan.gene} is already being micro-injected at {attempt.centre} ({attempt.external_ref}).")
    return warnings


def _plan_check(plan: Plan) -> None:
    if plan.withdrawn and not plan.withdrawal_reason.strip():
        raise ValidationError({"withdrawal_reason": ["Say why the plan is withdrawn."]})


@transaction.atomic
def plan_create(*, actor, centre=None, **fields) -> Plan:
    """Register a centre's plan to make a line for a gene under a consortium (see `plan_warnings`)."""
    plan = Plan(centre=centre_of(actor, centre), **fields)
    _plan_check(plan)
    with audited(actor, "colonies.plan.created"):
        return save_validated(plan)


@transaction.atomic
def plan_update(*, instance: Plan, actor, **fields) -> Plan:
    """Change a plan. Its gene stays once it has micro-injection attempts: their ES cells and colonies carry it.

    Raises:
        Conflict: the gene would change under existing attempts.
    """
    changed = apply_fields(instance, fields)
    if "gene" in changed:
        gene_locked_by_attempts(Plan.objects.get(pk=instance.pk).gene, instance.microinjections.all())
    _plan_check(instance)
    action = "colonies.plan.withdrawn" if "withdrawn" in changed and instance.withdrawn else "colonies.plan.updated"
    with audited(actor, action, instance.withdrawal_reason if "withdrawn" in changed else ""):
        return save_validated(instance, update_fields=changed)


def gene_locked_by_attempts(gene, attempts, *, field: str = "gene") -> None:
    """Refuse a change of `gene` under `attempts` that have colonies: a colony carries its attempt's gene, and a
    colony's gene never changes silently (once sent to the DCC, never; `colonies.services.dcc_lock`).

    Raises:
        Conflict: naming the colonies that carry the gene.
    """
    colonies = list(Colony.objects.filter(microinjection__in=attempts).values_list("name", flat=True)[:5])
    if colonies:
        raise Conflict(f"The gene stays {gene}: colonies {', '.join(colonies)} carry it. Register a new plan and "
                       "attempt for another gene.", field=field)


# --- ES cells ----------------------------------------------------------------------------------------------------

# The parental cell line implies the strain (iMits rules, domain-production.md §3), first match wins.
CELL_LINE_STRAINS = [
    (re.compile(r"^JM8\.?A", re.I), "C57BL/6N-A<tm1Brd>/a"),
    (re.compile(r"^(JM8|C2|VGB6|WCW)", re.I), "C57BL/6N"),
    (re.compile(r"^(AB2|SI)", re.I), "129S7"),
]
PRODUCTION_QC_TESTS = [
    "five_prime_screen", "three_prime_screen", "loxp_screen", "loss_of_allele", "vector_integrity",
    "southern_blot", "five_prime_lr_pcr", "five_prime_cassette_integrity", "tv_backbone_assay", "neo_count_qpcr",
    "lacz_count_qpcr", "neo_sr_pcr", "loa_qpcr", "homozygous_loa_sr_pcr", "lacz_sr_pcr", "mutant_specific_sr_pcr",
    "loxp_confirmation", "three_prime_lr_pcr", "critical_region_qpcr", "loxp_srpcr", "loxp_srpcr_and_sequencing",
]
PRODUCTION_QC_VALUES = ("na", "pass", "fail")
USER_QC_TESTS = {
    "karyotype": ("pass", "fail", "limit"),
    "southern_blot": ("pass", "fail 5' end", "fail 3' end", "fail both ends", "double integration"),
    "five_prime_lr_pcr": ("pass", "passb", "fail"),
    "three_prime_lr_pcr": ("pass", "passb", "fail"),
    "loxp_confirmation": ("pass", "passb", "fail"),
    "loss_of_allele": ("pass", "passb", "fail"),
    "vector_integrity": ("pass", "passb", "fail"),
    "mutant_specific_sr_pcr": ("pass", "passb", "fail"),
}


def strain_for_cell_line(parental_cell_line: str) -> Strain:
    """Return the strain a parental cell line implies (added to the reference strains if missing).

    Raises:
        ValidationError: the cell line matches no rule.
    """
    for pattern, strain_name in CELL_LINE_STRAINS:
        if pattern.match(parental_cell_line.strip()):
            return Strain.objects.get_or_create(name=strain_name, defaults={"is_background": True})[0]
    raise ValidationError({"parental_cell_line": [f"{parental_cell_line!r} is not recognised."]})


def _qc_shape_errors(es_cell: EsCell) -> dict[str, list[str]]:
    """QC results are an object of test → value; anything else (a bare string, a list) is refused by name."""
    errors = {}
    for name in ("user_qc", "production_qc"):
        value = getattr(es_cell, name)
        if value is None or value == "":
            setattr(es_cell, name, {})
        elif not isinstance(value, dict):
            errors[name] = [f"Give {name} as an object of test → result, e.g. {{\"karyotype\": \"pass\"}}."]
        elif not all(isinstance(result, str) for result in value.values()):
            errors[name] = [f"Each {name} result is a text, e.g. \"pass\"."]
    return errors


def _es_cell_check(es_cell: EsCell) -> None:
    errors = _qc_shape_errors(es_cell)
    if errors:
        raise ValidationError(errors)
    for test, value in (es_cell.production_qc or {}).items():
        if test not in PRODUCTION_QC_TESTS:
            errors.setdefault("production_qc", []).append(f"{test} is not a production-centre QC test.")
        elif value not in PRODUCTION_QC_VALUES:
            errors.setdefault("production_qc", []).append(f"{test}: {value!r} is not na, pass or fail.")
    for test, value in (es_cell.user_qc or {}).items():
        allowed = USER_QC_TESTS.get(test)
        if allowed is None:
            errors.setdefault("user_qc", []).append(f"{test} is not a user QC test.")
        elif value not in allowed:
            errors.setdefault("user_qc", []).append(f"{test}: {value!r} is not one of {', '.join(allowed)}.")
    if errors:
        raise ValidationError(errors)
    if es_cell.strain_id is None and es_cell.parental_cell_line:
        es_cell.strain = strain_for_cell_line(es_cell.parental_cell_line)


@transaction.atomic
def es_cell_create(*, actor, centre=None, **fields) -> EsCell:
    """Record an ES cell clone held by the actor's centre; its strain follows from the parental cell line."""
    es_cell = EsCell(centre=centre_of(actor, centre), **fields)
    _es_cell_check(es_cell)
    with audited(actor, "colonies.escell.created"):
        return save_validated(es_cell)


@transaction.atomic
def es_cell_update(*, instance: EsCell, actor, **fields) -> EsCell:
    changed = apply_fields(instance, fields)
    _es_cell_check(instance)
    with audited(actor, "colonies.escell.updated"):
        return save_validated(instance, update_fields=changed + ["strain"])


# --- Micro-injection attempts -----------------------------------------------------------------------------------


def microinjection_holding_statuses(attempt: MicroInjection, *, has_confirmed_colony: bool | None = None) -> list[str]:
    """Every status whose condition holds now, in the iMits list order (domain-production.md §2.1).

    The current status is the last one; inactive (aborted) overrides everything. A CRISPR attempt is genotype
    confirmed when one of its colonies is.
    """
    S = MicroInjection.Status
    holding = [S.IN_PROGRESS]
    if attempt.kind == MicroInjection.Kind.ES_CELL:
        if (attempt.total_male_chimeras or 0) > 0:
            holding.append(S.CHIMERAS_OBTAINED)
            if (attempt.number_of_het_offspring or 0) > 0 or (
                attempt.number_of_chimeras_with_glt_from_genotyping or 0
            ) > 0:
                holding.append(S.GENOTYPE_CONFIRMED)
    elif attempt.g0_mutants > 0:
        holding.append(S.FOUNDER_OBTAINED)
        if has_confirmed_colony is None:
            has_confirmed_colony = attempt.pk is not None and attempt.colonies.filter(
                genotype_status=Colony.GenotypeStatus.CONFIRMED).exists()
        if has_confirmed_colony:
            holding.append(S.GENOTYPE_CONFIRMED)
    if not attempt.is_active:
        holding.append(S.ABORTED)
    return holding


def microinjection_derive_status(attempt: MicroInjection) -> str:
    return microinjection_holding_statuses(attempt)[-1]


# The count hierarchy iMits and GenTaR never enforced (domain-production.md §3, issue 13): injected >= transferred >=
# pups >= chimeras (male + female) >= chimeras mated >= GLT chimeras; het <= live GLT offspring <= F1; surrogates
# <= transferred; CRISPR: embryos injected >= survived >= transferred >= pups born >= founder pups >= each G0 mutant
# count. Each count names the counts it comes from (its direct parents); "total_chimeras" is male + female.
# Two stricter links kept from before: chimera matings come from the male chimeras (ES cells are male lines), and a
# GLT chimera is one whose mating succeeded.
TOTAL_CHIMERAS = "total_chimeras"
COUNT_PARENTS: dict[str, tuple[str, ...]] = {
    "total_transferred": ("total_blasts_injected",),
    "number_surrogates_receiving": ("total_transferred", "crsp_total_transfered"),
    "total_pups_born": ("total_transferred", "crsp_total_transfered"),
    TOTAL_CHIMERAS: ("total_pups_born",),
    "total_male_chimeras": (TOTAL_CHIMERAS,),
    "number_of_chimera_matings_attempted": ("total_male_chimeras",),
    "number_of_chimera_matings_successful": ("number_of_chimera_matings_attempted",),
    "number_of_chimeras_with_glt_from_genotyping": ("number_of_chimera_matings_successful",),
    "number_of_live_glt_offspring": ("total_f1_mice_from_matings",),
    "number_of_het_offspring": ("number_of_live_glt_offspring",),
    "crsp_total_embryos_survived": ("crsp_total_embryos_injected",),
    "crsp_total_transfered": ("crsp_total_embryos_survived",),
    "crsp_no_founder_pups": ("total_pups_born",),
    "no_nhej_g0_mutants": ("crsp_no_founder_pups",),
    "no_deletion_g0_mutants": ("crsp_no_founder_pups",),
    "no_hr_g0_mutants": ("crsp_no_founder_pups",),
    "no_hdr_g0_mutants": ("crsp_no_founder_pups",),
}
# The counts in the lab's words: the form's labels and every count error use these.
COUNT_LABELS: dict[str, str] = {
    "total_blasts_injected": "Blastocysts injected",
    "total_transferred": "Blastocysts transferred",
    "number_surrogates_receiving": "Surrogates receiving",
    "total_pups_born": "Pups born",
    "total_male_chimeras": "Male chimeras",
    "total_female_chimeras": "Female chimeras",
    TOTAL_CHIMERAS: "Male + female chimeras",
    "number_of_chimera_matings_attempted": "Chimeras mated",
    "number_of_chimera_matings_successful": "Successful chimera matings",
    "number_of_chimeras_with_glt_from_genotyping": "GLT chimeras",
    "total_f1_mice_from_matings": "F1 mice from chimera matings",
    "number_of_live_glt_offspring": "Live GLT offspring",
    "number_of_het_offspring": "Het offspring",
    "crsp_total_embryos_injected": "Embryos injected",
    "crsp_total_embryos_survived": "Embryos survived",
    "crsp_total_transfered": "Embryos transferred",
    "crsp_no_founder_pups": "Founder pups",
    "no_nhej_g0_mutants": "NHEJ G0 mutants",
    "no_deletion_g0_mutants": "Deletion G0 mutants",
    "no_hr_g0_mutants": "HR G0 mutants",
    "no_hdr_g0_mutants": "HDR G0 mutants",
}
# The same hierarchy as "left >= right" pairs of stored counts, for callers that list the rules.
COUNT_RULES = [(parent, child) for child, parents in COUNT_PARENTS.items() for parent in parents
               if TOTAL_CHIMERAS not in (parent, child)]


def _in_words(label: str) -> str:
    """A label inside a sentence: "Pups born" → "pups born", but "NHEJ G0 mutants" and "F1 mice" keep capitals."""
    first = label.split(" ", 1)[0]
    return label[0].lower() + label[1:] if len(first) == 1 or first[1:].islower() else label


def _count_value(attempt: MicroInjection, name: str) -> int | None:
    return attempt.total_chimeras if name == TOTAL_CHIMERAS else getattr(attempt, name)


def _nearest_known(attempt: MicroInjection, name: str) -> list[str]:
    """The closest recorded counts above `name`: an unrecorded count in between is stepped over, so 7 GLT chimeras
    from 4 male chimeras is refused even when the matings were not recorded."""
    found: list[str] = []
    for parent in COUNT_PARENTS.get(name, ()):
        if _count_value(attempt, parent) is not None:
            found.append(parent)
        else:
            found.extend(p for p in _nearest_known(attempt, parent) if p not in found)
    return found


def microinjection_count_errors(attempt: MicroInjection) -> dict[str, list[str]]:
    """Check every count against the counts it comes from; each error names both counts in words.

    The error sits on the count that is too big ("Male + female chimeras (9) cannot be more than pups born (4)" on
    both chimera fields). Missing counts are not compared, but are stepped over (see `_nearest_known`).
    """
    errors: dict[str, list[str]] = {}
    for name in COUNT_PARENTS:
        value = _count_value(attempt, name)
        if value is None:
            continue
        for parent in _nearest_known(attempt, name):
            limit = _count_value(attempt, parent)
            if value > limit:
                message = (f"{COUNT_LABELS[name]} ({value}) cannot be more than "
                           f"{_in_words(COUNT_LABELS[parent])} ({limit}).")
                fields = ([f for f in ("total_male_chimeras", "total_female_chimeras")
                           if getattr(attempt, f) is not None] if name == TOTAL_CHIMERAS else [name])
                for field_name in fields:
                    errors.setdefault(field_name, []).append(message)
    return errors


def _microinjection_check(attempt: MicroInjection, *, guides: list | None, nucleases: list | None) -> None:
    errors = microinjection_count_errors(attempt)
    is_crispr = attempt.kind == MicroInjection.Kind.CRISPR
    if is_crispr and attempt.es_cell_id:
        errors.setdefault("es_cell", []).append("Give EITHER an ES cell OR CRISPR reagents, not both.")
    if not is_crispr and not attempt.es_cell_id:
        errors.setdefault("es_cell", []).append("An ES cell attempt needs its ES cell (or set kind to crispr).")
    if not is_crispr and (guides or nucleases):
        errors.setdefault("guides", []).append("Guides and nucleases belong to CRISPR attempts only.")
    if is_crispr and guides is not None and not guides:
        errors.setdefault("guides", []).append("A CRISPR attempt needs at least one guide.")
    if is_crispr and nucleases is not None and not nucleases:
        errors.setdefault("nucleases", []).append("A CRISPR attempt needs at least one nuclease.")
    for n, guide in enumerate(guides or []):
        sequence = guide.get("sequence", "")
        if len(sequence) < 16 or not re.fullmatch(r"[ACGTacgt]+", sequence):
            errors.setdefault("guides", []).append(f"Guide {n + 1}: a guide is at least 16 bases of A, C, G, T.")
        start, end = guide.get("start"), guide.get("end")
        if start is not None and end is not None and end - start + 1 != len(sequence):
            errors.setdefault("guides", []).append(f"Guide {n + 1}: end - start + 1 must equal the sequence length.")
    if attempt.es_cell_id and attempt.plan_id and attempt.es_cell.gene_id != attempt.plan.gene_id:
        errors.setdefault("es_cell", []).append(
            f"The ES cell's gene ({attempt.es_cell.gene}) is not the plan's gene ({attempt.plan.gene}).")
    if attempt.plan_id and (attempt.plan.withdrawn or not attempt.plan.is_active) and attempt.is_active:
        errors.setdefault("plan", []).append("The plan is withdrawn or inactive.")
    not_in_future(errors, "mi_date", attempt.mi_date, "The micro-injection date")
    not_in_future(errors, "date_chimeras_mated", attempt.date_chimeras_mated, "The date chimeras were mated")
    if attempt.date_chimeras_mated and attempt.mi_date and attempt.date_chimeras_mated < attempt.mi_date:
        errors.setdefault("date_chimeras_mated", []).append("The date chimeras were mated is before mi_date.")
    attempt.external_ref = normalise_name(attempt.external_ref)
    if attempt.external_ref and MicroInjection.objects.filter(
            external_ref__iexact=attempt.external_ref).exclude(pk=attempt.pk).exists():
        errors.setdefault("external_ref", []).append(
            f"A micro-injection attempt named {attempt.external_ref!r} already exists.")
    if errors:
        raise ValidationError(errors)


def _save_reagents(attempt: MicroInjection, guides: list | None, nucleases: list | None) -> None:
    if guides is not None:
        attempt.guides.all().delete()
        CrisprGuide.objects.bulk_create([CrisprGuide(microinjection=attempt, **g) for g in guides])
    if nucleases is not None:
        attempt.nucleases.all().delete()
        Nuclease.objects.bulk_create([Nuclease(microinjection=attempt, **n) for n in nucleases])


def _microinjection_save(attempt: MicroInjection, *, actor, changed: list[str] | None, guides, nucleases,
                         action: str, reason: str = "") -> MicroInjection:
    _microinjection_check(attempt, guides=guides, nucleases=nucleases)
    holding = microinjection_holding_statuses(attempt)
    status_follow(attempt, holding, changed)
    with audited(actor, action, reason):
        save_validated(attempt, update_fields=None if changed is None else changed + ["external_ref"])
        _save_reagents(attempt, guides, nucleases)
        stamps_sync(record=attempt, holding=holding, first_date=attempt.mi_date)
    return attempt


@transaction.atomic
def microinjection_create(*, actor, centre=None, guides: list | None = None, nucleases: list | None = None,
                          **fields) -> MicroInjection:
    """Record a micro-injection attempt (with its guides and nucleases for CRISPR); the status follows the data."""
    attempt = MicroInjection(centre=centre_of(actor, centre), **fields)
    if attempt.kind == MicroInjection.Kind.CRISPR:
        guides, nucleases = guides or [], nucleases or []
    return _microinjection_save(attempt, actor=actor, changed=None, guides=guides, nucleases=nucleases,
                                action="colonies.microinjection.created")


@transaction.atomic
def microinjection_update(*, instance: MicroInjection, actor, guides: list | None = None,
                          nucleases: list | None = None, **fields) -> MicroInjection:
    """Change the recorded counts or dates; the status and its stamps are derived again.

    Raises:
        Conflict: another plan would change the attempt's gene while colonies carry it.
    """
    changed = apply_fields(instance, fields)
    if "plan" in changed:
        old_gene = Plan.objects.get(microinjections=instance).gene
        if old_gene.pk != instance.plan.gene_id:
            gene_locked_by_attempts(old_gene, MicroInjection.objects.filter(pk=instance.pk), field="plan")
    if instance.is_active:
        instance.aborted_reason = ""
        changed.append("aborted_reason")
    return _microinjection_save(instance, actor=actor, changed=changed, guides=guides, nucleases=nucleases,
                                action="colonies.microinjection.updated")


@transaction.atomic
def microinjection_abort(*, instance: MicroInjection, actor, reason: str) -> MicroInjection:
    """Abort an attempt with a reason (is_active = false); the status becomes Micro-injection aborted.

    Raises:
        Conflict: the attempt is already aborted.
    """
    reason = mark_aborted(instance, reason=reason)
    return _microinjection_save(instance, actor=actor, changed=["is_active", "aborted_reason"], guides=None,
                                nucleases=None, action="colonies.microinjection.aborted", reason=reason)


def microinjection_refresh_status(*, attempt: MicroInjection, actor) -> None:
    """Derive an attempt's status again after something outside it changed (its colony's genotype)."""
    holding = microinjection_holding_statuses(attempt)
    with audited(actor, "colonies.microinjection.status_changed"):
        if holding[-1] != attempt.status:
            MicroInjection.objects.filter(pk=attempt.pk).update(status=holding[-1])
            attempt.status = holding[-1]
        stamps_sync(record=attempt, holding=holding, first_date=attempt.mi_date)
