"""Production FilterSets, shared by the HTML lists and the API (one definition, NetBox-style).

`reached` and `idle` read the line filters of `colonies.selectors`, the ones the production report links with, so
a figure of the report and the list it opens count the same lines. The list pages add the consortium and centre
filters the production summary's links name (`…ListFilterSet`).
"""
import django_filters as df
from django.db.models import Q

from colonies.models import AlleleModification, Colony, EsCell, MicroInjection, PhenotypingAttempt, Plan
from colonies.selectors import filter_idle, filter_reached, parse_idle
from lims.filters import SearchFilterSet


class ReachedFilterMixin:
    """The method of a `reached=<status>:<YYYY-MM>` filter: the lines that reached the status in that month.

    Each FilterSet declares its `reached` filter itself, where its filter bar shows it.
    """

    def filter_reached(self, queryset, name, value):
        return filter_reached(queryset, value)


class PlanFilterSet(SearchFilterSet):
    search_fields = ("gene__symbol", "consortium__name")
    gene = df.CharFilter(field_name="gene__symbol", lookup_expr="iexact")
    consortium = df.CharFilter(field_name="consortium__name", lookup_expr="iexact")

    class Meta:
        model = Plan
        fields = ["gene", "consortium", "priority", "is_active", "withdrawn"]


class EsCellFilterSet(SearchFilterSet):
    search_fields = ("name", "gene__symbol", "allele_symbol_superscript", "parental_cell_line")
    gene = df.CharFilter(field_name="gene__symbol", lookup_expr="iexact")

    class Meta:
        model = EsCell
        fields = ["gene", "pipeline", "allele_type"]


class MicroInjectionFilterSet(ReachedFilterMixin, SearchFilterSet):
    search_fields = ("external_ref", "plan__gene__symbol", "es_cell__name")
    gene = df.CharFilter(field_name="plan__gene__symbol", lookup_expr="iexact")
    consortium = df.CharFilter(field_name="plan__consortium__name", lookup_expr="iexact")
    mi_date_after = df.DateFilter(field_name="mi_date", lookup_expr="gte", label="MI date from")
    mi_date_before = df.DateFilter(field_name="mi_date", lookup_expr="lte", label="MI date to")
    reached = df.CharFilter(method="filter_reached", label="Reached status in month (status:YYYY-MM)")
    idle = df.CharFilter(method="filter_idle", label="Months since the last status (from-to)",
                         validators=[parse_idle])

    class Meta:
        model = MicroInjection
        fields = ["gene", "consortium", "kind", "status", "is_active"]

    def filter_idle(self, queryset, name, value):
        return filter_idle(queryset, value)


class ColonyFilterSet(SearchFilterSet):
    search_fields = ("name", "gene__symbol", "allele_symbol")
    gene = df.CharFilter(field_name="gene__symbol", lookup_expr="iexact")

    class Meta:
        model = Colony
        fields = ["gene", "genotype_status"]


class ParentColonyFilterSet(ReachedFilterMixin, SearchFilterSet):
    """What the lines made from a colony (allele modifications, phenotyping attempts) are filtered by: the status
    reached in a month, the parent colony's gene and name, and when they were entered."""

    reached = df.CharFilter(method="filter_reached", label="Reached status in month (status:YYYY-MM)")
    gene = df.CharFilter(field_name="parent_colony__gene__symbol", lookup_expr="iexact")
    parent_colony = df.CharFilter(field_name="parent_colony__name", lookup_expr="iexact")
    created_after = df.DateFilter(field_name="created_at", lookup_expr="date__gte", label="Created from")
    created_before = df.DateFilter(field_name="created_at", lookup_expr="date__lte", label="Created to")


class AlleleModificationFilterSet(ParentColonyFilterSet):
    search_fields = ("external_ref", "parent_colony__name", "parent_colony__gene__symbol")

    class Meta:
        model = AlleleModification
        fields = ["gene", "parent_colony", "status", "is_active", "tat_cre"]


class PhenotypingAttemptFilterSet(ParentColonyFilterSet):
    search_fields = ("colony_name", "parent_colony__name", "parent_colony__gene__symbol")

    class Meta:
        model = PhenotypingAttempt
        fields = ["gene", "parent_colony", "status", "is_active"]


# --- The list pages' extra filters -------------------------------------------------------------------------------


class LineFilterMixin(df.FilterSet):
    """Consortium and centre filters for lines (modifications, phenotyping), so the summary's links are exact.

    A line's consortium is its attempt's plan's, or its parent line's for a line made by Cre excision.
    """

    consortium = df.CharFilter(method="filter_consortium", label="Consortium")
    centre = df.CharFilter(field_name="centre__code", lookup_expr="iexact", label="Centre code")

    def filter_consortium(self, queryset, name, value):
        if not value.strip():
            return queryset
        via_attempt = "parent_colony__microinjection__plan__consortium__name__iexact"
        via_parent = "parent_colony__allele_modification__parent_colony__microinjection__plan__consortium__name__iexact"
        return queryset.filter(Q(**{via_attempt: value}) | Q(**{via_parent: value}))


class AlleleModificationListFilterSet(LineFilterMixin, AlleleModificationFilterSet):
    pass


class PhenotypingAttemptListFilterSet(LineFilterMixin, PhenotypingAttemptFilterSet):
    pass


class MicroInjectionListFilterSet(MicroInjectionFilterSet):
    """The API's filters plus the centre code (superusers see every centre; the summary links name one)."""

    centre = df.CharFilter(field_name="centre__code", lookup_expr="iexact", label="Centre code")
