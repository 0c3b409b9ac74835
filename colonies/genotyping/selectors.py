"""Reads for genotyping: the "to be genotyped" list and the lists of assays, rules and results (no N+1)."""
import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from colonies.models import GenotypeResult, GenotypingAssay, Mouse, ZygosityRule
from colonies.selectors import colony_settings_for, mouse_list


class DaysBetween(Func):
    """`later - earlier` in whole days (in PostgreSQL, date - date is an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def to_be_genotyped(centre, today: dt.date | None = None) -> QuerySet[Mouse]:
    """Alive, non-voided mice of colonies with no non-voided genotyping result yet, oldest first.

    Each mouse carries `age_days` (its age on `today`) and `due` (old enough to genotype by the centre's
    `genotype_age_days`), so the list shows what can be sampled today and what is coming. Baseline controls
    (no colony) are not genotyped. The current cage is in `current_placements` (0 or 1 rows), as on the mouse list.
    """
    today = today or timezone.localdate()
    threshold = colony_settings_for(centre).genotype_age_days
    has_result = GenotypeResult.objects.filter(mouse=OuterRef("pk"), voided_at__isnull=True)
    return (
        mouse_list()
        .filter(centre=centre, status=Mouse.Status.ALIVE, voided_at__isnull=True, colony__isnull=False)
        .exclude(Exists(has_result))
        .annotate(age_days=DaysBetween(Value(today, output_field=DateField()), F("date_of_birth")))
        .annotate(due=Case(When(age_days__gte=threshold, then=Value(True)), default=Value(False),
                           output_field=BooleanField()))
        .order_by("date_of_birth", "specimen_id")
    )


def genotype_result_list() -> QuerySet[GenotypeResult]:
    return GenotypeResult.objects.select_related("centre", "mouse__colony", "assay", "sample")


def assay_list() -> QuerySet[GenotypingAssay]:
    return GenotypingAssay.objects.select_related("centre")


def assay_detail_list() -> QuerySet[GenotypingAssay]:
    """Assays with their rule rows (the API nests them; the detail page edits them)."""
    return assay_list().prefetch_related("rules")


def zygosity_rule_list() -> QuerySet[ZygosityRule]:
    return ZygosityRule.objects.select_related("centre", "assay")


__all__ = ["DaysBetween", "assay_detail_list", "assay_list", "genotype_result_list",
           "to_be_genotyped", "zygosity_rule_list"]
