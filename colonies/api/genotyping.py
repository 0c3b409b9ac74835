"""API for genotyping: results (`/genotypes/`), assays with their rule table, and the rule rows themselves.

Results are recorded, never edited: a wrong one is voided with a reason (`POST …/{id}/void/`) and the mouse's
genotype falls back to its latest remaining result. Zygosity is always derived by the service from the centre's rule
table, so it is read-only here. `updated_since` on every list lets a client sync what changed.
"""
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from colonies import services
from colonies.genotyping import selectors
from colonies.genotyping.filters import GenotypeResultFilterSet, GenotypingAssayFilterSet, ZygosityRuleFilterSet
from colonies.models import GenotypeResult, GenotypingAssay, GenotypingSample, Mouse, ZygosityRule
from lims.identifiers import safe_identifier
from lims.scoping import CentreScopedMixin
from lims.serializers import RecordSerializer, ScopedRelatedField
from lims.viewsets import HistoryMixin, LimsViewSet, VoidMixin, VoidSerializer


class ScopedLookupField(ScopedRelatedField):
    """A centre-scoped foreign key given by its natural key (`slug_field`: a specimen ID, an assay name) or its id.

    The natural key is tried first, so a specimen ID made of digits still finds its mouse; another centre's record
    is "not found", like one that does not exist. It answers with the id.
    """

    default_error_messages = {
        "does_not_exist": "{value!r} was not found (give its {slug} or id).",
        "incorrect_type": "Give a {slug} or an id, not {data_type}.",
    }

    def __init__(self, *, slug_field: str, **kwargs):
        self.slug_field = slug_field
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("incorrect_type", slug=self.slug_field, data_type=type(data).__name__)
        queryset = self.get_queryset()
        text = str(data).strip()
        found = queryset.filter(**{self.slug_field: text}).first()
        if found is None and text.isdigit():
            found = queryset.filter(pk=int(text)).first()
        if found is None:
            self.fail("does_not_exist", value=text, slug=self.slug_field.replace("_", " "))
        return found


class ZygosityRuleRowSerializer(serializers.ModelSerializer):
    """A rule as nested in its assay: the call and the zygosity it means."""

    class Meta:
        model = ZygosityRule
        fields = ["id", "call", "zygosity"]


