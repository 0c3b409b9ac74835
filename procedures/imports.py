"""Excel upload of one procedure's experiments: a template per procedure and an all-or-nothing import.

The template has a row per mouse due for the procedure (specimen ID filled in) and a column per parameter (one per
series increment) with its unit in the header comment and a dropdown where IMPReSS lists options; a `<key>_status`
column takes an IMPC_PARAMSC code for a value not measured. Values stay text in the reader and are checked by
`procedures.services.ExperimentBatch` with the functions of `experiment_record`, so an upload refuses exactly what the
data-entry form refuses, with the same words, reported by row and column. Reading and committing reuse `lims.xlsx_import`.
"""
import datetime as dt
import logging
import zipfile
from collections.abc import Callable
from typing import IO
from xml.etree.ElementTree import ParseError

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from colonies.models import Mouse
from lims.exceptions import DomainError
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
)
from procedures.forms import FREE_SERIES_HELP, enterable, free_series_entries, status_only
from procedures.models import Parameter, Procedure, ScheduledTest, UploadJob
from procedures.services import EnteredValue, ExperimentBatch
from procedures.validation import PARAMETER_STATUS_CODES

SPECIMEN, DATE_COLUMN, EXPERIMENTER = "specimen_id", "date_of_experiment", "experimenter"
PROGRESS_EVERY = 200  # rows between progress updates: often enough for the bar, rare enough to cost nothing

logger = logging.getLogger(__name__)


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
        if status_only(parameter):
            columns.append(ImportColumn(f"{parameter.key}_status", CHOICE, choices=tuple(PARAMETER_STATUS_CODES),
                                        help=f"Required: {parameter.name} are image files the LIMS does not keep; "
                                             "the IMPC_PARAMSC code saying why they are not sent."))
            continue
        if not enterable(parameter):
            continue
        unit = f" ({parameter.unit})" if parameter.unit else ""
        need = "Required" if parameter.required else "Optional"
        if parameter.is_free_series:
            columns.append(ImportColumn(parameter.key, TEXT, unit=parameter.unit,
                                        help=f"{need}: {parameter.name}{unit}. {FREE_SERIES_HELP}"))
            columns.append(ImportColumn(f"{parameter.key}_status", CHOICE, choices=tuple(PARAMETER_STATUS_CODES),
                                        help=f"IMPC_PARAMSC code when {parameter.name} was not measured."))
            continue
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


#: Rows a procedure upload may hold. It runs as a Celery job with a progress bar (`UploadJob`), not inside a web
#: request like the production imports (`DEFAULT_MAX_ROWS`), so a cohort's whole day of 10,000 rows fits in one file.
PROCEDURE_MAX_ROWS = 20_000


def procedure_import(*, file: IO[bytes], procedure: Procedure, actor,
                     progress: Callable[[int], None] | None = None, progress_every: int = PROGRESS_EVERY) -> ImportResult:
    """Record an experiment per row of an uploaded template, or nothing when any row is wrong.

    Each row is checked by `ExperimentBatch` with the rules and words of `experiment_record` (the mouse's open
    scheduled test of the procedure becomes done), so every bad row is reported by row and column; one bad row rolls
    back the file. The file (at most `PROCEDURE_MAX_ROWS` rows) is read first, so its mice, their scheduled tests and
    the parameters are fetched in a few queries for all rows; accepted rows are written every `progress_every` rows
    with bulk inserts, and no longer once a row has been refused (it would all be rolled back).
    `progress(rows_done)` is called every `progress_every` rows; it runs inside the import's transaction, so it
    must write through another connection to be seen before the end.
    """
    parameters = [p for p in procedure.parameters.all() if enterable(p) or status_only(p)]
    columns = procedure_columns(procedure)
    first_column = {p.key: f"{p.key}_status" if status_only(p) else _value_columns(p)[0][0] for p in parameters}
    reader = SheetReader(file, columns, max_rows=PROCEDURE_MAX_ROWS)
    result = ImportResult()
    rows = list(reader)  # streamed from the XML; the reader caps the file at PROCEDURE_MAX_ROWS rows
    readable = [(row, values) for row, values in rows
                if row not in reader.bad_rows and SPECIMEN in values and DATE_COLUMN in values]
    mice: dict[str, Mouse] = {}
    specimens = {values[SPECIMEN] for _, values in readable}
    # The lowest id first when a superuser's unscoped query finds one specimen ID in two centres.
    for mouse in (scope_for_user(Mouse.objects.filter(voided_at__isnull=True, specimen_id__in=specimens), actor)
                  .order_by("-pk")):
        mice[mouse.specimen_id] = mouse
    accepted = {row for row, _ in readable}

    def column_for(key: str) -> str:
        return first_column.get(key, key)  # a parameter's errors go to its first column; fields keep their name

    def flush() -> None:
        if result.errors or reader.errors:
            batch.discard()
            return
        try:
            with transaction.atomic():
                for row, exc in batch.write():
                    result.add_service_error(row, exc)
        except IntegrityError:
            # A clash no check foresaw (a record saved meanwhile by someone else): report, never crash.
            result.add(None, "", "The file clashes with a record saved meanwhile; upload it again.")

    with all_or_nothing(result):
        batch = ExperimentBatch(procedure=procedure, actor=actor, mice=mice.values())
        for row, values in rows:
            result.rows += 1
            if result.rows % progress_every == 0:
                flush()
                if progress is not None:
                    progress(result.rows)
            if row not in accepted:
                continue
            mouse = mice.get(values[SPECIMEN])
            if mouse is None:
                result.add(row, SPECIMEN, f"{values[SPECIMEN]!r}: no such mouse in your centre.")
                continue
            entries: dict[str, list[EnteredValue]] = {}
            unreadable = False
            for parameter in parameters:
                code = _as_text(values.get(f"{parameter.key}_status"))
                if status_only(parameter):
                    if code:
                        entries[parameter.key] = [EnteredValue(status_code=code)]
                    continue
                if parameter.is_free_series:
                    try:
                        typed = free_series_entries(parameter, _as_text(values.get(parameter.key)), code)
                    except ValueError as exc:
                        result.add(row, parameter.key, str(exc))
                        unreadable = True
                        continue
                    if typed:
                        entries[parameter.key] = typed
                    continue
                for name, increment in _value_columns(parameter):
                    value = _as_text(values.get(name)).strip()
                    if value or code:
                        entries.setdefault(parameter.key, []).append(
                            EnteredValue(value=value, status_code="" if value else code, increment=increment))
            if unreadable:
                continue
            try:
                batch.add(row, mouse=mouse, date_of_experiment=values[DATE_COLUMN], values=entries,
                          experimenter=values.get(EXPERIMENTER, ""))
            except (ValidationError, DomainError) as exc:
                result.add_service_error(row, exc, column_for=column_for)
        flush()
        result.created = batch.created
        result.errors.extend(reader.errors)
    return result


