"""Phenotyping pages: the technician's worklist, the data-entry form of a scheduled test, tests and experiments."""
import itertools
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from colonies.services.rules import NeedsConfirmation
from lims.exceptions import DomainError
from lims.forms import add_service_errors, add_version_field, service_error_messages
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import Column, ScopedDetailView, ScopedListView, Section, WriteAccessMixin, overdue_on
from lims.xlsx_import import workbook_response
from procedures import selectors
from procedures.batch_forms import raw_values
from procedures.drafts import experiment_draft_save
from procedures.filters import ExperimentFilterSet, LineExperimentFilterSet, ScheduledTestFilterSet
from procedures.forms import (
    ExperimentEditForm,
    ExperimentRecordForm,
    ProcedureUploadForm,
    ScheduledTestCloseForm,
    WorklistDayForm,
)
from procedures.imports import PROCEDURE_MAX_ROWS, procedure_columns, procedure_template, upload_job_create
from procedures.models import (
    Experiment,
    ExperimentDraft,
    LineExperiment,
    Parameter,
    Procedure,
    ScheduledTest,
    UploadJob,
)
from procedures.services import (
    experiment_qc_lock,
    experiment_record,
    experiment_values_update,
    scheduled_test_cancel,
    scheduled_test_mark_not_performed,
)

WORKLIST_FILTERS = ("day", "period", "procedure", "room")


def _worklist_query(params) -> str:
    """The worklist's filters found in `params` as a query string ("" for none), so a technician who records from a
    room's list of a given day comes back to that same list, not to today's whole centre."""
    kept = {key: params[key] for key in WORKLIST_FILTERS if params.get(key)}
    return f"?{urlencode(kept)}" if kept else ""


def _worklist_url(params) -> str:
    return reverse("procedures:worklist") + _worklist_query(params)


class WorklistView(LoginRequiredMixin, TemplateView):
    """What is due today (or by a chosen day, or in a week) in the user's centre, room by room and cage by cage.

    A technician walks a room rack by rack, so tests are grouped by the room and cage each mouse is in now (its open
    placement), with a Record button each; `room` and `procedure` narrow the list to one room or one station. A test
    is due from its due date and overdue once its window has closed (`lims.views.overdue_on`). The page prints as
    one table (the print stylesheet drops the chrome) and its rows stay big enough to tap on a tablet.
    """

    template_name = "procedures/worklist.html"

    def get(self, request, *args, **kwargs):
        """Today's list when nothing is chosen; a day, room or procedure it cannot show answers 400 saying why."""
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=400 if context["form"].errors else 200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        form = WorklistDayForm(self.request.GET or None, user=user)
        chosen = form.cleaned_data if form.is_valid() else {}
        day = chosen.get("day") or today
        week = chosen.get("period") == "week"
        if week:
            # A week's plan: everything due by Sunday; overdue as of today, or as of Monday for a week to come.
            start = day - timedelta(days=day.weekday())
            last, overdue_day = start + timedelta(days=6), min(max(today, start), start + timedelta(days=6))
        else:
            start, last, overdue_day = None, day, day
        tests = (
            scope_for_user(selectors.scheduled_test_list(), user)
            .filter(status=ScheduledTest.Status.SCHEDULED, due_date__lte=last, mouse__voided_at__isnull=True)
            .annotate(is_overdue=ExpressionWrapper(overdue_on(overdue_day), output_field=BooleanField()),
                      has_draft=Exists(ExperimentDraft.objects.filter(scheduled_test=OuterRef("pk"))),
                      recordable=selectors.has_recordable_parameters("procedure"))
            .order_by("procedure__week", "procedure__key", "due_date", "mouse__specimen_id")
        )
        if chosen.get("procedure"):
            tests = tests.filter(procedure__key=chosen["procedure"])
        room = chosen.get("room")
        if room is not None:
            tests = tests.filter(mouse__placements__ended_on__isnull=True, mouse__placements__cage__rack__room=room)
        tests = list(tests)
        # A test scheduled before its procedure lost its definition (or before one was loaded) cannot be recorded:
        # the row says why instead of opening an empty form.
        reasons: dict[int, str] = {}
        for test in tests:
            if not test.recordable and test.procedure_id not in reasons:
                reasons[test.procedure_id] = selectors.unrecordable_reason(test.procedure, [])
            test.unrecordable_reason = reasons.get(test.procedure_id, "")
        # The procedures on the list, for their Excel sheet and Upload buttons (one station works one procedure).
        procedures = [(procedure, list(rows), reasons.get(procedure.pk, ""))
                      for procedure, rows in itertools.groupby(tests, key=lambda t: t.procedure)]
        rooms = selectors.worklist_by_room(tests)
        day_query = _worklist_query({"day": day.isoformat() if day != today else "", "period": "week" if week else "",
                                     "procedure": chosen.get("procedure", ""), "room": room.pk if room else ""})
        context.update(
            week=week, week_start=start, week_end=last if week else None, procedure_key=chosen.get("procedure", ""),
            form=form, day=day, is_today=day == today, rooms=rooms, procedures=procedures, room=room,
            day_query=day_query, total=len(tests), overdue_count=sum(t.is_overdue for t in tests),
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
            "worklist_url": _worklist_url(self.request.GET),
        })

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["parameters"] = self.parameters
        return kwargs

    def get_initial(self):
        user = self.request.user
        initial = {"experimenter": user.get_full_name() or user.get_username(), **self.last_metadata()}
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
        return redirect(_worklist_url(self.request.GET))

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
                confirm=bool(form.cleaned_data.get("confirm_warnings")),
            )
        except NeedsConfirmation as exc:
            # Nothing saved: the warnings and a "Save anyway" box, with everything typed kept as it was.
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, field_for=form.field_for)
            return self.form_invalid(form)
        messages.success(self.request, f"{test.procedure.name} saved for {test.mouse.specimen_id}")
        return redirect(_worklist_url(self.request.GET))

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
            worklist_url=_worklist_url(self.request.GET),
        )
        return context


