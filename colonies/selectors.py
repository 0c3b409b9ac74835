"""Reads for production and mice, with the relations each list shows fetched up front (no N+1)."""
from django.db.models import QuerySet

from colonies.models import Colony, EsCell, MicroInjection, Mouse, Plan


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.select_related("centre", "gene", "consortium")


def es_cell_list() -> QuerySet[EsCell]:
    return EsCell.objects.select_related("centre", "gene", "strain")


def microinjection_list() -> QuerySet[MicroInjection]:
    return MicroInjection.objects.select_related(
        "centre", "plan__gene", "plan__consortium", "es_cell", "blast_strain", "test_cross_strain",
        "colony_background_strain",
    ).prefetch_related("stamps")


def colony_list() -> QuerySet[Colony]:
    return Colony.objects.select_related("centre", "gene", "microinjection", "background_strain")


def mouse_list() -> QuerySet[Mouse]:
    return Mouse.objects.select_related("centre", "colony", "strain")
