"""FilterSets shared by the HTML lists and the API."""
import django_filters as df
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from colonies.models import Room
from lims.filters import SearchFilterSet
from lims.scoping import scope_for_user
from procedures.models import Experiment, LineExperiment, ScheduledTest


def _rooms(request):
    """The rooms offered (and accepted) by the `room` filter: the user's centre's, so the page's select lists only
    them and another centre's room id is refused as an invalid choice (400 in the API) instead of probed."""
    rooms = Room.objects.filter(voided_at__isnull=True)
    return rooms if request is None else scope_for_user(rooms, request.user)


class ScheduledTestFilterSet(SearchFilterSet):
    search_fields = ("mouse__specimen_id", "procedure__key", "procedure__name")
    procedure = df.CharFilter(field_name="procedure__key", lookup_expr="iexact")
    colony = df.CharFilter(field_name="mouse__colony__name", lookup_expr="iexact")
    mouse = df.CharFilter(field_name="mouse__specimen_id", lookup_expr="iexact")
    # Where the mouse is now (its open placement), as `colonies.husbandry.filters.MouseFilterSet` reads it.
    cage = df.CharFilter(method="in_cage", label="Cage ID")
    room = extend_schema_field(OpenApiTypes.INT)(
        df.ModelChoiceFilter(queryset=_rooms, method="in_room", label="Room", help_text="Room id (current cage)."))
    due_after = df.DateFilter(field_name="due_date", lookup_expr="gte", label="Due from")
    due_before = df.DateFilter(field_name="due_date", lookup_expr="lte", label="Due to")
    overdue = df.BooleanFilter(method="filter_overdue", label="Overdue (open, window closed)")

    class Meta:
        model = ScheduledTest
        fields = ["procedure", "status", "colony", "mouse", "cage", "room"]

    def in_cage(self, queryset, name, value):
        # A mouse has at most one open placement (a database constraint), so the join adds no duplicate rows.
        return queryset.filter(mouse__placements__ended_on__isnull=True,
                               mouse__placements__cage__cage_id__iexact=value.strip())

    def in_room(self, queryset, name, value):
        return queryset.filter(mouse__placements__ended_on__isnull=True, mouse__placements__cage__rack__room=value)

    def filter_overdue(self, queryset, name, value):
        """Scheduled or missed tests whose window closed before today (the phenotyping report's "overdue")."""
        if value is None:
            return queryset
        condition = Q(status__in=list(ScheduledTest.OPEN), window_end__lt=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class ExperimentFilterSet(SearchFilterSet):
    search_fields = ("mouse__specimen_id", "procedure__key", "experimenter")
    procedure = df.CharFilter(field_name="procedure__key", lookup_expr="iexact")
    colony = df.CharFilter(field_name="mouse__colony__name", lookup_expr="iexact")
    mouse = df.CharFilter(field_name="mouse__specimen_id", lookup_expr="iexact")
    date_after = df.DateFilter(field_name="date_of_experiment", lookup_expr="gte", label="Date from")
    date_before = df.DateFilter(field_name="date_of_experiment", lookup_expr="lte", label="Date to")

    class Meta:
        model = Experiment
        fields = ["procedure", "colony", "mouse", "status"]


class LineExperimentFilterSet(SearchFilterSet):
    search_fields = ("colony__name", "procedure__key", "experimenter")
    procedure = df.CharFilter(field_name="procedure__key", lookup_expr="iexact")
    colony = df.CharFilter(field_name="colony__name", lookup_expr="iexact")
    date_after = df.DateFilter(field_name="date_of_experiment", lookup_expr="gte", label="Date from")
    date_before = df.DateFilter(field_name="date_of_experiment", lookup_expr="lte", label="Date to")

    class Meta:
        model = LineExperiment
        fields = ["procedure", "colony"]
