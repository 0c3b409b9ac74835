"""Read-only API for reference data (edited in the Django admin)."""
from rest_framework import viewsets

from lims.filters import GeneFilterSet
from lims.models import Centre, Consortium, Gene, Strain
from lims.serializers import CentreSerializer, ConsortiumSerializer, GeneSerializer, StrainSerializer
from lims.viewsets import HistoryMixin


class CentreViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Centre.objects.all()
    serializer_class = CentreSerializer
    filterset_fields = ["code"]


class ConsortiumViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Consortium.objects.all()
    serializer_class = ConsortiumSerializer
    filterset_fields = ["name"]


class StrainViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Strain.objects.all()
    serializer_class = StrainSerializer
    filterset_fields = ["name", "mgi_id", "is_background", "is_test_cross", "is_blast", "is_deleter"]


class GeneViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Gene.objects.all()
    serializer_class = GeneSerializer
    filterset_class = GeneFilterSet
    ordering_fields = ["symbol", "mgi_id"]
