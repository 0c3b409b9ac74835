"""FilterSets shared by the HTML lists and the API (one definition, NetBox-style)."""
import django_filters as df
from django.db.models import Q, Subquery
from django.db.models.functions import Lower

from colonies.models import (
    AlleleModification,
    Cage,
    Colony,
    EsCell,
    Litter,
    Mating,
    MicroInjection,
    Mouse,
    PhenotypingAttempt,
    Plan,
    Room,
)
from lims.models import Gene


def _reports_production():
    """The production report's line filters (`reached`, `idle`), imported late: the report imports colonies."""
    from lims.reports import production

    return production


class SearchFilterSet(df.FilterSet):
    """Adds `q`, a free-text search over `search_fields`, and `centre` (an ILAR code; superusers see every centre,
    everyone else only their own, so for them it narrows nothing)."""

    search_fields: tuple[str, ...] = ()
    q = df.CharFilter(method="search", label="Search")
    centre = df.CharFilter(field_name="centre__code", lookup_expr="iexact", label="Centre (code)")

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition)


class GeneFilterSet(SearchFilterSet):
    search_fields = ("symbol", "mgi_id", "name")
    centre = None  # genes are shared reference data

    class Meta:
        model = Gene
        fields = ["chromosome"]


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


class MicroInjectionFilterSet(SearchFilterSet):
    search_fields = ("external_ref", "plan__gene__symbol", "es_cell__name")
    gene = df.CharFilter(field_name="plan__gene__symbol", lookup_expr="iexact")
    consortium = df.CharFilter(field_name="plan__consortium__name", lookup_expr="iexact")
    mi_date_after = df.DateFilter(field_name="mi_date", lookup_expr="gte", label="MI date from")
    mi_date_before = df.DateFilter(field_name="mi_date", lookup_expr="lte", label="MI date to")
    reached = df.CharFilter(method="filter_reached", label="Reached status in month (status:YYYY-MM)")
    idle = df.CharFilter(method="filter_idle", label="Months since the last status (from-to)",
                         validators=[lambda value: _reports_production().parse_idle(value)])

    class Meta:
        model = MicroInjection
        fields = ["gene", "consortium", "kind", "status", "is_active"]

    def filter_reached(self, queryset, name, value):
        return _reports_production().filter_reached(queryset, value)

    def filter_idle(self, queryset, name, value):
        return _reports_production().filter_idle(queryset, value)


class ColonyFilterSet(SearchFilterSet):
    search_fields = ("name", "gene__symbol", "allele_symbol")
    gene = df.CharFilter(field_name="gene__symbol", lookup_expr="iexact")

    class Meta:
        model = Colony
        fields = ["gene", "genotype_status"]


class MouseFilterSet(SearchFilterSet):
    """`cage` and `room` follow the open placement (where the mouse is now)."""

    search_fields = ("specimen_id", "ear_mark", "colony__name", "litter_code")
    colony = df.CharFilter(method="of_colony", label="Colony")
    dob_after = df.DateFilter(field_name="date_of_birth", lookup_expr="gte", label="Born from")
    dob_before = df.DateFilter(field_name="date_of_birth", lookup_expr="lte", label="Born to")
    cage = df.CharFilter(method="in_cage", label="Cage ID")
    room = df.NumberFilter(method="in_room", label="Room")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Mouse
        fields = ["colony", "sex", "status", "zygosity", "is_baseline", "breeding_status"]

    def of_colony(self, queryset, name, value):
        """The colony's id first, from the case-insensitive unique index on its name (a scalar subquery).

        Joined on the name instead, the planner cannot know which colony is meant and walks every mouse of the
        centre in specimen order until it has a page (0.24 s at 1,000,000 mice); with the id it reads the page
        straight from the (centre, colony, status, specimen_id) index.
        """
        colony = (Colony.objects.annotate(lower_name=Lower("name")).filter(lower_name=value.strip().lower())
                  .values("pk")[:1])
        return queryset.filter(colony_id=Subquery(colony))

    def in_cage(self, queryset, name, value):
        return queryset.filter(placements__ended_on__isnull=True, placements__cage__cage_id__iexact=value.strip())

    def in_room(self, queryset, name, value):
        return queryset.filter(placements__ended_on__isnull=True, placements__cage__rack__room_id=value)


