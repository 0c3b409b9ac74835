"""Writes for colonies, allele modifications (Cre excision) and phenotyping attempts.

A colony is made from a genotype-confirmed attempt (a CRISPR attempt from its founder, since a CRISPR attempt is
confirmed through its colony) or from an allele modification. Allele modifications and phenotyping attempts derive
their status from their data, like attempts, and keep status stamps.
"""
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from colonies.models import AlleleModification, Colony, MicroInjection, PhenotypingAttempt
from colonies.services.common import audited, centre_of, mark_aborted, normalise_name, stamps_sync, status_follow
from colonies.services.dcc_lock import (
    COHORT_LOCKED,
    COLONY_LOCKED,
    colony_lock_check,
    wait_no_build_if_identity_changes,
)
from colonies.services.production import microinjection_refresh_status
from lims.exceptions import Conflict, DomainError
from lims.models import Gene, Strain
from lims.services import apply_fields, save_validated
from lims.versioning import version_bump, version_check

# --- Colonies ----------------------------------------------------------------------------------------------------

def _colony_check(colony: Colony, *, imported: bool = False, origin_changed: bool = False) -> None:
    """Refuse what a colony cannot be. Only an imported colony (a DCC file's legacy line) may lack its gene.

    A colony carries its origin's gene: its attempt's plan gene, or its allele modification's parent colony's gene.
    Its attempt must be genotype confirmed (a CRISPR attempt: founders) when the colony is made from it, and when
    an existing colony is moved to another attempt (`origin_changed`), as at creation.
    """
    colony.name = normalise_name(colony.name)
    errors: dict[str, list[str]] = {}
    if colony.gene_id is None and not imported:
        errors["gene"] = ["A colony needs its gene (or a micro-injection attempt whose gene it takes)."]
    if colony.name and Colony.objects.filter(name__iexact=colony.name).exclude(pk=colony.pk).exists():
        errors["name"] = [f"A colony named {colony.name!r} already exists (names ignore case and spaces)."]
    if colony.microinjection_id and colony.allele_modification_id:
        errors["microinjection"] = ["A colony comes from a micro-injection OR an allele modification, not both."]
    attempt = colony.microinjection
    if attempt is not None and (colony.pk is None or origin_changed):
        S = MicroInjection.Status
        allowed = {S.GENOTYPE_CONFIRMED} | ({S.FOUNDER_OBTAINED} if attempt.kind == MicroInjection.Kind.CRISPR else set())
        if attempt.status not in allowed:
            errors["microinjection"] = ["A colony is made from a genotype-confirmed micro-injection attempt "
                                        "(or a CRISPR attempt with founders)."]
    origin_gene = (attempt.plan.gene if attempt is not None else
                   colony.allele_modification.parent_colony.gene if colony.allele_modification_id else None)
    if origin_gene is not None and colony.gene_id is not None and colony.gene_id != origin_gene.pk:
        source = f"micro-injection attempt {attempt}" if attempt is not None else "the parent colony"
        errors.setdefault("gene", []).append(
            f"{source[0].upper()}{source[1:]} is for {origin_gene}, not {colony.gene}: a colony carries the gene of "
            "the line it comes from.")
    if errors:
        raise ValidationError(errors)


def _after_genotype_change(colony: Colony, actor) -> None:
    if colony.microinjection_id and colony.microinjection.kind == MicroInjection.Kind.CRISPR:
        microinjection_refresh_status(attempt=colony.microinjection, actor=actor)


@transaction.atomic
def colony_create(*, actor, centre=None, **fields) -> Colony:
    """Create a colony from an attempt or allele modification (whose gene it takes)."""
    colony = Colony(centre=centre_of(actor, centre), **fields)
    if colony.microinjection_id and not colony.gene_id:
        colony.gene = colony.microinjection.plan.gene
    _colony_check(colony)
    with audited(actor, "colonies.colony.created"):
        save_validated(colony)
    with audited(actor, "colonies.colony.created"):
        _after_genotype_change(colony, actor)
    return colony


@transaction.atomic
def colony_import(*, actor, centre, **fields) -> Colony:
    """Create a colony named by a DCC specimen file (`dcc_import --create-colonies`).

    The import path of `colony_create`: a legacy line whose specimens carry no genotype is still a colony the
    centre phenotyped, so its gene may be unknown (null) here, never on the bench.
    """
    colony = Colony(centre=centre, **fields)
    _colony_check(colony, imported=True)
    with audited(actor, "colonies.colony.imported"):
        save_validated(colony)
    return colony


