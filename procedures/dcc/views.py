"""DCC pages: what is pending, what pre-flight says, "Export now", progress, and the history with downloads.

Reads go through selectors and the ledger, the one write (starting an export) through `services.submission_create`
and the build task; everything is scoped to the user's centre, so another centre's submission or file is a 404.
"""
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from colonies.tables import DCC_MESSAGE_COLUMNS
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import ScopedDetailView, ScopedListView, Section, WriteAccessMixin
from procedures.dcc import selectors as dcc_selectors
from procedures.dcc import services
from procedures.dcc.ledger import pending_plan, review_plan
from procedures.dcc.models import Submission, SubmissionFile, SubmissionRecord
from procedures.dcc.preflight import preflight, preflight_notes
from procedures.dcc.tasks import submission_build_task
from procedures.dcc.validation_reports import selectors as report_selectors
from procedures.dcc.validation_reports.services import report_import

#: Submissions shown in the DCC page's history (the full list is the submissions page).
HISTORY_SIZE = 20


def error_count(submission: Submission) -> int:
    return len(submission.errors or [])


def _status_payload(submission: Submission) -> dict:
    return {"id": submission.pk, "status": submission.status, "status_display": submission.get_status_display(),
            "progress": submission.progress, "finished": submission.status in Submission.TERMINAL,
            "specimens": submission.specimen_count, "experiments": submission.experiment_count,
            "error_count": len(submission.errors or [])}


def _record_url(kind: str, pk: int) -> str:
    """The page of a specimen or experiment (what a pre-flight finding links to), without reading the record."""
    if kind == SubmissionRecord.Kind.SPECIMEN:
        return reverse("colonies:mouse_detail", args=[pk])
    return reverse("procedures:experiment_detail", args=[pk])


class DccOverviewView(LoginRequiredMixin, TemplateView):
    """The centre's DCC page: pending new/changed records, pre-flight findings with links, the export button, the
    progress of running exports and the latest submissions with their files."""

    template_name = "dcc/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        centre = user.centre
        if centre is None:
            raise Http404("You belong to no centre.")
        plan = pending_plan(centre=centre)  # what changed since the last sent submission, not the export's plan
        kinds = SubmissionRecord.Kind
        Folder = SubmissionFile.Folder
        pending = [(label, plan.count([kind], Folder.ADD), plan.count([kind], Folder.EDIT))
                   for kind, label in kinds.choices]
        submissions = list(
            scope_for_user(Submission.objects.select_related("created_by").prefetch_related("files"), user)
            .filter(centre=centre)[:HISTORY_SIZE]
        )
        rejected = dcc_selectors.open_rejection_records(centre=centre)
        review = review_plan(centre=centre, pending=plan, rejected=rejected)  # pending + the DCC's open rejections
        findings = preflight(centre=centre, plan=review) if review else []
        rejected_urls = {_record_url(kind, pk) for kind, pk in rejected}
        rejected_only = self.request.GET.get("rejected") == "1"
        for finding in findings:
            finding["rejected"] = finding.get("url") in rejected_urls
        rejections = report_selectors.open_rejection_list(centre=centre)
        context.update(
            centre=centre, pending=pending, pending_total=len(plan.records),
            findings=[f for f in findings if f["rejected"]] if rejected_only else findings,
            rejected_only=rejected_only, rejections=rejections[:report_selectors.PAGE_LIMIT],
            rejection_count=rejections.count(),
            unmatched=report_selectors.unmatched_message_list(centre=centre)[:report_selectors.PAGE_LIMIT],
            notes=preflight_notes(plan=plan) if plan else [],
            can_export=can_write(user, "dcc"), submissions=submissions, report_form=ReportUploadForm(),
            active=[s for s in submissions if s.status not in Submission.TERMINAL],
        )
        return context


class ReportUploadForm(forms.Form):
    report = forms.FileField(label="DCC validation report (XML)",
                             help_text="validationReportSet or validationSet, as the DCC publishes it.")


#: Largest report accepted from the page (the command has no limit): a month of messages of a large centre.
MAX_REPORT_BYTES = 50 * 1024 * 1024


class ReportImportView(LoginRequiredMixin, WriteAccessMixin, View):
    """POST a DCC validation report (data wranglers and centre admins): imported for the user's centre, in one
    transaction; the outcome (or every reason it was refused, with its line) is shown on the DCC page."""

    area = "dcc"

    def post(self, request):
        if request.user.centre is None:
            raise Http404("You belong to no centre.")
        form = ReportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "Choose a report file to import.")
            return redirect("dcc:overview")
        upload = form.cleaned_data["report"]
        if upload.size > MAX_REPORT_BYTES:
            messages.error(request, f"{upload.name}: larger than {MAX_REPORT_BYTES // 1024 // 1024} MB; import it "
                                    "with manage.py dcc_report_import.")
            return redirect("dcc:overview")
        with tempfile.TemporaryDirectory(prefix="dcc-report-") as tmp:
            path = Path(tmp) / "report.xml"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            [result] = report_import([path], actor=request.user, centre=request.user.centre,
                                     labels=[Path(upload.name).name])
        if result.refused:
            messages.error(request, f"{result.label} refused, nothing imported: " + " · ".join(result.refused[:20]))
        elif result.already_imported:
            messages.info(request, f"{result.label} was already imported; nothing added.")
        else:
            messages.success(request, f"{result.label}: {result.messages} message(s), {result.rejected_records} "
                                      f"record(s) rejected by the DCC, {len(result.unmatched)} matching no record.")
        return redirect("dcc:overview")


