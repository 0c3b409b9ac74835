"""API viewsets for production and mice: scoped to the user's centre, writes through services, no DELETE."""
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from colonies import selectors, services, tables
from colonies.api import serializers
from colonies.api.husbandry import MouseBulkActionsMixin
from colonies.husbandry.filters import MouseFilterSet
from colonies.models import Mouse, MouseAllele
from colonies.production import filters
from colonies.production.prefill import colony_initial
from lims.lean import LeanComputed, LeanListMixin, LeanNested
from lims.viewsets import LimsViewSet, VoidMixin


#: The columns a mouse's age is computed from (colonies.tables.age_from), read by the lean list.
AGE_COLUMNS = ("kind", "date_of_birth", "status", "status_date")

class AbortMixin:
    """`POST …/{id}/abort/` with a reason: the record becomes aborted (is_active = false)."""

    abort_service = None

    @action(detail=True, methods=["post"], serializer_class=serializers.AbortSerializer)
    def abort(self, request, pk=None):
        obj = self.get_object()
        data = serializers.AbortSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = type(self).abort_service(instance=obj, actor=request.user, reason=data.validated_data["reason"])
        return Response(type(self).serializer_class(obj, context=self.get_serializer_context()).data)


class PlanViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.plan_list()
    serializer_class = serializers.PlanSerializer
    filterset_class = filters.PlanFilterSet
    ordering_fields = ["gene__symbol", "created_at"]
    area = "production"
    create_service = services.plan_create
    update_service = services.plan_update


class EsCellViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.es_cell_list()
    serializer_class = serializers.EsCellSerializer
    filterset_class = filters.EsCellFilterSet
    ordering_fields = ["name", "created_at"]
    area = "production"
    create_service = services.es_cell_create
    update_service = services.es_cell_update


class MicroInjectionViewSet(AbortMixin, VoidMixin, LimsViewSet):
    queryset = selectors.microinjection_detail_list()
    serializer_class = serializers.MicroInjectionSerializer
    filterset_class = filters.MicroInjectionFilterSet
    ordering_fields = ["mi_date", "external_ref", "status"]
    area = "production"
    create_service = services.microinjection_create
    update_service = services.microinjection_update
    abort_service = services.microinjection_abort

    @extend_schema(responses=serializers.ColonyDefaultsSerializer)
    @action(detail=True, methods=["get"], url_path="colony-defaults", pagination_class=None, filter_backends=[])
    def colony_defaults(self, request, pk=None):
        """What a colony of this attempt starts with: its name from the centre's colony-name pattern, gene,
        background strain and allele (the web form's prefill; POST /colonies/ still decides)."""
        initial = colony_initial(self.get_object())
        return Response(serializers.ColonyDefaultsSerializer(initial).data)


class ColonyViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.colony_list()
    serializer_class = serializers.ColonySerializer
    filterset_class = filters.ColonyFilterSet
    ordering_fields = ["name", "created_at"]
    area = "production"
    create_service = services.colony_create
    update_service = services.colony_update


class MouseViewSet(LeanListMixin, MouseBulkActionsMixin, VoidMixin, LimsViewSet):
    """Mice; the list is read lean (`lims.lean`): parents and cage from `mouse_api_list`'s annotations."""

    queryset = selectors.mouse_api_list()
    lean_queryset = Mouse.objects.all()
    lean_annotations = selectors.mouse_api_row_annotations()
    lean_sources = {"centre": "centre_code", "colony": "colony_name", "strain": "strain_name", "litter": "litter_key",
                    "current_cage": "current_cage_id", "sire": "sire_specimen_id", "dam": "dam_specimen_id",
                    "age": LeanComputed(AGE_COLUMNS, lambda row, today: tables.age_from(
                        **{k: row[k] for k in AGE_COLUMNS}, today=today), per_page=timezone.localdate)}
    lean_nested = {"alleles": LeanNested(queryset=MouseAllele.objects.all(), parent="mouse")}
    serializer_class = serializers.MouseSerializer
    filterset_class = MouseFilterSet
    ordering_fields = ["specimen_id", "date_of_birth", "updated_at"]
    area = "colony"
    create_service = services.mouse_create
    update_service = services.mouse_update

    @extend_schema(request=serializers.MouseCorrectionSerializer, responses=serializers.MouseSerializer)
    @action(detail=True, methods=["post"], serializer_class=serializers.MouseCorrectionSerializer)
    def correct(self, request, pk=None):
        """Correct the identity of a mouse the DCC already has (sex, date of birth, colony …), with a reason; the
        next export sends it to the DCC's edit/ under the same specimen ID. A plain PATCH of those fields is 409."""
        mouse = self.get_object()
        data = serializers.MouseCorrectionSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        mouse = services.mouse_correct(instance=mouse, actor=request.user, **data.validated_data)
        return Response(serializers.MouseSerializer(self._reread(mouse), context=self.get_serializer_context()).data)


class AlleleModificationViewSet(AbortMixin, VoidMixin, LimsViewSet):
    queryset = selectors.allele_modification_list()
    serializer_class = serializers.AlleleModificationSerializer
    filterset_class = filters.AlleleModificationFilterSet
    ordering_fields = ["created_at", "status"]
    area = "production"
    create_service = services.allele_modification_create
    update_service = services.allele_modification_update
    abort_service = services.allele_modification_abort


class PhenotypingAttemptViewSet(AbortMixin, VoidMixin, LimsViewSet):
    queryset = selectors.phenotyping_attempt_list()
    serializer_class = serializers.PhenotypingAttemptSerializer
    filterset_class = filters.PhenotypingAttemptFilterSet
    ordering_fields = ["colony_name", "created_at", "status"]
    area = "production"
    create_service = services.phenotyping_attempt_create
    update_service = services.phenotyping_attempt_update
    abort_service = services.phenotyping_attempt_abort
