"""Records above the mouse: line-level experiments of a colony (`<line>`) and a centre's housing (`<housing>`)."""
import pghistory
from django.db import models
from django.urls import reverse

from lims.models import CentreOwnedModel, VoidableModel, audit_trackers, protect_delete
from procedures.models.definitions import Parameter, Procedure
from procedures.models.experiments import RecordedValue


@pghistory.track(*audit_trackers())
class LineExperiment(CentreOwnedModel, VoidableModel):
    """A line-level procedure (fertility, viability) performed on a colony, not on one mouse.

    Kept apart from `Experiment` so that a mouse experiment always has a mouse (and the DCC `<experiment>` export
    stays as it is); the DCC sends these as `<line>` elements. A status code replaces the values when the procedure
    was not performed.
    """

    history_parts = "values"  # its history shows its values' changes (`lims.audit.history_for`)

    colony = models.ForeignKey("colonies.Colony", on_delete=models.PROTECT, related_name="line_experiments")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="line_experiments")
    procedure_version = models.CharField(max_length=100, blank=True, editable=False)
    date_of_experiment = models.DateField()
    experimenter = models.CharField(max_length=100, blank=True)
    status_code = models.CharField(max_length=120, blank=True, help_text="IMPC_PSC_* when not performed.")
    recorded_by = models.ForeignKey(
        "lims.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    # As read by a DCC import (a <line> has no date: the import gives one), written back by the export.
    sequence_id = models.CharField(max_length=40, blank=True, help_text="The <line> sequenceID attribute.")
    source_project = models.CharField(max_length=100, blank=True, editable=False,
                                      help_text="The project of the imported file's <centre> block.")
    source_pipeline = models.CharField(max_length=30, blank=True, editable=False,
                                       help_text="The pipeline of the imported file's <centre> block.")
    dcc_status_codes = models.JSONField(default=list, blank=True, editable=False,
                                        help_text="The statusCodes of the imported <line>: [[code, date]].")

    class Meta:
        ordering = ["-date_of_experiment", "pk"]
        indexes = [models.Index(fields=["centre", "procedure", "date_of_experiment"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.procedure.key} · {self.colony} · {self.date_of_experiment}"

    def get_absolute_url(self) -> str:
        return reverse("procedures:lineexperiment_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class LineParameterValue(RecordedValue):
    """A recorded value (or parameter status code) of a line-level experiment."""

    line_experiment = models.ForeignKey(LineExperiment, on_delete=models.PROTECT, related_name="values")
    parameter = models.ForeignKey(Parameter, on_delete=models.PROTECT, related_name="+")
    increment = models.CharField(max_length=40, blank=True)
    value = models.TextField(blank=True)
    status_code = models.CharField(max_length=200, blank=True, help_text="IMPC_PARAMSC_* instead of a value.")

    centre_path = "line_experiment__centre"

    class Meta:
        ordering = ["parameter__order", "parameter__key", "increment"]
        constraints = [
            models.UniqueConstraint(fields=["line_experiment", "parameter", "increment"],
                                    name="line_parameter_value_unique", condition=models.Q(position__isnull=True)),
            models.UniqueConstraint(fields=["line_experiment", "position"],
                                    name="line_parameter_value_position_unique"),
        ]
        triggers = [protect_delete()]


@pghistory.track(*audit_trackers())
class Housing(CentreOwnedModel, VoidableModel):
    """The housing and husbandry conditions of a centre (`<housing>`, procedure IMPC_HOU_*), as a DCC file sent them.

    Centre-level: no mouse, no colony. `from_lims` says whether the centre captures them in its LIMS (DCC's
    `fromLIMS`); `last_updated` is when they last changed. The values are kept like an experiment's.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="housings")
    from_lims = models.BooleanField(default=False)
    last_updated = models.DateField(null=True, blank=True)
    source_project = models.CharField(max_length=100, blank=True, editable=False,
                                      help_text="The project of the imported file's <centre> block.")
    source_pipeline = models.CharField(max_length=30, blank=True, editable=False,
                                       help_text="The pipeline of the imported file's <centre> block.")
    recorded_by = models.ForeignKey(
        "lims.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-last_updated", "pk"]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.procedure.key} · {self.centre} · {self.last_updated or 'undated'}"


@pghistory.track(*audit_trackers())
class HousingValue(RecordedValue):
    """A value (or parameter status) of a centre's housing record."""

    housing = models.ForeignKey(Housing, on_delete=models.PROTECT, related_name="values")
    parameter = models.ForeignKey(Parameter, on_delete=models.PROTECT, related_name="+")
    increment = models.CharField(max_length=40, blank=True)
    value = models.TextField(blank=True)
    status_code = models.CharField(max_length=200, blank=True)

    centre_path = "housing__centre"

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["housing", "position"], name="housing_value_position_unique")]
        triggers = [protect_delete()]
