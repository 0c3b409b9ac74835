"""Every write of phenotyping, re-exported so callers import `procedures.services` (style.md B1).

One module per concern: `schedule` (enrolment, windows), `values` (what was entered and its checks and warnings),
`record` (experiments of mice, one, bulk or a file's batch), `batch` (the batch page: many mice, metadata shared),
`transitions` (a scheduled test's status machine), `edits` (corrections), `qc` (the QC lock, one or ticked), `lines` (line-level procedures)
and `imported` (the DCC import path, which keeps history as the file says it). Code inside the app may import the
concern module where that reads better.
"""
from procedures.services.batch import BatchRefused, experiments_record_batch
from procedures.services.edits import experiment_values_update
from procedures.services.imported import (
    experiment_import,
    housing_import,
    line_experiment_import,
    parameter_register_imported,
    pipeline_register_imported,
    procedure_register_imported,
)
from procedures.services.lines import line_experiment_record
from procedures.services.qc import (
    LOCK,
    UNLOCK,
    QcResult,
    experiment_qc_lock,
    experiment_qc_unlock,
    experiments_qc_set,
)
from procedures.services.record import BULK_LIMIT, ExperimentBatch, experiment_record, experiments_record_bulk
from procedures.services.schedule import (
    DEFAULT_WINDOW_DAYS,
    due_date_for,
    mice_enrol,
    pipeline_settings_set,
    window_days_for,
)
from procedures.services.transitions import (
    CODE_FOR_MOUSE_STATUS,
    scheduled_test_cancel,
    scheduled_test_mark_missed,
    scheduled_test_mark_not_performed,
    scheduled_tests_close_for_mouse,
    tests_mark_missed,
)
from procedures.services.values import (
    EnteredValue,
    ValuesNeedConfirmation,
    entered_value_check,
    range_warnings,
    warnings_confirm,
    window_warnings,
)

__all__ = [
    "DEFAULT_WINDOW_DAYS", "due_date_for", "mice_enrol", "pipeline_settings_set", "window_days_for",
    "EnteredValue", "ValuesNeedConfirmation", "entered_value_check", "range_warnings", "warnings_confirm",
    "window_warnings",
    "BULK_LIMIT", "ExperimentBatch", "experiment_record", "experiments_record_bulk",
    "BatchRefused", "experiments_record_batch",
    "CODE_FOR_MOUSE_STATUS", "scheduled_test_cancel", "scheduled_test_mark_missed", "scheduled_test_mark_not_performed",
    "scheduled_tests_close_for_mouse", "tests_mark_missed",
    "experiment_values_update",
    "LOCK", "UNLOCK", "QcResult", "experiment_qc_lock", "experiment_qc_unlock", "experiments_qc_set",
    "line_experiment_record",
    "experiment_import", "housing_import", "line_experiment_import", "parameter_register_imported",
    "pipeline_register_imported", "procedure_register_imported",
]