# --- Scheduled tests and experiments ---------------------------------------------------------------------------------


class ScheduledTestListView(ScopedListView):
    filterset_class = ScheduledTestFilterSet
    selector = selectors.scheduled_test_list
    area = "phenotyping"
    columns = [("Due", "due_date"), ("Mouse", "mouse"), ("Colony", "mouse.colony"),
               ("Cage", lambda t: selectors.current_cage_of(t.mouse)),
               ("Room", lambda t: selectors.room_of(selectors.current_cage_of(t.mouse))),
               ("Procedure", "procedure.name"), ("Key", "procedure.key"), ("Window ends", "window_end"),
               ("Status", "status", True)]


class ScheduledTestDetailView(ScopedDetailView):
    model = ScheduledTest
    selector = selectors.scheduled_test_list
    area = "phenotyping"
    fields = [("Mouse", "mouse"), ("Colony", "mouse.colony"), ("Procedure", "procedure"), ("Due", "due_date"),
              ("Window", lambda t: f"{t.window_start.isoformat()} to {t.window_end.isoformat()}"),
              ("Status", "status", True), ("Status code", "status_code"), ("Reason", "status_reason"),
              ("Status changed", "status_changed_at")]

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
              ("Scheduled test", "scheduled_test"), ("QC locked", "qc_locked_at"), ("QC locked by", "qc_locked_by"),
              ("Needs resubmission", "needs_resubmission"),
              ("Confirmed warnings", lambda e: " ".join(e.confirmed_warnings)),
              ("Voided", "voided_at"), ("Void reason", "void_reason")]

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
        values = self.object.values.all()
        columns = [
            Column("Parameter", "parameter.name"), Column("Key", "parameter.key"), Column("Increment", "increment"),
            Column("Value", "value"), Column("Unit", "recorded_unit"), Column("Status code", "status_code"),
            Column("Out of range", "out_of_range"),
        ]
        return [Section("Values", columns, values, empty="No values.")]


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


class ExperimentEditView(_ExperimentActionMixin, FormView):
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
        try:
            experiment_values_update(experiment=self.experiment, values=form.entered_values(),
                                     reason=form.cleaned_data["reason"], actor=self.request.user,
                                     version=form.cleaned_data.get("version"),
                                     confirm=bool(form.cleaned_data.get("confirm_warnings")))
        except NeedsConfirmation as exc:
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, field_for=form.field_for)
            return self.form_invalid(form)
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
    columns = [("Date", "date_of_experiment"), ("Colony", "colony"), ("Procedure", "procedure.name"),
               ("Key", "procedure.key"), ("Experimenter", "experimenter"), ("Status code", "status_code")]


class LineExperimentDetailView(ScopedDetailView):
    """A line-level experiment of a colony with its values."""

    model = LineExperiment
    selector = selectors.line_experiment_list
    area = "phenotyping"
    fields = [("Colony", "colony"), ("Procedure", "procedure"), ("Procedure version", "procedure_version"),
              ("Date of experiment", "date_of_experiment"), ("Experimenter", "experimenter"),
              ("Status code", "status_code"), ("Recorded by", "recorded_by"), ("Voided", "voided_at"),
              ("Void reason", "void_reason")]

    def get_sections(self):
        columns = [Column("Parameter", "parameter.name"), Column("Key", "parameter.key"),
                   Column("Increment", "increment"), Column("Value", "value"), Column("Unit", "recorded_unit"),
                   Column("Status code", "status_code")]
        return [Section("Values", columns, self.object.values.all(), empty="No values.")]


