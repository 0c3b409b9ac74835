"""Recorded experiments of mice and of lines: lists, detail pages, the QC lock and corrections of values."""
from functools import partial

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from colonies.tables import DCC_MESSAGE_COLUMNS
from lims.exceptions import DomainError
from lims.forms import add_version_field
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import ScopedDetailView, ScopedListView, Section, WriteAccessMixin
from procedures import selectors, tables
from procedures.filters import ExperimentFilterSet, LineExperimentFilterSet
from procedures.forms import ExperimentEditForm
from procedures.models import Experiment, LineExperiment
from procedures.services import experiment_qc_lock, experiment_values_update
from procedures.views.mixins import ValuesSaveMixin


class ExperimentListView(ScopedListView):
    filterset_class = ExperimentFilterSet
    select_related = ["procedure", "mouse__colony", "recorded_by"]
    area = "phenotyping"
    columns = tables.EXPERIMENT_COLUMNS


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
    """Confirm, then QC-lock an experiment (the service refuses anyone but a data wrangler)."""

    template_name = "procedures/experiment_qc_lock.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(experiment=self.experiment, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            experiment_qc_lock(experiment=self.experiment, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{self.experiment} is QC-locked.")
        return redirect(self.experiment)


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
