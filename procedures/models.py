"""IMPReSS definitions, the schedule of tests for every enrolled mouse, and the experiments recorded against it."""
import pghistory
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from lims.models import CentreOwnedModel, TimeStampedModel, VoidableModel, audit_trackers, protect_delete
from lims.numbers import NotANumber, read_number


class Source(models.TextChoices):
    """Where a procedure or parameter definition comes from.

    IMPReSS definitions drive schedules and forms; a definition registered by a DCC import (a centre's historical
    file naming a procedure or parameter the reference lacks) only gives the imported values a home: nothing is
    ever scheduled or offered at the bench for it.
    """

    IMPRESS = "impress", "IMPReSS"
    IMPORT = "import", "DCC import"


@pghistory.track(*audit_trackers())
class Pipeline(models.Model):
    """An IMPReSS pipeline (IMPC_001 …): the procedures every mouse of a cohort goes through."""

    key = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.IMPRESS,
                              help_text="IMPReSS, or registered by a DCC import.")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


@pghistory.track(*audit_trackers())
class Procedure(models.Model):
    """A procedure of a pipeline with the week of age it is due (null = unrestricted)."""

    class Level(models.TextChoices):
        MOUSE = "mouse", "Mouse"
        LINE = "line", "Line (colony)"
        CENTRE = "centre", "Centre (housing)"

    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="procedures")
    key = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100, blank=True)
    week = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Week of age; empty = unrestricted.")
    is_mandatory = models.BooleanField(null=True, blank=True, help_text="Empty when IMPReSS sources disagree.")
    level = models.CharField(max_length=10, choices=Level, default=Level.MOUSE)
    source = models.CharField(max_length=10, choices=Source, default=Source.IMPRESS,
                              help_text="IMPReSS, or registered by a DCC import (never scheduled).")

    class Meta:
        ordering = ["week", "key"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "key"], name="procedure_key_unique_per_pipeline")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


def enterable_parameters_q(prefix: str = "") -> models.Q:
    """`Parameter.is_enterable` as a filter (`prefix` reaches the parameter from another model, e.g. "parameters__")."""
    return models.Q(**{f"{prefix}derived": False, f"{prefix}retired": False}) & ~models.Q(
        **{f"{prefix}type__in": sorted(MEDIA_TYPES)})


