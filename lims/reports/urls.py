from django.urls import path

from lims.reports import views
from lims.reports.registry import REPORTS

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    # One named route per report (`reports:production` …), so the navigation can name each.
    *(path(f"{name}/", views.ReportView.as_view(), {"name": name}, name=name) for name in REPORTS),
]
