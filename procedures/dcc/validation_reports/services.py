"""Writes of the DCC's validation reports: store each message on its submission and record.

`report_import` takes files one at a time, **one transaction per file**: a file is imported whole or not at all
(refused with its reasons), and the files before it stay imported. A file is refused when it is not well-formed
or not valid against its tracker XSD (every failure with its line), when it names records of another centre than
the importing one (a centre reads its own reports), or when its centre cannot be told. A file already imported
(same content, same centre) is skipped, so running the command twice adds nothing.

Matching: the submission by the report's file name (the `{ILAR}.{date}.{increment}` of the file it reports on,
as the DCC names its reports after the submitted files), else per record by the ledger (the latest sent
submission that carried it); the record by specimenID + centre (mice) and experimentID + procedure
(experiments: the file's experimentID for imported ones, `{ILAR}-EXP-{pk}` for the LIMS's own). A message that
matches no record is stored all the same, with the identifiers the report gave, and listed.
"""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from colonies.models import Mouse
from lims.audit import audit_context, user_context
from lims.models import Centre
from procedures.dcc.ledger import SENT_STATUSES
from procedures.dcc.models import Submission, SubmissionFile, SubmissionRecord, ValidationMessage
from procedures.dcc.validation_reports.reader import EXPERIMENT, SPECIMEN, Message, Ref, read_messages
from procedures.dcc.validation_reports.schemas import REPORT_NS, parse_report
from procedures.models import Experiment

#: The submitted file a report is about, in its name: `{ILAR}.{YYYY-MM-DD}.{increment}` (dcc-format.md §2).
_STEM_RE = re.compile(r"([A-Za-z_]+)[.]([0-9]{4}-[0-9]{2}-[0-9]{2})[.]([0-9]{1,5})(?:[.](specimen|experiment))?")
_OWN_EXPERIMENT_RE = re.compile(r"(?P<code>[A-Za-z_]+)-EXP-(?P<pk>[0-9]+)")


@dataclass
class ReportResult:
    """What became of one report file."""

    label: str
    refused: list[str] = field(default_factory=list)
    already_imported: bool = False
    centre: Centre | None = None
    messages: int = 0
    matched: int = 0
    rejected_records: int = 0
    unmatched: list[ValidationMessage] = field(default_factory=list)
    submissions: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.refused


def _centre_of(label: str, refs: list[Ref], given: Centre | None, result: ReportResult) -> Centre | None:
    """The importing centre: the given one (the user's, --centre), else the one the report names. Any record of
    another centre refuses the whole file."""
    named = {ref.centre.lower(): ref for ref in refs if ref.centre}
    stem = _STEM_RE.search(Path(label).name)
    centre = given
    if centre is None:
        codes = set(named) or ({stem.group(1).lower()} if stem else set())
        if len(codes) != 1:
            result.refused.append("line 0: the report names " + (f"{len(codes)} centres" if codes else "no centre")
                                  + "; give the centre (--centre) it belongs to.")
            return None
        code = codes.pop()
        centre = Centre.objects.filter(code__iexact=code).first()
        if centre is None:
            result.refused.append(f"line 0: centre {code!r} is not in the LIMS.")
            return None
    for code, ref in sorted(named.items()):
        if code != centre.code.lower():
            result.refused.append(f"line {ref.line}: {ref.element} of centre {ref.centre!r}: the report holds "
                                  f"another centre's records; {centre.code} imports only its own. Nothing of "
                                  "this file was imported.")
    return None if result.refused else centre


def _file_by_name(centre: Centre, label: str) -> SubmissionFile | None:
    stem = _STEM_RE.search(Path(label).name)
    if stem is None or stem.group(1).lower() != centre.code.lower():
        return None
    files = SubmissionFile.objects.select_related("submission").filter(
        submission__centre=centre, increment=int(stem.group(3)),
        zip_name=f"{stem.group(1)}.{stem.group(2)}.{int(stem.group(3))}.impc.zip")
    if stem.group(4):
        files = files.filter(kind=stem.group(4))
    return files.first()


def _records(centre: Centre, refs: list[Ref]) -> tuple[dict, dict]:
    """(specimenID → mouse, experiment ref → experiment) for the refs, in two queries."""
    specimens = {r.specimen_id for r in refs if r.kind == SPECIMEN and r.specimen_id}
    mice = {m.specimen_id: m for m in Mouse.objects.filter(centre=centre, specimen_id__in=specimens)}
    ids = {r.experiment_id for r in refs if r.kind == EXPERIMENT and r.experiment_id}
    own = {int(m["pk"]) for i in ids if (m := _OWN_EXPERIMENT_RE.fullmatch(i)) and m["code"].lower() ==
           centre.code.lower()}
    found = Experiment.objects.filter(Q(dcc_experiment_id__in=ids) | Q(pk__in=own, dcc_experiment_id=""),
                                      centre=centre).select_related("procedure", "centre", "mouse")
    experiments = {}
    for experiment in found:
        for ref in refs:
            if ref.kind == EXPERIMENT and ref.experiment_id == experiment.experiment_id and (
                    not ref.procedure_key or ref.procedure_key == experiment.procedure.key):
                experiments[ref] = experiment
    return mice, experiments


