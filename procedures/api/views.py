"""API viewsets for phenotyping."""
from rest_framework import viewsets

from lims.viewsets import HistoryMixin, LimsViewSet, VoidMixin
from procedures import filters, selectors, services
from procedures.api import serializers
from procedures.services import EnteredValue


class PipelineViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    queryset = selectors.pipeline_list()
    serializer_class = serializers.PipelineSerializer
    filterset_fields = ["key"]


class ProcedureViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    queryset = selectors.procedure_list()
    serializer_class = serializers.ProcedureSerializer
    filterset_fields = ["key", "week", "level"]


class ScheduledTestViewSet(LimsViewSet):
    queryset = selectors.scheduled_test_list()
    serializer_class = serializers.ScheduledTestSerializer
    filterset_class = filters.ScheduledTestFilterSet
    ordering_fields = ["due_date", "status"]
    area = "phenotyping"
    http_method_names = ["get", "head", "options"]


def _experiment_record(*, actor, values_in, **fields):
    entries: dict[str, list[EnteredValue]] = {}
    for row in values_in:
        entries.setdefault(row["parameter"], []).append(
            EnteredValue(value=row["value"], status_code=row["status_code"], increment=row["increment"])
        )
    return services.experiment_record(actor=actor, values=entries, **fields)


class ExperimentViewSet(VoidMixin, LimsViewSet):
    """Experiments with their values. A POST records the experiment and every value, or nothing (400 per key)."""

    queryset = selectors.experiment_list()
    serializer_class = serializers.ExperimentSerializer
    filterset_class = filters.ExperimentFilterSet
    ordering_fields = ["date_of_experiment", "created_at"]
    area = "phenotyping"
    http_method_names = ["get", "post", "head", "options"]
    create_service = _experiment_record
