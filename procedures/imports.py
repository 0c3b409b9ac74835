"""Excel upload of one procedure's experiments: a template per procedure and an all-or-nothing import.

The template has a row per mouse due for the procedure (specimen ID filled in) and a column per parameter (one per
series increment) with its unit in the header comment and a dropdown where IMPReSS lists options; a `<key>_status`
column takes an IMPC_PARAMSC code for a value not measured. Values stay text in the reader and are checked by
`procedures.services.experiment_record`, so an upload refuses exactly what the data-entry form refuses, with the
same words, reported by row and column. Reading and committing reuse `lims.xlsx_import`.
"""
import datetime as dt
from typing import IO

from openpyxl import Workbook

from colonies.models import Mouse
from lims.scoping import scope_for_user
from lims.xlsx_import import (
    CHOICE,
    DATE,
    TEXT,
    ImportColumn,
    ImportResult,
    SheetReader,
    all_or_nothing,
    build_template,
    commit_row,
)
from procedures.forms import enterable
from procedures.models import Parameter, Procedure, ScheduledTest
from procedures.services import EnteredValue, experiment_record
from procedures.validation import PARAMETER_STATUS_CODES

SPECIMEN, DATE_COLUMN, EXPERIMENTER = "specimen_id", "date_of_experiment", "experimenter"


def _value_columns(parameter: Parameter) -> list[tuple[str, str]]:
    """(column name, increment) of a parameter: one column, or one per series increment (`KEY[increment]`)."""
    if parameter.type == Parameter.Type.SERIES and parameter.increments:
        return [(f"{parameter.key}[{increment}]", str(increment)) for increment in parameter.increments]
    return [(parameter.key, "")]


def procedure_columns(procedure: Procedure) -> list[ImportColumn]:
    """The columns of a procedure's upload, in IMPReSS order after the specimen, date and experimenter."""
    columns = [
        ImportColumn(SPECIMEN, TEXT, required=True, help="The mouse's specimen ID."),
        ImportColumn(DATE_COLUMN, DATE, required=True, help="The day the procedure was done."),
        ImportColumn(EXPERIMENTER, TEXT, help="Who did it."),
    ]
    for parameter in procedure.parameters.all():
        if not enterable(parameter):
            continue
        unit = f" ({parameter.unit})" if parameter.unit else ""
        need = "Required" if parameter.required else "Optional"
        for name, increment in _value_columns(parameter):
            text = f"{parameter.name}{unit}" + (f", increment {increment}" if increment else "")
            if parameter.options:
                columns.append(ImportColumn(name, CHOICE, choices=tuple(parameter.options), unit=parameter.unit,
                                            help=f"{need}: {text}."))
            else:
                kind = (parameter.value_type or "TEXT").upper()
                columns.append(ImportColumn(name, TEXT, unit=parameter.unit, help=f"{need}: {text}, {kind.lower()}."))
        columns.append(ImportColumn(f"{parameter.key}_status", CHOICE, choices=tuple(PARAMETER_STATUS_CODES),
                                    help=f"IMPC_PARAMSC code when {parameter.name} was not measured."))
    return columns


def procedure_template(*, procedure: Procedure, actor, due_by: dt.date | None = None) -> Workbook:
    """The upload template of a procedure with a row per mouse of the actor's centre due for it by `due_by`."""
    columns = procedure_columns(procedure)
    workbook = build_template(columns, title=procedure.key,
                              intro=f"{procedure.name} ({procedure.key}, version {procedure.version}): one row per "
                                    "mouse. Leave a value empty and pick a status code when it was not measured.")
    due = scope_for_user(ScheduledTest.objects.select_related("mouse"), actor).filter(
        procedure=procedure, status=ScheduledTest.Status.SCHEDULED, mouse__voided_at__isnull=True,
        due_date__lte=due_by or dt.date.today(),
    ).order_by("due_date", "mouse__specimen_id")
    sheet = workbook.worksheets[0]
    for row, test in enumerate(due, start=2):
        sheet.cell(row=row, column=1, value=test.mouse.specimen_id)
    return workbook


def _as_text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


def procedure_import(*, file: IO[bytes], procedure: Procedure, actor) -> ImportResult:
    """Record an experiment per row of an uploaded template, or nothing when any row is wrong.

    Each row goes through `experiment_record` (the mouse's open scheduled test of the procedure becomes done), in
    its own savepoint, so every bad row is reported by row and column; one bad row rolls back the file.
    """
    parameters = [p for p in procedure.parameters.all() if enterable(p)]
    columns = procedure_columns(procedure)
    first_column = {p.key: _value_columns(p)[0][0] for p in parameters}
    reader = SheetReader(file, columns)
    result = ImportResult()
    mice = scope_for_user(Mouse.objects.filter(voided_at__isnull=True), actor)
    with all_or_nothing(result):
        for row, values in reader:
            result.rows += 1
            if row in reader.bad_rows:
                continue
            mouse = mice.filter(specimen_id=values[SPECIMEN]).first()
            if mouse is None:
                result.add(row, SPECIMEN, f"{values[SPECIMEN]!r}: no such mouse in your centre.")
                continue
            entries: dict[str, list[EnteredValue]] = {}
            for parameter in parameters:
                code = _as_text(values.get(f"{parameter.key}_status"))
                for name, increment in _value_columns(parameter):
                    value = _as_text(values.get(name)).strip()
                    if value or code:
                        entries.setdefault(parameter.key, []).append(
                            EnteredValue(value=value, status_code="" if value else code, increment=increment))
            test = (ScheduledTest.objects.filter(mouse=mouse, procedure=procedure, status=ScheduledTest.Status.SCHEDULED)
                    .order_by("due_date").first())
            commit_row(result, row, lambda mouse=mouse, test=test, values=values, entries=entries: experiment_record(
                mouse=mouse, procedure=procedure, scheduled_test=test, actor=actor, values=entries,
                date_of_experiment=values[DATE_COLUMN], experimenter=values.get(EXPERIMENTER, "")),
                column_for=lambda key: first_column.get(key, key))
        result.errors.extend(reader.errors)
    return result
