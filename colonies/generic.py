"""Pages the production, husbandry and genotyping packages build on: a create form opened from a parent's page, and
the Excel import page (download a template, upload it, see every problem).

The import views only translate: the upload goes to the import service a page names (`colonies.production.imports`,
`colonies.genotyping.imports`), which decides. A failed import re-renders the page with a table of (row, column,
reason) and saves nothing; a good one redirects to the list with the count (post/redirect/get, so a refresh cannot
import the same file twice). Only roles that may write the page's area (`lims.roles.can_write`) see these pages; the
others get 403, as on every create form.
"""
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView
from openpyxl import Workbook

from lims.forms import SpreadsheetUploadForm
from lims.views import WriteAccessMixin
from lims.xlsx_import import DEFAULT_MAX_ROWS, ImportColumn, ImportResult, workbook_response


class PrefillFromQueryMixin:
    """Create forms opened from a parent's page (`?plan=3`, `?parent_colony=7`) start with that parent chosen."""

    prefill: tuple[str, ...] = ()

    def get_initial(self):
        initial = super().get_initial()
        for name in self.prefill:
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial


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


__all__ = ["ImportPageMixin", "PrefillFromQueryMixin", "SpreadsheetImportView", "TemplateDownloadView"]
