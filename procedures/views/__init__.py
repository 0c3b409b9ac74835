"""Phenotyping pages, one module per concern, re-exported for `procedures.urls` (style.md B1).

`worklist` (what is due, room by room), `record` (the data-entry page of one test), `scheduled_tests` (list, detail,
closing a test), `experiments` (mouse and line experiments, QC lock, corrections) and `uploads` (Excel upload per
procedure). The batch page is `procedures.batch.views`; the column lists are `procedures.tables`.
"""
from procedures.views.experiments import (
    ExperimentDetailView,
    ExperimentEditView,
    ExperimentListView,
    ExperimentQcLockView,
    ExperimentQcView,
    LineExperimentDetailView,
    LineExperimentListView,
)
from procedures.views.record import ExperimentRecordView
from procedures.views.scheduled_tests import ScheduledTestCloseView, ScheduledTestDetailView, ScheduledTestListView
from procedures.views.uploads import (
    ProcedureImportView,
    ProcedureJobUploadForm,
    ProcedureTemplateView,
    UploadJobDetailView,
    UploadJobStatusView,
)
from procedures.views.worklist import WorklistScanView, WorklistView

__all__ = [
    "ExperimentDetailView", "ExperimentEditView", "ExperimentListView", "ExperimentQcLockView", "ExperimentQcView",
    "ExperimentRecordView", "LineExperimentDetailView", "LineExperimentListView", "ProcedureImportView",
    "ProcedureJobUploadForm", "ProcedureTemplateView", "ScheduledTestCloseView", "ScheduledTestDetailView",
    "ScheduledTestListView", "UploadJobDetailView", "UploadJobStatusView", "WorklistScanView", "WorklistView",
]
