"""Experiments of mice with their values, how a DCC file sent a value, and the drafts a technician saves."""
import pghistory
from django.db import models
from django.urls import reverse

from lims.models import CentreOwnedModel, TimeStampedModel, VoidableModel, audit_trackers, protect_delete
from procedures.models.definitions import Parameter, Procedure
from procedures.models.schedule import ScheduledTest


@pghistory.track(*audit_trackers())
class Experiment(CentreOwnedModel, VoidableModel):
    """One procedure performed on one mouse on one date; `sequence_id` tells repeats apart (weekly weights)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    history_parts = "values"  # the history of an experiment shows its values' changes (`lims.audit.history_for`)

    # Optimistic locking: the services add 1 on every update; a client sending a stale `version` gets 409.
    version = models.PositiveIntegerField(default=1, editable=False)
    mouse = models.ForeignKey("colonies.Mouse", on_delete=models.PROTECT, related_name="experiments")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="experiments")
    procedure_version = models.CharField(max_length=100, blank=True, editable=False)
    scheduled_test = models.ForeignKey(
        ScheduledTest, on_delete=models.PROTECT, null=True, blank=True, related_name="experiments"
    )
    date_of_experiment = models.DateField()
    sequence_id = models.CharField(max_length=40, blank=True)
    experimenter = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.SUBMITTED, editable=False, db_index=True)
    recorded_by = models.ForeignKey(
        "lims.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    qc_locked_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text="Validated by a data wrangler; edits need a reason from then on.")
    qc_locked_by = models.ForeignKey(
        "lims.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    needs_resubmission = models.BooleanField(
        default=False, editable=False, help_text="Edited after the QC lock: the DCC must receive it again."
    )
    confirmed_warnings = models.JSONField(
        default=list, blank=True, editable=False,
        help_text="Warnings the person confirmed when saving (a value outside its plausible range, a date outside "
                  "the test's window), kept with the record and in its history.",
    )
    # What a DCC import read and the export writes back as it was (empty for experiments entered at the bench).
    dcc_experiment_id = models.CharField(max_length=255, blank=True, editable=False,
                                         help_text="The experimentID of the imported file; kept for the export.")
    source_project = models.CharField(max_length=100, blank=True, editable=False,
                                      help_text="The project of the imported file's <centre> block.")
    source_pipeline = models.CharField(max_length=30, blank=True, editable=False,
                                       help_text="The pipeline of the imported file's <centre> block.")
    dcc_status_codes = models.JSONField(default=list, blank=True, editable=False,
                                        help_text="The procedure statusCodes of the imported file: [[code, date]].")
    dcc_date_timezone = models.CharField(max_length=6, blank=True, editable=False,
                                         help_text="The timezone an imported dateOfExperiment carried (xs:date), "
                                                   "e.g. Z or +01:00.")

    class Meta:
        ordering = ["-date_of_experiment", "pk"]
        indexes = [
            models.Index(fields=["centre", "procedure", "date_of_experiment"]),
            # The few experiments edited after the QC lock and not yet sent again: pending for the DCC
            # (`procedures.dcc.selectors.pending_list`) without reading the table.
            models.Index(fields=["needs_resubmission"], condition=models.Q(needs_resubmission=True),
                         name="experiment_resubmission_idx"),
        ]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.procedure.key} · {self.mouse} · {self.date_of_experiment}"

    def get_absolute_url(self) -> str:
        return reverse("procedures:experiment_detail", args=[self.pk])

    @property
    def is_qc_locked(self) -> bool:
        return self.qc_locked_at is not None

    @property
    def experiment_id(self) -> str:
        """The DCC experimentID: stable, unique within the centre; an imported experiment keeps the file's."""
        return self.dcc_experiment_id or f"{self.centre.code}-EXP-{self.pk}"


