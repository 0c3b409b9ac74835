"""Excel upload of one procedure's experiments: a template per procedure and an all-or-nothing import.

The template has a row per mouse due for the procedure (specimen ID filled in) and a column per parameter (one per
series increment) with its unit in the header comment and a dropdown where IMPReSS lists options; a `<key>_status`
column takes an IMPC_PARAMSC code for a value not measured. Numeric parameters are read by the one number reader
(`lims.numbers`, through the NUMBER column kind): a numeric cell as its number, a text cell as typed ("21,4" is 21.4,
"1,234" is refused). Other values stay text in the reader. Every row is then checked by
`procedures.services.ExperimentBatch` with the functions of `experiment_record`, so an upload refuses exactly what the
data-entry form refuses, with the same words, reported by row and column; its warnings (a value out of range, a date
outside the test's window) stop the file until it is uploaded again with "Save anyway" (`confirm`). Reading and
committing reuse `lims.xlsx_import`.
"""
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook

from colonies.models import Mouse
from lims.exceptions import DomainError
from lims.exports import xlsx_put
from lims.overlap import overlapped
from lims.scoping import scope_for_user
from lims.xlsx_import import (
    CHOICE,
    DATE,
    NAMED_FIRST_ROW,
    NUMBER,
    TEXT,
    ImportColumn,
    ImportResult,
    RowError,
    SheetReader,
    all_or_nothing,
    build_template,
    count_data_rows,
)
from procedures.forms import FREE_SERIES_HELP, enterable, parameter_entries, status_only
from procedures.models import Parameter, Procedure, ScheduledTest, UploadJob
from procedures.services.record import ExperimentBatch
from procedures.services.values import EnteredValue, ValuesNeedConfirmation
from procedures.validation import PARAMETER_STATUS_CODES, is_numeric

SPECIMEN, DATE_COLUMN, EXPERIMENTER = "specimen_id", "date_of_experiment", "experimenter"
PROGRESS_EVERY = 200  # rows between progress updates: often enough for the bar, rare enough to cost nothing
#: Rows between writes (at least every `progress_every`): each write is ~10 statements whatever its size, and the
#: queued rows are small tuples, so writing every 1,000 rows instead of every 200 spares ~400 round trips a file;
#: the rows after them are checked while they are written (`lims.overlap`).
WRITE_EVERY = 1000

logger = logging.getLogger(__name__)


def _value_columns(parameter: Parameter) -> list[tuple[str, str]]:
    """(column name, increment) of a parameter: one column, or one per series increment (`KEY[increment]`)."""
    if parameter.type == Parameter.Type.SERIES and parameter.increments:
        return [(f"{parameter.key}[{increment}]", str(increment)) for increment in parameter.increments]
    return [(parameter.key, "")]


def procedure_columns(procedure: Procedure) -> list[ImportColumn]:
    """The columns of a procedure's upload, in IMPReSS order after the specimen, date and experimenter."""
    columns = [
        ImportColumn(SPECIMEN, TEXT, required=True, help="The mouse's specimen ID.", label="Mouse ID"),
        ImportColumn(DATE_COLUMN, DATE, required=True, help="The day the procedure was done.",
                     label="Date of experiment"),
        ImportColumn(EXPERIMENTER, TEXT, help="Who did it.", label="Experimenter"),
    ]
    for parameter in procedure.parameters.all():
        if status_only(parameter):
            columns.append(ImportColumn(f"{parameter.key}_status", CHOICE, choices=tuple(PARAMETER_STATUS_CODES),
                                        help=f"Required: {parameter.name} are image files the LIMS does not keep; "
                                             "the IMPC_PARAMSC code saying why they are not sent.",
                                        label=f"{parameter.name}: not sent because"))
            continue
        if not enterable(parameter):
            continue
        unit = f" ({parameter.unit})" if parameter.unit else ""
        need = "Required" if parameter.required else "Optional"
        if parameter.is_free_series:
            columns.append(ImportColumn(parameter.key, TEXT, unit=parameter.unit, label=parameter.name,
                                        help=f"{need}: {parameter.name}{unit}. {FREE_SERIES_HELP}"))
            columns.append(_status_column(parameter))
            continue
        for name, increment in _value_columns(parameter):
            text = f"{parameter.name}{unit}" + (f", increment {increment}" if increment else "")
            label = f"{parameter.name} [{increment}]" if increment else parameter.name
            if parameter.options:
                columns.append(ImportColumn(name, CHOICE, choices=tuple(parameter.options), unit=parameter.unit,
                                            label=label, help=f"{need}: {text}."))
            else:
                kind = (parameter.value_type or "TEXT").upper()
                columns.append(ImportColumn(name, NUMBER if is_numeric(parameter) else TEXT, unit=parameter.unit,
                                            label=label, help=f"{need}: {text}, {kind.lower()}."))
        columns.append(_status_column(parameter))
    return columns


