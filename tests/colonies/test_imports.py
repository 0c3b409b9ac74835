"""Excel imports of ES cells and micro-injection attempts: the template, every bad row reported with its reason,
nothing committed unless every row is good, the actor's centre as the only source of references, and a pinned
query budget per row."""
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from colonies.models import EsCell, MicroInjection
from colonies.production.imports import (
    ES_CELL_COLUMNS,
    ES_CELL_SHEET,
    MICROINJECTION_COLUMNS,
    MICROINJECTION_SHEET,
    es_cells_import,
    microinjections_import,
)
from lims.exports import XLSX_CONTENT_TYPE
from lims.models import Strain
from lims.xlsx_import import CHOICE, DATE, INTEGER, ImportColumn, RowError, SheetReader, build_template
from tests.factories import EsCellFactory, GeneFactory, PlanFactory, StrainFactory
from tests.workbooks import saved_bytes, xlsx_upload

pytestmark = pytest.mark.django_db

MI_DATE = dt.date(2025, 6, 1)
# Per ES cell row: row savepoint and the service's own (2 + 2), full_clean's unique-name and three foreign-key
# checks (4), the INSERT (1). Anything that grows with the number of distinct genes or strains would break it.
ES_CELL_QUERIES_PER_ROW = 9
ES_CELL_QUERIES_FIXED = 20
# Per attempt: as above plus the external_ref check, the strain and plan/ES cell foreign keys and the stamps.
MI_QUERIES_PER_ROW = 13
MI_QUERIES_FIXED = 20
URLS = ["colonies_import:escell_import", "colonies_import:escell_import_template",
        "colonies_import:microinjection_import", "colonies_import:microinjection_import_template"]


def xlsx(headers, rows, *, title="Sheet", name="upload.xlsx") -> SimpleUploadedFile:
    """A workbook as a browser would upload it: a header row, then the rows as given."""
    return xlsx_upload(headers, rows, title=title, name=name)


def rows_of(columns, records: list[dict]) -> tuple[list[str], list[list]]:
    headers = [c.name for c in columns]
    return headers, [[record.get(h) for h in headers] for record in records]


def errors_by_row(result) -> dict[int | None, set[str]]:
    found: dict[int | None, set[str]] = {}
    for error in result.errors:
        found.setdefault(error.row, set()).add(error.column)
    return found


@pytest.fixture
def genes():
    return [GeneFactory(symbol=symbol) for symbol in ("Pax6", "Sox2", "Nanog")]


def es_cell_records(genes, count=3):
    return [{"name": f"EPD0001_{n:03d}", "gene": genes[n % len(genes)].symbol, "allele_type": "a",
             "allele_symbol_superscript": "tm1a(EUCOMM)Wtsi", "pipeline": "EUCOMM",
             "parental_cell_line": "JM8A3.N1"} for n in range(count)]


# --- Template ----------------------------------------------------------------------------------------------------


