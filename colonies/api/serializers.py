"""API serializers for production and mice. Field names follow iMits; status and centre are read-only."""
from rest_framework import serializers

from colonies import tables
from colonies.models import (
    AlleleModification,
    Cage,
    Colony,
    CrisprGuide,
    EsCell,
    Litter,
    MicroInjection,
    Mouse,
    MouseAllele,
    Nuclease,
    PhenotypingAttempt,
    Plan,
    StatusStamp,
)
from colonies.services import plan_warnings
from colonies.services.dcc_lock import MOUSE_CORRECTABLE, MOUSE_KEY
from lims.identifiers import safe_identifier
from lims.models import Consortium, Gene, Strain
from lims.serializers import RecordSerializer, ScopedRelatedField, ScopedSlugRelatedField
from lims.services import MIN_REASON_LENGTH
from lims.versioning import version_field


def _strain_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="name", queryset=Strain.objects.all(), **kwargs)


class PlanSerializer(RecordSerializer):
    gene = serializers.SlugRelatedField(slug_field="symbol", queryset=Gene.objects.all())
    consortium = serializers.SlugRelatedField(slug_field="name", queryset=Consortium.objects.all())
    warnings = serializers.SerializerMethodField(help_text="iMits-style warnings: the gene is planned or "
                                                           "injected elsewhere. Not errors.")

    class Meta:
        model = Plan
        fields = ["id", "centre", "gene", "consortium", "priority", "is_active", "withdrawn", "withdrawal_reason",
                  "comment", "warnings", "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]


    def get_warnings(self, plan) -> list[str]:
        # Computed only on single-object answers (create, update, retrieve): lists stay one query per page.
        return plan_warnings(plan) if self.context.get("view") and self.context["view"].action != "list" else []


class EsCellSerializer(RecordSerializer):
    gene = serializers.SlugRelatedField(slug_field="symbol", queryset=Gene.objects.all())
    strain = _strain_field(required=False, allow_null=True)

    class Meta:
        model = EsCell
        fields = ["id", "centre", "name", "gene", "allele_type", "allele_symbol_superscript", "mgi_allele_id",
                  "pipeline", "parental_cell_line", "strain", "user_qc", "production_qc", "voided_at", "void_reason",
                  "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason"]


class StatusStampSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    status_code = serializers.CharField(source="status")

    class Meta:
        model = StatusStamp
        fields = ["status", "status_code", "reached_on"]

    def get_status(self, stamp) -> str:
        owner = (MicroInjection if stamp.microinjection_id else AlleleModification if stamp.allele_modification_id
                 else PhenotypingAttempt)
        return owner.Status(stamp.status).label


class CrisprGuideSerializer(serializers.ModelSerializer):
    class Meta:
        model = CrisprGuide
        fields = ["sequence", "pam", "chromosome", "start", "end", "strand"]


class NucleaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Nuclease
        fields = ["nuclease_type", "nuclease_class", "concentration"]


class AbortSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=5, help_text="Why the attempt is aborted.")


class MicroInjectionSerializer(RecordSerializer):
    stamps = StatusStampSerializer(many=True, read_only=True)
    guides = CrisprGuideSerializer(many=True, required=False)
    nucleases = NucleaseSerializer(many=True, required=False)
    gene = serializers.CharField(source="plan.gene.symbol", read_only=True)
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
            "id", "centre", "plan", "gene", "kind", "es_cell", "external_ref", "mi_date", "date_chimeras_mated",
            "status", "status_code", "is_active", "aborted_reason",
            "blast_strain", "test_cross_strain", "colony_background_strain", "total_blasts_injected",
            "total_transferred", "number_surrogates_receiving", "total_pups_born", "total_male_chimeras",
            "total_female_chimeras", "total_chimeras", "number_of_chimera_matings_attempted",
            "number_of_chimera_matings_successful", "number_of_chimeras_with_glt_from_genotyping",
            "total_f1_mice_from_matings", "number_of_het_offspring", "number_of_live_glt_offspring",
            "crsp_total_embryos_injected",
            "crsp_total_embryos_survived", "crsp_total_transfered", "crsp_no_founder_pups", "no_nhej_g0_mutants",
            "no_deletion_g0_mutants", "no_hr_g0_mutants", "no_hdr_g0_mutants", "assay_type", "guides", "nucleases",
            "comments", "stamps", "voided_at",
            "void_reason", "created_at", "updated_at",
        ]
        read_only_fields = ["voided_at", "void_reason", "aborted_reason"]


