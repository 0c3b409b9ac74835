"""DCC submissions: the row in PostgreSQL is the source of truth; Redis only wakes the workers."""
import pghistory
from django.db import models
from django.urls import reverse

from lims.models import Centre, CentreOwnedModel, audit_trackers


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
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times the build was (re)started by a worker.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.centre.code}, {self.get_status_display()})"

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
