"""Excel import of genotyping results in batches: the template (with the centre's assays and calls to pick from) and
the all-or-nothing import.

It reuses `lims.xlsx_import` exactly as the ES cell import does (`colonies.production.imports`): every cell is checked, every
row goes through the same service as the web form (`result_record`) in its own savepoint, and if any row fails the
whole file is rolled back and every problem is reported with its row, column and reason. The columns are named the
way a genotyping lab's plate sheet names them ("Mouse ID", "Sample ID" …); the reader forgives case and
underscores, so "mouse_id" works too. Mice and assays are looked up once per file, in the importer's centre only:
another centre's mouse reads "not found", exactly like one that does not exist.
"""
import functools
from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePath
from typing import IO

from openpyxl import Workbook

from colonies.models import GenotypingAssay, GenotypingSample, Mouse
from colonies.services import result_record
from colonies.services.reminders import reminders_batch
from lims.audit import audit_context
from lims.scoping import scope_for_user
from lims.xlsx_import import (
    CHOICE,
    DATE,
    SUGGESTION_LIMIT,
    TEXT,
    ImportColumn,
    ImportResult,
    ReferenceSheet,
    SheetReader,
    all_or_nothing,
    build_template,
    commit_row,
)

RESULT_SHEET = "Genotyping results"
LOOKUP_CHUNK = 1000
BATCH_MAX_LENGTH = 60

RESULT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("Mouse ID", TEXT, required=True, max_length=60, width=16, example="H-26-00012",
                 help="The mouse's specimen ID in your centre."),
    ImportColumn("Sample ID", TEXT, max_length=60, width=16, example="H-26-00012-S1",
                 help="Barcode or tube label. An ID already registered for this mouse is reused (several assays on "
                      "one sample); a new one is registered; blank gives one automatically."),
    ImportColumn("Sample type", CHOICE, choices=tuple(GenotypingSample.SampleType.values),
                 help="Empty means ear. " + "; ".join(f"{v} = {label}" for v, label in
                                                      GenotypingSample.SampleType.choices) + "."),
    ImportColumn("Collected on", DATE, example="2026-02-01",
                 help="Day the sample was taken; needed unless the Sample ID is already registered."),
    ImportColumn("Assay", TEXT, required=True, max_length=80, width=20,
                 help="The assay's name as listed in the LIMS (see the Assays sheet)."),
    ImportColumn("Call", TEXT, required=True, max_length=80, width=22,
                 help="One of the assay's calls (see the Assays sheet); the zygosity follows from your centre's "
                      "rule table."),
    ImportColumn("Tested on", DATE, required=True, example="2026-02-03",
                 help="Day the assay was run; not before collection, not in the future."),
)
# The service's error keys, and the column where the person fixes each.
ERROR_COLUMNS = {"mouse": "Mouse ID", "sample": "Sample ID", "sample_id": "Sample ID", "sample_type": "Sample type",
                 "collected_on": "Collected on", "assay": "Assay", "call": "Call", "tested_on": "Tested on"}


def _column_for(key: str) -> str:
    return ERROR_COLUMNS.get(key, key)


def _assays(actor):
    return (scope_for_user(GenotypingAssay.objects.filter(voided_at__isnull=True), actor, own_centre=True)
            .prefetch_related("rules").order_by("name"))


