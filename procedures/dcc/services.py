"""Writes of the DCC export: create a submission, build it (XML → XSD → zip → outbox), fail it.

A submission moves pending → building → validated → delivered (or building → nothing when nothing is new or
changed since the last delivery), or to failed from any of the first three
(`Submission.TRANSITIONS`). Every move goes through `_transition`, a conditional UPDATE that also names the event in
the audit trail, so two workers can never both build the same submission and the history reads as the lab's story.
"""
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from os import PathLike
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from colonies.models import Colony, Mouse
from lims.audit import audit_context, user_context
from lims.locks import DCC_BUILD_LOCK
from lims.models import Centre, User
from procedures.dcc.delivery import backend_for
from procedures.dcc.exceptions import Conflict, DomainError, ExportError, InvalidTransition
from procedures.dcc.ledger import FILE_KINDS, SENT_STATUSES, plan_export
from procedures.dcc.models import Submission, SubmissionFile, SubmissionRecord
from procedures.dcc.packaging import allocate_increments, dcc_names, sha256_of, write_zip
from procedures.dcc.preflight import preflight
from procedures.dcc.validation import validate_xml
from procedures.dcc.validation_reports.services import mark_fixed
from procedures.dcc.xml import write_experiment_file, write_specimen_file
from procedures.models import Experiment, Housing, LineExperiment, ScheduledTest

Status = Submission.Status
Kind = SubmissionFile.Kind
Folder = SubmissionFile.Folder
RecordKind = SubmissionRecord.Kind

#: The audit verb of each target status: `dcc.submission.<verb>`.
_VERBS = {
    Status.BUILDING: "started",
    Status.VALIDATED: "validated",
    Status.DELIVERED: "delivered",
    Status.NOTHING: "nothing_to_send",
    Status.FAILED: "failed",
}


def _transition(submission: Submission, *, to: str, reason: str = "", **fields: Any) -> Submission:
    """Move `submission` to `to`, writing `fields` in the same UPDATE, and name the event in the audit trail.

    Raises:
        InvalidTransition: `Submission.TRANSITIONS` does not allow the move from the current status.
        Conflict: the row changed status since it was read (another worker got there first).
    """
    from_ = submission.status
    if to not in Submission.TRANSITIONS.get(from_, set()):
        raise InvalidTransition(f"A {from_} submission cannot become {to}.")
    event = f"dcc.submission.{_VERBS[to]}"
    with audit_context(action=event, reason=reason[:500]):
        claimed = Submission.objects.filter(pk=submission.pk, status=from_).update(
            status=to, updated_at=timezone.now(), **fields
        )
    if claimed != 1:
        raise Conflict(f"Submission {submission.pk} is no longer {from_}; someone else changed it.")
    submission.refresh_from_db()
    return submission


def _progress(submission: Submission, percent: int) -> None:
    """Record progress for the UI; only while the status is unchanged, so it never overwrites a final 100."""
    with audit_context(action="dcc.submission.progress"):
        Submission.objects.filter(pk=submission.pk, status=submission.status).update(
            progress=percent, updated_at=timezone.now()
        )
    submission.progress = percent


def _fail(submission: Submission, errors: list) -> Submission:
    """Fail with `errors`: strings, or pre-flight findings {message, where, url}. A validated submission that fails
    releases the DCC locks of what it never delivered."""
    first = errors[0] if isinstance(errors[0], str) else f"{errors[0]['where']}: {errors[0]['message']}"
    with transaction.atomic():
        if submission.status == Status.VALIDATED:
            _release_unsent_locks(submission)
        return _transition(
            submission, to=Status.FAILED, reason=first, errors=errors, finished_at=timezone.now()
        )


