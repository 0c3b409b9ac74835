"""`GET /api/v1/reports/<name>/`: a report's tables as JSON (the figures of the page and the spreadsheets)."""
from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lims.reports.registry import REPORTS, build_report


class ReportApi(APIView):
    """A report of the user's centre; `start`, `end`, `colony`, `parameter` as on the page."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, name: str):
        if name not in REPORTS:
            raise Http404(f"No report {name!r}.")
        return Response(build_report(name, request.user, request.query_params).as_json())


class ReportIndexApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(operation_id="v1_reports_list", responses=inline_serializer(
        "ReportIndexEntry", many=True,
        fields={"name": serializers.CharField(), "title": serializers.CharField(),
                "description": serializers.CharField()}))
    def get(self, request):
        return Response([{"name": name, "title": title, "description": about}
                         for name, (_, title, about) in REPORTS.items()])


urlpatterns = [
    path("reports/", ReportIndexApi.as_view(), name="report-index"),
    path("reports/<slug:name>/", ReportApi.as_view(), name="report-api"),
]
