"""An Excel upload of a procedure's experiments, read and committed by a Celery task."""
from django.db import models
from django.urls import reverse

from lims.models import CentreOwnedModel
from procedures.models.definitions import Procedure


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