@transaction.atomic
def gene_register(*, actor, mgi_id: str, symbol: str) -> Gene:
    """The gene of an MGI id, registered from a DCC genotype (MGIGeneId, geneSymbol) when the reference lacks it.

    A symbol already used by another gene keeps the registered one apart with its MGI id appended, so both stay
    findable; the reference load later corrects names, not ids.
    """
    mgi_id, symbol = mgi_id.strip(), (symbol or "").strip() or mgi_id.strip()
    gene = Gene.objects.filter(mgi_id__iexact=mgi_id).first()
    if gene is not None:
        return gene
    if Gene.objects.filter(symbol__iexact=symbol).exists():
        symbol = f"{symbol} ({mgi_id})"
    with audited(actor, "lims.gene.imported"):
        return save_validated(Gene(mgi_id=mgi_id[:40], symbol=symbol[:75]))


@transaction.atomic
def strain_register(*, actor, strain_id: str) -> Strain:
    """A strain named by a DCC strainID the reference does not know (`dcc_import --create-strains`).

    An MGI-looking id becomes the strain's MGI id (and its name, until the reference names it); anything else
    (legacy files give names such as "C57BL/6JTyr;C57BL/6N") becomes the name.
    """
    strain_id = strain_id.strip()
    found = Strain.objects.filter(mgi_id__iexact=strain_id).first() or Strain.objects.filter(
        name__iexact=strain_id).first()
    if found is not None:
        return found
    mgi_id = strain_id if strain_id.upper().startswith("MGI:") and len(strain_id) <= 20 else ""
    with audited(actor, "lims.strain.imported"):
        return save_validated(Strain(name=strain_id[:150], mgi_id=mgi_id))


@transaction.atomic
def colony_update(*, instance: Colony, actor, version: int | None = None, **fields) -> Colony:
    """Change a colony. Its name, background strain, gene and origin are locked once the DCC export carried it
    (`colonies.services.dcc_lock`); moving it to another attempt follows the creation rules.

    Raises:
        Conflict: a locked field would change, or `version` (the one the client edited) is stale.
        ValidationError: the new attempt is not genotype confirmed, or the gene is not its origin's gene.
    """
    wait_no_build_if_identity_changes(instance, fields, COLONY_LOCKED)
    version_check(instance, version)
    current = Colony.objects.select_for_update().get(pk=instance.pk)
    changed = apply_fields(instance, fields)
    if "name" in changed and normalise_name(instance.name) == current.name:
        changed.remove("name")  # the same name typed with other spacing is no rename
    colony_lock_check(instance, changed, stamp=current.dcc_submitted_at)
    _colony_check(instance, origin_changed=bool({"microinjection", "allele_modification"} & set(changed)))
    action = "colonies.colony.genotype_changed" if "genotype_status" in changed else "colonies.colony.updated"
    with audited(actor, action):
        save_validated(instance, update_fields=version_bump(instance, changed) + ["name"])
        if "genotype_status" in changed:
            _after_genotype_change(instance, actor)
    return instance


# --- Allele modification (Cre excision) ------------------------------------------------------------------------


def allele_modification_holding_statuses(mod: AlleleModification) -> list[str]:
    """Registered → Cre Excision Started (deleter strain or TAT-Cre) → Complete; inactive = aborted (§2.1)."""
    S = AlleleModification.Status
    holding = [S.REGISTERED]
    if mod.deleter_strain_id or mod.tat_cre:
        holding.append(S.CRE_STARTED)
        excised = (mod.deleter_strain_id and mod.number_of_cre_matings_successful > 0) or mod.tat_cre
        if excised and mod.allele_type in AlleleModification.COMPLETE_ALLELE_TYPES and mod.background_strain_id:
            holding.append(S.CRE_COMPLETE)
    if not mod.is_active:
        holding.append(S.ABORTED)
    return holding


def _allele_modification_check(mod: AlleleModification) -> None:
    errors: dict[str, list[str]] = {}
    if mod.parent_colony.genotype_status != Colony.GenotypeStatus.CONFIRMED:
        errors["parent_colony"] = ["The parent colony must be genotype confirmed."]
    if mod.number_of_cre_matings_successful > mod.number_of_cre_matings_started:
        errors["number_of_cre_matings_successful"] = [
            f"number_of_cre_matings_successful ({mod.number_of_cre_matings_successful}) cannot exceed "
            f"number_of_cre_matings_started ({mod.number_of_cre_matings_started})."]
    if mod.deleter_strain_id and not mod.deleter_strain.is_deleter:
        errors["deleter_strain"] = [f"{mod.deleter_strain} is not a deleter strain."]
    if errors:
        raise ValidationError(errors)