@transaction.atomic
def submission_create(*, centre: Centre, actor: User | None, out_dir: str | PathLike = "",
                      full: bool = False, as_imported: bool = False) -> Submission:
    """Create a pending submission of what `centre` has new or changed; the caller enqueues the build task.

    `out_dir` is the root of a local file source (files go to its `add/` and `edit/`); empty means the configured
    destination (LIMS_DCC_SFTP_URL, else LIMS_DCC_OUTBOX/<centre>/), decided at delivery. It is stored as an
    absolute path because the worker that delivers runs elsewhere. `full` sends every record again. `as_imported`
    (migration mode) sends only the records a DCC import created, as they were imported: their pre-flight findings
    are kept in `findings` and shown on the submission page instead of failing it.

    Raises:
        DomainError: `actor` belongs to another centre.
    """
    if actor is not None and not actor.is_superuser and actor.centre_id != centre.pk:
        raise DomainError("You can only export the data of your own centre.")
    target = str(Path(out_dir).resolve()) if out_dir else ""
    with audit_context(**user_context(actor), action="dcc.submission.created"):
        submission = Submission(centre=centre, created_by=actor, out_dir=target, full=full, as_imported=as_imported)
        submission.full_clean()
        submission.save()
    return submission


def submission_fail(*, submission_id: int, reason: str) -> Submission | None:
    """Mark a submission failed after an unexpected error, unless it already finished.

    Called by the task when it gives up, so a crashed build never stays "building" in the UI.
    """
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or submission.status in Submission.TERMINAL:
        return submission
    try:
        return _fail(submission, [reason])
    except Conflict:
        submission.refresh_from_db()
        return submission


def work_dir_for(submission: Submission) -> Path:
    """Where a build keeps its XML and zips until delivery; kept after a failure, for inspection."""
    return Path(settings.LIMS_DCC_OUTBOX) / "work" / str(submission.pk)


def archive_path_for(file: SubmissionFile) -> Path:
    """The copy of a delivered zip kept for download from the DCC page (the file source may be remote)."""
    return Path(settings.LIMS_DCC_OUTBOX) / "archive" / str(file.submission.centre_id) / file.zip_name


@contextmanager
def _consistent_snapshot() -> Iterator[None]:
    """Read specimens and experiments from one snapshot, so the experiment file never names a mouse the specimen
    file lacks because an experiment was recorded between the two queries.

    Inside a caller's transaction (tests, nested use) that transaction's view is used as it is: its isolation
    level can no longer be changed.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _test_pause() -> None:
    """Test-only (LIMS_DCC_TEST_PHASE_DELAY): sleep between phases so a test can SIGKILL the worker mid-build."""
    delay = getattr(settings, "LIMS_DCC_TEST_PHASE_DELAY", 0)
    if delay:
        time.sleep(delay)


def _xml_path(work_dir: Path, folder: str, kind: str) -> Path:
    return work_dir / f"{folder}.{kind}.xml"


#: The files of a submission in delivery order: specimens before experiments (the DCC rejects experiments on
#: specimens it does not know), additions before edits.
_FILE_ORDER = [(Folder.ADD, Kind.SPECIMEN), (Folder.EDIT, Kind.SPECIMEN),
               (Folder.ADD, Kind.EXPERIMENT), (Folder.EDIT, Kind.EXPERIMENT)]


#: First key of the PostgreSQL advisory lock that serialises the builds of one centre (the second is the centre id);
#: identity edits take it in shared mode (`lims.locks`).
_BUILD_LOCK = DCC_BUILD_LOCK


@contextmanager
def _one_build_per_centre(centre: Centre) -> Iterator[None]:
    """Hold a session-level advisory lock on the centre while one export plans and commits its ledger rows.

    Two exports started together would otherwise plan the same new records and both send them. The second waits
    here, then plans against the first's committed ledger rows. A worker that dies drops its connection, and
    PostgreSQL releases the lock with it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_BUILD_LOCK, centre.pk])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_BUILD_LOCK, centre.pk])


def _build_and_validate(submission: Submission, work_dir: Path) -> Submission:
    with _one_build_per_centre(submission.centre):
        return _build_and_validate_locked(submission, work_dir)