def test_es_cell_template_has_the_api_headers_help_and_a_strain_dropdown(client, manager):
    StrainFactory(name="C57BL/6N")
    StrainFactory(name="C57BL/6NTac")
    client.force_login(manager)
    response = client.get(reverse("colonies_import:escell_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook[ES_CELL_SHEET]
    assert workbook.sheetnames[0] == ES_CELL_SHEET
    assert [c.value for c in sheet[1]] == [c.name for c in ES_CELL_COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert "Required" in sheet["A1"].comment.text and "Optional" in sheet["C1"].comment.text
    strain_col = openpyxl.utils.get_column_letter([c.name for c in ES_CELL_COLUMNS].index("strain") + 1)
    strain_list = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert str(strain_list.sqref).startswith(f"{strain_col}2:")
    assert strain_list.formula1 == '"C57BL/6N,C57BL/6NTac"'
    assert workbook["Help"]["A4"].value == "name"


def test_microinjection_template_offers_choices_and_only_the_centres_plans(client, manager, outsider):
    own_plan = PlanFactory(centre=manager.centre, gene=GeneFactory(symbol="Pax6"))
    PlanFactory(centre=outsider.centre, gene=GeneFactory(symbol="Jaxgene"))
    EsCellFactory(centre=manager.centre, gene=own_plan.gene, name="EPD_OWN")
    EsCellFactory(centre=outsider.centre, name="EPD_THEIRS")
    client.force_login(manager)
    response = client.get(reverse("colonies_import:microinjection_import_template"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook[MICROINJECTION_SHEET]
    headers = [c.value for c in sheet[1]]
    assert headers == [c.name for c in MICROINJECTION_COLUMNS]
    assert {"total_pups_born", "total_male_chimeras", "crsp_total_embryos_injected", "no_hdr_g0_mutants"} <= set(
        headers)
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        by_column[headers[openpyxl.utils.column_index_from_string(letter) - 1]] = validation
    assert by_column["kind"].type == "list" and by_column["kind"].formula1 == '"es_cell,crispr"'
    assert by_column["kind"].errorStyle == "stop"
    assert by_column["es_cell"].formula1 == '"EPD_OWN"' and by_column["es_cell"].errorStyle == "warning"
    assert by_column["mi_date"].type == "date"
    assert by_column["total_pups_born"].type == "whole"
    plans = list(workbook["Plans"].values)
    assert plans == [("plan", "gene", "consortium", "priority"), (own_plan.pk, "Pax6", "BaSH", "medium")]


def test_read_only_user_gets_403_on_every_import_page(client, readonly):
    client.force_login(readonly)
    for name in URLS:
        assert client.get(reverse(name)).status_code == 403
    upload = xlsx(*rows_of(ES_CELL_COLUMNS, []))
    assert client.post(reverse("colonies_import:escell_import"), {"file": upload}).status_code == 403


def test_import_pages_need_a_login(client):
    response = client.get(reverse("colonies_import:escell_import"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- ES cells ----------------------------------------------------------------------------------------------------


def test_three_good_rows_filled_into_the_downloaded_template_import_all(client, manager, genes):
    client.force_login(manager)
    template = client.get(reverse("colonies_import:escell_import_template"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    sheet = workbook[ES_CELL_SHEET]
    headers = [c.value for c in sheet[1]]
    for record in es_cell_records(genes):
        sheet.append([record.get(h) for h in headers])
    upload = SimpleUploadedFile("escells.xlsx", saved_bytes(workbook), content_type=XLSX_CONTENT_TYPE)

    response = client.post(reverse("colonies_import:escell_import"), {"file": upload}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("colonies:escell_list")
    assert "Imported 3 ES cell clones from escells.xlsx." in response.content.decode()
    created = EsCell.objects.filter(centre=manager.centre).order_by("name")
    assert [e.gene.symbol for e in created] == ["Pax6", "Sox2", "Nanog"]
    assert all(e.strain.name == "C57BL/6N-A<tm1Brd>/a" for e in created)  # implied by JM8A3.N1


def test_es_cell_file_with_two_bad_rows_reports_exactly_them_and_creates_nothing(tech, genes):
    """GIVEN five rows where row 4 names an unknown gene and row 6 repeats row 2's name
    WHEN imported THEN both rows are reported with their reasons and no clone is saved;
    AND the corrected file then imports all five."""
    records = es_cell_records(genes, count=5)
    records[2]["gene"] = "Notagene"
    records[4]["name"] = records[0]["name"]
    result = es_cells_import(file=xlsx(*rows_of(ES_CELL_COLUMNS, records)), actor=tech)

    assert result.created == 0 and result.rows == 5
    assert result.bad_rows == [4, 6]
    assert [str(e) for e in result.errors] == [
        "row 4, column gene: Gene 'Notagene' is not known; give its MGI symbol (e.g. Pax6).",
        "row 6, column name: 'EPD0001_000' is also in row 2; each clone appears once.",
    ]
    assert not EsCell.objects.exists()
    assert not Strain.objects.filter(name="C57BL/6N-A<tm1Brd>/a").exists()  # the implied strain rolled back too

    records[2]["gene"], records[4]["name"] = "pax6", "EPD0001_999"  # symbols match ignoring case
    fixed = es_cells_import(file=xlsx(*rows_of(ES_CELL_COLUMNS, records)), actor=tech)
    assert fixed.ok and fixed.created == 5
    assert EsCell.objects.filter(centre=tech.centre).count() == 5


def test_es_cell_name_already_in_the_database_is_reported_by_the_service(tech, genes):
    EsCellFactory(centre=tech.centre, gene=genes[0], name="EPD0001_001")
    result = es_cells_import(file=xlsx(*rows_of(ES_CELL_COLUMNS, es_cell_records(genes))), actor=tech)
    assert errors_by_row(result) == {3: {"name"}}
    assert "already exists" in result.errors[0].message
    assert EsCell.objects.count() == 1


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    """Count every statement sent; unlike django_assert_max_num_queries, whose log stops at 9,000 queries."""
    count = [0]

    def count_one(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_one):
        yield count


def test_es_cell_import_of_2000_rows_stays_within_a_pinned_query_budget(tech):
    """GIVEN 2,000 rows over 20 genes, half naming a strain and half implying it from the cell line
    THEN the queries grow by a fixed number per row: genes, strains and implied strains are looked up once."""
    genes = [GeneFactory(symbol=f"Bulk{n}") for n in range(20)]
    StrainFactory(name="C57BL/6N")
    records = [{"name": f"BULK{n:05d}", "gene": genes[n % 20].symbol, "parental_cell_line": "JM8A3.N1",
                "strain": "C57BL/6N" if n % 2 else None} for n in range(2000)]
    upload = xlsx(*rows_of(ES_CELL_COLUMNS, records))
    with counting_queries() as queries:
        result = es_cells_import(file=upload, actor=tech)
    assert result.ok, result.errors[:5]
    assert result.created == 2000
    assert queries[0] <= ES_CELL_QUERIES_PER_ROW * 2000 + ES_CELL_QUERIES_FIXED


# --- Micro-injection attempts ------------------------------------------------------------------------------------


@pytest.fixture
def production(tech, outsider):
    """GIVEN a plan and an ES cell of Harwell's for Pax6, and a plan and ES cell of JAX's."""
    gene = GeneFactory(symbol="Pax6")
    return {
        "plan": PlanFactory(centre=tech.centre, gene=gene),
        "es_cell": EsCellFactory(centre=tech.centre, gene=gene, name="EPD_H_1"),
        "other_plan": PlanFactory(centre=outsider.centre, gene=gene),
        "other_es_cell": EsCellFactory(centre=outsider.centre, gene=gene, name="EPD_J_1"),
    }


def mi_records(production, count=5):
    return [{"plan": production["plan"].pk, "kind": "es_cell", "es_cell": "EPD_H_1", "external_ref": f"HMI-{n}",
             "mi_date": MI_DATE, "total_blasts_injected": 60, "total_transferred": 50, "total_pups_born": 10,
             "total_male_chimeras": 2, "comments": f"attempt {n}"} for n in range(count)]


def test_microinjection_file_with_two_bad_rows_reports_every_reason_and_creates_nothing(tech, production):
    """GIVEN five rows where row 3 has a non-number count and more chimeras than pups, and row 5 repeats row 2's
    external_ref and names JAX's plan WHEN imported THEN exactly rows 3 and 5 are reported with all four reasons
    and nothing is saved; the corrected file then imports all five."""
    records = mi_records(production)
    records[1].update(total_blasts_injected="lots", total_pups_born=2, total_male_chimeras=3)
    records[3].update(external_ref="hmi-0", plan=production["other_plan"].pk)
    result = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, records)), actor=tech)

    assert result.created == 0
    assert result.bad_rows == [3, 5]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(3, "total_blasts_injected")] == ("total_blasts_injected must be a whole number, e.g. 12; "
                                                         "you typed 'lots'.")
    assert messages[(3, "total_male_chimeras")] == "Male + female chimeras (3) cannot be more than pups born (2)."
    assert messages[(5, "plan")] == f"Plan {production['other_plan'].pk} was not found."
    assert messages[(5, "external_ref")] == "'hmi-0' is also in row 2; each attempt appears once."
    assert not MicroInjection.objects.exists()

    records[1].update(total_blasts_injected=60, total_pups_born=10, total_male_chimeras=3)
    records[3].update(external_ref="HMI-3", plan=production["plan"].pk)
    fixed = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, records)), actor=tech)
    assert fixed.ok, fixed.errors
    assert fixed.created == 5
    attempts = MicroInjection.objects.filter(centre=tech.centre)
    assert attempts.count() == 5
    assert {a.status for a in attempts} == {MicroInjection.Status.CHIMERAS_OBTAINED}


def test_a_message_about_both_chimera_counts_is_reported_once(tech, production):
    """GIVEN a row with 3 male and 2 female chimeras of 4 pups born WHEN imported THEN the one reason is reported
    once, in the male chimeras column (the first of the two), as the form shows it; nothing is saved."""
    records = mi_records(production)
    records[1].update(total_pups_born=4, total_male_chimeras=3, total_female_chimeras=2)
    result = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, records)), actor=tech)

    assert result.created == 0
    reported = [(e.column, e.message) for e in result.errors if e.row == 3]
    assert reported == [("total_male_chimeras", "Male + female chimeras (5) cannot be more than pups born (4).")]
    assert not MicroInjection.objects.exists()