def _allele_modification_save(mod: AlleleModification, *, actor, changed, action, reason="") -> AlleleModification:
    _allele_modification_check(mod)
    holding = allele_modification_holding_statuses(mod)
    status_follow(mod, holding, changed)
    with audited(actor, action, reason):
        save_validated(mod, update_fields=changed)
        stamps_sync(record=mod, holding=holding)
    return mod


@contextmanager
def _as_child_colony_name():
    """The child colony's `name` errors (taken, locked, unsafe) said on `child_colony_name`, the field the user
    typed it in."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict") or "name" not in error.error_dict:
            raise
        errors = dict(error.error_dict)
        errors["child_colony_name"] = errors.pop("name")
        raise ValidationError(errors) from None
    except DomainError as error:
        if error.field == "name":
            error.field = "child_colony_name"
        raise


@transaction.atomic
def allele_modification_create(*, actor, centre=None, child_colony_name: str = "", **fields) -> AlleleModification:
    """Start a Cre excision of a genotype-confirmed colony; its child colony is created with it."""
    mod = AlleleModification(centre=centre_of(actor, centre), **fields)
    parent = mod.parent_colony
    if not mod.external_ref:
        mod.external_ref = f"{parent.name}-{parent.allele_modifications.count() + 1}"
    _allele_modification_save(mod, actor=actor, changed=None, action="colonies.allelemodification.created")
    with _as_child_colony_name():
        colony_create(actor=actor, centre=mod.centre, name=child_colony_name or mod.external_ref, gene=parent.gene,
                      allele_modification=mod, background_strain=mod.background_strain or parent.background_strain,
                      project=parent.project)
    return mod


@transaction.atomic
def allele_modification_update(*, instance: AlleleModification, actor, child_colony_name: str | None = None,
                               **fields) -> AlleleModification:
    """Change a Cre excision; `child_colony_name` renames its child colony (through `colony_update`, so a colony
    whose data reached the DCC keeps its name: 409)."""
    changed = apply_fields(instance, fields)
    child = Colony.objects.select_for_update().filter(allele_modification=instance).first()
    if "parent_colony" in changed and child is not None:
        # The child colony's lineage: locked once sent, and always of the parent's gene (as at creation).
        colony_lock_check(child, ["allele_modification"], stamp=child.dcc_submitted_at)
        if child.gene_id != instance.parent_colony.gene_id:
            raise ValidationError({"parent_colony": [
                f"Colony {instance.parent_colony} is of {instance.parent_colony.gene}; the child colony {child} "
                f"carries {child.gene}."]})
    mod = _allele_modification_save(instance, actor=actor, changed=changed,
                                    action="colonies.allelemodification.updated")
    name = normalise_name(child_colony_name or "")
    if name and child is not None and name != child.name:
        with _as_child_colony_name():
            colony_update(instance=child, actor=actor, name=name)
    return mod


@transaction.atomic
def allele_modification_abort(*, instance: AlleleModification, actor, reason: str) -> AlleleModification:
    reason = mark_aborted(instance, reason=reason)
    return _allele_modification_save(instance, actor=actor, changed=["is_active", "aborted_reason"],
                                     action="colonies.allelemodification.aborted", reason=reason)


# --- Phenotyping attempts ---------------------------------------------------------------------------------------


def phenotyping_attempt_holding_statuses(attempt: PhenotypingAttempt) -> list[str]:
    """Registered → Started (first experiment) → Complete (flag); inactive = aborted."""
    S = PhenotypingAttempt.Status
    holding = [S.REGISTERED]
    if attempt.phenotyping_started:
        holding.append(S.STARTED)
        if attempt.phenotyping_complete:
            holding.append(S.COMPLETE)
    if not attempt.is_active:
        holding.append(S.ABORTED)
    return holding


def _phenotyping_attempt_check(attempt: PhenotypingAttempt, *, original: PhenotypingAttempt | None,
                               creating: bool) -> None:
    """Refuse what a cohort cannot be; once its mice's data can be at the DCC, refuse a change of what they are
    sent as (`colonies.services.dcc_lock.COHORT_LOCKED`).

    Raises:
        ValidationError: the parent colony (at creation, or a new one) is not genotype confirmed, the name is taken.
        Conflict: name, strain or parent colony would change after phenotyping started or the colony was sent.
    """
    attempt.colony_name = normalise_name(attempt.colony_name)
    errors: dict[str, list[str]] = {}
    moved = original is not None and original.parent_colony_id != attempt.parent_colony_id
    if (creating or moved) and attempt.parent_colony.genotype_status != Colony.GenotypeStatus.CONFIRMED:
        errors["parent_colony"] = ["The colony needs to be genotype confirmed to create a phenotyping attempt."]
    if PhenotypingAttempt.objects.filter(colony_name__iexact=attempt.colony_name).exclude(pk=attempt.pk).exists():
        errors["colony_name"] = [f"A phenotyping attempt named {attempt.colony_name!r} already exists."]
    if attempt.phenotyping_complete and not attempt.phenotyping_started:
        errors["phenotyping_complete"] = ["Phenotyping cannot be complete before it has started."]
    if original is not None:
        locked = [name for name in COHORT_LOCKED
                  if getattr(original, attempt._meta.get_field(name).attname) != getattr(
                      attempt, attempt._meta.get_field(name).attname)]
        sent = original.parent_colony.dcc_submitted_at
        if locked and original.phenotyping_started:
            raise Conflict("The cohort name, strain and parent colony cannot change after phenotyping has started "
                           "(its mice are sent to the DCC under this cohort).", field=locked[0])
        if locked and sent is not None:
            raise Conflict(f"The cohort name, strain and parent colony cannot change: the colony's data was "
                           f"submitted to the DCC on {sent:%Y-%m-%d} under this cohort.", field=locked[0])
    if errors:
        raise ValidationError(errors)


def _phenotyping_attempt_save(attempt, *, actor, changed, action, reason="", original=None) -> PhenotypingAttempt:
    _phenotyping_attempt_check(attempt, original=original, creating=changed is None)
    holding = phenotyping_attempt_holding_statuses(attempt)
    status_follow(attempt, holding, changed)
    with audited(actor, action, reason):
        save_validated(attempt, update_fields=None if changed is None else changed + ["colony_name"])
        stamps_sync(record=attempt, holding=holding)
    return attempt


@transaction.atomic
def phenotyping_attempt_create(*, actor, centre=None, **fields) -> PhenotypingAttempt:
    """Register a phenotyping cohort of a genotype-confirmed colony; default name: parent + '_' + centre code."""
    attempt = PhenotypingAttempt(centre=centre_of(actor, centre), **fields)
    if not attempt.colony_name:
        attempt.colony_name = f"{attempt.parent_colony.name}_{attempt.centre.code}"
    if attempt.background_strain_id is None:
        attempt.background_strain = attempt.parent_colony.background_strain
    return _phenotyping_attempt_save(attempt, actor=actor, changed=None,
                                     action="colonies.phenotypingattempt.created")


@transaction.atomic
def phenotyping_attempt_update(*, instance: PhenotypingAttempt, actor, **fields) -> PhenotypingAttempt:
    wait_no_build_if_identity_changes(instance, fields, COHORT_LOCKED)
    original = PhenotypingAttempt.objects.select_for_update().get(pk=instance.pk)
    changed = apply_fields(instance, fields)
    return _phenotyping_attempt_save(instance, actor=actor, changed=changed, original=original,
                                     action="colonies.phenotypingattempt.updated")


@transaction.atomic
def phenotyping_attempt_abort(*, instance: PhenotypingAttempt, actor, reason: str) -> PhenotypingAttempt:
    reason = mark_aborted(instance, reason=reason)
    return _phenotyping_attempt_save(instance, actor=actor, changed=["is_active", "aborted_reason"],
                                     action="colonies.phenotypingattempt.aborted", reason=reason)


def phenotyping_started_for(*, mouse, actor) -> None:
    """Move the cohorts of `mouse`'s colony at its centre to Phenotyping Started (first experiment recorded)."""
    phenotyping_started_for_cohorts(cohorts=[(mouse.colony_id, mouse.centre_id)], actor=actor)


def phenotyping_started_for_cohorts(*, cohorts, actor) -> None:
    """`phenotyping_started_for` of many mice at once: `cohorts` are their (colony id, centre id) pairs.

    One query for all of them: an upload's 10,000 experiments may reach hundreds of cohorts, a round trip each.
    """
    match = Q(pk__in=[])
    for colony_id, centre_id in {c for c in cohorts if c[0] is not None}:
        match |= Q(parent_colony_id=colony_id, centre_id=centre_id)
    attempts = PhenotypingAttempt.objects.filter(match, phenotyping_started=False, voided_at__isnull=True)
    for attempt in attempts:
        attempt.phenotyping_started = True
        _phenotyping_attempt_save(attempt, actor=actor, changed=["phenotyping_started"], original=None,
                                  action="colonies.phenotypingattempt.started")