# --- Excel upload per procedure ------------------------------------------------------------------------------------


class _ProcedureUploadMixin(LoginRequiredMixin, WriteAccessMixin):
    area = "phenotyping"

    def dispatch(self, request, *args, **kwargs):
        self.procedure = Procedure.objects.filter(key=kwargs["key"], level=Procedure.Level.MOUSE).order_by("pk").first()
        if self.procedure is None:
            raise Http404("No such procedure.")
        return super().dispatch(request, *args, **kwargs)


class ProcedureJobUploadForm(ProcedureUploadForm):
    """A procedure's upload: read by a background job, so it may hold up to PROCEDURE_MAX_ROWS rows."""

    max_rows = PROCEDURE_MAX_ROWS


class ProcedureImportView(_ProcedureUploadMixin, FormView):
    """Upload a procedure's template: every row recorded, or nothing and a table of (row, column, reason)."""

    template_name = "colonies/import.html"  # the shared Excel-import page
    form_class = ProcedureJobUploadForm

    def form_valid(self, form):
        from procedures.tasks import upload_process_task

        upload = form.cleaned_data["file"]
        job = upload_job_create(file=upload, procedure=self.procedure, actor=self.request.user,
                                confirm=bool(form.cleaned_data.get("confirm_warnings")))
        # After commit, so a worker never looks for a job row (or file) that is not there yet.
        transaction.on_commit(lambda: upload_process_task.delay(job.pk, actor_id=self.request.user.pk))
        return redirect(job.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=f"Upload {self.procedure.name} ({self.procedure.key})", noun_plural="experiments",
            columns=procedure_columns(self.procedure), max_rows=PROCEDURE_MAX_ROWS,
            template_url=reverse("procedures:procedure_template", args=[self.procedure.key]),
            list_url=reverse("procedures:experiment_list"),
        )
        return context


class UploadJobDetailView(LoginRequiredMixin, TemplateView):
    """An upload's progress bar while it runs, then its outcome: the error table, or what was recorded.

    Scoped to the user's centre: another centre's job is a 404.
    """

    template_name = "procedures/uploadjob_detail.html"
    area = "phenotyping"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = scope_for_user(UploadJob.objects.select_related("procedure", "created_by"), self.request.user)
        context["job"] = get_object_or_404(jobs, pk=kwargs["pk"])
        context["status_url"] = reverse("procedures:uploadjob_status", args=[context["job"].pk])
        return context


class UploadJobStatusView(LoginRequiredMixin, View):
    """The job's progress as JSON, polled by its page every second."""

    def get(self, request, pk):
        job = get_object_or_404(scope_for_user(UploadJob.objects.all(), request.user), pk=pk)
        return JsonResponse({
            "id": job.pk, "status": job.status, "finished": job.finished, "rows_total": job.rows_total,
            "rows_done": job.rows_done, "created": job.created_count, "error_count": len(job.errors),
            "warning_count": len(job.warnings),
        })


class ProcedureTemplateView(_ProcedureUploadMixin, View):
    """The procedure's template with a row per mouse of the user's centre due for it (today, or `?day=`)."""

    def get(self, request, *args, **kwargs):
        form = WorklistDayForm(request.GET)
        day = (form.cleaned_data.get("day") if form.is_valid() else None) or timezone.localdate()
        workbook = procedure_template(procedure=self.procedure, actor=request.user, due_by=day)
        return workbook_response(workbook, f"{self.procedure.key}-{day.isoformat()}")


class ScheduledTestCloseView(LoginRequiredMixin, WriteAccessMixin, FormView):
    """Say a test will not be done: not performed with an IMPC_PSC code, or cancelled; both need a reason."""

    area = "phenotyping"
    form_class = ScheduledTestCloseForm
    template_name = "generic/object_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            tests = scope_for_user(ScheduledTest.objects.select_related("procedure", "mouse"), request.user)
            self.test = get_object_or_404(tests, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

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
        messages.success(self.request, f"{test.procedure.name} for {test.mouse} is {test.get_status_display().lower()}.")
        return redirect(test)

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind="Close a scheduled test", title=str(self.test),
                                        cancel_url=self.test.get_absolute_url(), **kwargs)
