"""Writes for matings, litters and weaning, with the breeding rules of `colonies.services.rules`.

A mating is ended, never deleted; its females leave it with a date; a retired breeder keeps its matings in history.
Weaning turns a litter's counts into individual mice with IDs, sex, parents (through the litter) and cages.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from colonies.models import Cage, CagePlacement, Litter, Mating, MatingFemale, Mouse, Rack
from colonies.services.common import audited, centre_of
from colonies.services.housing import (
    _next_number,
    _same_centre,
    breeding_cage_findings,
    cage_create,
    cages_lock,
    capacity_findings,
    mating_cage_findings,
    next_mouse_id,
    place,
)
from colonies.services.reminders import reminders_batch, reminders_touch
from colonies.selectors import colony_settings_for
from colonies.services.rules import (
    Findings,
    birth_date_verdict,
    breeding_age_verdict,
    not_in_future,
    strain_threshold,
    wean_age_verdict,
)
from lims.exceptions import Conflict
from lims.services import apply_fields, save_validated
from lims.versioning import version_bump, version_check

# --- Pedigree ---------------------------------------------------------------------------------------------------


def ancestor_ids(mice: list[Mouse]) -> set[int]:
    """Every ancestor of `mice` (sires and dams through litters), one query per generation."""
    seen: set[int] = set()
    frontier = {m.pk for m in mice if m.pk}
    while frontier:
        parents = set()
        for male_id, dam_id in Mouse.objects.filter(pk__in=frontier, litter__isnull=False).values_list(
                "litter__mating__male_id", "litter__dam_id"):
            parents.update(p for p in (male_id, dam_id) if p)
        frontier = parents - seen
        seen |= parents
    return seen


def pedigree_loop_findings(findings: Findings, mouse: Mouse, litter: Litter) -> None:
    """Refuse recording `mouse` as a pup of `litter` when a parent of that litter descends from the mouse.

    That would make the mouse its own ancestor (Mosaic Vivarium refuses such loops; so do we).
    """
    parents = [litter.mating.male] + ([litter.dam] if litter.dam_id else list(litter.mating.females.all()))
    if mouse.pk in {p.pk for p in parents} or mouse.pk in ancestor_ids(parents):
        findings.error("litter", (f"Mouse {mouse.specimen_id} cannot be a pup of litter {litter.code}: a parent "
                                  f"of that litter descends from {mouse.specimen_id}, which would make it its own "
                                  "ancestor."))


# --- Matings ---------------------------------------------------------------------------------------------------


def _parent_findings(findings: Findings, mouse: Mouse, role: str, sex: str, set_up_on: date, centre) -> None:
    label = f"{'The male' if role == 'male' else 'Female'} {mouse.specimen_id}"
    if mouse.centre_id != centre.pk:
        findings.error(role, f"Mouse {mouse.specimen_id} does not belong to your centre.")
        return
    if mouse.sex != sex:
        findings.error(role, f"{label} is {mouse.get_sex_display().lower()}; the {role} of a mating must be "
                             f"{sex}.")
    if not mouse.is_alive:
        findings.error(role, f"{label} is {mouse.get_status_display().lower()}; only live mice can breed.")
    if mouse.breeding_status == Mouse.BreedingStatus.RETIRED:
        findings.error(role, f"{label} is a retired breeder.")
    if mouse.date_of_birth is None:
        findings.error(role, f"{label} is an embryo; only born mice can breed.")
        return
    minimum = strain_threshold(centre, mouse.strain, "breeding_age_days")
    verdict, message = breeding_age_verdict(mouse.date_of_birth, set_up_on, minimum)
    if verdict == "error":
        findings.error(role, f"{label} {message}")


@transaction.atomic
def mating_create(*, actor, male: Mouse, females: list[Mouse], set_up_on: date, centre=None, cage: Cage | None = None,
                  colony=None, name: str = "", responsible=None, notes: str = "", confirm: bool = False) -> Mating:
    """Set up one male with one to `max_females_per_mating` (4) females, optionally in a breeding cage.

    Errors: wrong sex, dead or retired parents, parents younger than the breeding age (per strain), a female
    already in an active mating, too many females, a date in the future, a full cage, a cage that already holds an
    active mating or another adult male (one mating, one adult male per breeding cage). Warnings: parents of
    different strains, a male already in another active mating, sexes mixed outside the mating's cage.
    The new mating's reminders (its litter check) are computed in the same transaction.
    """
    centre = centre_of(actor, centre)
    s = colony_settings_for(centre)
    females = list(females)
    findings = Findings()
    not_in_future(findings, "set_up_on", set_up_on, "The set-up date", date.today())
    if not 1 <= len(females) <= s.max_females_per_mating:
        findings.error("females", f"A mating has one to {s.max_females_per_mating} females; you gave "
                                  f"{len(females)}.")
    if len({f.pk for f in females}) != len(females):
        findings.error("females", "The same female is listed twice.")
    _parent_findings(findings, male, "male", Mouse.Sex.MALE, set_up_on, centre)
    for female in females:
        _parent_findings(findings, female, "females", Mouse.Sex.FEMALE, set_up_on, centre)
    busy = MatingFemale.objects.filter(female__in=females, left_on__isnull=True).select_related("mating", "female")
    for row in busy:
        findings.error("females", f"Female {row.female.specimen_id} is already in active mating {row.mating.name}; "
                                  "a female can be in one active mating only.")
    _same_centre(findings, "cage", cage, centre)
    _same_centre(findings, "colony", colony, centre)
    other = Mating.objects.filter(male=male, ended_on__isnull=True).first()
    if other:
        findings.warn(f"The male {male.specimen_id} already sires active mating {other.name}.")
    strains = {m.strain.name for m in [male, *females]}
    if len(strains) > 1:
        findings.warn(f"The parents are of different strains ({', '.join(sorted(strains))}); check the line of "
                      "the pups by hand.")
    if cage is not None and cage.centre_id == centre.pk:
        cages_lock([cage])
        if cage.closed_on is not None:
            findings.error("cage", f"Cage {cage.cage_id} was closed on {cage.closed_on}.")
        capacity_findings(findings, {cage: [male, *females]}, in_mating={cage.pk})
        mating_cage_findings(findings, cage, male, set_up_on, mating_name=(name or "").strip())
    note = findings.check(confirm=confirm)
    with audited(actor, "colonies.mating.created", reason=note):
        mating = save_validated(Mating(
            centre=centre, name=(name or "").strip() or f"MAT-{_next_number(centre, 'mating:MAT-'):05d}",
            male=male, set_up_on=set_up_on, cage=cage, colony=colony or male.colony,
            responsible=responsible or actor, notes=notes,
        ))
        MatingFemale.objects.bulk_create([MatingFemale(mating=mating, female=f, joined_on=set_up_on)
                                          for f in females])
        Mouse.objects.filter(pk__in=[male.pk, *(f.pk for f in females)]).update(
            breeding_status=Mouse.BreedingStatus.BREEDER)
        if cage is not None:
            place([male, *females], cage, set_up_on, "mating")
        reminders_touch(centre=centre, matings=[mating])
    return mating


@transaction.atomic
def mating_update(*, instance: Mating, actor, version: int | None = None, **fields) -> Mating:
    """Change a mating's notes, responsible person or colony (its parents and dates have their own actions).

    Raises:
        Conflict: `version` (the one the client edited) is stale.
    """
    _same_centre(Findings(), "colony", fields.get("colony"), instance.centre).check(confirm=True)
    version_check(instance, version)
    changed = apply_fields(instance, fields)
    with audited(actor, "colonies.mating.updated"):
        save_validated(instance, update_fields=version_bump(instance, changed))
        reminders_touch(centre=instance.centre_id, matings=[instance])  # the responsible person's list
        return instance


def _date_after(findings: Findings, field_name: str, value: date, floor: date, label: str) -> None:
    if value < floor:
        findings.error(field_name, f"{label} ({value}) cannot be before {floor}.")
    not_in_future(findings, field_name, value, label, date.today())


@transaction.atomic
def mating_end(*, instance: Mating, actor, ended_on: date | None = None, reason: str = "") -> Mating:
    """End a mating: its females leave it that day; the mating and its litters stay in history.

    Raises:
        Conflict: already ended.
    """
    if instance.ended_on is not None:
        raise Conflict(f"Mating {instance.name} already ended on {instance.ended_on}.")
    ended_on = ended_on or date.today()
    findings = Findings()
    _date_after(findings, "ended_on", ended_on, instance.set_up_on, "The end date")
    findings.check(confirm=True)
    instance.ended_on, instance.end_reason = ended_on, (reason or "").strip()
    with audited(actor, "colonies.mating.ended", reason=instance.end_reason):
        MatingFemale.objects.filter(mating=instance, left_on__isnull=True).update(left_on=ended_on)
        save_validated(instance, update_fields=["ended_on", "end_reason"])
        reminders_touch(centre=instance.centre_id, matings=[instance])
        return instance


@transaction.atomic
def mating_separate_male(*, instance: Mating, actor, on: date | None = None, cage: Cage | None = None) -> Mating:
    """Record that the male was taken out before delivery (trios and harems), optionally into another cage."""
    if instance.male_separated_on is not None:
        raise Conflict(f"The male of {instance.name} was already separated on {instance.male_separated_on}.")
    on = on or date.today()
    findings = Findings()
    _date_after(findings, "on", on, instance.set_up_on, "The separation date")
    if cage is not None:
        _same_centre(findings, "cage", cage, instance.centre)
        cages_lock([cage])
        capacity_findings(findings, {cage: [instance.male]})
        breeding_cage_findings(findings, {cage: [instance.male]}, on)
    findings.check(confirm=True)
    instance.male_separated_on = on
    with audited(actor, "colonies.mating.male_separated"):
        if cage is not None:
            place([instance.male], cage, on, "separated before delivery")
        save_validated(instance, update_fields=["male_separated_on"])
        reminders_touch(centre=instance.centre_id, matings=[instance], mice=[instance.male])
        return instance


@transaction.atomic
def breeders_retire(*, actor, mice: list[Mouse], on: date | None = None, reason: str = "") -> list[Mouse]:
    """Retire breeders: they leave their active matings (a male's matings end) and stop being offered as parents."""
    on = on or date.today()
    mice = list(mice)
    findings = Findings()
    not_in_future(findings, "on", on, "The date", date.today())
    for mouse in mice:
        if mouse.breeding_status != Mouse.BreedingStatus.BREEDER:
            findings.error("mice", f"Mouse {mouse.specimen_id} is not a breeder.")
    findings.check(confirm=True)
    with audited(actor, "colonies.breeders.retired", reason=reason), reminders_batch():
        for mating in Mating.objects.filter(male__in=mice, ended_on__isnull=True):
            mating_end(instance=mating, actor=actor, ended_on=max(on, mating.set_up_on),
                       reason=reason or "Male retired")
        MatingFemale.objects.filter(female__in=mice, left_on__isnull=True).update(left_on=on)
        Mouse.objects.filter(pk__in=[m.pk for m in mice]).update(breeding_status=Mouse.BreedingStatus.RETIRED)
        if mice:
            reminders_touch(centre=mice[0].centre_id, mice=mice)
    for mouse in mice:
        mouse.refresh_from_db(fields=["breeding_status"])
    return mice


# --- Litters ---------------------------------------------------------------------------------------------------


def _litter_findings(findings: Findings, litter: Litter, today: date) -> None:
    mating = litter.mating
    s = colony_settings_for(litter.centre)
    verdict, message = birth_date_verdict(mating.set_up_on, litter.born_on, today, s)
    if verdict == "error":
        findings.error("born_on", message)
    if litter.alive_count + litter.dead_count > litter.born_count:
        findings.error("alive_count", f"Alive ({litter.alive_count}) and dead ({litter.dead_count}) add up to more "
                                      f"than born ({litter.born_count}).")
    female_ids = set(MatingFemale.objects.filter(mating=mating).values_list("female_id", flat=True))
    if litter.dam_id is None and len(female_ids) > 1:
        findings.error("dam", f"Mating {mating.name} has {len(female_ids)} females; say which one is the dam.")
    if litter.dam_id is not None and litter.dam_id not in female_ids:
        findings.error("dam", f"Mouse {litter.dam} is not a female of mating {mating.name}.")


@transaction.atomic
def litter_create(*, actor, mating: Mating, born_on: date, born_count: int, alive_count: int, dead_count: int = 0,
                  dam: Mouse | None = None, code: str = "", notes: str = "", confirm: bool = False) -> Litter:
    """Record a litter of a mating. The dam defaults to the mating's only female.

    Errors: born before set-up + minimum gestation or in the future, counts that do not add up, no dam when the
    mating has several females. Warning: the dam's previous litter is not weaned yet (a double litter).
    In the same transaction the mating's "check for a litter" closes and the litter's wean reminder follows.
    """
    if mating.voided_at is not None:
        raise Conflict(f"Mating {mating.name} is voided.")
    if dam is None:
        only = list(MatingFemale.objects.filter(mating=mating).values_list("female", flat=True)[:2])
        dam = Mouse.objects.get(pk=only[0]) if len(only) == 1 else None
    litter = Litter(centre=mating.centre, mating=mating, dam=dam, born_on=born_on, born_count=born_count,
                    alive_count=alive_count, dead_count=dead_count, notes=notes, code=(code or "").strip())
    findings = Findings()
    _litter_findings(findings, litter, date.today())
    if dam is not None:
        unweaned = Litter.objects.filter(dam=dam, weaned_on__isnull=True, voided_at__isnull=True,
                                         born_on__lte=born_on).exclude(alive_count=0).first()
        if unweaned:
            findings.warn(f"Dam {dam.specimen_id}'s previous litter {unweaned.code} (born {unweaned.born_on}) is "
                          "not weaned yet: two litters in one cage overcrowd it.")
    note = findings.check(confirm=confirm)
    if not litter.code:
        litter.code = f"{mating.name}-L{mating.litters.count() + 1}"
    with audited(actor, "colonies.litter.created", reason=note):
        save_validated(litter)
        reminders_touch(centre=litter.centre, matings=[mating], litters=[litter])
        return litter


@transaction.atomic
def litter_update(*, instance: Litter, actor, **fields) -> Litter:
    """Correct a litter's counts, dam, date or notes; litters stay editable after genotyping."""
    changed = apply_fields(instance, fields)
    findings = Findings()
    _litter_findings(findings, instance, date.today())
    if instance.weaned_on and "born_on" in changed:
        findings.error("born_on", "This litter is weaned; its pups carry the birth date. Correct the pups too.")
    findings.check(confirm=True)
    with audited(actor, "colonies.litter.updated"):
        save_validated(instance, update_fields=changed)
        reminders_touch(centre=instance.centre_id, matings=[instance.mating_id], litters=[instance])
        return instance


@dataclass
class Pup:
    """One pup to wean: its sex and ear mark, and an existing cage or the ID of a new cage to open."""

    sex: str
    ear_mark: str = ""
    cage: Cage | None = None
    new_cage_id: str = ""


def mother_cage(litter: Litter) -> Cage | None:
    """Where the litter is: its dam's cage now, else the mating's breeding cage (None when neither is known)."""
    if litter.dam_id:
        placement = (CagePlacement.objects.filter(mouse_id=litter.dam_id, ended_on__isnull=True)
                     .select_related("cage__rack__room").first())
        if placement is not None:
            return placement.cage
    mating = litter.mating
    return Cage.objects.select_related("rack__room").get(pk=mating.cage_id) if mating.cage_id else None


def _wean_findings(findings: Findings, *, litter: Litter, pups: list[Pup], weaned_on: date,
                   new_cage_rack: Rack | None, new_cage_capacity: int) -> tuple[dict[str, Cage], Rack | None]:
    """Check the pups and their cages before a weaning writes anything (the target cages are locked here), adding
    each problem to `findings`; return the new cages to open (unsaved, by cage ID) and the rack they go on."""
    centre, mating = litter.centre, litter.mating
    if not pups:
        findings.error("pups", "Give at least one pup (sex and cage).")
    if len(pups) > litter.alive_count:
        findings.error("pups", f"Litter {litter.code} has {litter.alive_count} live pups; you are weaning "
                               f"{len(pups)}. Correct the litter's count first.")
    cages_lock(pup.cage for pup in pups)
    for index, pup in enumerate(pups, start=1):
        if pup.sex not in Mouse.Sex.values:
            findings.error("pups", f"Pup {index}: choose its sex.")
        if pup.cage is None and not pup.new_cage_id.strip():
            findings.error("pups", f"Pup {index}: choose a cage or give a new cage ID.")
        if pup.cage is not None:
            _same_centre(findings, "pups", pup.cage, centre)
            if pup.cage.closed_on is not None:
                findings.error("pups", f"Cage {pup.cage.cage_id} was closed on {pup.cage.closed_on}.")
    new_ids = sorted({p.new_cage_id.strip() for p in pups if p.cage is None and p.new_cage_id.strip()})
    taken = set(Cage.objects.filter(centre=centre, cage_id__in=new_ids).values_list("cage_id", flat=True))
    for cage_id in sorted(taken):
        findings.error("pups", f"Cage ID {cage_id} is already in use; choose the cage instead of a new one.")
    if new_cage_rack is not None:
        _same_centre(findings, "new_cage_rack", new_cage_rack, centre)
        rack = new_cage_rack
    else:
        home = mother_cage(litter) if new_ids else None
        rack = home.rack if home is not None else None
    # Capacity and sex mix per target cage, for the whole litter at once (new cages have the default capacity).
    new_cages = {cage_id: Cage(centre=centre, cage_id=cage_id, capacity=new_cage_capacity, opened_on=weaned_on)
                 for cage_id in new_ids if cage_id not in taken}
    existing: dict = defaultdict(list)  # saved Cage → mice to go in
    fresh: dict = defaultdict(list)  # new cage ID → mice to go in
    for pup in pups:
        if pup.cage is not None:
            existing[pup.cage].append(Mouse(sex=pup.sex, strain=mating.male.strain, date_of_birth=litter.born_on,
                                            specimen_id=f"a pup of litter {litter.code}"))
        elif pup.new_cage_id.strip() in new_cages:
            fresh[pup.new_cage_id.strip()].append(Mouse(sex=pup.sex))
    for cage_id, mice in fresh.items():
        capacity = new_cages[cage_id].capacity
        if len(mice) > capacity:
            findings.error("pups", (f"Cage {cage_id} holds at most {capacity} mice (capacity {capacity}); "
                                    f"{len(mice)} would go in. Split the litter over more cages."))
        if {Mouse.Sex.MALE, Mouse.Sex.FEMALE} <= {m.sex for m in mice}:
            findings.warn(f"Cage {cage_id} would hold males and females together outside a mating.")
    capacity_findings(findings, existing, field_name="pups", hint=" Split the litter over more cages.")
    breeding_cage_findings(findings, existing, weaned_on, field_name="pups")
    return new_cages, rack


@transaction.atomic
def litter_wean(*, actor, litter: Litter, weaned_on: date, pups: list[Pup], confirm: bool = False,
                new_cage_type: str = Cage.CageType.STOCK, new_cage_rack: Rack | None = None) -> list[Mouse]:
    """Wean a litter: create one mouse per pup (ID from the centre's pattern, sex, DOB, colony, strain, litter and
    so its sire and dam) in the cage given for it; new cage IDs open new cages first, on `new_cage_rack` or, when
    none is chosen, on the rack (and so in the room) of the mother's cage.

    Errors: weaned already (409), a wean date out of 16–28 days or not after birth or in the future, more pups
    than alive, a pup without a cage, a cage over its capacity (split the litter over more cages), an adult male
    into another mating's breeding cage. The target cages are locked first, so two weanings at the same moment
    cannot both fill the last places of a cage. Warnings: a wean outside the usual 18–24 days, males and females
    in one cage. The litter's wean reminder closes and each pup's genotyping reminder opens in the same transaction.
    """
    # Locked and read again: two people weaning the same litter at once would otherwise both create its pups.
    weaned_already = Litter.objects.select_for_update().filter(pk=litter.pk).values_list("weaned_on", flat=True).get()
    if weaned_already is not None:
        raise Conflict(f"Litter {litter.code} was already weaned on {weaned_already}.")
    centre, mating, today = litter.centre, litter.mating, date.today()
    s = colony_settings_for(centre)
    findings = Findings()
    verdict, message = wean_age_verdict(litter.born_on, weaned_on, today, s)
    if verdict == "error":
        findings.error("weaned_on", message)
    elif verdict == "warning":
        findings.warn(message)
    new_cages, rack = _wean_findings(findings, litter=litter, pups=pups, weaned_on=weaned_on,
                                     new_cage_rack=new_cage_rack, new_cage_capacity=s.default_cage_capacity)
    note = findings.check(confirm=confirm)

    with audited(actor, "colonies.litter.weaned", reason=note):
        opened = {cage_id: cage_create(actor=actor, centre=centre, cage_id=cage_id, cage_type=new_cage_type,
                                       opened_on=weaned_on, rack=rack) for cage_id in new_cages}
        colony = mating.colony
        baseline = colony is None
        mice = []
        for pup in pups:
            mouse = Mouse(
                centre=centre, specimen_id=next_mouse_id(centre, colony=colony, on=weaned_on), sex=pup.sex,
                ear_mark=pup.ear_mark.strip(), colony=colony, strain=mating.male.strain,
                date_of_birth=litter.born_on, litter=litter, litter_code=litter.code, is_baseline=baseline,
                zygosity=Mouse.Zygosity.WILD_TYPE if baseline else "",
            )
            mice.append(save_validated(mouse))
        by_cage: dict = defaultdict(list)
        for pup, mouse in zip(pups, mice):
            by_cage[pup.cage or opened[pup.new_cage_id.strip()]].append(mouse)
        for cage, cage_mice in by_cage.items():
            place(cage_mice, cage, weaned_on, "weaned")
        litter.weaned_on = weaned_on
        save_validated(litter, update_fields=["weaned_on"])
        reminders_touch(centre=centre, litters=[litter], mice=mice)
    return mice


def active_matings_of(mouse: Mouse):
    return Mating.objects.filter(Q(male=mouse) | Q(female_rows__female=mouse, female_rows__left_on__isnull=True),
                                 ended_on__isnull=True).distinct()