class SubmissionExportView(LoginRequiredMixin, WriteAccessMixin, View):
    """POST: start an export of the user's centre (data wranglers and centre admins); the worker builds it."""

    area = "dcc"

    def post(self, request):
        if request.user.centre is None:
            raise Http404("You belong to no centre.")
        with transaction.atomic():
            submission = services.submission_create(centre=request.user.centre, actor=request.user,
                                                    full=request.POST.get("full") == "on",
                                                    as_imported=request.POST.get("as_imported") == "on")
            transaction.on_commit(
                lambda: submission_build_task.delay(submission_id=submission.pk, actor_id=request.user.pk)
            )
        return redirect(reverse("dcc:overview") + f"#submission-{submission.pk}")


class SubmissionStatusView(LoginRequiredMixin, View):
    """A submission's status and progress as JSON, polled by the DCC page every second while it builds."""

    def get(self, request, pk):
        submission = get_object_or_404(scope_for_user(Submission.objects.all(), request.user), pk=pk)
        return JsonResponse(_status_payload(submission))


class SubmissionFileDownloadView(LoginRequiredMixin, View):
    """Stream a delivered zip: the archived copy (the file source may be remote), else the delivered file."""

    def get(self, request, pk):
        files = scope_for_user(SubmissionFile.objects.select_related("submission"), request.user)
        file = get_object_or_404(files, pk=pk, delivered_at__isnull=False)
        for candidate in (services.archive_path_for(file), file.path):
            try:
                handle = open(candidate, "rb")  # noqa: SIM115 - FileResponse closes it
            except OSError:
                continue
            return FileResponse(handle, as_attachment=True, filename=file.zip_name, content_type="application/zip")
        raise Http404("The zip is no longer on this server.")


class SubmissionListView(ScopedListView):
    """Submissions of the user's centre, newest first, filtered by status."""

    model = Submission
    select_related = ["centre", "created_by"]
    filterset_fields = ["status"]
    area = "dcc"
    title = "DCC submissions"
    columns = [("Submission", lambda s: f"#{s.pk}"), ("Created", "created_at"), ("By", "created_by"),
               ("Status", "status", True), ("Progress %", "progress"), ("Specimens", "specimen_count"),
               ("Experiments", "experiment_count"), ("Errors", error_count), ("Finished", "finished_at")]


class SubmissionDetailView(ScopedDetailView):
    model = Submission
    select_related = ["centre", "created_by"]
    area = "dcc"
    fields = [("Status", "status", True), ("Centre", "centre"), ("Created", "created_at"), ("By", "created_by"),
              ("Mode", "mode"), ("Full export", "full"), ("Progress %", "progress"), ("Specimens", "specimen_count"),
              ("Experiments", "experiment_count"), ("Started", "started_at"), ("Finished", "finished_at"),
              ("Delivered to", "out_dir"), ("Attempts", "attempts"), ("Task id", "task_id")]

    def get_sections(self):
        errors = [{"message": e if isinstance(e, str) else e.get("message", str(e)),
                   "where": "" if isinstance(e, str) else e.get("where") or e.get("file") or e.get("path", ""),
                   "url": "" if isinstance(e, str) else e.get("url", "")}
                  for e in self.object.errors or []]
        findings = [_Row(f) for f in self.object.findings or []]
        dcc_messages = self.object.dcc_messages.select_related("mouse__centre", "experiment__procedure",
                                                               "experiment__mouse", "experiment__centre")
        return [
            Section("Errors", [("Message", "message"), ("Where", "where")], [_Row(e) for e in errors],
                    empty="No errors."),
            *([Section("Pre-flight findings sent as imported", [("Message", "message"), ("Where", "where")],
                       findings)] if self.object.as_imported else []),
            Section("DCC validation", [("Record", "where"), *DCC_MESSAGE_COLUMNS], dcc_messages,
                    empty="No validation report imported for this submission."),
            Section("Files", [("Zip", "zip_name"), ("Folder", "folder"), ("Kind", "kind"), ("XML", "xml_name"),
                              ("Increment", "increment"), ("Size (bytes)", "size"), ("SHA-256", "sha256"),
                              ("Delivered", "delivered_at")],
                    self.object.files.all(), empty="No files written yet."),
        ]


class _Row:
    """Lets a dict of a JSON error list be shown with the same columns as model rows (linked when it has a url)."""

    def __init__(self, data: dict):
        self.__dict__.update(data)

    def get_absolute_url(self) -> str:
        return self.__dict__.get("url", "")
