"""Browser journey of issue 13's acceptance: "20,9" typed into the single record form, the batch form and an Excel
upload is stored as 20.9, never 209; a 250 g body weight asks for confirmation ("Save anyway") before it is saved.

The body weight's plausible range is the fixture table's (`fixtures/plausible_ranges.json`), loaded as `make run`
loads it. Set LIMS_E2E_SCREENSHOTS to keep ui-comma-*.png.
"""
import datetime as dt
import io
import re

import pytest

from procedures.imports import procedure_template
from procedures.models import Experiment, ParameterValue, ScheduledTest
from procedures.ranges import plausible_ranges_load
from procedures.services import mice_enrol
from tests.e2e.bench import login
from tests.e2e.conftest import screenshot
from tests.factories import BODY_WEIGHT_VALUES, ColonyFactory, MouseFactory, body_weight_procedure

KEY = "IMPC_BWT_001_001"
METADATA_LABELS = {"IMPC_BWT_003_001": "Equipment ID", "IMPC_BWT_004_001": "Equipment manufacturer",
                   "IMPC_BWT_005_001": "Experimenter ID", "IMPC_BWT_007_001": "Equipment model"}


@pytest.fixture
def due(transactional_db, centre, tech):
    """GIVEN six Harwell mice due their body weight today, with the fixture's plausible range on body weight."""
    procedure = body_weight_procedure()
    plausible_ranges_load()
    colony = ColonyFactory(centre=centre, name="HAR-COMMA")
    mice = [MouseFactory(centre=centre, colony=colony, specimen_id=f"C-00{n}") for n in range(1, 7)]
    mice_enrol(mice=mice, pipeline=procedure.pipeline, actor=tech, enrolled_on=dt.date.today())
    return {t.mouse.specimen_id: t for t in ScheduledTest.objects.filter(mouse__in=mice).select_related("mouse")}


def _weight(specimen):
    return ParameterValue.objects.get(experiment__mouse__specimen_id=specimen, parameter__key=KEY)


def _fill_metadata(scope):
    for key, label in METADATA_LABELS.items():
        scope.get_by_label(label, exact=True).fill(BODY_WEIGHT_VALUES[key])


def test_a_decimal_comma_is_the_decimal_point_in_every_entry_and_250_g_asks_first(live_server, browser_page, due,
                                                                                  tech):
    """One long story on purpose (reason for its length): the same typed value through the single form, the batch
    form and an Excel upload in one browser session, so the three entries are compared on the same mouse and day."""
    from playwright.sync_api import expect

    page = browser_page
    login(page, live_server.url, tech)

    # 1. The single record form: 20,9 is 20.9.
    page.goto(f"{live_server.url}/phenotyping/worklist/")
    page.get_by_role("link", name="Record Body Weight for C-001").click()
    page.get_by_label("Body weight").fill("20,9")
    _fill_metadata(page)
    page.get_by_role("button", name="Save Body Weight").click()
    expect(page.get_by_role("status").filter(has_text="Body Weight saved for C-001")).to_be_visible()
    assert _weight("C-001").value == "20.9"

    # 250 g asks for confirmation: nothing saved until "Save anyway" is ticked.
    page.get_by_role("link", name="Record Body Weight for C-002").click()
    page.get_by_label("Body weight").fill("250")
    _fill_metadata(page)
    page.get_by_role("button", name="Save Body Weight").click()
    warning = page.get_by_role("alert").filter(has_text="Check before saving")
    expect(warning).to_contain_text("Body weight (IMPC_BWT_001_001) = 250.0 g is outside the plausible range "
                                    "(3.8 to 118 g): check it.")
    screenshot(page, "comma-single-warning")
    assert not Experiment.objects.filter(mouse__specimen_id="C-002").exists()
    expect(page.get_by_label("Body weight")).to_have_value("250")
    page.get_by_label("Save anyway").check()
    page.get_by_role("button", name="Save Body Weight").click()
    expect(page.get_by_role("status").filter(has_text="Body Weight saved for C-002")).to_be_visible()
    heavy = _weight("C-002")
    assert (heavy.value, heavy.out_of_range) == ("250.0", True)
    assert "250.0 g is outside" in heavy.experiment.confirmed_warnings[0]

    # 2. The batch form: 20,9 is 20.9 here too; an ambiguous 1,234 is refused with the message, nothing saved.
    for specimen in ("C-003", "C-004"):
        page.get_by_label(f"Select {specimen} for Body Weight").check()
    page.get_by_role("button", name="Record Body Weight for the ticked mice").click()
    expect(page.get_by_role("heading", name=re.compile("Body Weight for 2 mice"))).to_be_visible()
    page.get_by_role("group", name="Mouse C-003").get_by_label("Body weight").fill("20,9")
    page.get_by_role("group", name="Mouse C-004").get_by_label("Body weight").fill("1,234")
    _fill_metadata(page.get_by_role("group", name="For every mouse"))
    page.get_by_role("button", name="Save Body Weight for 2 mice").click()
    expect(page.get_by_text("Body weight must be a number without a thousands separator: '1,234' could mean 1.234 "
                            "or 1234; type 1.234 or 1234.")).to_be_visible()
    screenshot(page, "comma-batch-refused")
    assert not Experiment.objects.filter(mouse__specimen_id__in=["C-003", "C-004"]).exists()
    page.get_by_role("group", name="Mouse C-004").get_by_label("Body weight").fill("21,4")
    page.get_by_role("button", name="Save Body Weight for 2 mice").click()
    expect(page.get_by_role("status").filter(has_text="Body Weight saved for 2 mice")).to_be_visible()
    assert (_weight("C-003").value, _weight("C-004").value) == ("20.9", "21.4")

    # 3. The Excel upload: 20,9 typed in the template's text cell and 21.4 in a numeric cell.
    workbook = procedure_template(procedure=due["C-005"].procedure, actor=tech)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[2]]  # row 1 names the columns in words, row 2 holds the keys
    rows = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=3) if row[0].value}
    for specimen, weight in (("C-005", "20,9"), ("C-006", 21.4)):
        values = {"date_of_experiment": dt.date.today(), KEY: weight, **{k: BODY_WEIGHT_VALUES[k] for k in
                                                                           METADATA_LABELS}}
        for column, name in enumerate(header, start=1):
            if name in values:
                sheet.cell(row=rows[specimen], column=column, value=values[name])
    handle = io.BytesIO()
    workbook.save(handle)
    page.goto(f"{live_server.url}/phenotyping/procedures/IMPC_BWT_001/upload/")
    page.get_by_label("Spreadsheet (.xlsx)").set_input_files(
        files=[{"name": "weights.xlsx", "mimeType": "application/octet-stream", "buffer": handle.getvalue()}])
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Recorded 2 experiments from weights.xlsx")).to_be_visible()
    screenshot(page, "comma-upload")
    assert (_weight("C-005").value, _weight("C-006").value) == ("20.9", "21.4")
    assert not ParameterValue.objects.filter(parameter__key=KEY, value__in=["209.0", "214.0"]).exists()
