"""The models of phenotyping, one module per concern, re-exported so callers import `procedures.models` (style.md B1).

`definitions` (IMPReSS pipelines, procedures, parameters), `schedule` (a centre's windows, scheduled tests),
`experiments` (experiments of mice, their values, drafts), `lines` (line-level experiments, a centre's housing)
and `uploads` (Excel upload jobs). pghistory puts the generated event models on this module.
"""
from procedures.models.definitions import (
    MEDIA_TYPES,
    Parameter,
    Pipeline,
    Procedure,
    Source,
    enterable_parameters_q,
)
from procedures.models.experiments import Experiment, ExperimentDraft, ParameterValue, RecordedValue, SentAsFields
from procedures.models.lines import Housing, HousingValue, LineExperiment, LineParameterValue
from procedures.models.schedule import PipelineSettings, ScheduledTest
from procedures.models.uploads import UploadJob

__all__ = [
    "MEDIA_TYPES", "Parameter", "Pipeline", "Procedure", "Source", "enterable_parameters_q",
    "PipelineSettings", "ScheduledTest",
    "Experiment", "ExperimentDraft", "ParameterValue", "RecordedValue", "SentAsFields",
    "Housing", "HousingValue", "LineExperiment", "LineParameterValue",
    "UploadJob",
]
