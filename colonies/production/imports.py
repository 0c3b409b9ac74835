"""Excel imports of ES cells and micro-injection attempts: their column specs, templates and import services.

Columns carry the API's field names (`colonies.api.serializers`), so a sheet, a script and the REST API speak the same
language. Each row goes through the same service as the web form (`es_cell_create`, `microinjection_create`), so an
import can break no rule a form would catch. References are looked up once per file, not once per row: a 2,000-row
file naming 30 genes costs 30 gene look-ups in one query, not 2,000 queries.

References to centre-owned records (plan ids, ES cell names) are resolved within the importing user's centre only,
because the new records belong to that centre: another centre's plan id reads "not found", exactly like one that
does not exist, so an import can neither use nor reveal another centre's records.
"""
import functools
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import PositiveIntegerField
from django.db.models.functions import Lower
from openpyxl import Workbook

from colonies.models import EsCell, MicroInjection, Nuclease, Plan
from colonies.services import (
    es_cell_create,
    microinjection_count_errors,
    microinjection_create,
    strain_for_cell_line,
)
from colonies.services.common import normalise_name
from lims.audit import audit_context
from lims.models import Gene, Strain
from lims.scoping import scope_for_user
from lims.xlsx_import import (
    CHOICE,
    DATE,
    INTEGER,
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

ES_CELL_SHEET = "ES cells"
MICROINJECTION_SHEET = "Micro-injections"
LOOKUP_CHUNK = 1000  # keeps each IN (…) list of a look-up query to a sane size


def _text(model, name: str, *, required: bool = False, help: str | None = None, **kwargs) -> ImportColumn:
    """A text column whose length limit and help come from the model field, so the two never drift apart."""
    model_field = model._meta.get_field(name)
    return ImportColumn(name, TEXT, required=required, max_length=getattr(model_field, "max_length", None),
                        help=str(model_field.help_text) if help is None else help, **kwargs)


ES_CELL_COLUMNS: tuple[ImportColumn, ...] = (
    _text(EsCell, "name", required=True, help="The clone's name; unique across the system.", example="EPD0123_4_A01",
          width=20),
    ImportColumn("gene", TEXT, required=True, max_length=75, help="MGI gene symbol.", example="Pax6"),
    _text(EsCell, "allele_type", example="a"),
    _text(EsCell, "allele_symbol_superscript", width=30),
    _text(EsCell, "mgi_allele_id", help="MGI allele accession.", example="MGI:4434136"),
    _text(EsCell, "pipeline", example="EUCOMM"),
    _text(EsCell, "parental_cell_line", required=True, help="Implies the strain when no strain is given.",
          example="JM8A3.N1", width=22),
    ImportColumn("strain", TEXT, max_length=150, width=24,
                 help="Strain name as listed in the LIMS; leave empty to use the strain the parental cell line "
                      "implies."),
)

# Every count of an attempt, in the model's order (ES cell counts first, then CRISPR): new counts join automatically.
COUNT_FIELDS: tuple[str, ...] = tuple(
    f.name for f in MicroInjection._meta.concrete_fields if isinstance(f, PositiveIntegerField)
)
CRISPR_COUNT_FIELDS = frozenset(n for n in COUNT_FIELDS if n.startswith("crsp_") or n.endswith("_g0_mutants"))


def _count_column(name: str) -> ImportColumn:
    verbose = str(MicroInjection._meta.get_field(name).verbose_name)
    kind = "CRISPR attempts" if name in CRISPR_COUNT_FIELDS else "ES cell attempts"
    return ImportColumn(name, INTEGER, min_value=0, unit="count", help=f"{kind}: {verbose}.")


def _choice_values(field_name: str, model=MicroInjection) -> tuple[str, ...]:
    return tuple(str(value) for value, _label in model._meta.get_field(field_name).choices)


MICROINJECTION_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("plan", INTEGER, required=True, min_value=1, example=12,
                 help="The id of one of your centre's plans (see the Plans sheet)."),
    ImportColumn("kind", CHOICE, choices=_choice_values("kind"), help="Empty means es_cell."),
    ImportColumn("es_cell", TEXT, max_length=100, width=20,
                 help="Name of your centre's ES cell clone (ES cell attempts only)."),
    _text(MicroInjection, "external_ref", required=True, example="HEPD0123_4_A01-1", width=22),
    ImportColumn("mi_date", DATE, required=True, help="Day of the micro-injection; not in the future.",
                 example="2026-02-01"),
    *(_count_column(name) for name in COUNT_FIELDS),
    ImportColumn("test_cross_strain", TEXT, max_length=150, width=22, help="Strain name as listed in the LIMS."),
    ImportColumn("colony_background_strain", TEXT, max_length=150, width=26,
                 help="Strain name as listed in the LIMS."),
    _text(MicroInjection, "comments", help="Free text.", width=30),
    # CRISPR reagents: the service refuses a CRISPR attempt without at least one guide and one nuclease.
    ImportColumn("guides", TEXT, width=30, help="CRISPR attempts: guide sequences (A, C, G, T; at least 16 bases), "
                                                "separated by ';'.", example="GATTACAGATTACAGATTACAGG"),
    ImportColumn("nuclease_type", CHOICE, choices=_choice_values("nuclease_type", Nuclease),
                 help="CRISPR attempts: the nuclease used."),
    ImportColumn("nuclease_class", CHOICE, choices=_choice_values("nuclease_class", Nuclease),
                 help="CRISPR attempts: how the nuclease was delivered."),
)