def _status_column(parameter: Parameter) -> ImportColumn:
    return ImportColumn(f"{parameter.key}_status", CHOICE, choices=tuple(PARAMETER_STATUS_CODES),
                        help=f"IMPC_PARAMSC code when {parameter.name} was not measured.",
                        label=f"{parameter.name}: not measured because")


def procedure_template(*, procedure: Procedure, actor, due_by: dt.date | None = None) -> Workbook:
    """The upload template of a procedure with a row per mouse of the actor's centre due for it by `due_by`."""
    columns = procedure_columns(procedure)
    workbook = build_template(columns, title=procedure.key, names_row=True,
                              intro=f"{procedure.name} ({procedure.key}, version {procedure.version}): one row per "
                                    "mouse. Leave a value empty and pick a status code when it was not measured.")
    due = scope_for_user(ScheduledTest.objects.select_related("mouse"), actor).filter(
        procedure=procedure, status=ScheduledTest.Status.SCHEDULED, mouse__voided_at__isnull=True,
        due_date__lte=due_by or dt.date.today(),
    ).order_by("due_date", "mouse__specimen_id")
    sheet = workbook.worksheets[0]
    for row, test in enumerate(due, start=NAMED_FIRST_ROW):
        xlsx_put(sheet, row, 1, test.mouse.specimen_id)  # a typed ID such as "=1+1" stays text
    return workbook


def _as_text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


def _cell_value(value):
    """A cell's value for `EnteredValue`: a number stays the number the reader read (never through str()); text is
    stripped; an empty cell is ""."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return _as_text(value).strip()


@dataclass
class ProcedureImportResult(ImportResult):
    """An import's outcome plus its unconfirmed warnings (row, column, message): with any, nothing is recorded."""

    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings


#: Rows a procedure upload may hold. It runs as a Celery job with a progress bar (`UploadJob`), not inside a web
#: request like the production imports (`DEFAULT_MAX_ROWS`), so a cohort's whole day of 10,000 rows fits in one file.
PROCEDURE_MAX_ROWS = 20_000