def _build_and_validate_locked(submission: Submission, work_dir: Path) -> Submission:
    """Plan (ledger), pre-flight, write the XML files, validate them against the XSD, and move to VALIDATED with
    the ledger rows — or to NOTHING when there is nothing new, or FAILED with the findings/errors.

    The ledger rows are written in the same transaction as the move to VALIDATED, so a worker killed earlier
    leaves nothing behind and the rebuild starts clean.
    """
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    centre = submission.centre
    results: dict[tuple[str, str], int] = {}
    errors: list = []
    findings: list = []
    with _consistent_snapshot():
        plan = plan_export(centre=centre, full=submission.full, as_imported=submission.as_imported)
        findings = preflight(centre=centre, plan=plan) if plan else []
        # Migration mode: the imported records go as they were imported; what today's rules say is listed, not held.
        sent_anyway, findings = (findings, []) if submission.as_imported else ([], findings)
        for folder, kind in _FILE_ORDER if plan and not findings else ():
            if not plan.count(FILE_KINDS[kind], folder):
                continue
            path = _xml_path(work_dir, folder, kind)
            if kind == Kind.SPECIMEN:
                result = write_specimen_file(path, Mouse.objects.filter(pk__in=plan.ids(RecordKind.SPECIMEN, folder)))
            else:
                result = write_experiment_file(
                    path,
                    Experiment.objects.filter(pk__in=plan.ids(RecordKind.EXPERIMENT, folder)),
                    not_performed=ScheduledTest.objects.filter(pk__in=plan.ids(RecordKind.NOT_PERFORMED, folder)),
                    lines=LineExperiment.objects.filter(pk__in=plan.ids(RecordKind.LINE, folder)),
                    housing=Housing.objects.filter(pk__in=plan.ids(RecordKind.HOUSING, folder)),
                )
            errors += result.problems
            results[(folder, kind)] = result.count
    if not plan:
        return _transition(submission, to=Status.NOTHING, progress=100, finished_at=timezone.now())
    if findings:
        return _fail(submission, findings)
    _progress(submission, 40)
    _test_pause()
    for (folder, kind) in results:
        errors += [f"{folder}/ {kind} file, {error}" for error in validate_xml(_xml_path(work_dir, folder, kind))]
    if errors:
        return _fail(submission, errors)
    with transaction.atomic():
        SubmissionRecord.objects.bulk_create(
            [SubmissionRecord(submission=submission, centre=centre, kind=r.kind, object_id=r.object_id,
                              sha256=r.sha256, folder=r.folder) for r in plan.records],
            batch_size=2000,
        )
        _lock_sent_records(submission)
        return _transition(
            submission,
            to=Status.VALIDATED,
            specimen_count=sum(n for (_f, kind), n in results.items() if kind == Kind.SPECIMEN),
            experiment_count=sum(n for (_f, kind), n in results.items() if kind == Kind.EXPERIMENT),
            progress=70, findings=sent_anyway,
        )


def _sent_colonies(records) -> Q:
    """The colonies `records` name to the DCC: those of their specimens, and those of their line experiments."""
    mice = Mouse.objects.filter(pk__in=records.filter(kind=RecordKind.SPECIMEN).values("object_id"),
                                colony__isnull=False).values("colony_id")
    lines = LineExperiment.objects.filter(pk__in=records.filter(kind=RecordKind.LINE).values("object_id")
                                          ).values("colony_id")
    return Q(pk__in=mice) | Q(pk__in=lines)


def _lock_sent_records(submission: Submission) -> None:
    """Stamp what this submission sends, in the transaction that records it as sent (VALIDATED is "sent" for the
    ledger too): its mice, whose specimen ID then locks and whose sex, birth, colony and strain change only by a
    correction (`colonies.services.mouse_correct`), and the colonies of its mice and line experiments, whose name,
    strain, gene and origin lock (`colonies.services.colony_update`). The colonies app reads the stamps; it never
    reads this ledger."""
    now = timezone.now()
    specimens = submission.records.filter(kind=RecordKind.SPECIMEN).values("object_id")
    with audit_context(action="colonies.mouse.submitted_to_dcc"):
        Mouse.objects.filter(pk__in=specimens, dcc_submitted_at__isnull=True).update(dcc_submitted_at=now)
    with audit_context(action="colonies.colony.submitted_to_dcc"):
        Colony.objects.filter(_sent_colonies(submission.records.all()), dcc_submitted_at__isnull=True).update(
            dcc_submitted_at=now)


