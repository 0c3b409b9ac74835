"""FilterSets shared by the HTML lists and the API."""
import django_filters as df
from django.db.models import Q
from django.utils import timezone

from colonies.filters import SearchFilterSet
from procedures.models import Experiment, LineExperiment, ScheduledTest


class ScheduledTestFilterSet(SearchFilterSet):
    search_fields = ("mouse__specimen_id", "procedure__key", "procedure__name")
    procedure = df.CharFilter(field_name="procedure__key", lookup_expr="iexact")
    colony = df.CharFilter(field_name="mouse__colony__name", lookup_expr="iexact")
    mouse = df.CharFilter(field_name="mouse__specimen_id", lookup_expr="iexact")
    # Rooms and cages do not exist yet; `cage` and `room` filters come with them.
    due_after = df.DateFilter(field_name="due_date", lookup_expr="gte", label="Due from")
    due_before = df.DateFilter(field_name="due_date", lookup_expr="lte", label="Due to")
    overdue = df.BooleanFilter(method="filter_overdue", label="Overdue (open, window closed)")

    class Meta:
        model = ScheduledTest
        fields = ["procedure", "status", "colony", "mouse"]

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
