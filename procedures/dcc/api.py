"""API for DCC submissions: list and inspect them; POST starts an export (202, built by a Celery worker)."""
from django.db import transaction
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from lims.scoping import CentreScopedMixin
from lims.viewsets import HistoryMixin
from procedures.dcc import services
from procedures.dcc.models import Submission, SubmissionFile
from procedures.dcc.tasks import submission_build_task


class SubmissionFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubmissionFile
        fields = ["kind", "folder", "zip_name", "xml_name", "increment", "sha256", "size", "created_at",
                  "delivered_at"]


class SubmissionSerializer(serializers.ModelSerializer):
    centre = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    files = SubmissionFileSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "centre", "created_by", "status", "full", "as_imported", "progress", "specimen_count",
                  "experiment_count", "errors", "findings", "files", "task_id", "attempts", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields


class SubmissionViewSet(HistoryMixin, CentreScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, viewsets.GenericViewSet):
    """`POST /api/v1/dcc-submissions/` exports what is new or changed in the user's centre (`{"full": true}` sends
    everything, `{"full": true, "as_imported": true}` only the imported records as they were imported); poll the
    returned submission."""

    queryset = Submission.objects.select_related("centre", "created_by").prefetch_related("files")
    serializer_class = SubmissionSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at"]
    area = "dcc"

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            submission = services.submission_create(centre=request.user.centre, actor=request.user,
                                                    full=str(request.data.get("full", "")).lower() in {"true", "1"},
                                                    as_imported=str(request.data.get("as_imported", "")).lower()
                                                    in {"true", "1"})
            transaction.on_commit(
                lambda: submission_build_task.delay(submission_id=submission.pk, actor_id=request.user.pk)
            )
        submission.refresh_from_db()
        return Response(self.get_serializer(submission).data, status=status.HTTP_202_ACCEPTED)