def _release_unsent_locks(submission: Submission) -> None:
    """Undo `_lock_sent_records` for what a failing validated submission never delivered and no other sent
    submission carries: a lock must mean the DCC has (or is about to have) the record."""
    records = submission.records.all()
    delivered = records.filter(file__delivered_at__isnull=False)
    elsewhere = SubmissionRecord.objects.filter(submission__status__in=SENT_STATUSES).exclude(submission=submission)
    unsent = records.exclude(pk__in=delivered.values("pk"))
    mice = unsent.filter(kind=RecordKind.SPECIMEN).exclude(
        object_id__in=elsewhere.filter(kind=RecordKind.SPECIMEN).values("object_id")).values("object_id")
    with audit_context(action="colonies.mouse.dcc_lock_released", reason=f"Submission {submission.pk} failed."):
        Mouse.objects.filter(pk__in=mice).update(dcc_submitted_at=None)
    still_sent = (Colony.objects.filter(_sent_colonies(elsewhere) | _sent_colonies(delivered)).values("pk"))
    stamped_mice = Mouse.objects.filter(dcc_submitted_at__isnull=False, colony__isnull=False).values("colony_id")
    with audit_context(action="colonies.colony.dcc_lock_released", reason=f"Submission {submission.pk} failed."):
        Colony.objects.filter(_sent_colonies(unsent)).exclude(pk__in=still_sent).exclude(pk__in=stamped_mice).update(
            dcc_submitted_at=None)


def _clear_resubmission_flags(submission: Submission) -> None:
    """Experiments edited after the QC lock were sent again (edit/): the DCC now has the current values."""
    sent = submission.records.filter(kind=RecordKind.EXPERIMENT).values("object_id")
    with audit_context(action="procedures.experiment.resubmitted"):
        Experiment.objects.filter(pk__in=sent, needs_resubmission=True).update(needs_resubmission=False)


def _deliver_file(file: SubmissionFile, zip_path: Path, backend) -> None:
    """Deliver one recorded file unless the destination already holds it with the same checksum.

    Raises:
        ExportError: the destination holds a different file of that name (names are never reused).
        OSError: the transfer failed (ConnectionError for the network); the task retries.
    """
    existing = backend.checksum(file.folder, file.zip_name)
    if existing is None:
        if not zip_path.exists():
            raise ExportError(f"The packed {file.zip_name} is no longer in the work directory; create a new "
                              "submission.")
        location = backend.put(zip_path, file.folder, file.zip_name)
    elif existing == file.sha256:
        location = file.path  # delivered before the worker could record it: not sent twice
    else:
        raise ExportError(f"{file.folder}/{file.zip_name} already exists with other content; DCC file names must "
                          "never be reused.")
    archive = archive_path_for(file)
    if zip_path.exists() and not archive.exists():
        archive.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(zip_path, archive)
    SubmissionFile.objects.filter(pk=file.pk, delivered_at__isnull=True).update(
        delivered_at=timezone.now(), path=location or file.path)


def _package_and_deliver(submission: Submission, work_dir: Path) -> Submission:
    """Name, zip and deliver each validated file, specimens first, then move to DELIVERED.

    Each file is first recorded (name, increment, checksum, `delivered_at` empty), then delivered, then marked
    delivered. A resumed build therefore re-delivers a recorded file under the same name — or not at all when the
    destination already has it with the same checksum — and names only the files that were never recorded.

    Raises:
        ExportError: a validated XML file is gone (a retry on another host); the submission cannot be resumed.
        OSError: writing or transferring failed; the task retries.
    """
    centre = submission.centre
    backend = backend_for(centre=centre, out_dir=submission.out_dir)
    try:
        recorded = {(f.folder, f.kind): f for f in submission.files.all()}
        planned = set(submission.records.values_list("folder", "kind").distinct())
        todo = []
        for folder, kind in _FILE_ORDER:
            if (folder, kind) in recorded or not any((folder, k) in planned for k in FILE_KINDS[kind]):
                continue
            xml_path = _xml_path(work_dir, folder, kind)
            if not xml_path.exists():
                raise ExportError(f"The validated {folder}/ {kind} file is no longer in {work_dir}; create a new "
                                  "submission.")
            todo.append((folder, kind, xml_path))
        day = timezone.localdate()
        increments = allocate_increments(centre=centre, day=day, count=len(todo))
        for (folder, kind, xml_path), increment in zip(todo, increments, strict=True):
            names = dcc_names(centre_code=centre.code, day=day, increment=increment, kind=kind)
            zip_path = work_dir / names.zip
            write_zip(xml_path=xml_path, xml_name=names.xml, zip_path=zip_path)
            with transaction.atomic():
                file = SubmissionFile.objects.create(
                    submission=submission, kind=kind, folder=folder, zip_name=names.zip, xml_name=names.xml,
                    increment=increment, sha256=sha256_of(zip_path), size=zip_path.stat().st_size,
                    path=f"{backend.describe()}/{folder}/{names.zip}",
                )
                submission.records.filter(folder=folder, kind__in=FILE_KINDS[kind]).update(file=file)
            recorded[(folder, kind)] = file
        for folder, kind in _FILE_ORDER:
            file = recorded.get((folder, kind))
            if file is not None and file.delivered_at is None:
                _test_pause()
                _deliver_file(file, work_dir / file.zip_name, backend)
    finally:
        backend.close()
    _clear_resubmission_flags(submission)
    mark_fixed(submission)
    submission = _transition(submission, to=Status.DELIVERED, progress=100, finished_at=timezone.now())
    shutil.rmtree(work_dir, ignore_errors=True)
    return submission


