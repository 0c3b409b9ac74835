"""Excel upload per procedure: the template, the upload (a background job) and the job's progress and outcome."""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from lims.scoping import scope_for_user
from lims.views import WriteAccessMixin
from lims.xlsx_import import workbook_response
from procedures.forms import ProcedureUploadForm, WorklistDayForm
from procedures.imports import PROCEDURE_MAX_ROWS, procedure_columns, procedure_template, upload_job_create
from procedures.models import Procedure, UploadJob


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