class RoomFilterSet(SearchFilterSet):
    search_fields = ("building", "name")

    class Meta:
        model = Room
        fields = ["building"]


class CageFilterSet(SearchFilterSet):
    search_fields = ("cage_id", "notes")
    room = df.NumberFilter(field_name="rack__room_id", label="Room")
    is_open = df.BooleanFilter(field_name="closed_on", lookup_expr="isnull", label="Open")
    colony = df.CharFilter(method="holding_colony", label="Colony")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Cage
        fields = ["cage_type", "room", "is_open"]

    def holding_colony(self, queryset, name, value):
        return queryset.filter(placements__ended_on__isnull=True,
                               placements__mouse__colony__name__iexact=value.strip()).distinct()


class MatingFilterSet(SearchFilterSet):
    search_fields = ("name", "male__specimen_id", "colony__name")
    colony = df.CharFilter(field_name="colony__name", lookup_expr="iexact")
    is_active = df.BooleanFilter(field_name="ended_on", lookup_expr="isnull", label="Active")
    set_up_after = df.DateFilter(field_name="set_up_on", lookup_expr="gte", label="Set up from")
    set_up_before = df.DateFilter(field_name="set_up_on", lookup_expr="lte", label="Set up to")
    cage = df.CharFilter(field_name="cage__cage_id", lookup_expr="iexact", label="Cage ID")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Mating
        fields = ["colony", "is_active"]


class LitterFilterSet(SearchFilterSet):
    search_fields = ("code", "mating__name", "mating__colony__name")
    colony = df.CharFilter(field_name="mating__colony__name", lookup_expr="iexact")
    mating = df.CharFilter(field_name="mating__name", lookup_expr="iexact")
    is_weaned = df.BooleanFilter(field_name="weaned_on", lookup_expr="isnull", exclude=True, label="Weaned")
    born_after = df.DateFilter(field_name="born_on", lookup_expr="gte", label="Born from")
    born_before = df.DateFilter(field_name="born_on", lookup_expr="lte", label="Born to")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Litter
        fields = ["colony", "mating", "is_weaned"]


class AlleleModificationFilterSet(SearchFilterSet):
    search_fields = ("external_ref", "parent_colony__name", "parent_colony__gene__symbol")
    reached = df.CharFilter(method="filter_reached", label="Reached status in month (status:YYYY-MM)")

    def filter_reached(self, queryset, name, value):
        return _reports_production().filter_reached(queryset, value)
    gene = df.CharFilter(field_name="parent_colony__gene__symbol", lookup_expr="iexact")
    parent_colony = df.CharFilter(field_name="parent_colony__name", lookup_expr="iexact")
    created_after = df.DateFilter(field_name="created_at", lookup_expr="date__gte", label="Created from")
    created_before = df.DateFilter(field_name="created_at", lookup_expr="date__lte", label="Created to")

    class Meta:
        model = AlleleModification
        fields = ["gene", "parent_colony", "status", "is_active", "tat_cre"]


class PhenotypingAttemptFilterSet(SearchFilterSet):
    search_fields = ("colony_name", "parent_colony__name", "parent_colony__gene__symbol")
    reached = df.CharFilter(method="filter_reached", label="Reached status in month (status:YYYY-MM)")

    def filter_reached(self, queryset, name, value):
        return _reports_production().filter_reached(queryset, value)
    gene = df.CharFilter(field_name="parent_colony__gene__symbol", lookup_expr="iexact")
    parent_colony = df.CharFilter(field_name="parent_colony__name", lookup_expr="iexact")
    created_after = df.DateFilter(field_name="created_at", lookup_expr="date__gte", label="Created from")
    created_before = df.DateFilter(field_name="created_at", lookup_expr="date__lte", label="Created to")

    class Meta:
        model = PhenotypingAttempt
        fields = ["gene", "parent_colony", "status", "is_active"]
