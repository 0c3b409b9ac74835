"""Report pages under /reports/: the index, and one page per report with `?export=xlsx|csv`."""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views.generic import TemplateView

from lims.reports.base import EXPORTERS
from lims.reports.registry import REPORTS, build_report


class ReportIndexView(LoginRequiredMixin, TemplateView):
    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title="Reports", reports=[(name, title, about) for name, (_, title, about) in REPORTS.items()])
        return context


class ReportView(LoginRequiredMixin, TemplateView):
    """One report: its charts and tables; `?export=xlsx|csv` downloads the same tables."""

    template_name = "reports/report.html"

    def get(self, request, *args, **kwargs):
        name = kwargs["name"]
        export = request.GET.get("export")
        if export is not None and export not in EXPORTERS:
            raise Http404(f"No export format {export!r}.")
        try:
            report = build_report(name, request.user, request.GET)
        except ValidationError as error:  # a period the report cannot cover (lims.dates): say so, 400
            problems = [f"{key}: {message}" for key, messages in error.message_dict.items() for message in messages]
            return HttpResponse(render_to_string("bad_request.html", {"heading": "Cannot show this report",
                                                                      "problems": problems}, request=request),
                                status=400)
        if export:
            return EXPORTERS[export](report)
        return self.render_to_response(self.get_context_data(report=report, title=report.title))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        context["query"] = query.urlencode()
        return context
