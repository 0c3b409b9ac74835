"""DCC pages, mounted at /dcc/."""
from django.urls import path

from procedures.dcc import views

app_name = "dcc"
urlpatterns = [
    path("", views.DccOverviewView.as_view(), name="overview"),
    path("export/", views.SubmissionExportView.as_view(), name="export"),
    path("reports/import/", views.ReportImportView.as_view(), name="report_import"),
    path("submissions/", views.SubmissionListView.as_view(), name="submission_list"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="submission_detail"),
    path("submissions/<int:pk>/status/", views.SubmissionStatusView.as_view(), name="submission_status"),
    path("files/<int:pk>/download/", views.SubmissionFileDownloadView.as_view(), name="file_download"),
]
