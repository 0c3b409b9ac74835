"""Phenotyping pages: the technician's worklist, the data-entry form of a scheduled test, tests and experiments."""
import itertools

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import Column, ScopedDetailView, ScopedListView, Section, WriteAccessMixin, overdue_on
from procedures import selectors
from procedures.filters import ExperimentFilterSet, ScheduledTestFilterSet
from procedures.forms import ExperimentRecordForm, WorklistDayForm
from procedures.models import Experiment, Parameter, ScheduledTest
from procedures.services import experiment_record


def _worklist_url(day=None) -> str:
    url = reverse("procedures:worklist")
    return f"{url}?day={day.isoformat()}" if day and day != timezone.localdate() else url


class WorklistView(LoginRequiredMixin, TemplateView):
    """What is due today (or by a chosen day) in the user's centre, grouped by procedure, with a Record button each.

    A test is due from its due date and overdue once its window has closed (`lims.views.overdue_on`).
    """

    template_name = "procedures/worklist.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        form = WorklistDayForm(self.request.GET or None)
        day = (form.cleaned_data.get("day") if form.is_valid() else None) or today
        tests = (
            scope_for_user(selectors.scheduled_test_list(), user)
            .filter(status=ScheduledTest.Status.SCHEDULED, due_date__lte=day, mouse__voided_at__isnull=True)
            .annotate(is_overdue=ExpressionWrapper(overdue_on(day), output_field=BooleanField()))
            .order_by("procedure__week", "procedure__key", "due_date", "mouse__specimen_id")
        )
        groups = [(procedure, list(rows)) for procedure, rows in itertools.groupby(tests, key=lambda t: t.procedure)]
        day_query = "" if day == today else f"?day={day.isoformat()}"
        context.update(
            form=form, day=day, is_today=day == today, groups=groups, day_query=day_query,
            total=sum(len(rows) for _, rows in groups),
            overdue_count=sum(t.is_overdue for _, rows in groups for t in rows),
            can_record=can_write(user, "phenotyping"),
        )
        return context