# --- Upload as a job -----------------------------------------------------------------------------------------------


def upload_job_create(*, file: IO[bytes], procedure: Procedure, actor) -> UploadJob:
    """Store an uploaded file under MEDIA_ROOT/uploads/ and make the pending job that will import it.

    The caller enqueues `upload_process` after commit; nothing is read here, so the request returns at once.
    `file` is an uploaded file or any binary handle (a script's open file).
    """
    name = (getattr(file, "name", "") or "upload.xlsx").rsplit("/", 1)[-1][:255]
    if not isinstance(file, File):
        file = File(file, name=name)
    return UploadJob.objects.create(centre=actor.centre, created_by=actor, procedure=procedure, file=file,
                                    file_name=name)


_UNREADABLE = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError)


def _count_rows(file: IO[bytes]) -> int | None:
    """Count the non-blank data rows of the first visible sheet (streaming), for the progress bar's total.

    None when the file cannot be read; the import itself then reports why, in the user's words.
    """
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except _UNREADABLE:  # the import reports it in the user's words
        return None
    try:
        sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        sheet = (sheets or workbook.worksheets)[0]
        sheet.reset_dimensions()
        return sum(1 for raw in sheet.iter_rows(min_row=2, values_only=True)
                   if raw and any(v is not None and not (isinstance(v, str) and not v.strip()) for v in raw))
    except _UNREADABLE:
        return None
    finally:
        workbook.close()


class _ProgressWriter:
    """Write `rows_done` through a second database connection, committed at once.

    The import runs in one transaction so it can roll back whole; an UPDATE through the same connection would stay
    invisible to the polling page until the end (and be rolled back with a rejected file). A lost progress update
    is harmless, so a failure here is logged and never stops the import.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = None

    def __call__(self, rows_done: int) -> None:
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.connection.cursor() as cursor:
                cursor.execute(f"UPDATE {UploadJob._meta.db_table} SET rows_done = %s WHERE id = %s AND status = %s",
                               [rows_done, self.job_id, UploadJob.Status.RUNNING])
        except DatabaseError:
            logger.warning("Progress of upload job %s not saved", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def upload_process(*, job_id: int) -> UploadJob | None:
    """Import a pending upload job's file: every row committed, or none and the errors kept on the job.

    Claims the job with a conditional UPDATE (pending → running), so a task delivered twice imports once; returns
    None when the job is gone or already claimed. The file is read in openpyxl's read-only (streaming) mode.
    """
    claimed = UploadJob.objects.filter(pk=job_id, status=UploadJob.Status.PENDING).update(
        status=UploadJob.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return None
    job = UploadJob.objects.select_related("procedure", "created_by").get(pk=job_id)
    with job.file.open("rb") as handle:
        rows_total = _count_rows(handle)
        UploadJob.objects.filter(pk=job_id).update(rows_total=rows_total)
        handle.seek(0)
        writer = _ProgressWriter(job_id)
        try:
            result = procedure_import(file=handle, procedure=job.procedure, actor=job.created_by, progress=writer,
                                      progress_every=PROGRESS_EVERY)
        finally:
            writer.close()
    status = UploadJob.Status.COMMITTED if result.ok else UploadJob.Status.REJECTED
    UploadJob.objects.filter(pk=job_id, status=UploadJob.Status.RUNNING).update(
        status=status, rows_done=result.rows, rows_total=result.rows if rows_total is None else rows_total,
        created_count=result.created, finished_at=timezone.now(),
        errors=[{"row": e.row, "column": e.column, "message": e.message} for e in result.errors])
    job.refresh_from_db()
    return job


def upload_fail(*, job_id: int, reason: str) -> None:
    """Mark an unfinished job failed, so a crashed task never leaves the page polling for ever."""
    UploadJob.objects.filter(pk=job_id, status__in=[UploadJob.Status.PENDING, UploadJob.Status.RUNNING]).update(
        status=UploadJob.Status.FAILED, finished_at=timezone.now(),
        errors=[{"row": None, "column": "", "message": f"The upload could not be processed ({reason})."}])
