"""Reads for production and mice, with the relations each list shows fetched up front (no N+1)."""
from django.db.models import QuerySet

from colonies.models import AlleleModification, Colony, EsCell, MicroInjection, Mouse, PhenotypingAttempt, Plan


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
    return Mouse.objects.select_related("centre", "colony", "strain")


def allele_modification_list() -> QuerySet[AlleleModification]:
    return AlleleModification.objects.select_related(
        "centre", "parent_colony", "deleter_strain", "background_strain", "child_colony"
    ).prefetch_related("stamps")


def phenotyping_attempt_list() -> QuerySet[PhenotypingAttempt]:
    return PhenotypingAttempt.objects.select_related("centre", "parent_colony", "background_strain").prefetch_related(
        "stamps"
    )
