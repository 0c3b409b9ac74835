"""The export ledger: which records go into the next submission, and to which DCC folder.

Every record a submission carries is stored as a `SubmissionRecord` with the SHA-256 of its content — the very
dict the XML writer writes (`procedures.dcc.xml.*_content`), so a change that would alter the XML changes the hash
and nothing else does. The next export compares each exportable record with the hash of its last *delivered*
submission: never delivered → `add/`; hash changed, or an experiment flagged `needs_resubmission` (edited after
the QC lock) → `edit/`; otherwise it is not sent. A full export sends everything (known records to `edit/`).
"""
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from lims.models import Centre
from procedures.dcc import selectors
from procedures.dcc import xml as dcc_xml
from procedures.dcc.models import SubmissionFile, SubmissionRecord

Kind = SubmissionRecord.Kind
Folder = SubmissionFile.Folder

#: The record kinds of each file kind.
FILE_KINDS = {
    SubmissionFile.Kind.SPECIMEN: (Kind.SPECIMEN,),
    SubmissionFile.Kind.EXPERIMENT: (Kind.EXPERIMENT, Kind.NOT_PERFORMED, Kind.LINE, Kind.HOUSING),
}


@dataclass(frozen=True)
class PlannedRecord:
    kind: str
    object_id: int
    sha256: str
    folder: str


@dataclass
class Plan:
    """What the next submission of a centre sends: the records per folder, with their hashes."""

    records: list[PlannedRecord] = field(default_factory=list)

    def ids(self, kind: str, folder: str | None = None) -> list[int]:
        return [r.object_id for r in self.records if r.kind == kind and (folder is None or r.folder == folder)]

    def count(self, kinds: Iterable[str], folder: str) -> int:
        return sum(1 for r in self.records if r.kind in kinds and r.folder == folder)

    def __bool__(self) -> bool:
        return bool(self.records)


def content_hash(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


#: Submissions whose records count as sent: delivered, or validated (their ledger rows are committed and the
#: delivery will finish, resumed by `requeue_stale` if a worker dies). A second export planned meanwhile must not
#: send the same records again.
SENT_STATUSES = selectors.SENT_STATUSES


def last_delivered_hashes(*, centre: Centre) -> dict[tuple[str, int], str]:
    """(kind, object id) → hash of the record in its latest sent submission (DISTINCT ON, one query)."""
    rows = (
        SubmissionRecord.objects.filter(centre=centre, submission__status__in=SENT_STATUSES)
        .order_by("kind", "object_id", "-submission_id")
        .distinct("kind", "object_id")
        .values_list("kind", "object_id", "sha256")
    )
    return {(kind, object_id): sha for kind, object_id, sha in rows.iterator(chunk_size=5000)}


def _streamed(rows: QuerySet) -> Iterable:
    return rows.iterator(chunk_size=dcc_xml.CHUNK_SIZE)


def _sources(centre: Centre, *, as_imported: bool = False) -> list[tuple[str, Iterable, Callable[[object], dict]]]:
    """Each record kind with its rows as the writer reads them; mice and experiments (most of an export) as the
    tuples the writers read (`xml.mouse_records`, `xml.experiment_records`): no model instance per record.
    `as_imported` narrows each kind to the records a DCC import created (`selectors.imported_only`)."""

    def rows(kind, queryset):
        return selectors.imported_only(kind, queryset) if as_imported else queryset

    return [
        (Kind.SPECIMEN, dcc_xml.mouse_records(rows(Kind.SPECIMEN, selectors.exportable_specimen_list(centre=centre))),
         dcc_xml.mouse_content),
        (Kind.EXPERIMENT, dcc_xml.experiment_records(
            rows(Kind.EXPERIMENT, selectors.exportable_experiment_list(centre=centre))), dcc_xml.experiment_content),
        (Kind.NOT_PERFORMED, _streamed(dcc_xml.not_performed_rows(
            rows(Kind.NOT_PERFORMED, selectors.exportable_not_performed_list(centre=centre)))),
         dcc_xml.not_performed_content),
        (Kind.LINE, _streamed(dcc_xml.line_rows(rows(Kind.LINE, selectors.exportable_line_list(centre=centre)))),
         dcc_xml.line_content),
        (Kind.HOUSING, _streamed(dcc_xml.housing_rows(
            rows(Kind.HOUSING, selectors.exportable_housing_list(centre=centre)))), dcc_xml.housing_content),
    ]


def plan_export(*, centre: Centre, full: bool = False, as_imported: bool = False) -> Plan:
    """Compare every exportable record of `centre` with the ledger and return what to send where.

    `as_imported` (migration mode) plans the imported records only (`selectors.imported_only`).
    Streams each source in chunks (a few queries per chunk); memory holds one (kind, id, hash) per record.
    """
    last = last_delivered_hashes(centre=centre)
    plan = Plan()
    for kind, rows, content in _sources(centre, as_imported=as_imported):
        for obj in rows:
            sha = content_hash(content(obj))
            previous = last.get((kind, obj.pk))
            if previous is None:
                folder = Folder.ADD
            elif full or previous != sha or getattr(obj, "needs_resubmission", False):
                folder = Folder.EDIT
            else:
                continue
            plan.records.append(PlannedRecord(kind, obj.pk, sha, folder))
    return plan


def pending_plan(*, centre: Centre) -> Plan:
    """What is pending for the DCC (`selectors.pending_records`) as a plan without hashes, for the DCC page's
    counts and pre-flight: no record's content is read, so the page costs what changed, not what exists."""
    return Plan([PlannedRecord(kind, pk, "", Folder.EDIT if sent else Folder.ADD)
                 for kind, pk, sent in selectors.pending_records(centre=centre)])


def review_plan(*, centre: Centre, pending: Plan | None = None, rejected: list[tuple[str, int]] | None = None
                ) -> Plan:
    """What the DCC page's pre-flight checks: the pending records (`pending_plan`) and the exportable records the
    DCC rejected that no later delivery sent again. A rejection is for the wrangler to fix whether or not the record
    changed since, so it is checked (and listed under "rejected by the DCC") until its next edit is delivered; the
    pending counts stay those of `pending_plan`, as the export would send nothing for an unchanged record.
    `pending` (the centre's `pending_plan`) and `rejected` (`selectors.open_rejection_records`) when the caller
    has them already (not re-read)."""
    plan = Plan(list((pending if pending is not None else pending_plan(centre=centre)).records))
    planned = {(r.kind, r.object_id) for r in plan.records}
    if rejected is None:
        rejected = selectors.open_rejection_records(centre=centre)
    for kind, pk in rejected:
        if (kind, pk) not in planned:
            plan.records.append(PlannedRecord(kind, pk, "", Folder.EDIT))
    return plan


pending_counts = selectors.pending_counts


__all__ = ["FILE_KINDS", "Plan", "PlannedRecord", "content_hash", "last_delivered_hashes", "pending_counts",
           "pending_plan", "plan_export", "review_plan"]