# Service error keys that have no column of their own, and the column where the user fixes them.
MICROINJECTION_ERROR_COLUMNS = {"nucleases": "nuclease_type"}


# --- Templates ---------------------------------------------------------------------------------------------------


def _strain_names(**flags: bool) -> tuple[str, ...]:
    """Strain names for a dropdown: those flagged for the role when any are, else every strain."""
    strains = Strain.objects.order_by("name")
    names = tuple(strains.filter(**flags).values_list("name", flat=True)[:SUGGESTION_LIMIT + 1]) if flags else ()
    return names or tuple(strains.values_list("name", flat=True)[:SUGGESTION_LIMIT + 1])


def _with_suggestions(columns: Iterable[ImportColumn], suggestions: dict[str, tuple[str, ...]]):
    return [replace(c, suggestions=suggestions[c.name]) if c.name in suggestions else c for c in columns]


def es_cell_template(*, actor) -> Workbook:
    """Build the ES cell upload template, with today's strain names as the strain dropdown."""
    columns = _with_suggestions(ES_CELL_COLUMNS, {"strain": _strain_names()})
    return build_template(columns, title=ES_CELL_SHEET, intro=(
        "One ES cell clone per row, starting on row 2. Orange columns are required. Hover over a column name for "
        "what it takes, or read the table below. Upload the file on the ES cell import page: if any row is wrong, "
        "nothing is saved and every problem is listed with its row."))


def microinjection_template(*, actor) -> Workbook:
    """Build the micro-injection upload template, with the actor's centre's plans and ES cells to pick from."""
    plans = (scope_for_user(Plan.objects.filter(voided_at__isnull=True, is_active=True, withdrawn=False), actor,
                            own_centre=True).select_related("gene", "consortium").order_by("gene__symbol", "pk"))
    es_cells = (scope_for_user(EsCell.objects.filter(voided_at__isnull=True), actor, own_centre=True)
                .order_by("name").values_list("name", flat=True)[:SUGGESTION_LIMIT + 1])
    columns = _with_suggestions(MICROINJECTION_COLUMNS, {
        "es_cell": tuple(es_cells),
        "test_cross_strain": _strain_names(is_test_cross=True),
        "colony_background_strain": _strain_names(is_background=True),
    })
    plan_sheet = ReferenceSheet("Plans", ["plan", "gene", "consortium", "priority"],
                                ((p.pk, p.gene.symbol, p.consortium.name, p.priority) for p in plans.iterator()))
    return build_template(columns, title=MICROINJECTION_SHEET, reference_sheets=[plan_sheet], intro=(
        "One micro-injection attempt per row, starting on row 2. Orange columns are required. 'plan' is the id of "
        "one of your centre's active plans (listed on the Plans sheet). ES cell attempts name their es_cell; CRISPR "
        "attempts (kind crispr) give guides and a nuclease instead. If any row is wrong, nothing is saved and every "
        "problem is listed with its row."))


# --- Look-ups, once per file ----------------------------------------------------------------------------------


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = sorted(set(values), key=str)
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]


def _genes_by_symbol(symbols: Iterable[str]) -> dict[str, Gene]:
    """Genes keyed by lower-case symbol (symbols are unique ignoring case, so pax6 finds Pax6)."""
    found: dict[str, Gene] = {}
    for chunk in _chunks(s.casefold() for s in symbols if s):
        for gene in Gene.objects.annotate(symbol_lower=Lower("symbol")).filter(symbol_lower__in=chunk):
            found[gene.symbol_lower] = gene
    return found


