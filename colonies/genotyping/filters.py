"""FilterSets for genotyping, shared by the HTML lists and the API (one definition, as in the other packages)."""
import django_filters as df
from django.db.models import Q

from colonies.models import GenotypeResult, GenotypingAssay, Mouse, ZygosityRule
from lims.filters import SearchFilterSet


def _by_name_or_pk(field: str, value: str, name_lookup: str) -> Q:
    """Match a record by its name (ignoring case) or, when the value is a number, by its id as well."""
    value = value.strip()
    condition = Q(**{f"{field}__{name_lookup}__iexact": value})
    if value.isdigit():
        condition |= Q(**{f"{field}_id": int(value)})
    return condition


class GenotypeResultFilterSet(SearchFilterSet):
    """`mouse` takes a specimen ID or a mouse id; `assay` an assay name or id; `updated_since` serves API syncs."""

    search_fields = ("mouse__specimen_id", "sample__sample_id", "assay__name", "call", "batch")
    mouse = df.CharFilter(method="by_mouse", label="Mouse (specimen ID)")
    colony = df.CharFilter(field_name="mouse__colony__name", lookup_expr="iexact", label="Colony")
    assay = df.CharFilter(method="by_assay", label="Assay")
    zygosity = df.ChoiceFilter(choices=Mouse.Zygosity.choices)
    batch = df.CharFilter(field_name="batch", lookup_expr="iexact")
    tested_after = df.DateFilter(field_name="tested_on", lookup_expr="gte", label="Tested from")
    tested_before = df.DateFilter(field_name="tested_on", lookup_expr="lte", label="Tested to")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = GenotypeResult
        fields = ["mouse", "colony", "assay", "zygosity", "batch"]

    def by_mouse(self, queryset, name, value):
        return queryset.filter(_by_name_or_pk("mouse", value, "specimen_id"))

    def by_assay(self, queryset, name, value):
        return queryset.filter(_by_name_or_pk("assay", value, "name"))


class GenotypingAssayFilterSet(SearchFilterSet):
    search_fields = ("name", "allele", "protocol")
    allele = df.CharFilter(field_name="allele", lookup_expr="iexact")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = GenotypingAssay
        fields = ["allele", "sets_mouse_zygosity"]


class ZygosityRuleFilterSet(SearchFilterSet):
    search_fields = ("assay__name", "call")
    assay = df.CharFilter(method="by_assay", label="Assay")
    zygosity = df.ChoiceFilter(choices=Mouse.Zygosity.choices)
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = ZygosityRule
        fields = ["assay", "zygosity"]

    def by_assay(self, queryset, name, value):
        return queryset.filter(_by_name_or_pk("assay", value, "name"))


class ToBeGenotypedFilterSet(SearchFilterSet):
    """Filters of the "to be genotyped" list; `due` reads the selector's annotation."""

    search_fields = ("specimen_id", "ear_mark", "litter_code")
    colony = df.CharFilter(field_name="colony__name", lookup_expr="iexact", label="Colony")
    due = df.BooleanFilter(field_name="due", label="Due now")
    sex = df.ChoiceFilter(choices=Mouse.Sex.choices)

    class Meta:
        model = Mouse
        fields = ["colony", "sex"]


__all__ = ["GenotypeResultFilterSet", "GenotypingAssayFilterSet", "ToBeGenotypedFilterSet", "ZygosityRuleFilterSet"]