def submission_build(*, submission_id: int, task_id: str = "", resume: bool = False) -> Submission:
    """Build a pending submission: ledger plan, pre-flight, XML, XSD, zips, delivery to add/ and edit/.

    Nothing is delivered unless pre-flight finds nothing and every file is valid against the DCC's XSDs; otherwise
    the submission ends FAILED with the reasons in `errors`. With nothing new or changed it ends NOTHING ("nothing
    to send"): no file, no increment used.

    The build is claimed with a conditional UPDATE (pending → building): when another worker has claimed it, or
    it has finished, this returns quietly. `resume=True` (a retry after a transient error, or `requeue_stale` after
    a worker died) picks up a building or validated submission where it stopped. The function is deliberately not
    one transaction: each status change is committed as it happens, so the UI shows progress and another worker
    sees the claim.

    Raises:
        Submission.DoesNotExist: no such submission.
        OSError: a transient file-system or network error; retrying may succeed.
    """
    submission = Submission.objects.select_related("centre").get(pk=submission_id)
    if submission.status == Status.PENDING:
        try:
            _transition(submission, to=Status.BUILDING, started_at=timezone.now(), task_id=task_id[:50], progress=5,
                        attempts=F("attempts") + 1)
        except Conflict:
            submission.refresh_from_db()
            return submission
    elif submission.status in Submission.TERMINAL or not resume:
        return submission
    else:
        with audit_context(action="dcc.submission.resumed"):
            Submission.objects.filter(pk=submission.pk).update(
                attempts=F("attempts") + 1, updated_at=timezone.now(), task_id=task_id[:50] or submission.task_id)
    _test_pause()
    work_dir = work_dir_for(submission)
    try:
        if submission.status == Status.BUILDING:
            submission = _build_and_validate(submission, work_dir)
            if submission.status != Status.VALIDATED:
                return submission
        return _package_and_deliver(submission, work_dir)
    except ExportError as exc:
        return _fail(submission, [exc.message])


#: Pending too: a message lost with its worker (reserved, never acknowledged) would otherwise wait for Redis's
#: visibility timeout; re-enqueueing is harmless because the build claims the row with a conditional UPDATE.
_REQUEUABLE = {Status.PENDING, *Submission.ACTIVE}


def requeue_stale(*, older_than: float | None = None) -> list[int]:
    """Claim the pending/building/validated submissions whose worker stopped reporting and return their ids to re-enqueue.

    A live build touches `updated_at` at every phase; one untouched for longer than the task's hard time limit
    (LIMS_DCC_STALE_AFTER) had its worker killed. The claim is a conditional UPDATE that bumps `updated_at`, so
    two beat runs (or two hosts) never re-enqueue the same submission twice in one period.
    """
    seconds = settings.LIMS_DCC_STALE_AFTER if older_than is None else older_than
    cutoff = timezone.now() - timedelta(seconds=seconds)
    claimed = []
    stale = Submission.objects.filter(status__in=_REQUEUABLE, updated_at__lte=cutoff).values_list("pk",
                                                                                                        flat=True)
    for pk in stale:
        with audit_context(action="dcc.submission.requeued"):
            if Submission.objects.filter(pk=pk, status__in=_REQUEUABLE, updated_at__lte=cutoff).update(
                    updated_at=timezone.now()):
                claimed.append(pk)
    return claimed


__all__ = ["archive_path_for", "requeue_stale", "submission_build", "submission_create", "submission_fail",
           "work_dir_for"]
