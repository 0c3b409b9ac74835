"""Excel import pages for ES cells and micro-injection attempts: download a template, upload it, see every problem.

The views only translate: the upload goes to an import service in `colonies.imports`, which decides. A failed
import re-renders the page with a table of (row, column, reason) and saves nothing; a good one redirects to the list
with the count (post/redirect/get, so a refresh cannot import the same file twice). Only roles that may write
production records (`lims.roles.can_write`) see these pages; the others get 403, as on every create form.
"""
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.validators import FileExtensionValidator
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView
from openpyxl import Workbook

from colonies.imports import (
    ES_CELL_COLUMNS,
    MICROINJECTION_COLUMNS,
    es_cell_template,
    es_cells_import,
    microinjection_template,
    microinjections_import,
)
from lims.uploads import UploadRefused, open_zip, xlsx_limits
from lims.views import WriteAccessMixin
from lims.xlsx_import import DEFAULT_MAX_ROWS, ImportColumn, ImportResult, workbook_response

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # far above a 5,000-row sheet; stops a stray video before openpyxl sees it


class SpreadsheetUploadForm(forms.Form):
    """One .xlsx file made from the template, refused at once when its zip directory breaks a limit.

    Only the directory is read here (sizes, compression, encryption: no decompression); the import reads the file
    through the same bounded reader (`lims.uploads`) and reports anything else it finds.
    """

    max_rows = DEFAULT_MAX_ROWS  # the data rows the import behind the form reads; sets the unpacked-size limit

    file = forms.FileField(
        label="Spreadsheet (.xlsx)",
        help_text=f"Made from the template; at most {DEFAULT_MAX_ROWS:,} rows.",
        validators=[FileExtensionValidator(["xlsx"], message="Upload an Excel workbook (.xlsx).")],
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        try:
            archive, _members = open_zip(upload, xlsx_limits(self.max_rows))
            archive.close()
        except UploadRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        finally:
            upload.seek(0)
        return upload


class ImportPageMixin(LoginRequiredMixin, WriteAccessMixin):
    """What an import page declares: the records it makes, their columns, template builder and import service.

    Functions are read from the class (`type(self)`), so they are not bound as methods.
    """

    area = "production"
    noun = ""  # singular, for messages
    noun_plural = ""
    columns: tuple[ImportColumn, ...] = ()
    importer: Callable[..., ImportResult] | None = None
    template_builder: Callable[..., Workbook] | None = None
    template_url_name = ""
    list_url_name = ""
    filename = ""


class SpreadsheetImportView(ImportPageMixin, FormView):
    """Show the upload form and the columns; import a posted file all-or-nothing."""

    template_name = "colonies/import.html"
    form_class = SpreadsheetUploadForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        result = type(self).importer(file=upload, actor=self.request.user)
        if result.ok:
            noun = self.noun if result.created == 1 else self.noun_plural
            messages.success(self.request, f"Imported {result.created} {noun} from {upload.name}.")
            return HttpResponseRedirect(reverse(self.list_url_name))
        return self.render_to_response(self.get_context_data(form=form, result=result, upload_name=upload.name))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            title=f"Import {self.noun_plural}",
            noun_plural=self.noun_plural,
            columns=self.columns,
            template_url=reverse(self.template_url_name),
            list_url=reverse(self.list_url_name),
            max_rows=DEFAULT_MAX_ROWS,
        )
        return context


class TemplateDownloadView(ImportPageMixin, View):
    """Send a fresh template: today's dropdowns (strains, the centre's ES cells and plans) are built per request."""

    def get(self, request, *args, **kwargs):
        workbook = type(self).template_builder(actor=request.user)
        return workbook_response(workbook, f"{self.filename}-template-{timezone.localdate().isoformat()}")


class EsCellImportView(SpreadsheetImportView):
    noun, noun_plural, columns, filename = "ES cell clone", "ES cell clones", ES_CELL_COLUMNS, "es-cells"
    importer, template_builder = es_cells_import, es_cell_template
    template_url_name = "colonies_import:escell_import_template"
    list_url_name = "colonies:escell_list"


class EsCellTemplateView(TemplateDownloadView):
    template_builder, filename = es_cell_template, "es-cells"


class MicroInjectionImportView(SpreadsheetImportView):
    noun, noun_plural = "micro-injection attempt", "micro-injection attempts"
    columns, filename = MICROINJECTION_COLUMNS, "microinjections"
    importer, template_builder = microinjections_import, microinjection_template
    template_url_name = "colonies_import:microinjection_import_template"
    list_url_name = "colonies:microinjection_list"


class MicroInjectionTemplateView(TemplateDownloadView):
    template_builder, filename = microinjection_template, "microinjections"
