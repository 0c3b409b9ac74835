"""Writes of the DCC export: create a submission, build it (XML → XSD → zip → outbox), fail it.

A submission moves pending → building → validated → delivered, or to failed from any of the first three
(`Submission.TRANSITIONS`). Every move goes through `_transition`, a conditional UPDATE that also names the event in
the audit trail, so two workers can never both build the same submission and the history reads as the lab's story.
"""
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from colonies.models import Colony
from lims.audit import audit_context, user_context
from lims.models import Centre, User
from procedures.dcc.exceptions import Conflict, DomainError, ExportError, InvalidTransition
from procedures.dcc.models import Submission, SubmissionFile
from procedures.dcc.packaging import (
    allocate_increments,
    dcc_names,
    default_out_dir,
    deliver,
    sha256_of,
    write_zip,
)
from procedures.dcc.selectors import exportable_experiment_list, exportable_mouse_list
from procedures.dcc.validation import validate_xml
from procedures.dcc.xml import write_experiment_file, write_specimen_file

Status = Submission.Status
Kind = SubmissionFile.Kind

#: The audit verb of each target status: `dcc.submission.<verb>`.
_VERBS = {
    Status.BUILDING: "started",
    Status.VALIDATED: "validated",
    Status.DELIVERED: "delivered",
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


def _fail(submission: Submission, errors: list[str]) -> Submission:
    return _transition(
        submission, to=Status.FAILED, reason=errors[0], errors=errors, finished_at=timezone.now()
    )


@transaction.atomic
def submission_create(*, centre: Centre, actor: User | None, out_dir: str | PathLike = "") -> Submission:
    """Create a pending submission of everything `centre` can send; the caller enqueues `submission_build_task`.

    `out_dir` defaults to the centre's `add/` directory under LIMS_DCC_OUTBOX. It is stored as an absolute path,
    resolved here, because the worker that delivers runs elsewhere (another directory, maybe another host).

    Raises:
        DomainError: `actor` belongs to another centre.
    """
    if actor is not None and not actor.is_superuser and actor.centre_id != centre.pk:
        raise DomainError("You can only export the data of your own centre.")
    target = Path(out_dir).resolve() if out_dir else default_out_dir(centre)
    with audit_context(**user_context(actor), action="dcc.submission.created"):
        submission = Submission(centre=centre, created_by=actor, out_dir=str(target))
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


def _build_and_validate(submission: Submission, work_dir: Path) -> Submission:
    """Write both XML files from the database, validate them, and move to VALIDATED (or FAILED with the reasons).

    A file with no record is not kept: the XSD needs at least one mouse (resp. centre) per document, and the DCC
    has nothing to do with an empty one.
    """
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    centre = submission.centre
    paths = {Kind.SPECIMEN: work_dir / "specimen.xml", Kind.EXPERIMENT: work_dir / "experiment.xml"}
    with _consistent_snapshot():
        results = {
            Kind.SPECIMEN: write_specimen_file(paths[Kind.SPECIMEN], exportable_mouse_list(centre=centre)),
            Kind.EXPERIMENT: write_experiment_file(paths[Kind.EXPERIMENT], exportable_experiment_list(centre=centre)),
        }
    _progress(submission, 40)
    errors: list[str] = []
    for kind, result in results.items():
        errors += result.problems
        if result.count == 0:
            paths[kind].unlink()
            continue
        errors += [f"{kind} file, {error}" for error in validate_xml(paths[kind])]
    if errors:
        return _fail(submission, errors)
    return _transition(
        submission,
        to=Status.VALIDATED,
        specimen_count=results[Kind.SPECIMEN].count,
        experiment_count=results[Kind.EXPERIMENT].count,
        progress=70,
    )


def _lock_submitted_colonies(centre: Centre) -> None:
    """Stamp the colonies whose mice have now reached the DCC: their name and background strain lock."""
    mice = exportable_mouse_list(centre=centre).filter(colony__isnull=False).values("colony_id")
    with audit_context(action="colonies.colony.submitted_to_dcc"):
        Colony.objects.filter(pk__in=mice, dcc_submitted_at__isnull=True).update(dcc_submitted_at=timezone.now())


def _package_and_deliver(submission: Submission, work_dir: Path) -> Submission:
    """Name, zip and deliver each validated file, specimens first, then move to DELIVERED.

    Specimens get the lower increment because the DCC rejects experiments on specimens it does not know yet.
    Each file is recorded right after it lands in the outbox, so a retry after a partial delivery sends only what
    is missing, under new names.

    Raises:
        ExportError: a validated XML file is gone (a retry on another host); the submission cannot be resumed.
        OSError: writing or copying failed; the task retries.
    """
    centre = submission.centre
    out_dir = Path(submission.out_dir) if submission.out_dir else default_out_dir(centre)
    delivered = set(submission.files.values_list("kind", flat=True))
    todo: list[tuple[str, Path]] = []
    for kind, count in ((Kind.SPECIMEN, submission.specimen_count), (Kind.EXPERIMENT, submission.experiment_count)):
        if count == 0 or kind in delivered:
            continue
        xml_path = work_dir / f"{kind}.xml"
        if not xml_path.exists():
            raise ExportError(f"The validated {kind} file is no longer in {work_dir}; create a new submission.")
        todo.append((kind, xml_path))
    day = timezone.localdate()
    increments = allocate_increments(centre=centre, day=day, count=len(todo))
    for (kind, xml_path), increment in zip(todo, increments, strict=True):
        names = dcc_names(centre_code=centre.code, day=day, increment=increment, kind=kind)
        zip_path = work_dir / names.zip
        write_zip(xml_path=xml_path, xml_name=names.xml, zip_path=zip_path)
        final = deliver(zip_path=zip_path, out_dir=out_dir)
        SubmissionFile.objects.create(
            submission=submission, kind=kind, zip_name=names.zip, xml_name=names.xml, increment=increment,
            sha256=sha256_of(zip_path), size=zip_path.stat().st_size, path=str(final),
        )
    _lock_submitted_colonies(centre)
    submission = _transition(submission, to=Status.DELIVERED, progress=100, finished_at=timezone.now())
    shutil.rmtree(work_dir, ignore_errors=True)
    return submission


def submission_build(*, submission_id: int, task_id: str = "", resume: bool = False) -> Submission:
    """Build a pending submission: XML for every exportable mouse and experiment, XSD, zips, delivery.

    Nothing is delivered unless every file is valid against the DCC's XSDs; otherwise the submission ends FAILED
    with the reasons in `errors`. With nothing to export it ends DELIVERED with no file and zero counts.

    The build is claimed with a conditional UPDATE (pending → building): when another worker has claimed it, or
    it has finished, this returns quietly. `resume=True` (a retry of the same task after a transient error) picks
    up a building or validated submission where it stopped. The function is deliberately not one transaction:
    each status change is committed as it happens, so the UI shows progress and another worker sees the claim.

    Raises:
        Submission.DoesNotExist: no such submission.
        OSError: a transient file-system error; retrying may succeed.
    """
    submission = Submission.objects.select_related("centre").get(pk=submission_id)
    if submission.status == Status.PENDING:
        try:
            _transition(submission, to=Status.BUILDING, started_at=timezone.now(), task_id=task_id[:50], progress=5)
        except Conflict:
            submission.refresh_from_db()
            return submission
    elif submission.status in Submission.TERMINAL or not resume:
        return submission
    work_dir = work_dir_for(submission)
    try:
        if submission.status == Status.BUILDING:
            submission = _build_and_validate(submission, work_dir)
            if submission.status == Status.FAILED:
                return submission
        return _package_and_deliver(submission, work_dir)
    except ExportError as exc:
        return _fail(submission, [exc.message])


__all__ = ["submission_build", "submission_create", "submission_fail", "work_dir_for"]