@pghistory.track(*audit_trackers())
class Parameter(models.Model):
    """A parameter of a procedure as IMPReSS defines it; drives data-entry forms, validation and the export."""

    class Type(models.TextChoices):
        SIMPLE = "simple", "Simple"
        ONTOLOGY = "ontology", "Ontology"
        SERIES = "series", "Series"
        MEDIA = "media", "Media"
        SERIES_MEDIA = "seriesMedia", "Series media"
        MEDIA_SAMPLE = "mediaSample", "Media sample"
        METADATA = "metadata", "Metadata"

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="parameters")
    key = models.CharField(max_length=40)
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=15, choices=Type)
    value_type = models.CharField(max_length=15, blank=True, help_text="FLOAT, INT, TEXT, DATE, DATETIME, BOOL …")
    unit = models.CharField(max_length=100, blank=True)
    required = models.BooleanField(default=False)
    derived = models.BooleanField(default=False)
    options = models.JSONField(default=list, blank=True)
    increments = models.JSONField(default=list, blank=True)
    version = models.CharField(max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    min_value = models.FloatField(null=True, blank=True, help_text="Below this a value is flagged for review.")
    max_value = models.FloatField(null=True, blank=True, help_text="Above this a value is flagged for review.")
    range_source = models.CharField(max_length=300, blank=True,
                                    help_text="Where the plausible range comes from (IMPReSS, or the cited source of "
                                              "fixtures/plausible_ranges.json).")
    source = models.CharField(max_length=10, choices=Source, default=Source.IMPRESS,
                              help_text="IMPReSS, or registered by a DCC import.")
    retired = models.BooleanField(
        default=False, help_text="No longer in IMPReSS for this procedure: recorded values keep it, new records are "
                                 "not offered it.")

    class Meta:
        ordering = ["procedure", "order", "key"]
        constraints = [models.UniqueConstraint(fields=["procedure", "key"], name="parameter_key_unique_per_procedure")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def has_range(self) -> bool:
        return self.min_value is not None or self.max_value is not None

    def range_text(self) -> str:
        """The plausible range as people read it: "5 to 80 g", "at least 0 g", "at most 80 g"."""
        unit = f" {self.unit}" if self.unit else ""
        if self.min_value is not None and self.max_value is not None:
            return f"{self.min_value:g} to {self.max_value:g}{unit}"
        if self.min_value is not None:
            return f"at least {self.min_value:g}{unit}"
        return f"at most {self.max_value:g}{unit}" if self.max_value is not None else ""

    @property
    def is_enterable(self) -> bool:
        """Whether a technician types this parameter at the bench (forms, batch, Excel, API).

        Derived values are computed from the others (by the DCC), media are files the LIMS does not hold, and a
        retired parameter only keeps the values recorded before IMPReSS dropped it.
        """
        return not self.derived and not self.retired and self.type not in MEDIA_TYPES

    @property
    def is_free_series(self) -> bool:
        """A series whose increments IMPReSS does not list (time points, frequencies): typed with each value."""
        return self.type == self.Type.SERIES and not self.increments

    def is_out_of_range(self, value) -> bool:
        """True when a numeric value lies outside the plausible range; the value is kept, only flagged.

        The value is read by the one number reader (`lims.numbers`), so an imported "20,9" is 20.9 here too; what
        is not a number is not out of range (its type check says what is wrong with it).
        """
        if not self.has_range:
            return False
        try:
            number = read_number(value)
        except NotANumber:
            return False
        return (self.min_value is not None and number < self.min_value) or (
            self.max_value is not None and number > self.max_value)


#: The parameter types whose values are files (the DCC downloads them from a URI): never typed at the bench.
MEDIA_TYPES = frozenset({Parameter.Type.MEDIA, Parameter.Type.SERIES_MEDIA, Parameter.Type.MEDIA_SAMPLE})


@pghistory.track(*audit_trackers())
class PipelineSettings(CentreOwnedModel):
    """How a centre runs a pipeline: the number of days a scheduled test stays open from its due date.

    Centres differ (a 7-day week, a 5-day working week, a 14-day window for rare equipment); without a row the
    default of `procedures.services.DEFAULT_WINDOW_DAYS` applies.
    """

    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="settings")
    window_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days a scheduled test stays open, counting its due date.",
    )

    class Meta:
        verbose_name_plural = "pipeline settings"
        constraints = [
            models.UniqueConstraint(fields=["centre", "pipeline"], name="pipeline_settings_unique_per_centre"),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline} at {self.centre}: {self.window_days}-day window"


