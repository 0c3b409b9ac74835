"""The schedule: a centre's window per pipeline, and the tests each enrolled mouse is due."""
import pghistory
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from lims.models import CentreOwnedModel, audit_trackers, protect_delete
from procedures.models.definitions import Pipeline, Procedure


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