def procedure_import(*, file: IO[bytes], procedure: Procedure, actor,
                     progress: Callable[[int], None] | None = None, progress_every: int = PROGRESS_EVERY,
                     confirm: bool = False) -> ProcedureImportResult:
    """Record an experiment per row of an uploaded template, or nothing when any row is wrong.

    Each row is checked by `ExperimentBatch` with the rules and words of `experiment_record` (the mouse's open
    scheduled test of the procedure becomes done), so every bad row is reported by row and column; one bad row rolls
    back the file. The file (at most `PROCEDURE_MAX_ROWS` rows) is read first, so its mice, their scheduled tests and
    the parameters are fetched in a few queries for all rows; accepted rows are written every `WRITE_EVERY` rows
    (at least every `progress_every`) with bulk inserts, and no longer once a row has been refused (it would all be
    rolled back).
    `progress(rows_done)` is called every `progress_every` rows; it runs inside the import's transaction, so it
    must write through another connection to be seen before the end. Warnings (a value outside its plausible range,
    a date outside the test's window) are listed by row and column and, unless `confirm`, nothing is recorded.

    The rows are checked in a thread (`lims.overlap`, no query there) while the rows checked before them are written
    here. Long because the row loop is a closure over the call's state (result, batch, mice) run by that thread.
    """
    parameters = [p for p in procedure.parameters.all() if enterable(p) or status_only(p)]
    first_column = {p.key: f"{p.key}_status" if status_only(p) else _value_columns(p)[0][0] for p in parameters}
    reader = SheetReader(file, procedure_columns(procedure), max_rows=PROCEDURE_MAX_ROWS)
    result = ProcedureImportResult()
    rows = list(reader)  # streamed from the XML; the reader caps the file at PROCEDURE_MAX_ROWS rows
    readable = [(row, values) for row, values in rows
                if row not in reader.bad_rows and SPECIMEN in values and DATE_COLUMN in values]
    mice = _mice_of({values[SPECIMEN] for _, values in readable}, actor)
    accepted = {row for row, _ in readable}

    write_every = max(progress_every, WRITE_EVERY)

    def column_for(key: str) -> str:
        return first_column.get(key, key)  # a parameter's errors go to its first column; fields keep their name

    with all_or_nothing(result):
        batch = ExperimentBatch(procedure=procedure, actor=actor, mice=mice.values())

        def check(put) -> None:
            """Check every row (no query), putting (rows done, the queued experiments at a write or None)."""
            for row, values in rows:
                result.rows += 1
                at_write = result.rows % write_every == 0
                if at_write or result.rows % progress_every == 0:
                    put((result.rows, batch.take() if at_write else None))
                if row not in accepted:
                    continue
                try:
                    batch.add(row, **_row_experiment(values, mice, parameters), confirm=confirm)
                except _RowRefused as exc:
                    for column, message in exc.problems:
                        result.add(row, column, message)
                except ValuesNeedConfirmation as exc:
                    result.warnings.extend(RowError(row, column_for(key), message) for key, message in exc.keyed)
                except (ValidationError, DomainError) as exc:
                    result.add_service_error(row, exc, column_for=column_for)
            put((None, batch.take()))

        # The rows are checked in a thread while the ones checked before are written (`lims.overlap`).
        for done, queued in overlapped(check):
            if queued is not None:
                _flush(batch, result, reader, queued)
            if done is not None and done % progress_every == 0 and progress is not None:
                progress(done)
        result.created = batch.created
        result.errors.extend(reader.errors)
        if result.warnings:
            transaction.set_rollback(True)  # rows flushed before the first warning are rolled back with the file
            result.created = 0
    result.warnings.sort(key=lambda w: w.row)
    return result


def _flush(batch: ExperimentBatch, result: ProcedureImportResult, reader: SheetReader, queued: list) -> None:
    """Write `queued` (experiments the batch checked), unless the file is refused anyway (then they are dropped)."""
    if result.errors or reader.errors or result.warnings:
        return
    try:
        with transaction.atomic():
            for row, exc in batch.write(queued):
                result.add_service_error(row, exc)
    except IntegrityError:
        # A clash no check foresaw (a record saved meanwhile by someone else): report, never crash.
        result.add(None, "", "The file clashes with a record saved meanwhile; upload it again.")


#: What the upload reads of a mouse: its key, the date check (born), the record (centre) and its cohort (colony).
#: Another field would be fetched per mouse on first use (a query per row): `test_imports` counts the queries.
MOUSE_FIELDS = ("pk", "specimen_id", "date_of_birth", "centre_id", "colony_id")


def _mice_of(specimens: set[str], actor) -> dict[str, Mouse]:
    """The actor's mice of the file by specimen ID, in one query."""
    mice: dict[str, Mouse] = {}
    # The lowest id first when a superuser's unscoped query finds one specimen ID in two centres. Only the fields
    # the checks read (`MOUSE_FIELDS`): a mouse has ~40 and a file up to 20,000 rows.
    for mouse in (scope_for_user(Mouse.objects.filter(voided_at__isnull=True, specimen_id__in=specimens), actor)
                  .only(*MOUSE_FIELDS).order_by("-pk")):
        mice[mouse.specimen_id] = mouse
    return mice


