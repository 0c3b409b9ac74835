"""The data-entry page of one scheduled test: every value of the experiment, or a draft kept as typed."""
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView

from lims.exceptions import DomainError
from lims.forms import service_error_messages
from lims.views import overdue_on
from procedures import selectors
from procedures.drafts import experiment_draft_save
from procedures.forms import ExperimentRecordForm, raw_values
from procedures.models import ExperimentDraft, Parameter, ScheduledTest
from procedures.services import experiment_record
from procedures.views.mixins import ScheduledTestMixin, ValuesSaveMixin
from procedures.views.worklist import worklist_url


class ExperimentRecordView(ScheduledTestMixin, ValuesSaveMixin, FormView):
    """Record the experiment of one scheduled test; on success the test is done and the technician is back on the
    worklist, ready for the next mouse. Every refused value is shown beside its input with what was typed kept."""

    form_class = ExperimentRecordForm
    template_name = "procedures/experiment_record.html"
    test_related = ("procedure", "mouse__colony")

    def get(self, request, *args, **kwargs):
        if self.test.status != ScheduledTest.Status.SCHEDULED:
            messages.info(request, f"{self.test.procedure.name} for {self.test.mouse} is already "
                                   f"{self.test.get_status_display().lower()}.")
            return redirect(self.test)
        if self.unrecordable_reason:
            return self.render_unrecordable()
        return super().get(request, *args, **kwargs)

    @cached_property
    def parameters(self) -> list[Parameter]:
        return list(self.test.procedure.parameters.all())

    @cached_property
    def unrecordable_reason(self) -> str:
        return selectors.unrecordable_reason(self.test.procedure, self.parameters)

    def render_unrecordable(self):
        """No form: the procedure has nothing to type in; the page says why and how to close the test."""
        close = (reverse("procedures:scheduledtest_close", args=[self.test.pk])
                 if self.test.status in ScheduledTest.OPEN else "")
        return self.render_to_response({
            "test": self.test, "mouse": self.test.mouse, "procedure": self.test.procedure,
            "unrecordable_reason": self.unrecordable_reason, "close_url": close,
            "worklist_url": worklist_url(self.request.GET),
        })

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["parameters"] = self.parameters
        return kwargs

    def get_initial(self):
        user = self.request.user
        # The metadata (equipment, calibration …) of the user's last experiment of the procedure, to check not retype.
        self.metadata_source, metadata = selectors.last_metadata(user, self.test.procedure)
        initial = {"experimenter": user.get_full_name() or user.get_username(), **metadata}
        # A saved draft wins over the last metadata: it is what the technician typed for this very test.
        self.draft = ExperimentDraft.objects.filter(scheduled_test=self.test).select_related("saved_by").first()
        return {**initial, **self.draft.values} if self.draft else initial

    def post(self, request, *args, **kwargs):
        if self.unrecordable_reason:
            return self.render_unrecordable()
        if request.POST.get("action") != "draft":
            return super().post(request, *args, **kwargs)
        # "Save draft": kept as typed, not validated (procedures.drafts).
        try:
            experiment_draft_save(test=self.test, values=raw_values(self.get_form()), actor=request.user)
        except (ValidationError, DomainError) as exc:
            messages.error(request, " ".join(m for ms in service_error_messages(exc).values() for m in ms))
            return redirect(self.test)
        messages.success(request, f"Draft of {self.test.procedure.name} saved for {self.test.mouse.specimen_id}; "
                                  "nothing is recorded yet.")
        return redirect(worklist_url(self.request.GET))

    def form_valid(self, form):
        test = self.test
        if test.status != ScheduledTest.Status.SCHEDULED:
            form.add_error(None, f"This test is already {test.get_status_display().lower()}; nothing was saved.")
            return self.form_invalid(form)
        not_saved = self.save_values(form, partial(
            experiment_record, mouse=test.mouse, procedure=test.procedure, scheduled_test=test,
            actor=self.request.user, date_of_experiment=form.cleaned_data["date_of_experiment"],
            experimenter=form.cleaned_data["experimenter"], values=form.entered_values(),
            confirm=bool(form.cleaned_data.get("confirm_warnings"))))
        if not_saved is not None:
            return not_saved
        messages.success(self.request, f"{test.procedure.name} saved for {test.mouse.specimen_id}")
        return redirect(worklist_url(self.request.GET))

    def form_invalid(self, form):
        form.focus_first_error()
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        measurements, metadata = context["form"].groups()
        context.update(
            test=self.test, mouse=self.test.mouse, procedure=self.test.procedure,
            measurements=measurements, metadata=metadata,
            metadata_source=getattr(self, "metadata_source", None), draft=getattr(self, "draft", None),
            overdue=ScheduledTest.objects.filter(pk=self.test.pk).filter(overdue_on(timezone.localdate())).exists(),
            worklist_url=worklist_url(self.request.GET),
        )
        return context
