"""Production (plans, ES cells, micro-injection attempts, colonies) and the mice of each colony.

Field names follow iMits so that existing scripts port easily. Status is derived from the data by
`colonies.services`, never written by a user.
"""
import pghistory
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from lims.identifiers import safe_allele_symbol, safe_identifier
from lims.models import (
    CentreOwnedModel,
    Consortium,
    Gene,
    Strain,
    VoidableModel,
    audit_trackers,
    protect_delete,
)


@pghistory.track(*audit_trackers())
class Plan(CentreOwnedModel, VoidableModel):
    """The intention of one production centre, for one consortium, to make a mouse line for one gene."""

    class Priority(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    gene = models.ForeignKey(Gene, on_delete=models.PROTECT, related_name="plans")
    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="plans")
    priority = models.CharField(max_length=10, choices=Priority, default=Priority.MEDIUM)
    is_active = models.BooleanField(default=True)
    withdrawn = models.BooleanField(default=False)
    withdrawal_reason = models.TextField(blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["gene__symbol"]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.gene} · {self.consortium} · {self.centre.code}"

    def get_absolute_url(self) -> str:
        return reverse("colonies:plan_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class EsCell(CentreOwnedModel, VoidableModel):
    """An ES cell clone with its allele, and the strain its parental cell line implies."""

    name = models.CharField(max_length=100, unique=True, validators=[safe_identifier])
    gene = models.ForeignKey(Gene, on_delete=models.PROTECT, related_name="es_cells")
    allele_type = models.CharField(max_length=10, blank=True, help_text="a, b, c, d, e, e.1, '' (deletion) …")
    allele_symbol_superscript = models.CharField(max_length=75, blank=True, help_text="e.g. tm1a(EUCOMM)Wtsi",
                                                 validators=[safe_identifier])
    mgi_allele_id = models.CharField(max_length=40, blank=True, verbose_name="MGI allele id")
    pipeline = models.CharField(max_length=50, blank=True, help_text="EUCOMM, KOMP-CSD, …")
    parental_cell_line = models.CharField(max_length=50, validators=[safe_identifier])
    strain = models.ForeignKey(Strain, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               help_text="Implied by the parental cell line when left empty.")
    user_qc = models.JSONField(default=dict, blank=True, help_text="User QC results: {test: value}.")
    production_qc = models.JSONField(default=dict, blank=True,
                                     help_text="Production-centre QC: {test: na|pass|fail}; missing tests are na.")

    class Meta:
        ordering = ["name"]
        verbose_name = "ES cell clone"
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("colonies:escell_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class MicroInjection(CentreOwnedModel, VoidableModel):
    """A micro-injection attempt (iMits `mi_attempts`): ES cell or CRISPR, counts as the lab records them."""

    class Status(models.TextChoices):
        IN_PROGRESS = "mip", "Micro-injection in progress"
        CHIMERAS_OBTAINED = "chr", "Chimeras obtained"
        FOUNDER_OBTAINED = "fod", "Founder obtained"
        GENOTYPE_CONFIRMED = "gtc", "Genotype confirmed"
        ABORTED = "abt", "Micro-injection aborted"

    class Kind(models.TextChoices):
        ES_CELL = "es_cell", "ES cell"
        CRISPR = "crispr", "CRISPR"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="microinjections")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.ES_CELL)
    es_cell = models.ForeignKey(EsCell, on_delete=models.PROTECT, null=True, blank=True, related_name="microinjections")
    external_ref = models.CharField(max_length=125, help_text="The attempt's colony name in iMits.",
                                    validators=[safe_identifier])
    mi_date = models.DateField()
    date_chimeras_mated = models.DateField(null=True, blank=True)
    aborted_reason = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=3, choices=Status, default=Status.IN_PROGRESS, editable=False, db_index=True)
    is_active = models.BooleanField(default=True)
    blast_strain = models.ForeignKey(Strain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    test_cross_strain = models.ForeignKey(Strain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    colony_background_strain = models.ForeignKey(
        Strain, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total_blasts_injected = models.PositiveIntegerField(null=True, blank=True)
    total_transferred = models.PositiveIntegerField(null=True, blank=True)
    number_surrogates_receiving = models.PositiveIntegerField(null=True, blank=True)
    total_pups_born = models.PositiveIntegerField(null=True, blank=True)
    total_male_chimeras = models.PositiveIntegerField(null=True, blank=True)
    total_female_chimeras = models.PositiveIntegerField(null=True, blank=True)
    number_of_chimera_matings_attempted = models.PositiveIntegerField(null=True, blank=True)
    number_of_chimera_matings_successful = models.PositiveIntegerField(null=True, blank=True)
    number_of_chimeras_with_glt_from_genotyping = models.PositiveIntegerField(null=True, blank=True)
    total_f1_mice_from_matings = models.PositiveIntegerField(null=True, blank=True,
                                                             verbose_name="F1 mice from chimera matings")
    number_of_het_offspring = models.PositiveIntegerField(null=True, blank=True)
    number_of_live_glt_offspring = models.PositiveIntegerField(null=True, blank=True)
    # CRISPR (iMits crsp_* names; "transfered" is iMits's spelling, kept so scripts port unchanged).
    crsp_total_embryos_injected = models.PositiveIntegerField(null=True, blank=True)
    crsp_total_embryos_survived = models.PositiveIntegerField(null=True, blank=True)
    crsp_total_transfered = models.PositiveIntegerField(null=True, blank=True)
    crsp_no_founder_pups = models.PositiveIntegerField(null=True, blank=True)
    no_nhej_g0_mutants = models.PositiveIntegerField(null=True, blank=True, verbose_name="NHEJ G0 mutants")
    no_deletion_g0_mutants = models.PositiveIntegerField(null=True, blank=True, verbose_name="deletion G0 mutants")
    no_hr_g0_mutants = models.PositiveIntegerField(null=True, blank=True, verbose_name="HR G0 mutants")
    no_hdr_g0_mutants = models.PositiveIntegerField(null=True, blank=True, verbose_name="HDR G0 mutants")
    assay_type = models.CharField(max_length=10, blank=True, choices=[(v, v) for v in ("PCR", "Surveyor", "T7EN1",
                                                                                          "LOA")])
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["-mi_date", "external_ref"]
        verbose_name = "micro-injection attempt"
        constraints = [
            models.UniqueConstraint(Lower("external_ref"), name="microinjection_external_ref_ci_unique"),
        ]
        indexes = [models.Index(fields=["centre", "status"]), models.Index(fields=["mi_date"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.external_ref

    def get_absolute_url(self) -> str:
        return reverse("colonies:microinjection_detail", args=[self.pk])

    @property
    def total_chimeras(self) -> int | None:
        if self.total_male_chimeras is None and self.total_female_chimeras is None:
            return None
        return (self.total_male_chimeras or 0) + (self.total_female_chimeras or 0)

    @property
    def gene(self) -> Gene:
        return self.plan.gene

    @property
    def g0_mutants(self) -> int:
        return sum(getattr(self, f) or 0 for f in ("no_nhej_g0_mutants", "no_deletion_g0_mutants",
                                                   "no_hr_g0_mutants", "no_hdr_g0_mutants"))


@pghistory.track(*audit_trackers())
class CrisprGuide(models.Model):
    """A guide RNA of a CRISPR attempt (GenTaR: sequence, PAM, position)."""

    microinjection = models.ForeignKey(MicroInjection, on_delete=models.CASCADE, related_name="guides")
    sequence = models.CharField(max_length=100)
    pam = models.CharField(max_length=10, blank=True, verbose_name="PAM")
    chromosome = models.CharField(max_length=5, blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    strand = models.CharField(max_length=1, blank=True, choices=[("+", "+"), ("-", "-")])

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.sequence


@pghistory.track(*audit_trackers())
class Nuclease(models.Model):
    """A nuclease of a CRISPR attempt."""

    microinjection = models.ForeignKey(MicroInjection, on_delete=models.CASCADE, related_name="nucleases")
    nuclease_type = models.CharField(max_length=10, choices=[(v, v) for v in ("Cas9", "D10A", "Cpf1")])
    nuclease_class = models.CharField(max_length=10, choices=[(v, v) for v in ("protein", "mRNA")])
    concentration = models.FloatField(null=True, blank=True, help_text="ng/µl")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.nuclease_type} {self.nuclease_class}"


@pghistory.track(*audit_trackers())
class Colony(CentreOwnedModel, VoidableModel):
    """A line of mice carrying one allele, made by a micro-injection (or, later, an allele modification).

    The colony's name is what the DCC calls `colonyID`; it is unique across the system ignoring case and spaces.
    """

    class GenotypeStatus(models.TextChoices):
        IN_PROGRESS = "in_progress", "Genotype in progress"
        CONFIRMED = "confirmed", "Genotype confirmed"
        NOT_CONFIRMED = "not_confirmed", "Genotype not confirmed"
        EXTINCT = "extinct", "Extinct"
        ABORTED = "aborted", "Aborted"

    # Optimistic locking: the services add 1 on every update; a client sending a stale `version` gets 409.
    version = models.PositiveIntegerField(default=1, editable=False)
    name = models.CharField(max_length=125, validators=[safe_identifier])
    # Null only for a colony imported from a DCC specimen file that names no gene (legacy lines); the services
    # require a gene (or an attempt giving one) for every colony made in the LIMS.
    gene = models.ForeignKey(Gene, on_delete=models.PROTECT, null=True, blank=True, related_name="colonies")
    microinjection = models.ForeignKey(
        MicroInjection, on_delete=models.PROTECT, null=True, blank=True, related_name="colonies"
    )
    allele_modification = models.OneToOneField(
        "AlleleModification", on_delete=models.PROTECT, null=True, blank=True, related_name="child_colony"
    )
    dcc_submitted_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When data of this colony first reached the DCC; name and background strain are locked after.",
    )
    background_strain = models.ForeignKey(Strain, on_delete=models.PROTECT, related_name="+")
    genotype_status = models.CharField(
        max_length=20, choices=GenotypeStatus, default=GenotypeStatus.IN_PROGRESS, db_index=True
    )
    allele_symbol = models.CharField(max_length=100, blank=True, help_text="e.g. Pax6<tm1a(EUCOMM)Wtsi>",
                                     validators=[safe_allele_symbol])
    mgi_allele_id = models.CharField(max_length=40, blank=True, verbose_name="MGI allele id")
    project = models.CharField(max_length=50, blank=True, help_text="DCC project; the centre's default when blank.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "colonies"
        constraints = [models.UniqueConstraint(Lower("name"), name="colony_name_ci_unique")]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("colonies:colony_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class AlleleModification(CentreOwnedModel, VoidableModel):
    """Cre excision (or another allele modification) of a genotype-confirmed colony, giving a child colony."""

    class Status(models.TextChoices):
        REGISTERED = "mpr", "Mouse Allele Modification Registered"
        CRE_STARTED = "ces", "Cre Excision Started"
        CRE_COMPLETE = "cec", "Cre Excision Complete"
        ABORTED = "abt", "Mouse Allele Modification Aborted"

    COMPLETE_ALLELE_TYPES = {"b", ".1", ".2", "e.1", "c", "d"}

    parent_colony = models.ForeignKey("Colony", on_delete=models.PROTECT, related_name="allele_modifications")
    external_ref = models.CharField(max_length=125, blank=True, help_text="Defaults to the parent colony + '-N'.",
                                    validators=[safe_identifier])
    deleter_strain = models.ForeignKey(Strain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tat_cre = models.BooleanField(default=False, verbose_name="TAT-Cre")
    number_of_cre_matings_started = models.PositiveIntegerField(default=0)
    number_of_cre_matings_successful = models.PositiveIntegerField(default=0)
    allele_type = models.CharField(max_length=10, blank=True, help_text="The resulting allele type, e.g. b (tm1b).")
    background_strain = models.ForeignKey(Strain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_active = models.BooleanField(default=True)
    aborted_reason = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=3, choices=Status, default=Status.REGISTERED, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.external_ref or f"Allele modification {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("colonies:allelemodification_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class PhenotypingAttempt(CentreOwnedModel, VoidableModel):
    """A phenotyping cohort of a genotype-confirmed colony at one phenotyping centre (the record's centre).

    `colony_name` is the cohort's name, which the DCC export writes as `colonyID`.
    """

    class Status(models.TextChoices):
        REGISTERED = "par", "Phenotype Attempt Registered"
        STARTED = "pds", "Phenotyping Started"
        COMPLETE = "pdc", "Phenotyping Complete"
        ABORTED = "abt", "Phenotype Production Aborted"

    parent_colony = models.ForeignKey("Colony", on_delete=models.PROTECT, related_name="phenotyping_attempts")
    colony_name = models.CharField(max_length=125, validators=[safe_identifier])
    background_strain = models.ForeignKey(Strain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    phenotyping_started = models.BooleanField(default=False, editable=False,
                                              help_text="Set by the first recorded experiment of the cohort.")
    phenotyping_complete = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    aborted_reason = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=3, choices=Status, default=Status.REGISTERED, editable=False, db_index=True)

    class Meta:
        ordering = ["colony_name"]
        constraints = [models.UniqueConstraint(Lower("colony_name"), name="phenotyping_colony_name_ci_unique")]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.colony_name

    def get_absolute_url(self) -> str:
        return reverse("colonies:phenotypingattempt_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class StatusStamp(models.Model):
    """The date a derived status was first reached by a record (iMits "status stamps").

    A stamp exists exactly while its status holds: services add it when the condition first holds and remove it
    when it no longer does (e.g. het offspring set back to 0). Timelines and reports read these dates. Each machine
    has its own nullable foreign key so that lists can prefetch the stamps of a page in one query.
    """

    microinjection = models.ForeignKey(
        MicroInjection, on_delete=models.CASCADE, null=True, blank=True, related_name="stamps"
    )
    allele_modification = models.ForeignKey(
        AlleleModification, on_delete=models.CASCADE, null=True, blank=True, related_name="stamps"
    )
    phenotyping_attempt = models.ForeignKey(
        PhenotypingAttempt, on_delete=models.CASCADE, null=True, blank=True, related_name="stamps"
    )
    status = models.CharField(max_length=10)
    reached_on = models.DateField()

    # `lims.scoping`: a stamp belongs to the centre of whichever attempt it has.
    centre_path = ("microinjection__centre", "allele_modification__centre", "phenotyping_attempt__centre")

    class Meta:
        ordering = ["reached_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["microinjection", "status"], name="status_stamp_unique_microinjection"),
            models.UniqueConstraint(fields=["allele_modification", "status"], name="status_stamp_unique_allele_mod"),
            models.UniqueConstraint(fields=["phenotyping_attempt", "status"], name="status_stamp_unique_phenotyping"),
        ]

    def __str__(self) -> str:
        return f"{self.status} on {self.reached_on}"