def test_microinjection_import_queries_grow_by_a_fixed_number_per_row(tech, production):
    records = mi_records(production, count=100)
    with counting_queries() as queries:
        result = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, records)), actor=tech)
    assert result.created == 100
    assert queries[0] <= MI_QUERIES_PER_ROW * 100 + MI_QUERIES_FIXED


def test_outsiders_plan_and_es_cell_are_not_found(tech, production):
    records = mi_records(production, count=1)
    records[0].update(plan=production["other_plan"].pk, es_cell="EPD_J_1")
    result = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, records)), actor=tech)
    assert [str(e) for e in result.errors] == [
        f"row 2, column plan: Plan {production['other_plan'].pk} was not found.",
        "row 2, column es_cell: ES cell 'EPD_J_1' was not found.",
    ]


def test_crispr_rows_import_with_their_guides_and_nuclease(tech, production):
    record = {"plan": production["plan"].pk, "kind": "CRISPR", "external_ref": "CR-1", "mi_date": MI_DATE,
              "crsp_total_embryos_injected": 100, "crsp_total_embryos_survived": 80, "crsp_total_transfered": 70,
              "crsp_no_founder_pups": 6, "no_nhej_g0_mutants": 2,
              "guides": "GATTACAGATTACAGATTACAGG; CCTAATGTCTAATGTCTAATG", "nuclease_type": "Cas9",
              "nuclease_class": "mRNA"}
    missing = {**record, "external_ref": "CR-2", "guides": None, "nuclease_class": None}
    result = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, [record, missing])), actor=tech)
    assert errors_by_row(result) == {3: {"nuclease_class"}}

    result = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, [record])), actor=tech)
    assert result.ok, result.errors
    attempt = MicroInjection.objects.get(external_ref="CR-1")
    assert attempt.status == MicroInjection.Status.FOUNDER_OBTAINED
    assert attempt.guides.count() == 2 and attempt.nucleases.get().nuclease_type == "Cas9"


