"""Scheduled tests: the list, a test's page, and closing a test that will not be done."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView

from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.roles import can_write
from lims.views import ScopedDetailView, ScopedListView, Section
from procedures import selectors, tables
from procedures.filters import ScheduledTestFilterSet
from procedures.forms import ScheduledTestCloseForm
from procedures.models import ScheduledTest
from procedures.services import scheduled_test_cancel, scheduled_test_mark_not_performed
from procedures.views.mixins import ScheduledTestMixin


class ScheduledTestListView(ScopedListView):
    filterset_class = ScheduledTestFilterSet
    selector = selectors.scheduled_test_list
    area = "phenotyping"
    columns = tables.SCHEDULED_TEST_COLUMNS


class ScheduledTestDetailView(ScopedDetailView):
    model = ScheduledTest
    selector = selectors.scheduled_test_list
    area = "phenotyping"
    fields = tables.SCHEDULED_TEST_FIELDS

    def get_actions(self):
        test, actions = self.object, []
        if not can_write(self.request.user, self.area):
            return actions
        if test.status == ScheduledTest.Status.SCHEDULED:
            actions.append(("Record", reverse("procedures:experiment_record", args=[test.pk])))
        if test.status in ScheduledTest.OPEN:
            actions.append(("Not performed or cancel", reverse("procedures:scheduledtest_close", args=[test.pk])))
        return actions

    def get_sections(self):
        experiments = self.object.experiments.select_related("procedure", "mouse")
        return [Section("Experiments", tables.TEST_EXPERIMENT_COLUMNS, experiments, empty="Not recorded yet.")]



class ScheduledTestCloseView(ScheduledTestMixin, FormView):
    """Say a test will not be done: not performed with an IMPC_PSC code, or cancelled; both need a reason."""

    form_class = ScheduledTestCloseForm
    template_name = "generic/object_form.html"

    def form_valid(self, form):
        data, test, user = form.cleaned_data, self.test, self.request.user
        try:
            if data["outcome"] == ScheduledTestCloseForm.CANCEL:
                scheduled_test_cancel(test=test, reason=data["reason"], actor=user)
            else:
                scheduled_test_mark_not_performed(test=test, code=data["status_code"], reason=data["reason"],
                                                  actor=user)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, field_for=lambda key: {"status_reason": "reason"}.get(key, key))
            return self.form_invalid(form)
        status = test.get_status_display().lower()
        messages.success(self.request, f"{test.procedure.name} for {test.mouse} is {status}.")
        return redirect(test)

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind="Close a scheduled test", title=str(self.test),
                                        cancel_url=self.test.get_absolute_url(), **kwargs)