class ExperimentRecordView(LoginRequiredMixin, WriteAccessMixin, FormView):
    """Record the experiment of one scheduled test; on success the test is done and the technician is back on the
    worklist, ready for the next mouse. Every refused value is shown beside its input with what was typed kept."""

    area = "phenotyping"
    form_class = ExperimentRecordForm
    template_name = "procedures/experiment_record.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            tests = scope_for_user(ScheduledTest.objects.select_related("procedure", "mouse__colony"), request.user)
            self.test = get_object_or_404(tests, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.test.status != ScheduledTest.Status.SCHEDULED:
            messages.info(request, f"{self.test.procedure.name} for {self.test.mouse} is already "
                                   f"{self.test.get_status_display().lower()}.")
            return redirect(self.test)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["parameters"] = list(self.test.procedure.parameters.all())
        return kwargs

    def get_initial(self):
        user = self.request.user
        return {"experimenter": user.get_full_name() or user.get_username(), **self.last_metadata()}

    def last_metadata(self) -> dict[str, str]:
        """Metadata (equipment, calibration …) of the user's last experiment of this procedure, to check not retype.

        A session weighs dozens of mice on the same scale; the form says where the values came from.
        """
        last = (
            scope_for_user(Experiment.objects.all(), self.request.user)
            .filter(procedure=self.test.procedure, recorded_by=self.request.user, voided_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        self.metadata_source = last
        if last is None:
            return {}
        values = last.values.filter(parameter__type=Parameter.Type.METADATA, increment="").exclude(value="")
        return dict(values.values_list("parameter__key", "value"))

    def form_valid(self, form):
        test = self.test
        if test.status != ScheduledTest.Status.SCHEDULED:
            form.add_error(None, f"This test is already {test.get_status_display().lower()}; nothing was saved.")
            return self.form_invalid(form)
        try:
            experiment_record(
                mouse=test.mouse, procedure=test.procedure, scheduled_test=test, actor=self.request.user,
                date_of_experiment=form.cleaned_data["date_of_experiment"],
                experimenter=form.cleaned_data["experimenter"], values=form.entered_values(),
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, field_for=form.field_for)
            return self.form_invalid(form)
        messages.success(self.request, f"{test.procedure.name} saved for {test.mouse.specimen_id}")
        return redirect(_worklist_url(self._day()))

    def _day(self):
        """The worklist day the technician came from (`?day=` on the Record link), to return to it."""
        form = WorklistDayForm(self.request.GET)
        return form.cleaned_data.get("day") if form.is_valid() else None

    def form_invalid(self, form):
        form.focus_first_error()
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        measurements, metadata = context["form"].groups()
        context.update(
            test=self.test, mouse=self.test.mouse, procedure=self.test.procedure,
            measurements=measurements, metadata=metadata,
            metadata_source=getattr(self, "metadata_source", None),
            overdue=ScheduledTest.objects.filter(pk=self.test.pk).filter(overdue_on(timezone.localdate())).exists(),
            worklist_url=_worklist_url(self._day()),
        )
        return context


# --- Scheduled tests and experiments ---------------------------------------------------------------------------------


class ScheduledTestListView(ScopedListView):
    filterset_class = ScheduledTestFilterSet
    selector = selectors.scheduled_test_list
    area = "phenotyping"
    columns = [("Due", "due_date"), ("Mouse", "mouse"), ("Colony", "mouse.colony"), ("Procedure", "procedure.name"),
               ("Key", "procedure.key"), ("Window ends", "window_end"), ("Status", "status", True)]


class ScheduledTestDetailView(ScopedDetailView):
    model = ScheduledTest
    selector = selectors.scheduled_test_list
    area = "phenotyping"
    fields = [("Mouse", "mouse"), ("Colony", "mouse.colony"), ("Procedure", "procedure"), ("Due", "due_date"),
              ("Window", lambda t: f"{t.window_start.isoformat()} to {t.window_end.isoformat()}"),
              ("Status", "status", True), ("Status code", "status_code")]

    def get_actions(self):
        test = self.object
        if test.status == ScheduledTest.Status.SCHEDULED and can_write(self.request.user, self.area):
            return [("Record", reverse("procedures:experiment_record", args=[test.pk]))]
        return []

    def get_sections(self):
        experiments = self.object.experiments.select_related("procedure", "mouse")
        return [Section("Experiments", EXPERIMENT_SECTION, experiments, empty="Not recorded yet.")]


EXPERIMENT_SECTION = [("Experiment", "date_of_experiment"), ("Sequence", "sequence_id"),
                      ("Experimenter", "experimenter"), ("Status", "status", True)]


class ExperimentListView(ScopedListView):
    filterset_class = ExperimentFilterSet
    select_related = ["procedure", "mouse__colony", "recorded_by"]
    area = "phenotyping"
    columns = [("Date", "date_of_experiment"), ("Mouse", "mouse"), ("Colony", "mouse.colony"),
               ("Procedure", "procedure.name"), ("Key", "procedure.key"), ("Sequence", "sequence_id"),
               ("Experimenter", "experimenter"), ("Recorded by", "recorded_by"), ("Status", "status", True)]


class ExperimentDetailView(ScopedDetailView):
    """An experiment with every value and its unit, as it will be sent to the DCC."""

    model = Experiment
    selector = selectors.experiment_list  # values and their parameters prefetched
    select_related = ["mouse__colony", "scheduled_test__procedure", "scheduled_test__mouse", "recorded_by"]
    area = "phenotyping"
    fields = [("Experiment ID", "experiment_id"), ("Mouse", "mouse"), ("Colony", "mouse.colony"),
              ("Procedure", "procedure"), ("Procedure version", "procedure_version"),
              ("Date of experiment", "date_of_experiment"), ("Sequence", "sequence_id"),
              ("Experimenter", "experimenter"), ("Recorded by", "recorded_by"), ("Status", "status", True),
              ("Scheduled test", "scheduled_test"), ("Voided", "voided_at"), ("Void reason", "void_reason")]

    def get_sections(self):
        values = self.object.values.all()
        columns = [
            Column("Parameter", "parameter.name"), Column("Key", "parameter.key"), Column("Increment", "increment"),
            Column("Value", "value"), Column("Unit", "parameter.unit"), Column("Status code", "status_code"),
            Column("Out of range", "out_of_range"),
        ]
        return [Section("Values", columns, values, empty="No values.")]
