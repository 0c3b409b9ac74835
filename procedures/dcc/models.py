"""DCC submissions: the row in PostgreSQL is the source of truth; Redis only wakes the workers."""
import pghistory
from django.db import models
from django.urls import reverse

from lims.models import Centre, CentreOwnedModel, audit_trackers, protect_delete


@pghistory.track(*audit_trackers())
class Submission(CentreOwnedModel):
    """One export to the DCC: built, validated against the XSD, packaged and delivered by a Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        BUILDING = "building", "Building"
        VALIDATED = "validated", "Validated"
        DELIVERED = "delivered", "Delivered"
        NOTHING = "nothing", "Nothing to send"
        FAILED = "failed", "Failed"

    TRANSITIONS = {
        Status.PENDING: {Status.BUILDING, Status.FAILED},
        Status.BUILDING: {Status.VALIDATED, Status.NOTHING, Status.FAILED},
        Status.VALIDATED: {Status.DELIVERED, Status.FAILED},
    }
    TERMINAL = {Status.DELIVERED, Status.NOTHING, Status.FAILED}
    ACTIVE = {Status.BUILDING, Status.VALIDATED}

    created_by = models.ForeignKey("lims.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    out_dir = models.CharField(max_length=500, blank=True, help_text="Where the zips were delivered.")
    progress = models.PositiveSmallIntegerField(default=0)
    specimen_count = models.PositiveIntegerField(default=0)
    experiment_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    task_id = models.CharField(max_length=50, blank=True)
    full = models.BooleanField(default=False, help_text="Send every record again, not only the new and changed ones.")
    as_imported = models.BooleanField(
        default=False, help_text="Migration mode: only imported records, sent as they were imported; their pre-flight "
                                 "findings are listed in `findings`, not blocking.")
    findings = models.JSONField(default=list, blank=True,
                                help_text="Pre-flight findings sent anyway (migration mode): {message, where, url}.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times the build was (re)started by a worker.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.centre.code}, {self.get_status_display()})"

    @property
    def mode(self) -> str:
        """How the submission chose its records, as the submission page says it."""
        if self.as_imported:
            return "As imported (migration): imported records only, sent as they were imported"
        return "Full: every record again" if self.full else "New and changed records"

    def get_absolute_url(self) -> str:
        return reverse("dcc:submission_detail", args=[self.pk])


class SubmissionFile(models.Model):
    """A zip written for a submission, with the XML it holds and its checksum."""

    class Kind(models.TextChoices):
        SPECIMEN = "specimen", "Specimen"
        EXPERIMENT = "experiment", "Experiment"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="files")
    class Folder(models.TextChoices):
        ADD = "add", "add/"
        EDIT = "edit", "edit/"

    kind = models.CharField(max_length=10, choices=Kind)
    folder = models.CharField(max_length=4, choices=Folder, default=Folder.ADD)
    delivered_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Empty while the zip is named and packed but not yet delivered.")
    zip_name = models.CharField(max_length=120, unique=True)
    xml_name = models.CharField(max_length=120, unique=True)
    increment = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    path = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    centre_path = "submission__centre"

    class Meta:
        ordering = ["increment"]

    def __str__(self) -> str:
        return self.zip_name

    def get_absolute_url(self) -> str:
        """The zip itself: the DCC page and the submission page link files to their download."""
        return reverse("dcc:file_download", args=[self.pk])


class FileIncrement(models.Model):
    """The last increment used per centre and day, so that a DCC file name is never reused (re-sends included)."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "day"], name="file_increment_unique_per_day")]


class SubmissionRecord(models.Model):
    """The ledger: one specimen, experiment, not-performed test or line experiment a submission carried, with the
    hash of its content. The next export compares against the last delivered hash to send only new records (add/)
    and changed ones (edit/)."""

    class Kind(models.TextChoices):
        SPECIMEN = "specimen", "Specimen"
        EXPERIMENT = "experiment", "Experiment"
        NOT_PERFORMED = "not_performed", "Not-performed test"
        LINE = "line", "Line experiment"
        HOUSING = "housing", "Housing"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="records")
    file = models.ForeignKey(SubmissionFile, on_delete=models.PROTECT, null=True, blank=True, related_name="records")
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=15, choices=Kind)
    object_id = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    folder = models.CharField(max_length=4, choices=SubmissionFile.Folder)

    centre_path = "centre"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "kind", "object_id"], name="submission_record_unique"),
        ]
        indexes = [models.Index(fields=["centre", "kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} → {self.folder}/"


@pghistory.track(*audit_trackers())
class ValidationMessage(CentreOwnedModel):
    """One message of a DCC validation report, about one record (or about none the LIMS could match: kept and
    listed, never dropped). Read by `dcc_report_import` from the DCC's tracker formats; `rejected` messages mark
    their record for fixing until a later delivered submission sends it again (`fixed_by`)."""

    class Format(models.TextChoices):
        REPORT_SET = "validationReportSet", "Validation report (tracker validation_report.xsd)"
        VALIDATION_SET = "validationSet", "Validation set (tracker validation.xsd)"

    class Level(models.TextChoices):
        NONE = "", "—"
        WARN = "warn", "Warning"
        ERROR = "error", "Error"
        FATAL = "fatal", "Fatal"

    class RecordKind(models.TextChoices):
        SPECIMEN = "specimen", "Specimen"
        EXPERIMENT = "experiment", "Experiment"
        OTHER = "other", "Other"

    report_name = models.CharField(max_length=255, help_text="The report file as it was imported.")
    report_sha256 = models.CharField(max_length=64, db_index=True)
    report_line = models.PositiveIntegerField(default=0, help_text="Line of the message in the report.")
    format = models.CharField(max_length=20, choices=Format)
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="dcc_messages")
    file = models.ForeignKey(SubmissionFile, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="dcc_messages")
    record_kind = models.CharField(max_length=10, choices=RecordKind)
    element = models.CharField(max_length=40, blank=True, help_text="The report element the message is about.")
    specimen_id = models.CharField(max_length=255, blank=True)
    dcc_experiment_id = models.CharField(max_length=255, blank=True, help_text="The experimentID the report gave.")
    procedure_key = models.CharField(max_length=60, blank=True)
    mouse = models.ForeignKey("colonies.Mouse", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="dcc_messages")
    experiment = models.ForeignKey("procedures.Experiment", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="dcc_messages")
    message = models.TextField()
    phase = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=10, blank=True)
    level = models.CharField(max_length=5, choices=Level, blank=True)
    test_id = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    rejected = models.BooleanField(default=False, db_index=True)
    fixed_by = models.ForeignKey(Submission, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="The delivered submission that sent the record again after the message.")

    centre_path = "centre"

    class Meta:
        ordering = ["-reported_at", "pk"]
        indexes = [models.Index(fields=["centre", "rejected", "fixed_by"])]
        triggers = [protect_delete()]  # what the DCC said stays: a fixed record keeps its history of rejections

    def __str__(self) -> str:
        return f"{self.record or self.specimen_id or self.dcc_experiment_id or self.element}: {self.message[:80]}"

    @property
    def record(self):
        return self.experiment or self.mouse

    @property
    def where(self) -> str:
        """The record as a person reads it, or the identifiers the report gave when it matched none."""
        if self.record is not None:
            return str(self.record)
        given = " ".join(x for x in (self.dcc_experiment_id, self.procedure_key, self.specimen_id) if x)
        return f"{self.element} {given} (no record in the LIMS)".strip()

    def get_absolute_url(self) -> str:
        record = self.record
        return record.get_absolute_url() if record is not None else ""
