"""The dashboard: one panel per concern, the panels a role sees, each a few counts of the user's centre."""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.utils import timezone
from django.views.generic import TemplateView

from colonies.models import Colony, MicroInjection, Mouse, Reminder
from lims.models import Role
from lims.scoping import scope_for_user
from lims.views import STATUS_TONES, overdue_on
from lims.reports.dcc import centres_of
from procedures.dcc.models import Submission, SubmissionRecord
from procedures.dcc.selectors import pending_list
from procedures.models import ScheduledTest


class DashboardView(LoginRequiredMixin, TemplateView):
    """The start page: what needs doing today for the user's role, counted in their centre only."""

    template_name = "dashboard.html"

    PANELS = {
        Role.TECHNICIAN: ("worklist",),
        Role.COLONY_MANAGER: ("colony", "worklist"),
        Role.DATA_WRANGLER: ("dcc", "worklist"),
        Role.CENTRE_ADMIN: ("worklist", "colony", "production", "dcc"),
        Role.READ_ONLY: ("worklist", "colony", "production"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        panels = self.PANELS.get(user.role, ("colony",)) if not user.is_superuser else self.PANELS[Role.CENTRE_ADMIN]
        context["panels"] = panels
        for panel in panels:
            context.update(getattr(self, f"{panel}_panel")(user))
        return context

    def worklist_panel(self, user) -> dict:
        today = timezone.localdate()
        due = scope_for_user(ScheduledTest.objects.all(), user).filter(
            status=ScheduledTest.Status.SCHEDULED, due_date__lte=today, mouse__voided_at__isnull=True
        )
        return due.aggregate(due_count=Count("pk"), overdue_count=Count("pk", filter=overdue_on(today)))

    def colony_panel(self, user) -> dict:
        """Colonies, live mice, and the colony manager's open to-do items (due today or before)."""
        colonies = scope_for_user(Colony.objects.filter(voided_at__isnull=True), user)
        mice = scope_for_user(Mouse.objects.filter(voided_at__isnull=True), user)
        todo = scope_for_user(Reminder.objects.filter(done_at__isnull=True, due_on__lte=timezone.localdate()), user)
        return {"colony_count": colonies.count(), "alive_mouse_count": mice.filter(status=Mouse.Status.ALIVE).count(),
                "todo_count": todo.count()}

    def production_panel(self, user) -> dict:
        attempts = scope_for_user(MicroInjection.objects.filter(voided_at__isnull=True), user)
        return {"active_attempt_count": attempts.filter(is_active=True).exclude(
            status=MicroInjection.Status.GENOTYPE_CONFIRMED).count()}

    def dcc_panel(self, user) -> dict:
        """Experiments pending for the DCC (`procedures.dcc.selectors.pending_list`, as on the DCC page and in the
        DCC report): new, or changed since the last sent submission."""
        submissions = scope_for_user(Submission.objects.select_related("centre", "created_by"), user)
        last_delivered = submissions.filter(status=Submission.Status.DELIVERED).first()
        pending = sum(pending_list(SubmissionRecord.Kind.EXPERIMENT, centre=centre).count()
                      for centre in centres_of(user))
        recent = list(submissions[:5])
        for submission in recent:
            submission.tone = STATUS_TONES.get(submission.status, "muted")
        return {"unsubmitted_count": pending, "recent_submissions": recent,
                "last_delivered": last_delivered}
