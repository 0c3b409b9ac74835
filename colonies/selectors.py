"""Reads for production and colony management, with the relations each list shows fetched up front (no N+1)."""
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from colonies.models import (
    AlleleModification,
    Cage,
    CagePlacement,
    Colony,
    ColonySettings,
    EsCell,
    Litter,
    Mating,
    MatingFemale,
    MicroInjection,
    Mouse,
    PhenotypingAttempt,
    Plan,
    Room,
)
from lims.models import Centre


def colony_settings_for(centre: Centre | int | None) -> ColonySettings:
    """A centre's colony settings (given the centre or its id): its saved row, or the model's defaults (unsaved) when
    the centre never changed them. The one place every rule, reminder, list and report reads its thresholds from.

    One query each call, never a relation cached on a `Centre` object, so a change saved a moment ago (through
    another object of the same centre) is always the one applied.
    """
    centre_id = getattr(centre, "pk", centre)
    return ColonySettings.objects.filter(centre_id=centre_id).first() or ColonySettings(centre_id=centre_id)


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.select_related("centre", "gene", "consortium")


def es_cell_list() -> QuerySet[EsCell]:
    return EsCell.objects.select_related("centre", "gene", "strain")


def microinjection_list() -> QuerySet[MicroInjection]:
    return MicroInjection.objects.select_related(
        "centre", "plan__gene", "plan__consortium", "es_cell", "blast_strain", "test_cross_strain",
        "colony_background_strain",
    )


def microinjection_detail_list() -> QuerySet[MicroInjection]:
    """Attempts with their stamps, guides and nucleases (the API shows all three)."""
    return microinjection_list().prefetch_related("stamps", "guides", "nucleases")


def colony_list() -> QuerySet[Colony]:
    return Colony.objects.select_related("centre", "gene", "microinjection", "allele_modification",
                                         "background_strain")


def mouse_list() -> QuerySet[Mouse]:
    """Mice with their colony, strain, current placement (`current_placements`, 0 or 1) and alleles."""
    return Mouse.objects.select_related("centre", "colony", "strain", "litter__mating__male",
                                        "litter__dam").prefetch_related(
        Prefetch("placements", queryset=CagePlacement.objects.filter(ended_on__isnull=True).select_related(
            "cage__rack__room"), to_attr="current_placements"),
        "alleles",
    )


def mouse_api_list() -> QuerySet[Mouse]:
    """The API's mice: the rows of `mouse_list`, with parents and the current cage as annotated identifiers.

    The API shows a mouse's sire, dam and cage by their ids only, so it joins for those strings instead of building
    the litter, mating, parent, placement, cage, rack and room objects `mouse_list` gives the pages: a page of 50
    mice builds ~50 instances, not ~600, which was most of the request's time (`make bench`, api_mice).
    """
    current_cage = (CagePlacement.objects.filter(mouse=OuterRef("pk"), ended_on__isnull=True)
                    .values("cage__cage_id")[:1])
    own = [f.name for f in Mouse._meta.concrete_fields]
    return (Mouse.objects.select_related("centre", "colony", "strain", "litter")
            .only(*own, "centre__code", "colony__name", "strain__name", "litter__code")
            .annotate(sire_specimen_id=F("litter__mating__male__specimen_id"),
                      dam_specimen_id=F("litter__dam__specimen_id"),
                      current_cage_id=Subquery(current_cage))
            .prefetch_related("alleles"))


def room_list() -> QuerySet[Room]:
    return Room.objects.select_related("centre").annotate(
        cage_count=Count("racks__cages", filter=Q(racks__cages__closed_on__isnull=True), distinct=True),
    ).order_by("building", "name")


def cage_list() -> QuerySet[Cage]:
    """Cages with their place and how many mice are in them now (`occupancy`)."""
    return Cage.objects.select_related("centre", "rack__room").annotate(
        occupancy=Count("placements", filter=Q(placements__ended_on__isnull=True)),
    ).order_by("cage_id")


def open_placements() -> QuerySet[CagePlacement]:
    return CagePlacement.objects.filter(ended_on__isnull=True).select_related("mouse__colony", "mouse__strain")


def mating_list() -> QuerySet[Mating]:
    """Matings with male, cage, colony and their current female rows (`current_females`)."""
    return Mating.objects.select_related("centre", "colony", "male", "cage", "responsible").prefetch_related(
        Prefetch("female_rows", queryset=MatingFemale.objects.select_related("female"), to_attr="all_female_rows"),
    )


def litter_list() -> QuerySet[Litter]:
    return Litter.objects.select_related("centre", "mating__colony", "mating__male", "dam").annotate(
        pup_count=Count("pups"),
    ).order_by("-born_on", "code")


def allele_modification_list() -> QuerySet[AlleleModification]:
    return AlleleModification.objects.select_related(
        "centre", "parent_colony", "deleter_strain", "background_strain", "child_colony"
    ).prefetch_related("stamps")


def phenotyping_attempt_list() -> QuerySet[PhenotypingAttempt]:
    return PhenotypingAttempt.objects.select_related("centre", "parent_colony", "background_strain").prefetch_related(
        "stamps"
    )