def test_upload_page_lists_every_bad_row_with_row_column_and_reason(client, manager, production):
    records = mi_records(production, count=2)
    records[1]["mi_date"] = "abc"
    client.force_login(manager)
    response = client.post(reverse("colonies_import:microinjection_import"),
                           {"file": xlsx(*rows_of(MICROINJECTION_COLUMNS, records), name="mi.xlsx")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported: 1 problem in 1 row" in page
    assert '<td data-label="Row" class="nowrap">3</td>' in page
    assert '<td data-label="Column" class="mono">mi_date</td>' in page
    assert "&#x27;abc&#x27; is not a date (YYYY-MM-DD)" in page
    assert not MicroInjection.objects.exists()


def test_upload_that_is_not_a_workbook_is_refused_politely(client, manager):
    client.force_login(manager)
    fake = SimpleUploadedFile("notes.xlsx", b"not a zip at all", content_type=XLSX_CONTENT_TYPE)
    response = client.post(reverse("colonies_import:escell_import"), {"file": fake})
    assert response.status_code == 200
    assert "is not an Excel workbook" in response.content.decode()
    csv_file = SimpleUploadedFile("notes.csv", b"name,gene\n", content_type="text/csv")
    response = client.post(reverse("colonies_import:escell_import"), {"file": csv_file})
    assert "Upload an Excel workbook (.xlsx)." in response.content.decode()


# --- The generic reader ------------------------------------------------------------------------------------------

SPEC = [ImportColumn("name", required=True), ImportColumn("mi_date", DATE), ImportColumn("count", INTEGER, min_value=0)]


def test_reader_converts_cells_in_any_column_order_and_reports_cell_errors_by_excel_row():
    upload = xlsx(["Count", " MI date ", "name"], [
        [3, dt.datetime(2025, 1, 2), "A"],
        [None, None, None],  # blank rows are skipped but keep Excel's numbering
        ["4", "2025-01-03", "B"],
        [-1, "abc", None],
    ])
    reader = SheetReader(upload, SPEC)
    rows = list(reader)
    assert rows[:2] == [(2, {"count": 3, "mi_date": dt.date(2025, 1, 2), "name": "A"}),
                        (4, {"count": 4, "mi_date": dt.date(2025, 1, 3), "name": "B"})]
    assert rows[2] == (5, {})
    assert [str(e) for e in reader.errors] == [
        "row 5, column count: -1 is below the minimum of 0",
        "row 5, column mi_date: 'abc' is not a date (YYYY-MM-DD)",
        "row 5, column name: is required",
    ]
    assert reader.bad_rows == {5}


def test_reader_reports_unknown_and_missing_header_columns_and_empty_sheets():
    reader = SheetReader(xlsx(["nmae", "count"], [["A", 1]]), SPEC)
    list(reader)
    assert reader.errors[:2] == [RowError(1, "nmae", "is not a column of this template"),
                                 RowError(1, "name", "is missing from the header row")]
    empty = SheetReader(xlsx(["name"], []), SPEC)
    assert list(empty) == []
    assert [str(e) for e in empty.errors] == ["file: The sheet has no data rows below the header."]


def test_reader_stops_at_the_row_limit():
    reader = SheetReader(xlsx(["name"], [[f"n{i}"] for i in range(5)]), SPEC, max_rows=3)
    assert len(list(reader)) == 3
    assert "more than 3 data rows" in reader.errors[-1].message


def test_long_dropdowns_live_on_a_hidden_sheet_and_short_ones_inline():
    names = tuple(f"Strain number {n}" for n in range(40))  # far beyond Excel's 255 characters for inline lists
    workbook = build_template([ImportColumn("strain", suggestions=names), ImportColumn("kind", CHOICE,
                                                                                      choices=("a", "b"))],
                              title="Data")
    lists = workbook["Lists"]
    assert lists.sheet_state == "hidden"
    assert [row[0] for row in lists.values] == list(names)
    validations = {str(v.sqref)[0]: v for v in workbook["Data"].data_validations.dataValidation}
    assert validations["A"].formula1 == "'Lists'!$A$1:$A$40"
    assert validations["B"].formula1 == '"a,b"'
    assert workbook.sheetnames == ["Data", "Lists", "Help"]


@pytest.mark.parametrize(("list_url", "import_url"), [
    ("colonies:escell_list", "colonies_import:escell_import"),
    ("colonies:microinjection_list", "colonies_import:microinjection_import"),
])
def test_lists_link_to_their_import_page_for_writers_only(client, manager, readonly, list_url, import_url):
    from django.urls import reverse

    client.force_login(manager)
    assert reverse(import_url) in client.get(reverse(list_url)).content.decode()
    client.force_login(readonly)
    assert reverse(import_url) not in client.get(reverse(list_url)).content.decode()