class _RowRefused(Exception):
    """A row that cannot even be checked (an unknown mouse, unreadable free series): (column, message) each."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def _row_experiment(values: dict, mice: dict[str, Mouse], parameters: list[Parameter]) -> dict:
    """The arguments of `ExperimentBatch.add` for one row of the file.

    Raises:
        _RowRefused: the mouse is not one of the actor's, or free series' lines cannot be read (each one named).
    """
    mouse = mice.get(values[SPECIMEN])
    if mouse is None:
        raise _RowRefused([(SPECIMEN, f"{values[SPECIMEN]!r}: no such mouse in your centre.")])
    entries: dict[str, list[EnteredValue]] = {}
    problems = []
    for parameter in parameters:
        typed = [(increment, _cell_value(values.get(name))) for name, increment in _value_columns(parameter)]
        try:
            found = parameter_entries(parameter, typed, _as_text(values.get(f"{parameter.key}_status")))
        except ValueError as exc:
            problems.append((parameter.key, str(exc)))
            continue
        if found:
            entries[parameter.key] = found
    if problems:
        raise _RowRefused(problems)
    return {"mouse": mouse, "date_of_experiment": values[DATE_COLUMN], "values": entries,
            "experimenter": values.get(EXPERIMENTER, "")}


# --- Upload as a job -----------------------------------------------------------------------------------------------


def upload_job_create(*, file: IO[bytes], procedure: Procedure, actor, confirm: bool = False) -> UploadJob:
    """Store an uploaded file under MEDIA_ROOT/uploads/ and make the pending job that will import it.

    The caller enqueues `upload_process` after commit; nothing is read here, so the request returns at once.
    `file` is an uploaded file or any binary handle (a script's open file). `confirm` ("Save anyway") records the
    file despite its warnings.
    """
    name = (getattr(file, "name", "") or "upload.xlsx").rsplit("/", 1)[-1][:255]
    if not isinstance(file, File):
        file = File(file, name=name)
    return UploadJob.objects.create(centre=actor.centre, created_by=actor, procedure=procedure, file=file,
                                    file_name=name, confirm=confirm)


class _ProgressWriter:
    """Write `rows_done` (and the heartbeat `updated_at`) through a second database connection, committed at once.

    The import runs in one transaction so it can roll back whole; an UPDATE through the same connection would stay
    invisible to the polling page until the end (and be rolled back with a rejected file). A lost progress update
    is harmless, so a failure here is logged and never stops the import. Only the attempt that writes is updated:
    a run that lost its job to a newer attempt cannot move the newer one's progress.
    """

    def __init__(self, job_id: int, attempt: int):
        self.job_id = job_id
        self.attempt = attempt
        self.connection = None

    def __call__(self, rows_done: int) -> None:
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.connection.cursor() as cursor:
                cursor.execute(f"UPDATE {UploadJob._meta.db_table} SET rows_done = %s, updated_at = now() "
                               "WHERE id = %s AND status = %s AND attempts = %s",
                               [rows_done, self.job_id, UploadJob.Status.RUNNING, self.attempt])
        except DatabaseError:
            logger.warning("Progress of upload job %s not saved", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _claim(job_id: int, task_id: str) -> UploadJob | None:
    """Take a job for this task: pending, or running under this very task id (a redelivery: that run is dead).

    Celery redelivers a late-acknowledged task only when its worker was lost (or the broker's visibility timeout,
    longer than the hard time limit, ran out), and the redelivered message keeps its task id; so a running job
    whose `task_id` is this task's had its worker die, and skipping it (as before) left it running for ever. A
    running job under another task id belongs to a live run, or to `uploads_requeue_stale`, and is left alone.
    The claim is a conditional UPDATE on (status, attempts), so two deliveries never both take it. Returns the
    claimed job, the job failed after MAX_ATTEMPTS, or None.
    """
    job = UploadJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    redelivered = job.status == UploadJob.Status.RUNNING and task_id and job.task_id == task_id
    if job.status != UploadJob.Status.PENDING and not redelivered:
        return None
    if job.attempts >= UploadJob.MAX_ATTEMPTS:
        upload_fail(job_id=job_id, message=_gave_up(job.attempts))
        job.refresh_from_db()
        return job
    now = timezone.now()
    claimed = UploadJob.objects.filter(pk=job_id, status=job.status, attempts=job.attempts).update(
        status=UploadJob.Status.RUNNING, attempts=F("attempts") + 1, task_id=task_id[:50], started_at=now,
        updated_at=now, rows_done=0, rows_total=None)
    if not claimed:
        return None
    return UploadJob.objects.select_related("procedure", "created_by").get(pk=job_id)


def _gave_up(attempts: int) -> str:
    return (f"The upload was started {attempts} times and each time its worker stopped before finishing (the file "
            "may be too large for the worker's memory); nothing was recorded. Split the file and upload the parts.")


def upload_process(*, job_id: int, task_id: str = "") -> UploadJob | None:
    """Import a pending upload job's file: every row committed, or none and the errors kept on the job.

    The job is claimed by `_claim` (pending, or running under this task id after its worker died); None when it is
    gone, finished or another live run's. Idempotent by construction: the experiments and the job's final status
    are committed in one transaction, and only if the job is still this attempt's, so a run killed at any point
    leaves nothing recorded and the next attempt reads the file from the start. The file is read through the
    bounded reader (`lims.uploads`) in openpyxl's read-only (streaming) mode.
    """
    job = _claim(job_id, task_id)
    if job is None or job.status != UploadJob.Status.RUNNING:
        return job
    with job.file.open("rb") as handle:
        rows_total = count_data_rows(handle, procedure_columns(job.procedure), max_rows=PROCEDURE_MAX_ROWS)
        UploadJob.objects.filter(pk=job_id, attempts=job.attempts).update(rows_total=rows_total,
                                                                         updated_at=timezone.now())
        handle.seek(0)
        writer = _ProgressWriter(job_id, job.attempts)
        try:
            with transaction.atomic():
                result = procedure_import(file=handle, procedure=job.procedure, actor=job.created_by,
                                          progress=writer, progress_every=PROGRESS_EVERY,
                                          confirm=job.confirm)
                status = UploadJob.Status.COMMITTED if result.ok else UploadJob.Status.REJECTED
                finished = UploadJob.objects.filter(pk=job_id, status=UploadJob.Status.RUNNING,
                                                    attempts=job.attempts).update(
                    status=status, rows_done=result.rows,
                    rows_total=result.rows if rows_total is None else rows_total,
                    created_count=result.created, finished_at=timezone.now(), updated_at=timezone.now(),
                    errors=[{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
                    warnings=[{"row": w.row, "column": w.column, "message": w.message} for w in result.warnings])
                if not finished:
                    transaction.set_rollback(True)  # a newer attempt owns the job now: record nothing twice
        finally:
            writer.close()
    job.refresh_from_db()
    return job


def upload_fail(*, job_id: int, reason: str = "", message: str = "") -> None:
    """Mark an unfinished job failed, so a crashed task never leaves the page polling for ever.

    `message` is shown as it is; otherwise the message names `reason` (the exception).
    """
    text = message or f"The upload could not be processed ({reason})."
    UploadJob.objects.filter(pk=job_id, status__in=[UploadJob.Status.PENDING, UploadJob.Status.RUNNING]).update(
        status=UploadJob.Status.FAILED, finished_at=timezone.now(), updated_at=timezone.now(),
        errors=[{"row": None, "column": "", "message": text}])


#: Pending too: a message lost with its worker (reserved, never acknowledged) would otherwise wait for the broker's
#: visibility timeout; a second message is harmless because the claim is a conditional UPDATE.
_STALE = (UploadJob.Status.PENDING, UploadJob.Status.RUNNING)


def uploads_requeue_stale(*, older_than: float | None = None) -> list[tuple[int, int]]:
    """Claim the pending/running upload jobs whose worker stopped reporting; return (job id, uploader id) to enqueue.

    The DCC submissions' mechanism (`procedures.dcc.services.requeue_stale`), run by beat every 5 minutes: a live
    import touches `updated_at` when it starts and every PROGRESS_EVERY rows, and no task outlives the hard time
    limit, so a job untouched for LIMS_UPLOAD_STALE_AFTER (the limit + 60 s) lost its worker. A running one goes
    back to pending (its dead attempt committed nothing) to be enqueued again, unless it already had
    `UploadJob.MAX_ATTEMPTS` starts: then it fails with a message saying so. Each claim is a conditional UPDATE that
    bumps `updated_at`, so two beat runs never enqueue one job twice in a period.
    """
    seconds = settings.LIMS_UPLOAD_STALE_AFTER if older_than is None else older_than
    cutoff = timezone.now() - dt.timedelta(seconds=seconds)
    claimed = []
    stale = UploadJob.objects.filter(status__in=_STALE, updated_at__lte=cutoff).values_list(
        "pk", "status", "attempts", "created_by_id")
    for pk, status, attempts, created_by_id in stale:
        still_stale = UploadJob.objects.filter(pk=pk, status=status, attempts=attempts, updated_at__lte=cutoff)
        if status == UploadJob.Status.RUNNING and attempts >= UploadJob.MAX_ATTEMPTS:
            still_stale.update(status=UploadJob.Status.FAILED, finished_at=timezone.now(), updated_at=timezone.now(),
                               errors=[{"row": None, "column": "", "message": _gave_up(attempts)}])
        elif still_stale.update(status=UploadJob.Status.PENDING, task_id="", updated_at=timezone.now()):
            claimed.append((pk, created_by_id))
    return claimed