def _strains_by_name(names: Iterable[str]) -> dict[str, Strain]:
    found: dict[str, Strain] = {}
    for chunk in _chunks(n for n in names if n):
        found.update((s.name, s) for s in Strain.objects.filter(name__in=chunk))
    return found


def _file_name(file: IO[bytes]) -> str:
    return PurePath(getattr(file, "name", "") or "upload.xlsx").name


def _read(file: IO[bytes], columns, sheet: str) -> tuple[SheetReader, list[tuple[int, dict]], ImportResult]:
    """Read every row (streamed from the file; only the converted values are kept) and start the result."""
    reader = SheetReader(file, columns, sheet=sheet)
    rows = list(reader)
    return reader, rows, ImportResult(rows=reader.rows_read, errors=list(reader.errors))


def _needs_centre(actor, result: ImportResult) -> bool:
    """Records belong to the actor's centre; without one, say so once rather than on every row."""
    if actor is None or actor.centre_id is None:
        result.add(None, "", "Your account belongs to no centre; ask a centre admin.")
        return True
    return False


def _first_seen(seen: dict[str, int], key: str, row: int) -> int | None:
    """The row where `key` first appeared in the file (None the first time), remembering it for later rows."""
    if key in seen:
        return seen[key]
    seen[key] = row
    return None


# --- ES cells ----------------------------------------------------------------------------------------------------


def es_cells_import(*, file: IO[bytes], actor) -> ImportResult:
    """Create one ES cell clone per row of an uploaded template, all of them or none.

    Every row is checked (cells, gene and strain look-ups, names repeated within the file) and then saved through
    `es_cell_create` in its own savepoint, so rules only the database or the service knows (a name already used)
    are found too. If any row fails, the whole import is rolled back and the result lists every error by row and
    column; otherwise it counts the clones created.
    """
    reader, rows, result = _read(file, ES_CELL_COLUMNS, ES_CELL_SHEET)
    if _needs_centre(actor, result):
        result.sort()
        return result
    genes = _genes_by_symbol(values.get("gene", "") for _, values in rows)
    strains = _strains_by_name(values.get("strain", "") for _, values in rows)
    names: dict[str, int] = {}
    implied: dict[str, Strain | ValidationError] = {}  # parental cell line → strain, or why it implies none

    with all_or_nothing(result), audit_context(import_file=_file_name(file)):
        for number, values in rows:
            problems: list[tuple[str, str]] = []
            name = values.get("name", "")
            if name and (first := _first_seen(names, name, number)) is not None:
                problems.append(("name", f"{name!r} is also in row {first}; each clone appears once."))
            symbol = values.get("gene", "")
            gene = genes.get(symbol.casefold()) if symbol else None
            if symbol and gene is None:
                problems.append(("gene", f"Gene {symbol!r} is not known; give its MGI symbol (e.g. Pax6)."))
            strain_name = values.get("strain", "")
            strain = strains.get(strain_name) if strain_name else None
            if strain_name and strain is None:
                problems.append(("strain", f"Strain {strain_name!r} is not known."))
            cell_line = values.get("parental_cell_line", "")
            if not strain_name and cell_line:
                # The service would look the implied strain up on every row; a file uses a handful of cell lines.
                if cell_line not in implied:
                    try:
                        implied[cell_line] = strain_for_cell_line(cell_line)
                    except ValidationError as exc:
                        implied[cell_line] = exc
                strain = implied[cell_line]
                if isinstance(strain, ValidationError):
                    problems.extend(("parental_cell_line", m) for m in strain.message_dict["parental_cell_line"])
            for column, message in problems:
                result.add(number, column, message)
            if problems or number in reader.bad_rows:
                continue
            fields = {c.name: values.get(c.name, c.empty()) for c in ES_CELL_COLUMNS}
            fields.update(gene=gene, strain=strain)
            commit_row(result, number, functools.partial(es_cell_create, actor=actor, **fields))
    return result


# --- Micro-injection attempts ------------------------------------------------------------------------------------


def _reagents(values: dict[str, Any]) -> tuple[list[dict] | None, list[dict] | None, list[tuple[str, str]]]:
    """Guides and nucleases from a row's cells (None when the row gives none), and what is incomplete."""
    text = values.get("guides", "")
    guides = [{"sequence": s} for s in re.split(r"[;,\s]+", text) if s] if text else None
    nuclease_type, nuclease_class = values.get("nuclease_type"), values.get("nuclease_class")
    problems = []
    if bool(nuclease_type) != bool(nuclease_class):
        missing = "nuclease_class" if nuclease_type else "nuclease_type"
        problems.append((missing, "Give both nuclease_type and nuclease_class, or neither."))
    nucleases = ([{"nuclease_type": nuclease_type, "nuclease_class": nuclease_class}]
                 if nuclease_type and nuclease_class else None)
    return guides, nucleases, problems


