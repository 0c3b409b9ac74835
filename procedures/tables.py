"""The columns of phenotyping's list pages and the fields of its detail pages, declared once (NetBox's tables).

A list and the detail page of the same record show the same facts in the same words, and the exports of a list use
its headers; so the shared pieces (the mouse and its colony, the procedure, who recorded, the values table) are
defined here and the views only name the table they show. A column is a `lims.views.Column` or its tuple
(header, dotted path or function, badge).
"""
from lims.views import Column
from procedures import selectors

STATUS = ("Status", "status", True)
MOUSE = [("Mouse", "mouse"), ("Colony", "mouse.colony")]
PROCEDURE = [("Procedure", "procedure.name"), ("Key", "procedure.key")]
EXPERIMENTER = ("Experimenter", "experimenter")
RECORDED_BY = ("Recorded by", "recorded_by")
VOIDED = [("Voided", "voided_at"), ("Void reason", "void_reason")]


def _cage(test):
    return selectors.current_cage_of(test.mouse)


def _room(test):
    return selectors.room_of(selectors.current_cage_of(test.mouse))


def _window(test) -> str:
    return f"{test.window_start.isoformat()} to {test.window_end.isoformat()}"


SCHEDULED_TEST_COLUMNS = [("Due", "due_date"), *MOUSE, ("Cage", _cage), ("Room", _room), *PROCEDURE,
                          ("Window ends", "window_end"), STATUS]
SCHEDULED_TEST_FIELDS = [*MOUSE, ("Procedure", "procedure"), ("Due", "due_date"), ("Window", _window), STATUS,
                         ("Status code", "status_code"), ("Reason", "status_reason"),
                         ("Status changed", "status_changed_at")]

EXPERIMENT_COLUMNS = [("Date", "date_of_experiment"), *MOUSE, *PROCEDURE, ("Sequence", "sequence_id"), EXPERIMENTER,
                      RECORDED_BY, STATUS]
EXPERIMENT_FIELDS = [("Experiment ID", "experiment_id"), *MOUSE, ("Procedure", "procedure"),
                     ("Procedure version", "procedure_version"), ("Date of experiment", "date_of_experiment"),
                     ("Sequence", "sequence_id"), EXPERIMENTER, RECORDED_BY, STATUS,
                     ("Scheduled test", "scheduled_test"), ("QC locked", "qc_locked_at"),
                     ("QC locked by", "qc_locked_by"), ("Needs resubmission", "needs_resubmission"),
                     ("Confirmed warnings", lambda e: " ".join(e.confirmed_warnings)), *VOIDED]
#: The experiments of one scheduled test (its detail page).
TEST_EXPERIMENT_COLUMNS = [("Experiment", "date_of_experiment"), ("Sequence", "sequence_id"), EXPERIMENTER, STATUS]

LINE_EXPERIMENT_COLUMNS = [("Date", "date_of_experiment"), ("Colony", "colony"), *PROCEDURE, EXPERIMENTER,
                           ("Status code", "status_code")]
LINE_EXPERIMENT_FIELDS = [("Colony", "colony"), ("Procedure", "procedure"), ("Procedure version", "procedure_version"),
                          ("Date of experiment", "date_of_experiment"), EXPERIMENTER, ("Status code", "status_code"),
                          RECORDED_BY, *VOIDED]

#: The values of a line-level experiment: each in the unit it was recorded in.
VALUE_COLUMNS = [Column("Parameter", "parameter.name"), Column("Key", "parameter.key"),
                 Column("Increment", "increment"), Column("Value", "value"), Column("Unit", "recorded_unit"),
                 Column("Status code", "status_code")]
#: The values of a mouse's experiment, which are also checked against their plausible range.
EXPERIMENT_VALUE_COLUMNS = [*VALUE_COLUMNS, Column("Out of range", "out_of_range")]
