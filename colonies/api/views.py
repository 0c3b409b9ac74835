"""API viewsets for production and mice: scoped to the user's centre, writes through services, no DELETE."""
from colonies import filters, selectors, services
from colonies.api import serializers
from lims.viewsets import LimsViewSet, VoidMixin


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


class MicroInjectionViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.microinjection_list()
    serializer_class = serializers.MicroInjectionSerializer
    filterset_class = filters.MicroInjectionFilterSet
    ordering_fields = ["mi_date", "external_ref", "status"]
    area = "production"
    create_service = services.microinjection_create
    update_service = services.microinjection_update


class ColonyViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.colony_list()
    serializer_class = serializers.ColonySerializer
    filterset_class = filters.ColonyFilterSet
    ordering_fields = ["name", "created_at"]
    area = "production"
    create_service = services.colony_create
    update_service = services.colony_update


class MouseViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.mouse_list()
    serializer_class = serializers.MouseSerializer
    filterset_class = filters.MouseFilterSet
    ordering_fields = ["specimen_id", "date_of_birth", "updated_at"]
    area = "colony"
    create_service = services.mouse_create
    update_service = services.mouse_update
