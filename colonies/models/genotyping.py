"""Genotyping: assays and their calls, the centre's editable call → zygosity table, samples and results.

Zygosity comes from a call through the table a centre edits (Alyx `ZygosityRule`), never from code; the rules that
apply it are in `colonies.services.genotyping`. Split from `colonies.models.husbandry` (same app, same tables).
"""
import pghistory
from django.db import models
from django.urls import reverse

from colonies.models.husbandry import Mouse
from lims.identifiers import safe_allele_symbol, safe_identifier
from lims.models import CentreOwnedModel, VoidableModel, audit_trackers, protect_delete


@pghistory.track(*audit_trackers())
class GenotypingAssay(CentreOwnedModel, VoidableModel):
    """A PCR (or other) assay of one allele, with the calls it can give; `ZygosityRule` maps calls to zygosity."""

    name = models.CharField(max_length=80, validators=[safe_identifier])
    allele = models.CharField(max_length=100, help_text="The allele the assay reads.",
                              validators=[safe_allele_symbol])
    calls = models.JSONField(default=list, help_text='The results it can give, e.g. ["WT band only", "both bands"].')
    sets_mouse_zygosity = models.BooleanField(
        default=True, help_text="Its result also sets the mouse's zygosity (the one the DCC receives)."
    )
    protocol = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="assay_name_unique_per_centre")]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("colonies:assay_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class ZygosityRule(CentreOwnedModel):
    """One row of a centre's editable table: this assay giving this call means this zygosity."""

    assay = models.ForeignKey(GenotypingAssay, on_delete=models.PROTECT, related_name="rules")
    call = models.CharField(max_length=80, validators=[safe_identifier])
    zygosity = models.CharField(max_length=15, choices=Mouse.Zygosity)

    class Meta:
        ordering = ["assay__name", "call"]
        constraints = [models.UniqueConstraint(fields=["assay", "call"], name="zygosity_rule_unique")]

    def __str__(self) -> str:
        return f"{self.assay}: {self.call} → {self.zygosity}"


@pghistory.track(*audit_trackers())
class GenotypingSample(CentreOwnedModel, VoidableModel):
    """A tissue sample taken from a mouse for genotyping."""

    class SampleType(models.TextChoices):
        EAR = "ear", "Ear punch"
        TAIL = "tail", "Tail tip"
        TOE = "toe", "Toe clip"
        BLOOD = "blood", "Blood"
        OTHER = "other", "Other"

    mouse = models.ForeignKey(Mouse, on_delete=models.PROTECT, related_name="genotyping_samples")
    sample_id = models.CharField(max_length=60, help_text="Barcode or tube label; given automatically when blank.",
                                 validators=[safe_identifier])
    sample_type = models.CharField(max_length=10, choices=SampleType, default=SampleType.EAR)
    collected_on = models.DateField()

    class Meta:
        ordering = ["-collected_on", "sample_id"]
        constraints = [models.UniqueConstraint(fields=["centre", "sample_id"], name="sample_id_unique_per_centre")]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.sample_id


@pghistory.track(*audit_trackers())
class GenotypeResult(CentreOwnedModel, VoidableModel):
    """What an assay called for a sample, and the zygosity the centre's rule table derives from it."""

    sample = models.ForeignKey(GenotypingSample, on_delete=models.PROTECT, related_name="results")
    mouse = models.ForeignKey(Mouse, on_delete=models.PROTECT, related_name="genotype_results")
    assay = models.ForeignKey(GenotypingAssay, on_delete=models.PROTECT, related_name="results")
    call = models.CharField(max_length=80, validators=[safe_identifier])
    zygosity = models.CharField(max_length=15, choices=Mouse.Zygosity, editable=False)
    tested_on = models.DateField()
    batch = models.CharField(max_length=60, blank=True, help_text="The plate or import batch.",
                             validators=[safe_identifier])

    class Meta:
        ordering = ["-tested_on", "pk"]
        indexes = [models.Index(fields=["mouse", "assay"]), models.Index(fields=["centre", "updated_at"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.mouse} · {self.assay}: {self.call}"

    def get_absolute_url(self) -> str:
        return reverse("colonies:genotyperesult_detail", args=[self.pk])
