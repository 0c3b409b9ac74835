"""Recorded experiments of mice and of lines: lists, detail pages, the QC lock and corrections of values."""
from functools import partial

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from colonies.tables import DCC_MESSAGE_COLUMNS
from lims.exceptions import DomainError
from lims.forms import add_version_field, service_error_messages
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.services import MIN_REASON_LENGTH
from lims.views import ScopedDetailView, ScopedListView, Section, WriteAccessMixin
from procedures import selectors, tables
from procedures.filters import ExperimentFilterSet, LineExperimentFilterSet
from procedures.forms import ExperimentEditForm
from procedures.models import Experiment, LineExperiment
from procedures.services import (
    LOCK,
    experiment_qc_lock,
    experiment_qc_unlock,
    experiment_values_update,
    experiments_qc_set,
)
from procedures.views.mixins import ValuesSaveMixin


class ExperimentListView(ScopedListView):
    filterset_class = ExperimentFilterSet
    select_related = ["procedure", "mouse__colony", "recorded_by"]
    area = "phenotyping"
    columns = tables.EXPERIMENT_COLUMNS

    def get_context_data(self, **kwargs):
        """Data wranglers get a tick box per experiment and QC lock / unlock with a reason (`ExperimentQcView`)."""
        context = super().get_context_data(**kwargs)
        context["may_qc"] = can_write(self.request.user, "qc")
        context["min_reason"] = MIN_REASON_LENGTH
        return context


class ExperimentDetailView(ScopedDetailView):
    """An experiment with every value and its unit, as it will be sent to the DCC."""

    model = Experiment
    selector = selectors.experiment_list  # values and their parameters prefetched
    select_related = ["mouse__colony", "scheduled_test__procedure", "scheduled_test__mouse", "recorded_by"]
    area = "phenotyping"
    fields = tables.EXPERIMENT_FIELDS

    def get_actions(self):
        experiment, user = self.object, self.request.user
        if experiment.voided_at is not None:
            return []
        actions = []
        if can_write(user, self.area):
            actions.append(("Edit values", reverse("procedures:experiment_edit", args=[experiment.pk])))
        if not experiment.is_qc_locked and experiment.status == Experiment.Status.SUBMITTED and can_write(user, "qc"):
            actions.append(("QC lock", reverse("procedures:experiment_qc_lock", args=[experiment.pk])))
        if experiment.is_qc_locked and can_write(user, "qc"):
            actions.append(("QC unlock", reverse("procedures:experiment_qc_unlock", args=[experiment.pk])))
        return actions

    def get_sections(self):
        return [Section("Values", tables.EXPERIMENT_VALUE_COLUMNS, self.object.values.all(), empty="No values."),
                Section("DCC validation", DCC_MESSAGE_COLUMNS, self.object.dcc_messages.all(),
                        empty="No message from the DCC.")]


class _ExperimentActionMixin(LoginRequiredMixin, WriteAccessMixin):
    """The experiment of the URL, from the user's centre (another centre's is simply not found)."""

    area = "phenotyping"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            experiments = scope_for_user(selectors.experiment_list(), request.user).filter(voided_at__isnull=True)
            self.experiment = get_object_or_404(experiments.select_related("mouse__colony"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class ExperimentQcLockView(_ExperimentActionMixin, TemplateView):
    """Confirm, then QC-lock (or unlock, with a reason) an experiment; the service refuses anyone but a data
    wrangler."""

    template_name = "procedures/experiment_qc_lock.html"
    action = LOCK

    def get_context_data(self, **kwargs):
        return super().get_context_data(experiment=self.experiment, action=self.action, min_reason=MIN_REASON_LENGTH,
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        reason = request.POST.get("reason", "")
        try:
            if self.action == LOCK:
                experiment_qc_lock(experiment=self.experiment, actor=request.user, reason=reason)
            else:
                experiment_qc_unlock(experiment=self.experiment, actor=request.user, reason=reason)
        except (DomainError, ValidationError) as exc:
            for texts in service_error_messages(exc).values():
                for text in texts:
                    messages.error(request, text)
            if isinstance(exc, ValidationError):
                return redirect(request.path)
        else:
            messages.success(request, f"{self.experiment} is QC-{self.action}ed.")
        return redirect(self.experiment)


class ExperimentQcView(LoginRequiredMixin, View):
    """QC lock or unlock the experiments ticked on the list, each with the reason typed there: one service call,
    one message per experiment (done, already locked or unlocked, not found), back to the same list."""

    http_method_names = ["post"]

    def post(self, request):
        ids = [int(pk) for pk in request.POST.getlist("experiments") if pk.isdigit()]
        back = request.POST.get("next", "")
        if not back.startswith(reverse("procedures:experiment_list")):
            back = reverse("procedures:experiment_list")
        try:
            results = experiments_qc_set(experiments=scope_for_user(Experiment.objects.all(), request.user), ids=ids,
                                         action=request.POST.get("action", ""), reason=request.POST.get("reason", ""),
                                         actor=request.user)
        except (DomainError, ValidationError) as exc:
            for texts in service_error_messages(exc).values():
                for text in texts:
                    messages.error(request, text)
            return redirect(back)
        for result in results:
            (messages.success if result.done else messages.warning)(request, result.message)
        return redirect(back)


class ExperimentEditView(_ExperimentActionMixin, ValuesSaveMixin, FormView):
    """Correct the values of an experiment; a QC-locked one asks for a reason and is marked for resubmission."""

    form_class = ExperimentEditForm
    template_name = "procedures/experiment_edit.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(parameters=list(self.experiment.procedure.parameters.all()), experiment=self.experiment)
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        add_version_field(form, self.experiment.version)
        return form

    def form_valid(self, form):
        not_saved = self.save_values(form, partial(
            experiment_values_update, experiment=self.experiment, values=form.entered_values(),
            reason=form.cleaned_data["reason"], actor=self.request.user, version=form.cleaned_data.get("version"),
            confirm=bool(form.cleaned_data.get("confirm_warnings"))))
        if not_saved is not None:
            return not_saved
        messages.success(self.request, f"{self.experiment} saved.")
        return redirect(self.experiment)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        measurements, metadata = context["form"].groups()
        context.update(experiment=self.experiment, mouse=self.experiment.mouse, procedure=self.experiment.procedure,
                       measurements=measurements, metadata=metadata)
        return context


# --- Line-level experiments ----------------------------------------------------------------------------------------


class LineExperimentListView(ScopedListView):
    filterset_class = LineExperimentFilterSet
    selector = selectors.line_experiment_list
    area = "phenotyping"
    columns = tables.LINE_EXPERIMENT_COLUMNS


class LineExperimentDetailView(ScopedDetailView):
    """A line-level experiment of a colony with its values."""

    model = LineExperiment
    selector = selectors.line_experiment_list
    area = "phenotyping"
    fields = tables.LINE_EXPERIMENT_FIELDS

    def get_sections(self):
        return [Section("Values", tables.VALUE_COLUMNS, self.object.values.all(), empty="No values.")]