class SentAsFields(models.Model):
    """How a DCC file sent a value, for the values an import stored: the export writes them back the same way.

    A value entered at the bench leaves these empty and is written from its IMPReSS parameter. An imported one
    keeps the element it came in (`kind`, even where IMPReSS gives the parameter another type), its unit and
    sequenceID attributes, its place in the file, and what a value row has no column for: ontology terms and media
    (URI, fileType, link, parameterAssociation with dims, procedureMetadata, mediaSample sections and files).
    """

    kind = models.CharField(max_length=25, blank=True, help_text="The DCC element it was sent in (import only).")
    sequence_id = models.CharField(max_length=40, blank=True, help_text="The parameter's sequenceID attribute.")
    unit = models.CharField(max_length=100, null=True, blank=True,
                            help_text="The unit attribute as sent; empty (null) = the IMPReSS unit.")
    position = models.PositiveIntegerField(null=True, blank=True, help_text="Order in the imported file.")
    terms = models.JSONField(default=list, blank=True, help_text="Ontology terms, in order.")
    media = models.JSONField(default=dict, blank=True,
                             help_text="Media attributes and children as sent (URI, fileType, associations…).")

    class Meta:
        abstract = True

    @property
    def recorded_unit(self) -> str:
        """The unit this value was recorded in: its own (as a file sent it, or an earlier IMPReSS unit it was typed
        under, see `procedures.impress`), else its parameter's."""
        return self.parameter.unit if self.unit is None else self.unit


class RecordedValue(SentAsFields, TimeStampedModel):
    """What every recorded value shares beyond its fields: how it reads, and how its record's history names it.

    The value models (`ParameterValue`, `LineParameterValue`, `HousingValue`) declare `parameter`, `increment`,
    `value` and `status_code` themselves (their help texts differ).
    """

    history_select_related = ("parameter",)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.parameter.key}={self.value or self.status_code}"

    @property
    def history_name(self) -> str:
        """How the record's history names this value: the parameter key, and the increment of a series."""
        return f"{self.parameter.key}[{self.increment}]" if self.increment else self.parameter.key

    @property
    def history_label(self) -> str:
        """The value in the lab's words on the History tab: the parameter's name ("Body weight"), with the increment
        of a series ("Body weight [5 min]")."""
        return f"{self.parameter.name} [{self.increment}]" if self.increment else self.parameter.name

    @property
    def history_unit(self) -> str:
        """The unit shown after the old and new value ("250 → 25 g")."""
        return self.recorded_unit or ""


@pghistory.track(*audit_trackers())
class ParameterValue(RecordedValue):
    """A recorded value (or a parameter status code where it was not measured) of one parameter."""

    experiment = models.ForeignKey(Experiment, on_delete=models.PROTECT, related_name="values")
    parameter = models.ForeignKey(Parameter, on_delete=models.PROTECT, related_name="+")
    increment = models.CharField(max_length=40, blank=True, help_text="Series increment; empty for simple values.")
    value = models.TextField(blank=True)
    status_code = models.CharField(max_length=200, blank=True, help_text="IMPC_PARAMSC_* instead of a value.")
    out_of_range = models.BooleanField(default=False, help_text="Flagged for review; the value is never changed.")

    centre_path = "experiment__centre"

    class Meta:
        ordering = ["parameter__order", "parameter__key", "increment"]
        constraints = [
            # Bench entry: one value per parameter and increment. An import keeps the file's elements, which may
            # repeat an increment (seriesMedia images of one orientation): unique by their place in the file.
            models.UniqueConstraint(fields=["experiment", "parameter", "increment"], name="parameter_value_unique",
                                    condition=models.Q(position__isnull=True)),
            models.UniqueConstraint(fields=["experiment", "position"], name="parameter_value_position_unique"),
        ]
        triggers = [protect_delete()]



@pghistory.track(*audit_trackers())
class ExperimentDraft(CentreOwnedModel):
    """What a technician typed for a scheduled test but has not submitted yet, kept as typed (even if invalid).

    One draft per scheduled test: a batch page saves one per mouse, each holding the shared metadata too, so a test
    reopens with its values on its own page or in any batch. `values` maps the record form's field names
    (`<parameter key>`, `<key>__<n>` for series increments, `<key>__status`, `date_of_experiment`, `experimenter`)
    to the raw strings. Not a scientific record: recording the experiment deletes it (the audit trail keeps it).
    """

    scheduled_test = models.OneToOneField(ScheduledTest, on_delete=models.CASCADE, related_name="draft")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(default=dict, blank=True)
    saved_by = models.ForeignKey("lims.User", on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-saved_at"]

    def __str__(self) -> str:
        return f"Draft of {self.scheduled_test}"