def _ledger_files(centre: Centre, kind: str, ids: set[int]) -> dict[int, SubmissionRecord]:
    """The latest sent ledger row of each record (its submission and file), in one query."""
    rows = (SubmissionRecord.objects.filter(centre=centre, kind=kind, object_id__in=ids,
                                            submission__status__in=SENT_STATUSES)
            .order_by("object_id", "-submission_id").distinct("object_id"))
    return {row.object_id: row for row in rows}


def _when(value: str):
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _rows(centre: Centre, label: str, sha: str, fmt: str, messages: list[Message]) -> list[ValidationMessage]:
    """One unsaved row per (message, record it names); a message naming no record gets one row of its own."""
    refs = [ref for message in messages for ref in message.refs]
    mice, experiments = _records(centre, refs)
    by_name = _file_by_name(centre, label)
    ledger = {SPECIMEN: _ledger_files(centre, SubmissionRecord.Kind.SPECIMEN, {m.pk for m in mice.values()}),
              EXPERIMENT: _ledger_files(centre, SubmissionRecord.Kind.EXPERIMENT,
                                        {e.pk for e in experiments.values()})}
    rows = []
    for message in messages:
        for ref in message.refs or [None]:
            mouse = mice.get(ref.specimen_id) if ref is not None and ref.kind == SPECIMEN else None
            experiment = experiments.get(ref) if ref is not None else None
            record = experiment or mouse
            sent = ledger[ref.kind].get(record.pk) if record is not None else None
            file = by_name or (sent.file if sent is not None else None)
            rows.append(ValidationMessage(
                centre=centre, report_name=label[:255], report_sha256=sha, format=fmt, report_line=message.line,
                submission=file.submission if file else (sent.submission if sent else None),
                file=file, record_kind=ref.kind if ref is not None else "other",
                element=(ref.element if ref is not None else message.element)[:40],
                specimen_id=(ref.specimen_id if ref else "")[:255], dcc_experiment_id=(ref.experiment_id if ref
                                                                                       else "")[:255],
                procedure_key=(ref.procedure_key if ref else "")[:60], mouse=mouse, experiment=experiment,
                message=message.message, phase=message.phase[:30], status=message.status[:10], level=message.level,
                test_id=message.test_id[:255], is_active=message.is_active, reported_at=_when(message.reported_at),
                rejected=message.rejected,
            ))
    return rows


def _import_one(path: Path, label: str, *, centre: Centre | None, actor) -> ReportResult:
    result = ReportResult(label=label)
    tree, errors = parse_report(path)
    if errors:
        result.refused = errors
        return result
    messages = read_messages(tree)
    result.centre = centre = _centre_of(label, [r for m in messages for r in m.refs], centre, result)
    if centre is None:
        return result
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if ValidationMessage.objects.filter(centre=centre, report_sha256=sha).exists():
        result.already_imported = True
        return result
    fmt = (ValidationMessage.Format.REPORT_SET if tree.getroot().tag == f"{{{REPORT_NS}}}validationReportSet"
           else ValidationMessage.Format.VALIDATION_SET)
    with transaction.atomic(), audit_context(**user_context(actor), action="dcc.report.imported",
                                             reason=label[:500]):
        rows = _rows(centre, label, sha, fmt, messages)
        for row in rows:
            row.full_clean(exclude=["centre", "submission", "file", "mouse", "experiment", "fixed_by"])
        ValidationMessage.objects.bulk_create(rows)
    result.messages = len(rows)
    result.matched = sum(1 for r in rows if r.record is not None)
    result.unmatched = [r for r in rows if r.record is None]
    result.rejected_records = len({(r.record_kind, r.record.pk) for r in rows if r.rejected and r.record})
    result.submissions = {r.submission_id for r in rows if r.submission_id}
    return result


def report_import(paths, *, actor, centre: Centre | None = None, labels: list[str] | None = None
                  ) -> list[ReportResult]:
    """Import DCC validation reports (see the module docstring): one transaction per file.

    `centre` is the importing centre (the user's, or `--centre`); without it each file's own centre is used.
    `labels` name the files in messages and matching when their paths do not (an upload's original name).
    """
    results = []
    for index, raw in enumerate(paths):
        path = Path(raw)
        label = labels[index] if labels else str(path)
        results.append(_import_one(path, label, centre=centre, actor=actor))
    return results


def mark_fixed(submission: Submission) -> int:
    """Close the open rejections of the records a delivered submission sent again; return how many."""
    records = submission.records.all()
    experiments = records.filter(kind=SubmissionRecord.Kind.EXPERIMENT).values("object_id")
    mice = records.filter(kind=SubmissionRecord.Kind.SPECIMEN).values("object_id")
    with audit_context(action="dcc.report.fixed", reason=f"Sent again in submission {submission.pk}."):
        return ValidationMessage.objects.filter(
            Q(experiment__in=experiments) | Q(mouse__in=mice), centre=submission.centre, rejected=True,
            fixed_by__isnull=True, created_at__lt=submission.created_at,
        ).update(fixed_by=submission)


__all__ = ["ReportResult", "mark_fixed", "report_import"]
