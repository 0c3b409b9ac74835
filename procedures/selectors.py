"""Reads for phenotyping, with relations fetched up front."""
from django.db.models import Prefetch, QuerySet

from procedures.models import (
    Experiment,
    LineExperiment,
    LineParameterValue,
    ParameterValue,
    Pipeline,
    Procedure,
    ScheduledTest,
)


def pipeline_list() -> QuerySet[Pipeline]:
    return Pipeline.objects.prefetch_related("procedures")


def procedure_list() -> QuerySet[Procedure]:
    return Procedure.objects.select_related("pipeline").prefetch_related("parameters")


def scheduled_test_list() -> QuerySet[ScheduledTest]:
    return ScheduledTest.objects.select_related("centre", "mouse__colony", "procedure")


def experiment_list() -> QuerySet[Experiment]:
    values = ParameterValue.objects.select_related("parameter")
    return Experiment.objects.select_related("centre", "mouse", "procedure").prefetch_related(
        Prefetch("values", queryset=values)
    )


def line_experiment_list() -> QuerySet[LineExperiment]:
    values = LineParameterValue.objects.select_related("parameter")
    return LineExperiment.objects.select_related("centre", "colony", "procedure", "recorded_by").prefetch_related(
        Prefetch("values", queryset=values)
    )
