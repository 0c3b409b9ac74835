"""API viewsets for phenotyping."""
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.response import Response

from lims.lean import LeanListMixin, LeanNested
from lims.viewsets import HistoryMixin, LimsViewSet, VoidMixin
from procedures import filters, selectors, services
from procedures.models import ParameterValue
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


class ScheduledTestViewSet(LeanListMixin, LimsViewSet):
    """Scheduled tests are created by enrolment; the API reads them and changes their status through verbs.

    The list is read lean (`lims.lean`), the mouse's current cage and room as annotations."""

    queryset = selectors.scheduled_test_list()
    lean_annotations = selectors.current_cage_annotations("mouse")
    lean_sources = {"cage": "current_cage_key", "room": "current_room_id"}
    serializer_class = serializers.ScheduledTestSerializer
    filterset_class = filters.ScheduledTestFilterSet
    ordering_fields = ["due_date", "status"]
    area = "phenotyping"
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed("POST", detail="Tests are scheduled by enrolling mice in a pipeline.")

    def _answer(self, test):
        return Response(serializers.ScheduledTestSerializer(test, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], url_path="not-performed",
            serializer_class=serializers.NotPerformedSerializer)
    def not_performed(self, request, pk=None):
        """Close the test with an IMPC_PSC code and a reason (409 when it is already closed)."""
        test = self.get_object()
        data = self._validated(serializers.NotPerformedSerializer)
        return self._answer(services.scheduled_test_mark_not_performed(
            test=test, code=data["status_code"], reason=data["reason"], actor=request.user))

    @action(detail=True, methods=["post"], serializer_class=serializers.CancelSerializer)
    def cancel(self, request, pk=None):
        """Withdraw the test with a reason (409 when it is already closed)."""
        test = self.get_object()
        data = self._validated(serializers.CancelSerializer)
        return self._answer(services.scheduled_test_cancel(test=test, reason=data["reason"], actor=request.user))

    def _validated(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _entries(values_in) -> dict[str, list[EnteredValue]]:
    entries: dict[str, list[EnteredValue]] = {}
    for row in values_in:
        entries.setdefault(row["parameter"], []).append(
            EnteredValue(value=row["value"], status_code=row["status_code"], increment=row["increment"])
        )
    return entries


def _experiment_record(*, actor, values_in, **fields):
    return services.experiment_record(actor=actor, values=_entries(values_in), **fields)


class ExperimentViewSet(LeanListMixin, VoidMixin, LimsViewSet):
    """Experiments with their values. A POST records the experiment and every value, or nothing (400 per key).

    The list is read lean (`lims.lean`): the DCC experimentID and each value's unit as annotations."""

    queryset = selectors.experiment_list()
    lean_annotations = {"lean_experiment_id": selectors.experiment_id_expression()}
    lean_sources = {"experiment_id": "lean_experiment_id"}
    lean_nested = {"values": LeanNested(queryset=ParameterValue.objects.all(), parent="experiment",
                                        annotations={"lean_unit": selectors.recorded_unit_expression()},
                                        sources={"unit": "lean_unit"})}
    serializer_class = serializers.ExperimentSerializer
    filterset_class = filters.ExperimentFilterSet
    ordering_fields = ["date_of_experiment", "created_at"]
    area = "phenotyping"
    http_method_names = ["get", "post", "head", "options"]
    create_service = _experiment_record

    def _answer(self, experiment):
        experiment = self.get_queryset().get(pk=experiment.pk)  # values fetched again, as the list does
        return Response(serializers.ExperimentSerializer(experiment, context=self.get_serializer_context()).data)

    @action(detail=False, methods=["post"], serializer_class=serializers.ExperimentBulkSerializer)
    def bulk(self, request):
        """Record a list of experiments all or none: 400 lists every bad item as `experiments[i].<parameter>`.

        Warnings (values out of range, dates outside a window) answer 400 with `warnings`, each naming its item,
        until the request is sent again with `"confirm": true` (for all) or per experiment.
        """
        items = request.data.get("experiments") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationError({"experiments": ["Give a non-empty list of experiments."]})
        context = self.get_serializer_context()
        errors: dict[str, list[str]] = {}
        validated = []
        for index, item in enumerate(items):
            serializer = serializers.ExperimentSerializer(data=item, context=context)
            if serializer.is_valid():
                data = dict(serializer.validated_data)
                data["values"] = _entries(data.pop("values_in", []))
                validated.append(data)
            else:
                for key, texts in serializer.errors.items():
                    errors[f"experiments[{index}].{key}"] = [str(t) for t in texts] if isinstance(texts, list) else [
                        str(texts)]
        if errors:
            raise ValidationError(errors)
        confirm = serializers.ExperimentBulkSerializer().fields["confirm"].run_validation(
            request.data.get("confirm", False))
        experiments = services.experiments_record_bulk(items=validated, actor=request.user, confirm=confirm)
        ids = [e.pk for e in experiments]
        rows = self.get_queryset().filter(pk__in=ids).order_by("pk")
        data = serializers.ExperimentSerializer(rows, many=True, context=context).data
        return Response({"count": len(ids), "results": data}, status=201)

    @action(detail=True, methods=["post"], url_path="qc-lock", serializer_class=serializers.QcLockSerializer)
    def qc_lock(self, request, pk=None):
        """Lock a validated experiment (data wranglers only: 403 otherwise, 409 when already locked)."""
        experiment = self.get_object()
        data = _valid(serializers.QcLockSerializer, request.data)
        return self._answer(services.experiment_qc_lock(experiment=experiment, actor=request.user,
                                                        reason=data["reason"]))

    @action(detail=True, methods=["post"], url_path="qc-unlock", serializer_class=serializers.QcUnlockSerializer)
    def qc_unlock(self, request, pk=None):
        """Take the QC lock off with a reason (data wranglers only: 403 otherwise, 409 when not locked)."""
        experiment = self.get_object()
        data = _valid(serializers.QcUnlockSerializer, request.data)
        return self._answer(services.experiment_qc_unlock(experiment=experiment, actor=request.user,
                                                          reason=data["reason"]))

    @extend_schema(responses=serializers.QcBulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="qc", serializer_class=serializers.QcBulkSerializer)
    def qc(self, request):
        """Lock or unlock ticked experiments with one reason: one answer per experiment (200 done, 409 already
        locked/unlocked, 404 not found). The whole answer is 200 when any was done, else the first refusal's status."""
        data = _valid(serializers.QcBulkSerializer, request.data)
        results = services.experiments_qc_set(experiments=self.get_queryset(), ids=data["experiments"],
                                              action=data["action"], reason=data["reason"], actor=request.user)
        done = sum(1 for r in results if r.done)
        body = serializers.QcBulkResultSerializer({"action": data["action"], "done": done, "results": results}).data
        return Response(body, status=200 if done else results[0].status)

    @action(detail=True, methods=["post"], serializer_class=serializers.ExperimentEditSerializer)
    def edit(self, request, pk=None):
        """Correct values; a QC-locked experiment needs `reason` and is then marked for resubmission."""
        experiment = self.get_object()
        serializer = serializers.ExperimentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._answer(services.experiment_values_update(
            experiment=experiment, values=_entries(data["entered_values"]), reason=data["reason"], actor=request.user,
            version=data.get("version"), confirm=data["confirm"]))


def _line_experiment_record(*, actor, values_in=(), **fields):
    return services.line_experiment_record(actor=actor, values=_entries(values_in), **fields)


class LineExperimentViewSet(VoidMixin, LimsViewSet):
    """Line-level experiments (fertility, viability) per colony; a POST records all values or nothing."""

    queryset = selectors.line_experiment_list()
    serializer_class = serializers.LineExperimentSerializer
    filterset_class = filters.LineExperimentFilterSet
    ordering_fields = ["date_of_experiment", "created_at"]
    area = "phenotyping"
    http_method_names = ["get", "post", "head", "options"]
    create_service = _line_experiment_record
