"""Viewset bases shared by every app: centre scoping, history and void actions, writes through services."""
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lims.history import history_rows
from lims.scoping import CentreScopedMixin
from lims.services import MIN_REASON_LENGTH


class HistoryEventSerializer(serializers.Serializer):
    event = serializers.CharField()
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    action = serializers.CharField(allow_blank=True)
    request_id = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)
    part = serializers.CharField(
        allow_blank=True,
        help_text="The part of the record the event is about (an experiment's parameter key); empty for the record.")
    part_label = serializers.CharField(
        allow_blank=True, help_text="The part in words (the parameter's name, e.g. 'Body weight'); empty for the record.")
    changes = serializers.DictField(child=serializers.ListField(allow_null=True),
                                    help_text="field → [old value, new value], as stored")
    change_list = serializers.ListField(
        child=serializers.DictField(allow_null=True),
        help_text="The same changes in words: {field, label, old, new, unit}, e.g. {label: 'Status', old: "
                  "'Micro-injection in progress', new: 'Chimeras obtained'}.")


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=MIN_REASON_LENGTH,
                                   help_text=f"Why the record is voided (at least {MIN_REASON_LENGTH} characters).")


class HistoryMixin:
    """Adds `GET …/{id}/history/`: who changed what, when and why, with old → new values."""

    @extend_schema(responses=HistoryEventSerializer(many=True))  # a list of events, not the record's shape
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        obj = self.get_object()
        return Response(HistoryEventSerializer(history_rows(obj), many=True).data)


class VoidMixin:
    """Adds `POST …/{id}/void/` with a reason: scientific records are voided, never deleted."""

    void_service = None

    # The request is a reason, the answer the voided record: the action keeps the viewset's serializer so the schema
    # documents the answer (schemathesis found it documented as {"reason": …}).
    @extend_schema(request=VoidSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        from lims.services import record_void

        obj = self.get_object()
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record_void(record=obj, reason=serializer.validated_data["reason"], actor=request.user)
        obj.refresh_from_db()
        return Response(type(self).serializer_class(obj, context=self.get_serializer_context()).data, status=status.HTTP_200_OK)


class LimsViewSet(
    HistoryMixin,
    CentreScopedMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The base of every record viewset: centre-scoped, no DELETE (records are voided), writes through services.

    Subclasses set `queryset` (or override `base_queryset` with a selector), `serializer_class`, `filterset_class`,
    `area`, and `create_service` / `update_service`: callables taking `actor=` and the validated fields.
    """

    create_service = None
    update_service = None

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        fields.pop("version", None)  # optimistic locking applies to updates; a new record starts at version 1
        created = type(self).create_service(actor=self.request.user, **fields)
        serializer.instance = self._reread(created)

    def perform_update(self, serializer):
        updated = type(self).update_service(
            instance=serializer.instance, actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self._reread(updated)

    def _reread(self, instance):
        """The saved record read back through the list's selector, so annotations and prefetches (a cage's
        occupancy, a mating's females) answer as they do in GET."""
        return self.get_queryset().filter(pk=instance.pk).first() or instance