class ColonySerializer(RecordSerializer):
    gene = serializers.SlugRelatedField(slug_field="symbol", queryset=Gene.objects.all(), required=False)
    microinjection = ScopedRelatedField(queryset=MicroInjection.objects.all(), required=False, allow_null=True)
    background_strain = _strain_field()
    version = version_field()

    class Meta:
        model = Colony
        fields = ["id", "version", "centre", "name", "gene", "microinjection", "allele_modification", "background_strain",
                  "genotype_status", "allele_symbol", "mgi_allele_id", "project", "dcc_submitted_at", "voided_at",
                  "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason", "allele_modification", "dcc_submitted_at"]


class MouseAlleleSerializer(serializers.ModelSerializer):
    class Meta:
        model = MouseAllele
        fields = ["allele", "zygosity", "source"]


#: What an imported mouse's DCC specimen file said, shown as given; the import writes it, nobody edits it.
DCC_AS_GIVEN = ["dcc_colony_id", "dcc_strain_id", "dcc_pipeline", "dcc_project", "dcc_production_centre",
                "dcc_phenotyping_centre", "dcc_related_specimens", "dcc_genotypes", "dcc_chromosomal_alterations",
                "dcc_parental_strains"]


class ColonyDefaultsSerializer(serializers.Serializer):
    """What a colony of an attempt starts with (`colonies.production.prefill.colony_initial`)."""

    microinjection = serializers.IntegerField()
    name = serializers.CharField(required=False, help_text="Absent when the centre's pattern gives no usable name.")
    gene = serializers.IntegerField()
    background_strain = serializers.IntegerField(required=False)
    allele_symbol = serializers.CharField(required=False)