class GenotypingAssaySerializer(RecordSerializer):
    calls = serializers.ListField(child=serializers.CharField(max_length=80, allow_blank=True), allow_empty=True,
                                  help_text='The calls it can give, e.g. ["WT band only", "both bands"].')
    rules = ZygosityRuleRowSerializer(many=True, read_only=True,
                                      help_text="The centre's rule table for this assay (edit it at /zygosity-rules/).")

    class Meta:
        model = GenotypingAssay
        fields = ["id", "centre", "name", "allele", "calls", "sets_mouse_zygosity", "protocol", "rules", "voided_at",
                  "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]


class ZygosityRuleSerializer(RecordSerializer):
    assay = ScopedLookupField(slug_field="name", queryset=GenotypingAssay.objects.filter(voided_at__isnull=True))
    assay_name = serializers.CharField(source="assay.name", read_only=True)

    class Meta:
        model = ZygosityRule
        fields = ["id", "centre", "assay", "assay_name", "call", "zygosity", "created_at", "updated_at"]
        validators = []  # the service says "already has a rule for call …" on `call`, not a generic non-field error

    def validate_assay(self, assay):
        if self.instance is not None and assay != self.instance.assay:
            raise serializers.ValidationError("A rule stays with its assay; add a rule to the other assay instead.")
        return assay


class GenotypeResultSerializer(RecordSerializer):
    """POST takes `mouse` (specimen ID or id), `assay` (name or id), `call`, `tested_on`, and either `sample` (an
    existing sample's id) or `sample_id`/`sample_type`/`collected_on` (found by sample ID, or registered)."""

    mouse = ScopedLookupField(slug_field="specimen_id", queryset=Mouse.objects.filter(voided_at__isnull=True))
    specimen_id = serializers.CharField(source="mouse.specimen_id", read_only=True)
    colony = serializers.CharField(source="mouse.colony.name", read_only=True, default=None)
    assay = ScopedLookupField(slug_field="name", queryset=GenotypingAssay.objects.filter(voided_at__isnull=True))
    assay_name = serializers.CharField(source="assay.name", read_only=True)
    allele = serializers.CharField(source="assay.allele", read_only=True)
    sample = ScopedRelatedField(queryset=GenotypingSample.objects.filter(voided_at__isnull=True), required=False,
                                allow_null=True)
    sample_id = serializers.CharField(required=False, allow_blank=True, max_length=60, write_only=True,
                                      validators=[safe_identifier],
                                      help_text="Barcode or tube label; a new sample gets one when blank.")
    sample_type = serializers.ChoiceField(choices=GenotypingSample.SampleType.choices, required=False,
                                          write_only=True)
    collected_on = serializers.DateField(required=False, allow_null=True, write_only=True)
    zygosity = serializers.CharField(read_only=True, help_text="Derived from the centre's zygosity rule table.")

    class Meta:
        model = GenotypeResult
        fields = ["id", "centre", "mouse", "specimen_id", "colony", "assay", "assay_name", "allele", "sample",
                  "sample_id", "sample_type", "collected_on", "call", "zygosity", "tested_on", "batch", "voided_at",
                  "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        sample = instance.sample
        data.update(sample_id=sample.sample_id, sample_type=sample.sample_type,
                    collected_on=sample.collected_on.isoformat())
        return data


class PlateWellSerializer(serializers.Serializer):
    well = serializers.CharField(max_length=3, help_text="A1 to H12.")
    mouse = ScopedLookupField(slug_field="specimen_id", queryset=Mouse.objects.filter(voided_at__isnull=True))
    call = serializers.CharField(max_length=80)


class PlateSerializer(serializers.Serializer):
    """A 96-well plate: the assay, the day it ran, the samples' day and type, and each filled well."""

    assay = ScopedLookupField(slug_field="name", queryset=GenotypingAssay.objects.filter(voided_at__isnull=True))
    tested_on = serializers.DateField()
    collected_on = serializers.DateField()
    sample_type = serializers.ChoiceField(choices=GenotypingSample.SampleType.choices, required=False,
                                          default=GenotypingSample.SampleType.EAR)
    plate = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                  validators=[safe_identifier], help_text="Stored on every result as its batch.")
    wells = PlateWellSerializer(many=True, allow_empty=False, max_length=96)


class PlateResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = GenotypeResultSerializer(many=True)


class GenotypingAssayViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.assay_detail_list()
    serializer_class = GenotypingAssaySerializer
    filterset_class = GenotypingAssayFilterSet
    ordering_fields = ["name", "updated_at"]
    area = "colony"
    create_service = services.assay_create
    update_service = services.assay_update


class ZygosityRuleViewSet(mixins.DestroyModelMixin, LimsViewSet):
    """The rule table, row by row; DELETE removes a row (configuration, audited), it is not a scientific record."""

    queryset = selectors.zygosity_rule_list()
    serializer_class = ZygosityRuleSerializer
    filterset_class = ZygosityRuleFilterSet
    ordering_fields = ["call", "updated_at"]
    area = "colony"
    create_service = services.zygosity_rule_create
    update_service = services.zygosity_rule_update

    def perform_destroy(self, instance):
        services.zygosity_rule_delete(instance=instance, actor=self.request.user,
                                      reason=self.request.headers.get("X-Change-Reason", ""))


class GenotypeResultViewSet(HistoryMixin, CentreScopedMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                            mixins.ListModelMixin, viewsets.GenericViewSet):
    """Genotyping results: list, retrieve, record (POST), history, and void; no edit and no DELETE."""

    queryset = selectors.genotype_result_list()
    serializer_class = GenotypeResultSerializer
    filterset_class = GenotypeResultFilterSet
    ordering_fields = ["tested_on", "updated_at"]
    area = "colony"

    def perform_create(self, serializer):
        serializer.instance = services.result_record(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=PlateSerializer, responses={201: PlateResultSerializer})
    @action(detail=False, methods=["post"], serializer_class=PlateSerializer)
    def plate(self, request):
        """Record a 96-well plate all or nothing: 400 names each refused well ("C7": [...]), 403 for a role that may
        not record genotypes."""
        data = PlateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        wells = [services.Well(well=w["well"].strip().upper(), mouse=w["mouse"], call=w["call"])
                 for w in fields.pop("wells")]
        results = services.plate_record(actor=request.user, wells=wells, **fields)
        rows = self.get_queryset().filter(pk__in=[r.pk for r in results]).order_by("pk")
        body = {"count": len(results), "results": GenotypeResultSerializer(rows, many=True,
                                                                           context=self.get_serializer_context()).data}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=VoidSerializer, responses=GenotypeResultSerializer)  # answers the voided result
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        result = self.get_object()
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.result_void(instance=result, actor=request.user, reason=data.validated_data["reason"])
        return Response(GenotypeResultSerializer(result, context=self.get_serializer_context()).data,
                        status=status.HTTP_200_OK)


__all__ = ["GenotypeResultViewSet", "GenotypingAssayViewSet", "ZygosityRuleViewSet", "ScopedLookupField"]