def _attempt_references(rows, actor) -> tuple[dict[int, Plan], dict[str, EsCell]]:
    """The plans (by id) and ES cells (by name) the rows name, of the actor's centre only, a chunk per query."""
    plan_ids = {values["plan"] for _, values in rows if values.get("plan") is not None}
    es_cell_names = {values["es_cell"] for _, values in rows if values.get("es_cell")}
    plans: dict[int, Plan] = {}
    for chunk in _chunks(plan_ids):
        plans.update((p.pk, p) for p in scope_for_user(Plan.objects.filter(
            pk__in=chunk, voided_at__isnull=True), actor, own_centre=True).select_related("gene"))
    es_cells: dict[str, EsCell] = {}
    for chunk in _chunks(es_cell_names):
        es_cells.update((e.name, e) for e in scope_for_user(EsCell.objects.filter(
            name__in=chunk, voided_at__isnull=True), actor, own_centre=True).select_related("gene"))
    return plans, es_cells


def microinjections_import(*, file: IO[bytes], actor) -> ImportResult:
    """Create one micro-injection attempt per row of an uploaded template, all of them or none.

    Plans (by id) and ES cells (by name) are looked up in the actor's centre only; anything else is "not found".
    External refs repeated within the file are reported on the later row. Each row is then saved through
    `microinjection_create`, whose rules (the count hierarchy, ES cell and plan gene match, no future dates,
    external refs unique across the system) report per column. Any failure rolls the whole import back.
    """
    reader, rows, result = _read(file, MICROINJECTION_COLUMNS, MICROINJECTION_SHEET)
    if _needs_centre(actor, result):
        result.sort()
        return result
    plans, es_cells = _attempt_references(rows, actor)
    strains = _strains_by_name(
        values.get(name, "") for _, values in rows for name in ("test_cross_strain", "colony_background_strain"))
    refs: dict[str, int] = {}

    with all_or_nothing(result), audit_context(import_file=_file_name(file)):
        for number, values in rows:
            problems: list[tuple[str, str]] = []
            plan_id = values.get("plan")
            plan = plans.get(plan_id) if plan_id is not None else None
            if plan_id is not None and plan is None:
                problems.append(("plan", f"Plan {plan_id} was not found."))
            es_cell_name = values.get("es_cell", "")
            es_cell = es_cells.get(es_cell_name) if es_cell_name else None
            if es_cell_name and es_cell is None:
                problems.append(("es_cell", f"ES cell {es_cell_name!r} was not found."))
            ref = normalise_name(values.get("external_ref", ""))
            if ref and (first := _first_seen(refs, ref.casefold(), number)) is not None:
                problems.append(("external_ref", f"{ref!r} is also in row {first}; each attempt appears once."))
            fields: dict[str, Any] = {}
            for name in ("test_cross_strain", "colony_background_strain"):
                strain_name = values.get(name, "")
                fields[name] = strains.get(strain_name) if strain_name else None
                if strain_name and fields[name] is None:
                    problems.append((name, f"Strain {strain_name!r} is not known."))
            guides, nucleases, reagent_problems = _reagents(values)
            problems += reagent_problems
            counts = {name: values.get(name) for name in COUNT_FIELDS}
            if problems or number in reader.bad_rows:
                # The service is not reached for this row, so check its counts here: one upload, every reason.
                for column, messages in microinjection_count_errors(MicroInjection(**counts)).items():
                    problems.extend((column, message) for message in messages)
                for column, message in problems:
                    result.add(number, column, message)
                continue
            fields.update(counts)
            fields.update(plan=plan, es_cell=es_cell, kind=values.get("kind") or MicroInjection.Kind.ES_CELL,
                          external_ref=ref, mi_date=values.get("mi_date"), comments=values.get("comments", ""))
            if guides is not None:
                fields["guides"] = guides
            if nucleases is not None:
                fields["nucleases"] = nucleases
            commit_row(result, number, functools.partial(microinjection_create, actor=actor, **fields),
                       column_for=lambda key: MICROINJECTION_ERROR_COLUMNS.get(key, key))
    return result


__all__ = [
    "COUNT_FIELDS", "ES_CELL_COLUMNS", "ES_CELL_SHEET", "MICROINJECTION_COLUMNS", "MICROINJECTION_SHEET",
    "es_cell_template", "es_cells_import", "microinjection_template", "microinjections_import",
]