@pghistory.track(*audit_trackers())
class ScheduledTest(CentreOwnedModel):
    """One procedure due for one mouse, in the week of age the pipeline gives."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        DONE = "done", "Done"
        MISSED = "missed", "Missed"
        NOT_PERFORMED = "not_performed", "Not performed"
        CANCELLED = "cancelled", "Cancelled"

    # A missed test (window closed) can still be explained (not performed) or withdrawn (cancelled); it is not
    # recorded late: the DCC would take the data, but the age at test would no longer be what the pipeline says.
    TRANSITIONS = {
        Status.SCHEDULED: {Status.DONE, Status.MISSED, Status.NOT_PERFORMED, Status.CANCELLED},
        Status.MISSED: {Status.NOT_PERFORMED, Status.CANCELLED},
    }
    OPEN = frozenset({Status.SCHEDULED, Status.MISSED})
    TERMINAL = frozenset({Status.DONE, Status.NOT_PERFORMED, Status.CANCELLED})

    mouse = models.ForeignKey("colonies.Mouse", on_delete=models.PROTECT, related_name="scheduled_tests")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="scheduled_tests")
    due_date = models.DateField(db_index=True)
    window_start = models.DateField()
    window_end = models.DateField()
    status = models.CharField(max_length=15, choices=Status, default=Status.SCHEDULED, db_index=True)
    status_code = models.CharField(max_length=120, blank=True, help_text="IMPC_PSC_* when not performed.")
    status_reason = models.CharField(max_length=500, blank=True, help_text="Why it was not performed or cancelled.")
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "mouse__specimen_id"]
        constraints = [
            models.UniqueConstraint(fields=["mouse", "procedure", "due_date"], name="scheduled_test_unique"),
        ]
        indexes = [models.Index(fields=["centre", "status", "due_date"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.procedure.key} for {self.mouse} due {self.due_date}"

    def get_absolute_url(self) -> str:
        return reverse("procedures:scheduledtest_detail", args=[self.pk])


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
        indexes = [models.Index(fields=["centre", "procedure", "date_of_experiment"])]
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


@pghistory.track(*audit_trackers())
class ParameterValue(SentAsFields, TimeStampedModel):
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

    def __str__(self) -> str:
        return f"{self.parameter.key}={self.value or self.status_code}"

    history_select_related = ("parameter",)

    @property
    def history_name(self) -> str:
        """How the experiment's history names this value: the parameter key, and the increment of a series."""
        return f"{self.parameter.key}[{self.increment}]" if self.increment else self.parameter.key


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
class LineParameterValue(SentAsFields, TimeStampedModel):
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

    def __str__(self) -> str:
        return f"{self.parameter.key}={self.value or self.status_code}"

    history_select_related = ("parameter",)

    @property
    def history_name(self) -> str:
        """How the experiment's history names this value: the parameter key, and the increment of a series."""
        return f"{self.parameter.key}[{self.increment}]" if self.increment else self.parameter.key


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
class HousingValue(SentAsFields, TimeStampedModel):
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

    def __str__(self) -> str:
        return f"{self.parameter.key}={self.value or self.status_code}"


class UploadJob(CentreOwnedModel):
    """One Excel upload of a procedure's experiments, read and committed by a Celery task.

    A large file takes longer than a request should, so the view only stores the file and this row; the task claims
    the row (pending → running with a conditional UPDATE, so a redelivered task does nothing) and the page polls it
    for progress. The outcome is all or nothing: committed (every row recorded) or rejected (nothing recorded, the
    errors listed by row and column); failed means the task crashed and nothing was recorded either.

    A worker that dies mid-import leaves the job running: the broker redelivers the task (same `task_id`, which may
    take the job back), and the beat job `uploads_requeue_stale` puts a job untouched for LIMS_UPLOAD_STALE_AFTER
    back to pending, or fails it once `attempts` reaches MAX_ATTEMPTS. The rows and the final status are committed
    together, so a dead attempt leaves nothing behind and the next one starts from the file again.
    """

    MAX_ATTEMPTS = 3  # starts of the import before a job whose worker keeps dying is failed

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMMITTED = "committed", "Committed"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    TRANSITIONS = {
        Status.PENDING: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.COMMITTED, Status.REJECTED, Status.FAILED},
    }
    TERMINAL = {Status.COMMITTED, Status.REJECTED, Status.FAILED}

    created_by = models.ForeignKey("lims.User", on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="uploads/")
    file_name = models.CharField(max_length=255, blank=True, help_text="The name the file had on the user's disk.")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}, …]")
    confirm = models.BooleanField(default=False, help_text="Save anyway: the warnings of the file are confirmed.")
    warnings = models.JSONField(default=list, blank=True,
                                help_text="Unconfirmed warnings [{row, column, message}, …]; upload again with "
                                          "'Save anyway' ticked to record despite them.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker started the import.")
    task_id = models.CharField(max_length=50, blank=True, help_text="The Celery task running the current attempt.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Upload {self.pk} of {self.procedure.key} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("procedures:uploadjob_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in self.TERMINAL


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