class MouseSerializer(RecordSerializer):
    """A mouse with where it is now (`cage`), its parents through its litter, and its genotype per allele.

    On create, `specimen_id` may be blank (the centre's pattern gives it) and `cage` places the mouse at once.
    """

    specimen_id = serializers.CharField(required=False, allow_blank=True, max_length=60, validators=[safe_identifier])
    colony = ScopedSlugRelatedField(slug_field="name", queryset=Colony.objects.all(), required=False, allow_null=True)
    strain = _strain_field()
    litter = ScopedSlugRelatedField(slug_field="code", queryset=Litter.objects.all(), required=False, allow_null=True)
    cage = ScopedSlugRelatedField(slug_field="cage_id", queryset=Cage.objects.filter(closed_on__isnull=True),
                                  required=False, allow_null=True, write_only=True,
                                  help_text="On create: the cage the mouse goes into.")
    current_cage = serializers.SerializerMethodField()
    sire = serializers.SerializerMethodField()
    dam = serializers.SerializerMethodField()
    alleles = MouseAlleleSerializer(many=True, read_only=True)
    age = serializers.SerializerMethodField(help_text="Age today in weeks and days (\"9 weeks 3 days\"); for a mouse "
                                                      "no longer alive, its age on its status date.")
    version = version_field()

    class Meta:
        model = Mouse
        fields = ["id", "version", "centre", "specimen_id", "kind", "ear_mark", "colony", "strain", "generation", "sex",
                  "date_of_birth", "age", "stage", "stage_unit",
                  "zygosity", "alleles", "is_baseline", "litter", "litter_code", "sire", "dam", "breeding_status",
                  "cage", "current_cage", "status", "status_date", "status_reason",
                  "specimen_status_code", "specimen_status_date", *DCC_AS_GIVEN, "dcc_submitted_at",
                  "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["voided_at", "void_reason", "breeding_status", *DCC_AS_GIVEN, "dcc_submitted_at"]

    def get_age(self, mouse) -> str:
        return tables.age(mouse)

    def get_current_cage(self, mouse) -> str | None:
        if hasattr(mouse, "current_cage_id"):  # annotated by selectors.mouse_api_list
            return mouse.current_cage_id
        placements = getattr(mouse, "current_placements", None)
        if placements is None:
            placements = list(mouse.placements.filter(ended_on__isnull=True).select_related("cage"))
        return placements[0].cage.cage_id if placements else None

    def get_sire(self, mouse) -> str | None:
        if hasattr(mouse, "sire_specimen_id"):
            return mouse.sire_specimen_id
        return mouse.sire.specimen_id if mouse.litter_id else None

    def get_dam(self, mouse) -> str | None:
        if hasattr(mouse, "dam_specimen_id"):
            return mouse.dam_specimen_id
        dam = mouse.dam
        return dam.specimen_id if dam else None

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["cage"].read_only = True  # later moves go through POST /mice/move/
        return fields


class MouseCorrectionSerializer(serializers.ModelSerializer):
    """`POST /api/v1/mice/{id}/correct/`: the identity fields to correct and why (`colonies.services.mouse_correct`).

    Only what is given changes; any other field is refused by name, never ignored. `specimen_id` is accepted here
    only to answer 409 for a mouse already sent to the DCC (which files it under that ID).
    """

    colony = ScopedSlugRelatedField(slug_field="name", queryset=Colony.objects.all(), required=False, allow_null=True)
    strain = _strain_field(required=False)
    reason = serializers.CharField(min_length=MIN_REASON_LENGTH, max_length=500,
                                   help_text=f"Why the identity is corrected (at least {MIN_REASON_LENGTH} "
                                             "characters); kept in the mouse's history.")
    version = version_field()

    class Meta:
        model = Mouse
        fields = [*MOUSE_CORRECTABLE, MOUSE_KEY, "reason", "version"]
        extra_kwargs = {name: {"required": False} for name in [*MOUSE_CORRECTABLE, MOUSE_KEY]}

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {}) or {}) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Not an identity field: change it by editing the mouse."]
                                               for name in unknown})
        return attrs


class AlleleModificationSerializer(RecordSerializer):
    parent_colony = ScopedSlugRelatedField(slug_field="name", queryset=Colony.objects.all())
    deleter_strain = _strain_field(required=False, allow_null=True)
    background_strain = _strain_field(required=False, allow_null=True)
    child_colony = serializers.SlugRelatedField(slug_field="name", read_only=True)
    child_colony_name = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=125,
                                              validators=[safe_identifier])
    status = serializers.CharField(source="get_status_display", read_only=True)
    status_code = serializers.CharField(source="status", read_only=True)
    stamps = StatusStampSerializer(many=True, read_only=True)

    class Meta:
        model = AlleleModification
        fields = ["id", "centre", "parent_colony", "external_ref", "deleter_strain", "tat_cre",
                  "number_of_cre_matings_started", "number_of_cre_matings_successful", "allele_type",
                  "background_strain", "child_colony", "child_colony_name", "status", "status_code", "is_active",
                  "aborted_reason", "stamps", "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["aborted_reason", "voided_at", "void_reason"]


class PhenotypingAttemptSerializer(RecordSerializer):
    parent_colony = ScopedSlugRelatedField(slug_field="name", queryset=Colony.objects.all())
    background_strain = _strain_field(required=False, allow_null=True)
    colony_name = serializers.CharField(required=False, allow_blank=True, max_length=125, validators=[safe_identifier],
                                        help_text="The cohort name (DCC colonyID); default parent + '_' + centre.")
    status = serializers.CharField(source="get_status_display", read_only=True)
    status_code = serializers.CharField(source="status", read_only=True)
    stamps = StatusStampSerializer(many=True, read_only=True)

    class Meta:
        model = PhenotypingAttempt
        fields = ["id", "centre", "parent_colony", "colony_name", "background_strain", "phenotyping_started",
                  "phenotyping_complete", "status", "status_code", "is_active", "aborted_reason", "stamps",
                  "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["phenotyping_started", "aborted_reason", "voided_at", "void_reason"]