def results_template(*, actor) -> Workbook:
    """Build the upload template: the centre's assay names and calls as dropdowns, and an Assays sheet listing each
    assay's allele, calls and the zygosity its rule table gives them (Excel cannot make the call list depend on the
    assay chosen, so the Call dropdown offers every call and the importer checks the pair)."""
    assays = list(_assays(actor))
    calls = sorted({call for assay in assays for call in assay.calls}, key=str.casefold)
    columns = [replace(c, suggestions=tuple(s[:SUGGESTION_LIMIT]))
               if (s := {"Assay": [a.name for a in assays], "Call": calls}.get(c.name)) else c
               for c in RESULT_COLUMNS]

    def assay_rows():
        for assay in assays:
            rules = {rule.call: rule.zygosity for rule in assay.rules.all()}
            for call in assay.calls:
                yield assay.name, assay.allele, call, rules.get(call, "(no rule: add one before importing)")

    sheet = ReferenceSheet("Assays", ["assay", "allele", "call", "zygosity"], assay_rows())
    return build_template(columns, title=RESULT_SHEET, reference_sheets=[sheet], intro=(
        "One genotyping result per row, starting on row 2. Orange columns are required. Give the mouse, the sample "
        "(an ID already registered for the mouse, or a new one with its collection date), the assay, its call and "
        "the test date. The zygosity is not typed: it follows from your centre's rule table (Assays sheet). Upload "
        "the file on the genotyping import page with a batch name: if any row is wrong, nothing is saved and every "
        "problem is listed with its row."))


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    values = sorted(set(values))
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]


def batch_name(batch: str, file: IO[bytes]) -> str:
    """The batch stored on every result: the name given, else the uploaded file's name without .xlsx."""
    given = " ".join((batch or "").split())[:BATCH_MAX_LENGTH]
    return given or PurePath(getattr(file, "name", "") or "upload.xlsx").stem[:BATCH_MAX_LENGTH]


def results_import(*, file: IO[bytes], actor, batch: str = "") -> ImportResult:
    """Record one genotyping result per row of an uploaded template, all of them or none; `batch` names the import
    on every result (the file's name when blank).

    Unknown mice and assays are reported per row before any row is saved; each good row then goes through
    `result_record`, whose rules (call of the assay, a rule for the call, dates, a baseline staying wild type, a
    sample ID of another mouse) report against the column to fix. Any failure rolls the whole import back.
    """
    reader = SheetReader(file, RESULT_COLUMNS, sheet=RESULT_SHEET)
    rows = list(reader)
    result = ImportResult(rows=reader.rows_read, errors=list(reader.errors))
    if actor is None or actor.centre_id is None:
        result.add(None, "", "Your account belongs to no centre; ask a centre admin.")
        return result
    batch = batch_name(batch, file)
    mice: dict[str, Mouse] = {}
    for chunk in _chunks(v["Mouse ID"] for _, v in rows if v.get("Mouse ID")):
        mice.update((m.specimen_id, m) for m in scope_for_user(Mouse.objects.filter(
            voided_at__isnull=True, specimen_id__in=chunk), actor, own_centre=True))
    assays = {a.name.casefold(): a for a in _assays(actor)}

    # One reminder refresh for the whole file (its mice's genotyping jobs), not one per row.
    with all_or_nothing(result), audit_context(import_file=PurePath(getattr(file, "name", "") or "").name,
                                               batch=batch), reminders_batch():
        for number, values in rows:
            problems: list[tuple[str, str]] = []
            specimen_id = values.get("Mouse ID", "")
            mouse = mice.get(specimen_id) if specimen_id else None
            if specimen_id and mouse is None:
                problems.append(("Mouse ID", f"Mouse {specimen_id!r} was not found in your centre."))
            assay_name = values.get("Assay", "")
            assay = assays.get(assay_name.casefold()) if assay_name else None
            if assay_name and assay is None:
                problems.append(("Assay", f"Assay {assay_name!r} was not found; the assays are listed on the "
                                          "Assays sheet."))
            call = " ".join(values.get("Call", "").split())
            if assay is not None and call and call not in assay.calls:
                problems.append(("Call", f"'{call}' is not a call of assay '{assay}'; allowed calls: "
                                         f"{', '.join(assay.calls)}."))
            if problems or number in reader.bad_rows:
                for column, message in problems:
                    result.add(number, column, message)
                continue
            record = functools.partial(
                result_record, actor=actor, mouse=mouse, assay=assay, call=call, tested_on=values.get("Tested on"),
                sample_id=values.get("Sample ID", ""), sample_type=values.get("Sample type") or "",
                collected_on=values.get("Collected on"), batch=batch)
            commit_row(result, number, record, column_for=_column_for)
    return result


__all__ = ["RESULT_COLUMNS", "RESULT_SHEET", "batch_name", "results_import", "results_template"]
