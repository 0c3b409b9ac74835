"""Phenotyping pages, mounted at /phenotyping/."""
from django.urls import path

from procedures import views
from procedures.batch.views import BatchRecordView

app_name = "procedures"
urlpatterns = [
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("worklist/scan/", views.WorklistScanView.as_view(), name="worklist_scan"),
    path("scheduled-tests/", views.ScheduledTestListView.as_view(), name="scheduledtest_list"),
    path("scheduled-tests/<int:pk>/", views.ScheduledTestDetailView.as_view(), name="scheduledtest_detail"),
    path("scheduled-tests/<int:pk>/close/", views.ScheduledTestCloseView.as_view(), name="scheduledtest_close"),
    path("scheduled-tests/<int:pk>/record/", views.ExperimentRecordView.as_view(), name="experiment_record"),
    path("worklist/record/", BatchRecordView.as_view(), name="batch_record"),
    path("experiments/", views.ExperimentListView.as_view(), name="experiment_list"),
    path("experiments/<int:pk>/", views.ExperimentDetailView.as_view(), name="experiment_detail"),
    path("procedures/<str:key>/upload/", views.ProcedureImportView.as_view(), name="procedure_import"),
    path("uploads/<int:pk>/", views.UploadJobDetailView.as_view(), name="uploadjob_detail"),
    path("uploads/<int:pk>/status.json", views.UploadJobStatusView.as_view(), name="uploadjob_status"),
    path("procedures/<str:key>/template/", views.ProcedureTemplateView.as_view(), name="procedure_template"),
    path("line-experiments/", views.LineExperimentListView.as_view(), name="lineexperiment_list"),
    path("line-experiments/<int:pk>/", views.LineExperimentDetailView.as_view(), name="lineexperiment_detail"),
    path("experiments/<int:pk>/edit/", views.ExperimentEditView.as_view(), name="experiment_edit"),
    path("experiments/<int:pk>/qc-lock/", views.ExperimentQcLockView.as_view(), name="experiment_qc_lock"),
    path("experiments/<int:pk>/qc-unlock/", views.ExperimentQcLockView.as_view(action="unlock"),
         name="experiment_qc_unlock"),
    path("experiments/qc/", views.ExperimentQcView.as_view(), name="experiment_qc"),
]
