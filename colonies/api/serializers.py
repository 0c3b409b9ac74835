"""API serializers for production and mice. Field names follow iMits; status and centre are read-only."""
from rest_framework import serializers

from colonies.models import Colony, EsCell, MicroInjection, Mouse, Plan, StatusStamp
from lims.models import Consortium, Gene, Strain
from lims.serializers import RecordSerializer, ScopedRelatedField, ScopedSlugRelatedField


def _strain_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="name", queryset=Strain.objects.all(), **kwargs)


class PlanSerializer(RecordSerializer):
    gene = serializers.SlugRelatedField(slug_field="symbol", queryset=Gene.objects.all())
    consortium = serializers.SlugRelatedField(slug_field="name", queryset=Consortium.objects.all())

    class Meta:
        model = Plan
        fields = ["id", "centre", "gene", "consortium", "priority", "is_active", "withdrawn", "withdrawal_reason",
                  "comment", "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]


class EsCellSerializer(RecordSerializer):
    gene = serializers.SlugRelatedField(slug_field="symbol", queryset=Gene.objects.all())
    strain = _strain_field(required=False, allow_null=True)

    class Meta:
        model = EsCell
        fields = ["id", "centre", "name", "gene", "allele_type", "allele_symbol_superscript", "mgi_allele_id",
                  "pipeline", "parental_cell_line", "strain", "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]


class StatusStampSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    status_code = serializers.CharField(source="status")

    class Meta:
        model = StatusStamp
        fields = ["status", "status_code", "reached_on"]

    def get_status(self, stamp) -> str:
        return MicroInjection.Status(stamp.status).label


class MicroInjectionSerializer(RecordSerializer):
    stamps = StatusStampSerializer(many=True, read_only=True)
    plan = ScopedRelatedField(queryset=Plan.objects.all())
    es_cell = ScopedSlugRelatedField(slug_field="name", queryset=EsCell.objects.all(), required=False, allow_null=True)
    status = serializers.CharField(source="get_status_display", read_only=True)
    status_code = serializers.CharField(source="status", read_only=True)
    total_chimeras = serializers.IntegerField(read_only=True)
    blast_strain = _strain_field(required=False, allow_null=True)
    test_cross_strain = _strain_field(required=False, allow_null=True)
    colony_background_strain = _strain_field(required=False, allow_null=True)

    class Meta:
        model = MicroInjection
        fields = [
            "id", "centre", "plan", "es_cell", "external_ref", "mi_date", "status", "status_code", "is_active",
            "blast_strain", "test_cross_strain", "colony_background_strain", "total_blasts_injected",
            "total_transferred", "number_surrogates_receiving", "total_pups_born", "total_male_chimeras",
            "total_female_chimeras", "total_chimeras", "number_of_chimera_matings_attempted",
            "number_of_chimera_matings_successful", "number_of_chimeras_with_glt_from_genotyping",
            "number_of_het_offspring", "number_of_live_glt_offspring", "comments", "stamps", "voided_at",
            "void_reason", "created_at", "updated_at",
        ]
        read_only_fields = ["voided_at", "void_reason"]


class ColonySerializer(RecordSerializer):
    gene = serializers.SlugRelatedField(slug_field="symbol", queryset=Gene.objects.all(), required=False)
    microinjection = ScopedRelatedField(queryset=MicroInjection.objects.all(), required=False, allow_null=True)
    background_strain = _strain_field()

    class Meta:
        model = Colony
        fields = ["id", "centre", "name", "gene", "microinjection", "background_strain", "genotype_status",
                  "allele_symbol", "mgi_allele_id", "project", "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]


class MouseSerializer(RecordSerializer):
    colony = ScopedSlugRelatedField(slug_field="name", queryset=Colony.objects.all(), required=False, allow_null=True)
    strain = _strain_field()

    class Meta:
        model = Mouse
        fields = ["id", "centre", "specimen_id", "colony", "strain", "sex", "date_of_birth", "zygosity",
                  "is_baseline", "litter_code", "status", "status_date", "status_reason", "voided_at", "void_reason",
                  "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]
